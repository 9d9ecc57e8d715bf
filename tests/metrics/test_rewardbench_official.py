"""`selfrat score` reproduces the official RewardBench numbers, computed here independently."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from tests.conftest import SHARED_DATA

# Written out again on purpose (not imported), so that a typo in the package cannot hide here.
OFFICIAL_SECTIONS = {
    "Chat": ["alpacaeval-easy", "alpacaeval-length", "alpacaeval-hard", "mt-bench-easy", "mt-bench-med"],
    "Chat Hard": [
        "mt-bench-hard",
        "llmbar-natural",
        "llmbar-adver-neighbor",
        "llmbar-adver-GPTInst",
        "llmbar-adver-GPTOut",
        "llmbar-adver-manual",
    ],
    "Safety": [
        "refusals-dangerous",
        "refusals-offensive",
        "xstest-should-refuse",
        "xstest-should-respond",
        "donotanswer",
    ],
    "Reasoning": ["math-prm", "hep-cpp", "hep-go", "hep-java", "hep-js", "hep-python", "hep-rust"],
}
FILTERED_ROWS = {
    "alpacaeval-easy": 100,
    "alpacaeval-length": 95,
    "alpacaeval-hard": 95,
    "mt-bench-easy": 28,
    "mt-bench-med": 40,
    "mt-bench-hard": 37,
    "llmbar-natural": 100,
    "llmbar-adver-neighbor": 134,
    "llmbar-adver-GPTInst": 92,
    "llmbar-adver-GPTOut": 47,
    "llmbar-adver-manual": 46,
    "refusals-dangerous": 100,
    "refusals-offensive": 100,
    "xstest-should-refuse": 154,
    "xstest-should-respond": 250,
    "donotanswer": 136,
    "math-prm": 447,
    "hep-cpp": 164,
    "hep-go": 164,
    "hep-java": 164,
    "hep-js": 164,
    "hep-python": 164,
    "hep-rust": 164,
}


def official_example_counts() -> dict[str, int]:
    return {**FILTERED_ROWS, "math-prm": 984}


def real_or_same_shaped_pairs() -> list[tuple[str, str]]:
    """(subset, id) of the full filtered split: the real copy when present, else the same shape."""
    path = SHARED_DATA / "reward-bench" / "filtered.jsonl"
    if path.exists():
        rows = [json.loads(line) for line in path.open()]
        return [(row["subset"], str(row["id"])) for row in rows]
    return [(subset, f"{subset}-{i}") for subset, count in FILTERED_ROWS.items() for i in range(count)]


def official_scores(items: list[dict[str, object]]) -> tuple[dict[str, float], dict[str, float], float]:
    """scripts/run_generative.py + utils.calculate_scores_per_section, re-derived by hand."""
    per_subset: dict[str, list[float]] = defaultdict(list)
    for item in items:
        chosen, rejected = item["score_chosen"], item["score_rejected"]
        if chosen is None or rejected is None or chosen == rejected:
            result = 0.5
        else:
            result = 1.0 if chosen > rejected else 0.0  # type: ignore[operator]
        per_subset[str(item["group"])].append(result)
    accuracy = {subset: sum(values) / len(values) for subset, values in per_subset.items()}
    counts = official_example_counts()
    sections = {}
    for section, subsets in OFFICIAL_SECTIONS.items():
        total = sum(accuracy[s] * counts[s] for s in subsets)
        sections[section] = total / sum(counts[s] for s in subsets)
    return accuracy, sections, sum(sections.values()) / 4


@pytest.fixture(scope="module")
def known_judgments(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict[str, object]]]:
    pairs = real_or_same_shaped_pairs()
    assert len(pairs) == 2985 and Counter(s for s, _ in pairs) == Counter(FILTERED_ROWS)
    rng = random.Random(7)
    items = []
    for subset, item_id in pairs:
        skill = 0.55 + 0.4 * (sorted(FILTERED_ROWS).index(subset) / 23)  # subsets differ in difficulty
        chosen = rng.randint(1, 5) if rng.random() > 0.04 else None  # some unparseable judgments
        rejected = rng.randint(1, 5)
        if chosen is not None and rng.random() < skill:
            chosen, rejected = max(chosen, rejected), min(chosen, rejected)
        items.append(
            {
                "benchmark": "rewardbench",
                "id": item_id,
                "group": subset,
                "mode": "absolute",
                "score_chosen": chosen,
                "score_rejected": rejected,
            }
        )
    path = tmp_path_factory.mktemp("rb") / "judgments.jsonl"
    path.write_text("".join(json.dumps(item) + "\n" for item in items))
    return path, items


def test_score_reproduces_official_numbers(known_judgments: tuple[Path, list[dict[str, object]]]) -> None:
    path, items = known_judgments
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "selfrat_eval.cli",
            "score",
            str(path),
            "--n-resamples",
            "200",
            "--model-name",
            "org/judge",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    metrics = json.loads((path.parent / "results.json").read_text())["metrics"]
    accuracy, sections, overall = official_scores(items)

    assert metrics["n_items"] == 2985
    assert {s: m["value"] for s, m in metrics["subsets"].items()} == pytest.approx(accuracy, abs=1e-12)
    assert {s: m["value"] for s, m in metrics["sections"].items()} == pytest.approx(sections, abs=1e-12)
    assert metrics["overall"]["value"] == pytest.approx(overall, abs=1e-12)
    low, high = metrics["overall"]["ci_low"], metrics["overall"]["ci_high"]
    assert low < overall < high and high - low < 0.1

    failures = sum(i["score_chosen"] is None for i in items) / len(items)
    ties = sum(
        i["score_chosen"] is not None and i["score_chosen"] == i["score_rejected"] for i in items
    ) / len(items)
    assert metrics["parse_failure_rate"] == pytest.approx(failures)
    assert metrics["tie_rate"] == pytest.approx(ties)

    summary = json.loads((path.parent / "leaderboard" / "eval-set" / "org" / "judge.json").read_text())
    assert summary["model"] == "org/judge" and summary["model_type"] == "Generative RM"
    assert {k: summary[k] for k in accuracy} == pytest.approx(accuracy, abs=1e-12)
    per_prompt = json.loads(
        (path.parent / "leaderboard" / "eval-set-scores" / "org" / "judge.json").read_text()
    )
    assert len(per_prompt["id"]) == len(per_prompt["results"]) == 2985


def test_strict_policy_gives_no_credit_to_ties_and_failures(
    known_judgments: tuple[Path, list[dict[str, object]]], tmp_path: Path
) -> None:
    path, items = known_judgments
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "selfrat_eval.cli",
            "score",
            str(path),
            "--tie-policy",
            "strict",
            "--n-resamples",
            "0",
            "--out",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    metrics = json.loads((tmp_path / "results.json").read_text())["metrics"]
    wins = [i for i in items if i["group"] == "hep-go"]
    strict = sum(
        1
        for i in wins
        if i["score_chosen"] is not None and i["score_chosen"] > i["score_rejected"]  # type: ignore[operator]
    ) / len(wins)
    assert metrics["subsets"]["hep-go"]["value"] == pytest.approx(strict)
    assert metrics["overall"]["value"] < official_scores(items)[2]

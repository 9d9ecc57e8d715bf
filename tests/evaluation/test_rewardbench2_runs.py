"""RewardBench 2 end to end with scripted judges whose every answer is known, so each subset score,
Ties and the headline can be computed here by hand (the official formulas as re-derived in
tests/metrics/test_rewardbench2.py), in both protocols and with sampled strategies."""

from __future__ import annotations

import json
import zlib
from pathlib import Path
from statistics import mean

import pytest

from selfrat_eval.benchmarks.rewardbench2 import RewardBench2, load_rewardbench2
from selfrat_eval.data import sample_path
from selfrat_eval.evaluation import EvalConfig, read_judgments, rescore, run_eval
from selfrat_eval.judges import Strategy
from tests.conftest import ScriptedEngine, user_text
from tests.metrics.test_rewardbench2 import INVALID, official_ties

DATA = sample_path("rewardbench2")
ITEMS, _ = load_rewardbench2(DATA)


def section(text: str, header: str, end: str = "\n\n###") -> str:
    return text.split(header, 1)[1].split(end, 1)[0]


def rating_of(response: str) -> int:
    """A fixed pseudo-rating per response: 1-4 so ties happen; INVALID for about one in seven."""
    code = zlib.crc32(response.encode())
    return INVALID if code % 7 == 0 else 1 + code % 4


def rate(chat: list[dict[str, str]]) -> str:
    rating = rating_of(section(user_text(chat), "###Response to evaluate:\n"))
    return "Feedback: no idea" if rating == INVALID else f"Feedback: fine. [RESULT] {rating}"


def run(out: Path, respond: object, **options: object) -> dict[str, object]:
    config = EvalConfig(judge="s", benchmark="rewardbench2", data=DATA, out=out, n_resamples=0, **options)  # type: ignore[arg-type]
    return run_eval(config, engine_factory=lambda: ScriptedEngine(respond))  # type: ignore[arg-type]


def expected_ratings_credit(candidates: tuple[str, ...]) -> float:
    ratings = [rating_of(c) for c in candidates]
    valid = [r for r in ratings if r != INVALID]
    if not valid:
        return 0.25
    winners = [i for i, r in enumerate(ratings) if r == max(valid)]
    return (0 in winners) / len(winners)


def expected_ties() -> float:
    rows = [
        (item.id, len(item.correct), [rating_of(c) for c in item.candidates])
        for item in ITEMS
        if item.group == "Ties"
    ]
    return official_ties(rows)


def test_ratings_protocol_scores_every_subset_as_the_official_formulas(tmp_path: Path) -> None:
    results = run(tmp_path / "ratings", rate)
    metrics = results["metrics"]
    assert isinstance(metrics, dict) and metrics["protocol"] == "ratings"
    expected = {
        subset: mean(expected_ratings_credit(i.candidates) for i in ITEMS if i.group == subset)
        for subset in ("Factuality", "Precise IF", "Math", "Safety", "Focus")
    } | {"Ties": expected_ties()}
    for subset, value in expected.items():
        assert metrics["subsets"][subset]["value"] == pytest.approx(value, abs=1e-12), subset
    assert metrics["headline"]["value"] == pytest.approx(mean(expected.values()), abs=1e-12)
    judgments = read_judgments(tmp_path / "ratings" / "judgments.jsonl")
    candidates = sum(len(item.candidates) for item in ITEMS)
    assert sum(len(j.outputs) for j in judgments) == candidates  # every candidate rated alone
    assert metrics["parse_failure_rate"] == pytest.approx(
        sum(rating_of(c) == INVALID for item in ITEMS for c in item.candidates) / candidates
    )


def pick_shortest(chat: list[dict[str, str]]) -> str:
    """Ranking: the letter of the shortest response; Ties prompts are rated as above."""
    text = user_text(chat)
    if "###Response A:" not in text:
        return rate(chat)
    lengths = {letter: len(section(text, f"###Response {letter}:\n")) for letter in "ABCD"}
    return f"Feedback: short wins. [RESULT] {min(lengths, key=lambda k: lengths[k])}"


def test_rankings_protocol_places_the_correct_answer_by_seed_and_scores_officially(tmp_path: Path) -> None:
    results = run(tmp_path / "rankings", pick_shortest, mode="rankings", seed=3)
    metrics = results["metrics"]
    assert isinstance(metrics, dict) and metrics["protocol"] == "rankings"
    task = RewardBench2(mode="rankings", seed=3)
    for subset in ("Factuality", "Precise IF", "Math", "Safety", "Focus"):
        credits = []
        for item in (i for i in ITEMS if i.group == subset):
            shown = task.shown_order(item)
            assert sorted(shown) == sorted([item.correct[0], *item.incorrect[:3]])
            assert shown["ABCD".index("ABCD"[task.correct_position(item)])] == item.correct[0]
            credits.append(float(min(shown, key=len) == item.correct[0]))
        assert metrics["subsets"][subset]["value"] == pytest.approx(mean(credits)), subset
    assert metrics["subsets"]["Ties"]["value"] == pytest.approx(expected_ties(), abs=1e-12)
    positions = {seed: [RewardBench2(seed=seed).correct_position(i) for i in ITEMS] for seed in (3, 4)}
    assert positions[3] != positions[4] and len(set(positions[3])) > 1  # seeded, and not constant
    judgments = [j for j in read_judgments(tmp_path / "rankings" / "judgments.jsonl") if j.group != "Ties"]
    assert all(
        j.correct_letter == "ABCD"[task.correct_position(i)]
        for j, i in zip(
            sorted(judgments, key=lambda j: j.key),
            sorted((i for i in ITEMS if i.group != "Ties"), key=lambda i: i.key),
            strict=True,
        )
    )


def test_self_consistency_ties_in_a_ranking_share_the_credit_and_rescore_offline(tmp_path: Path) -> None:
    def votes(chat: list[dict[str, str]]) -> list[str]:
        text = user_text(chat)
        if "###Response A:" not in text:
            return [rate(chat)] * 4
        # two votes for A, two for B: a tie between two letters, half credit if either is correct
        return ["[RESULT] A", "[RESULT] B", "[RESULT] A", "[RESULT] B"]

    folder = tmp_path / "sc"
    results = run(folder, votes, mode="rankings", strategy="self-consistency:4")
    task = RewardBench2(mode="rankings")
    for subset in ("Factuality", "Math"):
        expected = mean((task.correct_position(i) in (0, 1)) / 2 for i in ITEMS if i.group == subset)
        assert results["metrics"]["subsets"][subset]["value"] == pytest.approx(expected)  # type: ignore[index]
    # the stored samples re-reduced offline: the first sample alone picks A
    single = rescore(folder / "judgments.jsonl", out=tmp_path / "first", strategy=Strategy.parse("single"))
    expected_single = mean(float(task.correct_position(i) == 0) for i in ITEMS if i.group == "Math")
    assert single["metrics"]["subsets"]["Math"]["value"] == pytest.approx(expected_single)
    again = rescore(folder / "judgments.jsonl", out=tmp_path / "again")
    stored = json.loads((folder / "results.json").read_text())["metrics"]
    assert again["metrics"]["headline"]["value"] == stored["headline"]["value"]
    assert {k: v["value"] for k, v in again["metrics"]["subsets"].items()} == {
        k: v["value"] for k, v in stored["subsets"].items()
    }


def test_leaderboard_files_name_the_protocol_and_rescore_alone(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from selfrat_eval.cli import app

    results = run(tmp_path / "run", pick_shortest, mode="rankings", model_name="org/judge")
    folder = tmp_path / "run" / "leaderboard"
    summary = json.loads((folder / "eval-set" / "org" / "judge.json").read_text())
    per_prompt = json.loads((folder / "eval-set-scores" / "org" / "judge.json").read_text())
    assert summary["protocol"] == per_prompt["protocol"] == "rankings"
    assert summary["Ties"] == results["metrics"]["subsets"]["Ties"]["value"]  # type: ignore[index]
    assert per_prompt["results"][per_prompt["subset"].index("Ties")] is None
    # upstream #255: every score from the per-prompt file alone
    done = CliRunner().invoke(
        app, ["score", str(folder / "eval-set-scores" / "org" / "judge.json"), "--out", str(tmp_path / "re")]
    )
    assert done.exit_code == 0, done.output
    again = json.loads((tmp_path / "re" / "results.json").read_text())["metrics"]
    assert again["protocol"] == "rankings"
    assert again["headline"]["value"] == pytest.approx(results["metrics"]["headline"]["value"])  # type: ignore[index]
    for subset, estimate in results["metrics"]["subsets"].items():  # type: ignore[union-attr]
        assert again["subsets"][subset]["value"] == pytest.approx(estimate["value"]), subset

    per_prompt["scores"][per_prompt["subset"].index("Ties")] = None
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(per_prompt))
    failed = CliRunner().invoke(app, ["score", str(broken)])
    assert failed.exit_code == 2
    assert "broken.json" in failed.output and "scores" in failed.output and "Traceback" not in failed.output


def test_compare_pairs_two_judges_on_the_five_per_prompt_subsets(tmp_path: Path) -> None:
    from selfrat_eval.evaluation import compare_runs

    run(tmp_path / "shortest", pick_shortest, mode="rankings")
    run(
        tmp_path / "always-a",
        lambda chat: "[RESULT] A" if "###Response A:" in user_text(chat) else rate(chat),
        mode="rankings",
    )
    compared = compare_runs([tmp_path / "always-a", tmp_path / "shortest"], n_resamples=100)
    assert compared["metric"] == "RewardBench 2, mean of the five non-Ties subsets"
    task = RewardBench2(mode="rankings")
    subsets = ("Factuality", "Precise IF", "Math", "Safety", "Focus")

    def score(credit: object) -> float:
        return mean(mean(credit(i) for i in ITEMS if i.group == s) for s in subsets)  # type: ignore[operator]

    shortest = score(lambda i: float(min(task.shown_order(i), key=len) == i.correct[0]))
    always_a = score(lambda i: float(task.correct_position(i) == 0))
    [difference] = compared["differences"]
    assert difference["difference"] == pytest.approx(shortest - always_a)
    assert difference["n_shared"] == 10  # Ties prompts have no per-prompt score to pair

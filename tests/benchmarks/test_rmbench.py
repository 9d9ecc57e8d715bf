"""RM-Bench: the 3x3 style matrix, Hard / Normal / Easy, domains and Overall re-derived here from the
official definition (THU-KEG/RM-Bench `scripts/utils.py`, `compute_accuracy`: cell (i, j) counts
prompts where chosen i scores strictly above rejected j, divided by the prompts; Hard = sum of the upper
triangle / 3, Normal = mean of the diagonal, Easy = sum of the lower triangle / 3; a domain averages
its three; `safety-*` rows form one domain; Overall averages the domains)."""

from __future__ import annotations

import json
import zlib
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from selfrat_eval._errors import InputError
from selfrat_eval.benchmarks.rmbench import load_rmbench
from selfrat_eval.evaluation import EvalConfig, rescore, run_eval
from tests.conftest import ScriptedEngine, user_text

ROW_DOMAINS = ("chat", "code", "math", "safety-refuse", "safety-response")


def write_rows(path: Path, n: int = 40, domain_field: bool = True) -> list[dict[str, Any]]:
    rows = []
    for k in range(n):
        row: dict[str, Any] = {
            "id": k,
            "prompt": f"Prompt {k}?",
            "chosen": [f"good {k} {style}" for style in ("short", "plain long", "markdown long")],
            "rejected": [f"bad {k} {style}" for style in ("short", "plain long", "markdown long")],
        }
        if domain_field:
            row["domain"] = ROW_DOMAINS[k % len(ROW_DOMAINS)]
        rows.append(row)
    path.write_text(json.dumps(rows))
    return rows


def official(rows: list[dict[str, Any]], wins: list[np.ndarray]) -> dict:
    """Upstream's computation from each prompt's 3x3 outcomes (1 where chosen i beat rejected j)."""
    per_domain: dict[str, list[np.ndarray]] = {}
    for row, outcome in zip(rows, wins, strict=True):
        domain = next(d for d in ("chat", "math", "code", "safety") if row["domain"].startswith(d))
        per_domain.setdefault(domain, []).append(outcome)
    results = {}
    for domain, outcomes in per_domain.items():
        matrix = np.zeros((3, 3))
        for outcome in outcomes:
            matrix += outcome
        matrix /= len(outcomes)
        hard = np.sum(np.triu(matrix, 1)) / 3
        normal = np.mean(np.diag(matrix))
        easy = np.sum(np.tril(matrix, -1)) / 3
        results[domain] = {"hard": hard, "normal": normal, "easy": easy, "avg": np.mean([hard, normal, easy])}
    return {
        "domains": {d: r["avg"] for d, r in results.items()},
        **{k: np.mean([r[k] for r in results.values()]) for k in ("hard", "normal", "easy")},
        "overall": np.mean([r["avg"] for r in results.values()]),
    }


def strictly_above(score_chosen: list[float], score_rejected: list[float]) -> np.ndarray:
    """Upstream's cell test: `score_chosen[i] > score_rejected[j]`."""
    return np.array([[float(c > r) for r in score_rejected] for c in score_chosen])


def check(metrics: dict[str, Any], expected: dict[str, Any]) -> None:
    assert metrics["overall"]["value"] == pytest.approx(expected["overall"])
    for kind in ("hard", "normal", "easy"):
        assert metrics[kind]["value"] == pytest.approx(expected[kind])
    assert {d: e["score"]["value"] for d, e in metrics["domains"].items()} == pytest.approx(
        expected["domains"]
    )


def test_ratings_mode_matches_the_official_matrix(tmp_path: Path) -> None:
    rows = write_rows(tmp_path / "total_dataset.json")
    rating_of: dict[str, int | None] = {}

    def respond(chat: list[dict[str, str]]) -> str:
        text = user_text(chat)
        response = text.split("###Response to evaluate:\n", 1)[1].split("\n\n###", 1)[0]
        code = zlib.crc32(response.encode()) % 12
        rating_of[response] = None if code >= 10 else code + 1  # some unreadable, many ties
        return "Feedback: unsure." if code >= 10 else f"Feedback: fine. [RESULT] {code + 1}"

    config = EvalConfig(
        judge="s", benchmark="rmbench", out=tmp_path / "run", data=tmp_path / "total_dataset.json"
    )
    results = run_eval(config, engine_factory=lambda: ScriptedEngine(respond))

    # an unreadable rating never wins a comparison (upstream's strict `>` makes a tie a loss too)
    def score(text: str, unreadable: float) -> float:
        rating = rating_of[text]
        return unreadable if rating is None else float(rating)

    wins = [
        strictly_above(
            [score(t, -np.inf) for t in row["chosen"]], [score(t, np.inf) for t in row["rejected"]]
        )
        for row in rows
    ]
    check(results["metrics"], official(rows, wins))
    assert results["metrics"]["parse_failure_rate"] == pytest.approx(
        sum(r is None for r in rating_of.values()) / len(rating_of)
    )
    assert (
        rescore(tmp_path / "run" / "judgments.jsonl", out=tmp_path / "again")["metrics"] == results["metrics"]
    )


def test_pairwise_mode_compares_the_nine_pairs(tmp_path: Path) -> None:
    rows = write_rows(tmp_path / "total_dataset.json", n=25)
    preferred: dict[tuple[str, str], str | None] = {}

    def respond(chat: list[dict[str, str]]) -> str:
        text = user_text(chat)
        first = text.split("###Response A:\n", 1)[1].split("\n\n###Response B:\n", 1)[0]
        second = text.split("###Response B:\n", 1)[1].split("\n\n###", 1)[0]
        code = zlib.crc32(text.encode()) % 4
        pair = (first, second) if first.startswith("good") else (second, first)
        preferred[pair] = [first, second, "tie", None][code]
        return ["[RESULT] A", "[RESULT] B", "[RESULT] tie", "no verdict"][code]

    config = EvalConfig(
        judge="s",
        benchmark="rmbench",
        mode="pairwise",
        out=tmp_path / "run",
        data=tmp_path / "total_dataset.json",
    )
    results = run_eval(config, engine_factory=lambda: ScriptedEngine(respond))
    assert len(preferred) == 9 * len(rows)
    wins = [
        np.array([[float(preferred[(c, r)] == c) for r in row["rejected"]] for c in row["chosen"]])
        for row in rows
    ]
    check(results["metrics"], official(rows, wins))
    assert 0 < results["metrics"]["parse_failure_rate"] < 1


def test_upstream_per_domain_files_name_their_domain(tmp_path: Path) -> None:
    write_rows(tmp_path / "code_filtered.json", n=3, domain_field=False)
    items, _ = load_rmbench(tmp_path / "code_filtered.json")
    assert {item.group for item in items} == {"code"} and len(items[0].correct) == 3
    write_rows(tmp_path / "mystery.json", n=2, domain_field=False)
    with pytest.raises(InputError, match=r"record 1.*domain"):
        load_rmbench(tmp_path / "mystery.json")


@pytest.mark.parametrize("mode", ["absolute", "pairwise"])
def test_harness_adapters_score_as_selfrat_eval(mode: str, tmp_path: Path) -> None:
    from selfrat_eval.tasks._docs import answer, benchmark_rows, benchmark_scores

    data = tmp_path / "total_dataset.json"
    write_rows(data, n=10)

    def respond(chat: list[dict[str, str]]) -> str:
        code = zlib.crc32(user_text(chat).encode()) % 11
        if "###Response A:" in user_text(chat):
            return ["[RESULT] A", "[RESULT] B", "[RESULT] tie"][code % 3]
        return f"[RESULT] {code}" if code else "no rating"

    config = EvalConfig(
        judge="s", benchmark="rmbench", mode=mode, out=tmp_path / "run", data=data, n_resamples=0
    )
    metrics = run_eval(config, engine_factory=lambda: ScriptedEngine(respond))["metrics"]
    rows = benchmark_rows("rmbench", data, mode=mode)
    assert len(rows) == 10 * (6 if mode == "absolute" else 9)
    answers = [answer(row, [respond([{"role": "user", "content": row["prompt"]}])]) for row in rows]
    assert benchmark_scores(answers) == metrics

"""FLASK (absolute): the official correlations re-derived here (prometheus-eval `eval/utils.py`,
`calculate_results`, mode a2a, the flask branch: scipy's pearsonr, spearmanr and kendalltau between the
judge's score and the mean human score, and the mean GPT-4 score), on rows in the published schema."""

from __future__ import annotations

import json
import random
import statistics
from pathlib import Path
from typing import Any

import pytest

from selfrat_eval._errors import InputError
from selfrat_eval.benchmarks.flask import load_flask
from selfrat_eval.evaluation import EvalConfig, run_eval
from tests.benchmarks.test_feedback_bench import correlations, judge_score, rendered, respond
from tests.conftest import ScriptedEngine


def flask_rows(n: int = 30) -> list[dict[str, Any]]:
    rng = random.Random(9)
    rows = []
    for k in range(n):
        quality = rng.randint(1, 5)
        rubric = "[Logical correctness]\n" + "\n".join(f"Score {s}: level {s}." for s in range(1, 6))
        rows.append(
            {
                "instruction": rendered(f"Task {k}.", f"Answer {k} of quality {quality}.", rubric, None),
                "human_score": [min(5, max(1, quality + rng.choice((-1, 0, 1)))) for _ in range(3)],
                "gpt4_score": [min(5, max(1, quality + rng.choice((-2, 0, 1)))) for _ in range(3)],
            }
        )
    return rows


def test_flask_correlates_with_mean_human_and_gpt4_scores(tmp_path: Path) -> None:
    rows = flask_rows()
    data = tmp_path / "flask_eval.json"
    data.write_text(json.dumps(rows))
    config = EvalConfig(judge="s", benchmark="flask", out=tmp_path / "run", data=data, n_resamples=50)
    metrics = run_eval(config, engine_factory=lambda: ScriptedEngine(respond))["metrics"]
    scores = [judge_score(r["instruction"]) for r in rows]
    for label in ("human_score", "gpt4_score"):
        kept = [
            (float(s), statistics.mean(r[label])) for s, r in zip(scores, rows, strict=True) if s is not None
        ]
        expected = correlations([k[0] for k in kept], [k[1] for k in kept])
        for kind, value in expected.items():
            assert metrics[label]["overall"][kind]["value"] == pytest.approx(value, abs=1e-12)
    items, _ = load_flask(data)
    assert items[0].reference_answer is None and items[0].instruction == "Task 0."

    (tmp_path / "bad.json").write_text(json.dumps([{**rows[0], "human_score": []}]))
    with pytest.raises(InputError, match=r"record 1, field 'human_score'"):
        load_flask(tmp_path / "bad.json")

"""BiGGen-Bench correlations through the whole runner, checked against scipy on the raw fixture."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from scipy import stats

from selfrat_eval.benchmarks import ScoringOptions
from selfrat_eval.benchmarks.biggen import load_biggen_human_eval
from selfrat_eval.evaluation import EvalConfig, rescore, run_eval
from tests.conftest import ScriptedEngine, user_text
from tests.data.biggen_fixture import write_human_eval


def judge_score(response_text: str) -> int:
    """The scripted judge: off by one from the hidden quality on every third item."""
    quality = int(re.search(r"of quality (\d)", response_text).group(1))  # type: ignore[union-attr]
    return quality if quality % 3 else min(5, quality + 1)


def respond(chat: list[dict[str, str]]) -> str:
    text = user_text(chat)
    response = text.split("###Response to evaluate:\n", 1)[1]
    return f"Feedback: scripted. [RESULT] {judge_score(response)}"


def expected_pearson(rows: list[dict[str, object]], label: str, capability: str | None = None) -> float:
    chosen = [r for r in rows if r[label] != -1 and (capability is None or r["capability"] == capability)]
    scores = [judge_score(str(r["response"])) for r in chosen]
    return float(stats.pearsonr(scores, [float(r[label]) for r in chosen]).statistic)  # type: ignore[arg-type]


def test_loader_drops_missing_labels_and_keys_each_response(tmp_path: Path) -> None:
    rows = write_human_eval(tmp_path / "human_eval.jsonl")
    items, _ = load_biggen_human_eval(tmp_path / "human_eval.jsonl")
    assert len(items) == len(rows) == len({item.key for item in items})
    missing = sum(row["human_score"] == -1 for row in rows)
    assert missing > 0
    assert sum("human_score" not in item.labels for item in items) == missing
    assert items[0].instruction.startswith(rows[0]["system_prompt"].strip())  # type: ignore[union-attr]


def test_eval_and_rescore_match_scipy(tmp_path: Path) -> None:
    data = tmp_path / "human_eval.jsonl"
    rows = write_human_eval(data)
    engine = ScriptedEngine(respond)
    config = EvalConfig(
        judge="scripted", benchmark="biggen", out=tmp_path / "run", data=data, n_resamples=200
    )
    results = run_eval(config, engine_factory=lambda: engine)
    metrics = results["metrics"]
    assert metrics["n_items"] == len(rows) and metrics["parse_failure_rate"] == 0
    for label in ("human_score", "gpt4_score"):
        overall = metrics[label]["overall"]["pearson"]
        assert overall["value"] == pytest.approx(expected_pearson(rows, label), abs=1e-12)
        assert overall["ci_low"] < overall["value"] < overall["ci_high"]
        for capability, entry in metrics[label]["groups"].items():
            assert entry["pearson"]["value"] == pytest.approx(
                expected_pearson(rows, label, capability), abs=1e-12
            )
    assert metrics["human_score"]["overall"]["pearson"]["n"] == sum(r["human_score"] != -1 for r in rows)

    judgments = [json.loads(line) for line in (tmp_path / "run" / "judgments.jsonl").read_text().splitlines()]
    assert {"benchmark", "id", "group", "outputs", "score", "human_score", "gpt4_score"} <= set(judgments[0])
    options = ScoringOptions(n_resamples=200)
    rescored = rescore(tmp_path / "run" / "judgments.jsonl", out=tmp_path / "rescored", options=options)
    assert rescored["metrics"] == metrics
    assert rescored["judge"] == results["judge"]

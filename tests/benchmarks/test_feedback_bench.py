"""Feedback Bench (absolute): the official correlations and exact-match accuracy re-derived here from
their definition (prometheus-eval `eval/utils.py`, `calculate_results`, mode a2a: scipy's pearsonr,
spearmanr and kendalltau between the judge's score and the GPT-4 score; Accuracy = first score ==
GPT-4 score over all rows), on rows in both published layouts (the hub's `orig_*` columns, and the
rendered-prompt file)."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path
from typing import Any

import pytest
from scipy import stats

from selfrat_eval._errors import InputError
from selfrat_eval.benchmarks.feedback_bench import load_feedback_bench
from selfrat_eval.evaluation import EvalConfig, rescore, run_eval
from tests.conftest import ScriptedEngine, user_text

UNREADABLE = "I would rather not score this."
LEVELS = {f"orig_score{n}_description": f"level {n}." for n in range(1, 6)}


def rendered(instruction: str, response: str, rubric: str, reference: str | None) -> str:
    """A rendered absolute prompt with prometheus-eval's headers (and its export's trailing `",`)."""
    ref = "" if reference is None else f"###Reference Answer (Score 5):\n{reference}\n\n"
    return (
        "###Task Description:\nAn instruction, a response and a rubric are given.\n\n"
        f"###The instruction to evaluate:\n{instruction}\n\n###Response to evaluate:\n{response}\n\n"
        f'{ref}###Score Rubrics:\n{rubric}\n\n###Feedback: ",'
    )


def hub_rows(n: int = 40) -> list[dict[str, Any]]:
    rng = random.Random(5)
    rows = []
    for k in range(n):
        quality = rng.randint(1, 5)
        rows.append(
            {
                "orig_instruction": f"Task {k}: explain.",
                "orig_response": f"Answer {k} of quality {quality}.",
                "orig_reference_answer": f"The ideal answer to {k}.",
                "orig_criteria": f"Is answer {k} clear?",
                **LEVELS,
                "orig_score": str(min(5, max(1, quality + rng.choice((-1, 0, 0, 1))))),
                "orig_feedback": "GPT-4's feedback.",
            }
        )
    return rows


def as_file_row(row: dict[str, Any]) -> dict[str, Any]:
    rubric = f"[{row['orig_criteria']}]\n" + "\n".join(f"Score {n}: level {n}." for n in range(1, 6))
    prompt = rendered(row["orig_instruction"], row["orig_response"], rubric, row["orig_reference_answer"])
    return {"instruction": prompt, "gpt4_score": int(row["orig_score"])}


def judge_score(text: str) -> int | None:
    """The scripted judge: the hidden quality, unreadable on every seventh answer."""
    number, quality = map(int, re.findall(r"Answer (\d+) of quality (\d)", text)[0])
    return None if number % 7 == 0 else quality


def respond(chat: list[dict[str, str]]) -> str:
    score = judge_score(user_text(chat))
    return UNREADABLE if score is None else f"Feedback: scripted. [RESULT] {score}"


def correlations(ours: list[float], theirs: list[float]) -> dict[str, float]:
    return {
        "pearson": stats.pearsonr(ours, theirs)[0],
        "spearman": stats.spearmanr(ours, theirs)[0],
        "kendall": stats.kendalltau(ours, theirs)[0],
    }


@pytest.mark.parametrize("layout", ["hub", "file"])
def test_feedback_bench_matches_the_official_definition(tmp_path: Path, layout: str) -> None:
    rows = hub_rows()
    data = tmp_path / "feedback_collection_ood_test.json"
    data.write_text(json.dumps(rows if layout == "hub" else [as_file_row(r) for r in rows]))
    config = EvalConfig(
        judge="s", benchmark="feedback_bench", out=tmp_path / "run", data=data, n_resamples=50
    )
    metrics = run_eval(config, engine_factory=lambda: ScriptedEngine(respond))["metrics"]

    scores = [judge_score(r["orig_response"]) for r in rows]
    gpt4 = [float(r["orig_score"]) for r in rows]
    kept = [(s, g) for s, g in zip(scores, gpt4, strict=True) if s is not None]
    expected = correlations([float(s) for s, _ in kept], [g for _, g in kept])
    for kind, value in expected.items():
        assert metrics["gpt4_score"]["overall"][kind]["value"] == pytest.approx(value, abs=1e-12)
    hits = [s is not None and s == g for s, g in zip(scores, gpt4, strict=True)]
    assert metrics["exact_accuracy"]["value"] == pytest.approx(sum(hits) / len(rows))  # over ALL rows
    assert metrics["parse_failure_rate"] == pytest.approx(scores.count(None) / len(rows))
    again = rescore(tmp_path / "run" / "judgments.jsonl", out=tmp_path / "again")
    assert again["metrics"]["exact_accuracy"]["value"] == metrics["exact_accuracy"]["value"]


def test_feedback_bench_layouts_load_the_same_items_and_bad_records_are_named(tmp_path: Path) -> None:
    rows = hub_rows(6)
    (tmp_path / "hub.json").write_text(json.dumps(rows))
    (tmp_path / "file.json").write_text(json.dumps([as_file_row(r) for r in rows]))
    from_hub, _ = load_feedback_bench(tmp_path / "hub.json")
    from_file, _ = load_feedback_bench(tmp_path / "file.json")
    shown = [
        (i.key, i.instruction, i.response, i.reference_answer, i.rubric_text(), i.labels) for i in from_hub
    ]
    assert shown == [
        (i.key, i.instruction, i.response, i.reference_answer, i.rubric_text(), i.labels) for i in from_file
    ]
    (tmp_path / "bad.json").write_text(json.dumps([rows[0], {**rows[1], "orig_score": "6"}]))
    with pytest.raises(InputError, match=r"record 2, field 'orig_score'"):
        load_feedback_bench(tmp_path / "bad.json")
    cut = {**as_file_row(rows[0]), "instruction": "###Task Description:\nno sections"}
    (tmp_path / "bad.json").write_text(json.dumps([cut]))
    with pytest.raises(InputError, match=r"record 1, field 'instruction'.*instruction to evaluate"):
        load_feedback_bench(tmp_path / "bad.json")

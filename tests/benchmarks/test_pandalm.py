"""PandaLM test set: the gold label is the three annotators' majority (0 tie, 1 or 2 the better
response); accuracy and precision, recall and F1 macro-averaged over the three classes, as the PandaLM
paper reports them, re-derived here from what the judge was shown."""

from __future__ import annotations

import hashlib
import json
import random
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from selfrat_eval._errors import InputError
from selfrat_eval.benchmarks.pandalm import agreement_scores, load_pandalm
from selfrat_eval.data import DATA_DIR_ENV
from selfrat_eval.evaluation import EvalConfig, rescore, run_eval
from tests.conftest import ScriptedEngine, user_text

#: What the scripted judge says, and what it means for the response shown first (A) or second (B).
ANSWERS = {
    "Feedback: A is better. [RESULT] A": "A",
    "Feedback: B is better. [RESULT] B": "B",
    "Same quality. [RESULT] tie": "tie",
    "No idea.": None,
}
#: Annotations with a majority (the published set has only those), and what the majority is.
VOTES = [((2, 2, 2), 2), ((1, 1, 2), 1), ((0, 0, 1), 0), ((1, 1, 1), 1), ((0, 2, 2), 2), ((0, 0, 0), 0)]


def write_rows(path: Path, n: int = 60) -> list[dict[str, Any]]:
    rng = random.Random(5)
    rows = []
    for k in range(n):
        votes, _majority = rng.choice(VOTES)
        rows.append(
            {
                "idx": k,
                "motivation_app": ["Grammarly", "IMDB", "Gmail"][k % 3],
                "cmp_key": "llama-7b_opt-7b",
                "instruction": f"Task {k}: rewrite the sentence.",
                "input": f"Sentence {k}." if k % 4 else "",
                "response1": f"Rewrite one of {k}." if k != 7 else True,  # a JSON boolean, as in the real set
                "response2": f"Rewrite two of {k}."
                if k != 9
                else "",  # an empty response, as in the real set
                "annotator1": votes[0],
                "annotator2": votes[1],
                "annotator3": votes[2],
            }
        )
    path.write_text(json.dumps(rows))
    return rows


def majority(row: dict[str, Any]) -> int:
    votes = [row["annotator1"], row["annotator2"], row["annotator3"]]
    return next(vote for vote in votes if votes.count(vote) >= 2)


def shown_parts(text: str) -> tuple[str, str, str]:
    question = text.split("###Instruction:\n", 1)[1].split("\n\n###Response A:\n", 1)[0]
    first = text.split("###Response A:\n", 1)[1].split("\n\n###Response B:\n", 1)[0]
    second = text.split("###Response B:\n", 1)[1].split("\n\n###", 1)[0]
    return question, first, second


def informed(text: str, row: dict[str, Any]) -> str:
    """A judge that is right two times in three, else a scripted answer fixed by the prompt."""
    digest = int(hashlib.sha256(text.encode()).hexdigest(), 16)
    if digest % 3 == 0:
        return list(ANSWERS)[digest // 3 % len(ANSWERS)]
    _question, first, _second = shown_parts(text)
    label = majority(row)
    if label == 0:
        return "Same quality. [RESULT] tie"
    better = str(row["response1"] if label == 1 else row["response2"])
    return "Feedback: A is better. [RESULT] A" if first == better else "Feedback: B is better. [RESULT] B"


def macro_scores(labels: list[int], predictions: list[int]) -> dict[str, float]:
    """Accuracy, and per class (0, 1, 2) precision = hits / predicted, recall = hits / labelled, F1 their
    harmonic mean (0 when undefined), averaged over the classes."""
    per_class = []
    for code in (0, 1, 2):
        hits = sum(1 for gold, guess in zip(labels, predictions, strict=True) if gold == guess == code)
        predicted, labelled = predictions.count(code), labels.count(code)
        precision = hits / predicted if predicted else 0.0
        recall = hits / labelled if labelled else 0.0
        per_class.append((precision, recall, 2 * precision * recall / (precision + recall) if hits else 0.0))
    right = sum(1 for gold, guess in zip(labels, predictions, strict=True) if gold == guess)
    return {
        "accuracy": right / len(labels),
        "macro_precision": sum(p for p, _, _ in per_class) / 3,
        "macro_recall": sum(r for _, r, _ in per_class) / 3,
        "macro_f1": sum(f for _, _, f in per_class) / 3,
    }


def test_agreement_matches_the_paper_metrics(tmp_path: Path) -> None:
    rows = write_rows(tmp_path / "testset.json")
    by_question = {row["instruction"]: row for row in rows}
    predicted: dict[int, int] = {}

    def respond(chat: list[dict[str, str]]) -> str:
        text = user_text(chat)
        question, first, second = shown_parts(text)
        row = by_question[question.split("\n\nInput:\n", 1)[0]]
        assert ("Input:\n" in question) == bool(row["input"])  # the input follows the instruction
        assert {first, second} == {str(row["response1"]), str(row["response2"])}
        answer = informed(text, row)
        meaning = ANSWERS[answer]
        shown_first = 1 if first == str(row["response1"]) else 2
        predicted[row["idx"]] = {"tie": 0, "A": shown_first, "B": 3 - shown_first, None: -1}[meaning]
        return answer

    config = EvalConfig(judge="s", benchmark="pandalm", out=tmp_path / "run", data=tmp_path / "testset.json")
    metrics = run_eval(config, engine_factory=lambda: ScriptedEngine(respond))["metrics"]
    expected = macro_scores([majority(row) for row in rows], [predicted[row["idx"]] for row in rows])
    assert {key: metrics[key]["value"] for key in expected} == pytest.approx(expected)
    assert 0.4 < metrics["accuracy"]["value"] < 0.95
    assert metrics["macro_f1"]["ci_low"] <= metrics["macro_f1"]["value"] <= metrics["macro_f1"]["ci_high"]
    assert 0 < metrics["tie_rate"] < 1 and 0 < metrics["parse_failure_rate"] < 1
    assert rescore(tmp_path / "run" / "judgments.jsonl", out=tmp_path / "again")["metrics"] == metrics


def test_macro_scores_by_hand() -> None:
    """Tie: 1 of 1 predicted right; response 1: never predicted (precision 0), its one label missed;
    response 2: 1 of 2 predictions right, its one label found; an unreadable verdict is in no class."""
    labels, verdicts = np.array([0, 1, 2, 1]), np.array([0, 2, 2, -1])
    accuracy, precision, recall, f1 = agreement_scores(labels, verdicts)
    assert (accuracy, precision, recall) == pytest.approx((2 / 4, (1 + 0 + 1 / 2) / 3, (1 + 0 + 1) / 3))
    assert f1 == pytest.approx((1 + 0 + 2 / 3) / 3)


def test_loader_takes_the_majority_and_names_a_bad_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = write_rows(tmp_path / "testset.json", n=12)
    items, _ = load_pandalm(tmp_path / "testset.json")
    for row, item in zip(rows, items, strict=True):
        assert item.id == str(row["idx"]) and item.group == row["motivation_app"]
        assert item.label == {0: "tie", 1: "response_1", 2: "response_2"}[majority(row)]
        assert item.prompt.startswith(row["instruction"]) and item.prompt.endswith(row["input"])
    assert items[7].response_1 == "True" and items[9].response_2 == ""

    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps([rows[0], {**rows[1], "annotator2": 3}]))
    with pytest.raises(InputError, match=r"record 2, field 'annotator2'"):
        load_pandalm(broken)
    broken.write_text(json.dumps([{**rows[0], "annotator1": 0, "annotator2": 1, "annotator3": 2}]))
    with pytest.raises(InputError, match=r"record 1: annotator1..annotator3 all differ"):
        load_pandalm(broken)

    monkeypatch.delenv(DATA_DIR_ENV, raising=False)
    with pytest.raises(InputError, match="WeOpenML/PandaLM"):
        load_pandalm()  # not on the hub: the error says where to get it


def test_harness_adapters_score_as_selfrat_eval(tmp_path: Path) -> None:
    from selfrat_eval.tasks._docs import answer, benchmark_rows, benchmark_scores

    write_rows(tmp_path / "testset.json", n=20)

    def respond(chat: list[dict[str, str]]) -> str:
        text = user_text(chat)
        return list(ANSWERS)[int(hashlib.sha256(text.encode()).hexdigest(), 16) % len(ANSWERS)]

    for both_orders in (False, True):
        out = tmp_path / f"run-{both_orders}"
        config = EvalConfig(
            judge="s",
            benchmark="pandalm",
            both_orders=both_orders,
            out=out,
            data=tmp_path / "testset.json",
            n_resamples=0,
        )
        metrics = run_eval(config, engine_factory=lambda: ScriptedEngine(respond))["metrics"]
        rows = benchmark_rows("pandalm", tmp_path / "testset.json", both_orders=both_orders)
        assert len(rows) == (40 if both_orders else 20)
        answers = [answer(row, [respond([{"role": "user", "content": row["prompt"]}])]) for row in rows]
        assert benchmark_scores(answers) == metrics
        assert ("order_disagreement_rate" in metrics) == both_orders

"""Auto-J pairwise: both orders always, the official agreement and consistency re-derived here from their
definition (GAIR-NLP/auto-j `codes/leaderboard/pairwise_eval.py`, type "pairwise": the verdict on the
original order, response 1 first, and on the exchanged order with 0 and 1 swapped back; agreement =
both equal the label, consistency = both equal each other; per scenario group and overall)."""

from __future__ import annotations

import hashlib
import json
import random
from pathlib import Path

import pytest

from selfrat_eval._errors import InputError
from selfrat_eval.benchmarks.autoj import load_autoj
from selfrat_eval.data import DATA_DIR_ENV
from selfrat_eval.evaluation import EvalConfig, read_judgments, rescore, run_eval
from tests.conftest import ScriptedEngine, user_text

#: A few scenarios and their groups, from upstream's `scenario_group` table.
GROUP = {
    "post_summarization": "Summarization",
    "math_reasoning": "Exam Questions",
    "code_generation": "Code",
    "writing_email": "Functional Writing",
    "chitchat": "General Communication",
    "ranking": "NLP Tasks",
}
#: What the scripted judge says, and what it means for the response shown first (A) or second (B).
ANSWERS = {
    "Feedback: A is better. [RESULT] A": "A",
    "Feedback: B is better. [RESULT] B": "B",
    "Both are as good. [RESULT] tie": "tie",
    "[[B]]": "B",
    "[[A]]": "A",
    "I cannot decide.": None,
}


def write_rows(path: Path, n: int = 60) -> list[dict[str, object]]:
    rng = random.Random(3)
    scenarios = list(GROUP)
    rows: list[dict[str, object]] = [
        {
            "scenario": scenarios[k % len(scenarios)],
            "label": rng.choice([0, 1, 2]),
            "prompt": f"Query {k}: say something about {k}.",
            "response 1": f"First answer about {k}.",
            "response 2": f"Second answer about {k}.",
        }
        for k in range(n)
    ]
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return rows


def shown_parts(text: str) -> tuple[str, str, str]:
    question = text.split("###Instruction:\n", 1)[1].split("\n\n###Response A:\n", 1)[0]
    first = text.split("###Response A:\n", 1)[1].split("\n\n###Response B:\n", 1)[0]
    second = text.split("###Response B:\n", 1)[1].split("\n\n###", 1)[0]
    return question, first, second


def informed(text: str, row: dict[str, object]) -> str:
    """A judge that is right two times in three (so agreement is far from zero), else scripted."""
    digest = int(hashlib.sha256(text.encode()).hexdigest(), 16)
    if digest % 3 == 0:
        return list(ANSWERS)[digest // 3 % len(ANSWERS)]
    _question, first, _second = shown_parts(text)
    better = {0: row["response 1"], 1: row["response 2"], 2: None}[row["label"]]  # type: ignore[index]
    if better is None:
        return "Both are as good. [RESULT] tie"
    return "Feedback: A is better. [RESULT] A" if first == better else "Feedback: B is better. [RESULT] B"


def scripted(text: str) -> str:
    """The scripted judge's answer to a prompt: fixed by the prompt, spread over the answers."""
    return list(ANSWERS)[int(hashlib.sha256(text.encode()).hexdigest(), 16) % len(ANSWERS)]


def official_scores(rows: list[dict[str, object]], shown: dict[str, list[tuple[str, str | None]]]) -> dict:
    """Upstream's outputs (0: response 1 better, 1: response 2, 2: tie) on the original and exchanged
    data, scored as `check_res` and `group_wise_collect` do; an unreadable verdict (upstream asserts
    there is none) matches nothing."""
    results = []  # (group, label, both orders right, orders agree), in row order
    for row in rows:
        outputs = {}
        for first_text, meaning in shown[str(row["prompt"])]:
            original = first_text == row["response 1"]
            output = {"A": 0, "B": 1, "tie": 2, None: None}[meaning]
            if not original and output in (0, 1):
                output = 1 - output  # exchange_to_ori_label
            outputs[original] = output
        pred, pred_exchange = outputs[True], outputs[False]
        both_correct = pred is not None and pred == pred_exchange == row["label"]
        agree = pred is not None and pred == pred_exchange
        results.append((GROUP[str(row["scenario"])], row["label"], both_correct, agree))

    def share(selected: list[tuple[object, ...]], column: int) -> float:
        return sum(bool(result[column]) for result in selected) / len(selected)

    groups = {group: [r for r in results if r[0] == group] for group in {r[0] for r in results}}
    return {
        "agreement": share(results, 2),
        "consistency": share(results, 3),
        "groups": {group: (share(v, 2), share(v, 3)) for group, v in groups.items()},
        "agreement_without_tie_labels": share([r for r in results if r[1] != 2], 2),
    }


def test_agreement_and_consistency_match_the_official_definition(tmp_path: Path) -> None:
    rows = write_rows(tmp_path / "autoj.jsonl")
    by_question = {row["prompt"]: row for row in rows}
    shown: dict[str, list[tuple[str, str | None]]] = {}

    def respond(chat: list[dict[str, str]]) -> str:
        text = user_text(chat)
        question, first, _second = shown_parts(text)
        answer = informed(text, by_question[question])
        shown.setdefault(question, []).append((first, ANSWERS[answer]))
        assert "answer tie" in text  # the judge is told a tie is an answer
        return answer

    config = EvalConfig(judge="s", benchmark="autoj", out=tmp_path / "run", data=tmp_path / "autoj.jsonl")
    results = run_eval(config, engine_factory=lambda: ScriptedEngine(respond))

    row = rows[0]
    assert {first for first, _ in shown[str(row["prompt"])]} == {row["response 1"], row["response 2"]}
    assert results["config"]["both_orders"] is True  # fixed by the benchmark
    expected = official_scores(rows, shown)
    metrics = results["metrics"]
    assert metrics["agreement"]["value"] == pytest.approx(expected["agreement"])
    assert metrics["consistency"]["value"] == pytest.approx(expected["consistency"])
    for group, (agreement, consistency) in expected["groups"].items():
        assert metrics["groups"][group]["agreement"]["value"] == pytest.approx(agreement)
        assert metrics["groups"][group]["consistency"]["value"] == pytest.approx(consistency)
    assert set(metrics["groups"]) == set(expected["groups"])
    without_ties = metrics["agreement_without_tie_labels"]["value"]
    assert without_ties == pytest.approx(expected["agreement_without_tie_labels"])
    assert metrics["agreement"]["ci_low"] <= metrics["agreement"]["value"] <= metrics["agreement"]["ci_high"]
    assert 0 < metrics["tie_rate"] < 1 and 0 < metrics["parse_failure_rate"] < 1
    assert rescore(tmp_path / "run" / "judgments.jsonl", out=tmp_path / "again")["metrics"] == metrics
    assert len(read_judgments(tmp_path / "run" / "judgments.jsonl")) == len(rows)


def test_loader_maps_labels_and_names_a_bad_record(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rows = write_rows(tmp_path / "autoj.jsonl", n=6)
    items, _ = load_autoj(tmp_path / "autoj.jsonl")
    for number, (row, item) in enumerate(zip(rows, items, strict=True), start=1):
        assert item.id == str(number) and item.group == row["scenario"]
        assert item.label == {0: "response_1", 1: "response_2", 2: "tie"}[row["label"]]  # type: ignore[index]
        assert (item.response_1, item.response_2) == (row["response 1"], row["response 2"])

    broken = tmp_path / "broken.jsonl"
    broken.write_text(json.dumps(rows[0]) + "\n" + json.dumps({**rows[1], "label": 3}) + "\n")
    with pytest.raises(InputError, match=r"record 2, field 'label'"):
        load_autoj(broken)
    broken.write_text(json.dumps({**rows[0], "scenario": "poetry"}) + "\n")
    with pytest.raises(InputError, match=r"record 1, field 'scenario'.*58 scenarios"):
        load_autoj(broken)

    monkeypatch.delenv(DATA_DIR_ENV, raising=False)
    with pytest.raises(InputError, match="GAIR-NLP/auto-j"):
        load_autoj()  # not on the hub: the error says where to get it
    mirror = tmp_path / "mirror" / "prometheus-eval-benchmarks"
    mirror.mkdir(parents=True)
    (mirror / "autoj_pairwise.jsonl").write_text((tmp_path / "autoj.jsonl").read_text())
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "mirror"))
    assert load_autoj()[0] == items


def test_harness_adapters_score_as_selfrat_eval(tmp_path: Path) -> None:
    from selfrat_eval.tasks._docs import answer, benchmark_rows, benchmark_scores

    write_rows(tmp_path / "autoj.jsonl", n=20)

    def respond(chat: list[dict[str, str]]) -> str:
        return scripted(user_text(chat))

    config = EvalConfig(
        judge="s", benchmark="autoj", out=tmp_path / "run", data=tmp_path / "autoj.jsonl", n_resamples=0
    )
    metrics = run_eval(config, engine_factory=lambda: ScriptedEngine(respond))["metrics"]
    rows = benchmark_rows("autoj", tmp_path / "autoj.jsonl")
    assert len(rows) == 40  # both orders, as documents
    answers = [answer(row, [respond([{"role": "user", "content": row["prompt"]}])]) for row in rows]
    assert benchmark_scores(answers) == metrics

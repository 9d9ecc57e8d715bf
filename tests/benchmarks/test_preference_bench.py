"""Preference Bench: accuracy re-derived here from prometheus-eval's definition (`eval/utils.py`,
`calculate_results`: relative, right when the verdict names the better response; absolute, right when
its score is strictly higher; ties and unreadable verdicts wrong), on rows in both published layouts."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from selfrat_eval._errors import InputError
from selfrat_eval.benchmarks.preference_bench import load_preference_bench
from selfrat_eval.evaluation import EvalConfig, rescore, run_eval
from tests.conftest import ScriptedEngine, user_text

PAIRWISE = {"Feedback: A. [RESULT] A": "A", "Feedback: B. [RESULT] B": "B", "[RESULT] B": "B", "Hm.": None}
ABSOLUTE = {"Feedback: fine. [RESULT] 4": 4, "Feedback: poor. [RESULT] 2": 2, "[RESULT] 5": 5, "...": None}
RUBRIC = "[Is the answer accurate?]\n" + "\n".join(f"Score {n}: level {n}." for n in range(1, 6))


def pick(text: str, answers: dict[str, Any]) -> str:
    return list(answers)[int(hashlib.sha256(text.encode()).hexdigest(), 16) % len(answers)]


def hub_rows(n: int = 24) -> list[dict[str, Any]]:
    return [
        {
            "orig_instruction": f"Question {k}?",
            "orig_response_A": f"Answer A{k}.",
            "orig_response_B": f"Answer B{k}.",
            "orig_criteria": "Is the answer accurate?",
            "orig_reference_answer": f"Reference {k}.",
            "orig_preference": "AB"[k % 3 == 0],
        }
        for k in range(n)
    ]


def prompt(row: dict[str, Any], response: str) -> str:
    return (
        "###Task Description:\nGrade it.\n\n"
        f"###The instruction to evaluate:\n{row['orig_instruction']}\n\n"
        f"###Response to evaluate:\n{response}\n\n"
        f"###Reference Answer (Score 5):\n{row['orig_reference_answer']}\n\n"
        f"###Score Rubrics:\n{RUBRIC}\n\n###Feedback: "
    )


def file_row(row: dict[str, Any]) -> dict[str, Any]:
    better = row["orig_preference"]
    worse = "B" if better == "A" else "A"
    return {
        "chosen_instruction": prompt(row, row[f"orig_response_{better}"]),
        "rejected_instruction": prompt(row, row[f"orig_response_{worse}"]),
    }


def section(text: str, header: str) -> str:
    return text.split(f"###{header}\n", 1)[1].split("\n\n###", 1)[0]


def better(rows: list[dict[str, Any]]) -> dict[str, str]:
    return {r["orig_instruction"]: r[f"orig_response_{r['orig_preference']}"] for r in rows}


@pytest.mark.parametrize("layout", ["hub", "file"])
def test_pairwise_accuracy_matches_prometheus_eval(tmp_path: Path, layout: str) -> None:
    rows = hub_rows()
    data = tmp_path / "preference.json"
    data.write_text(json.dumps(rows if layout == "hub" else [file_row(r) for r in rows]))
    truth = better(rows)
    correct = []

    def respond(chat: list[dict[str, str]]) -> str:
        text = user_text(chat)
        assert section(text, "Score Rubric:") == "[Is the answer accurate?]"  # the criterion line only
        answer = pick(text, PAIRWISE)
        letter = "A" if section(text, "Response A:") == truth[section(text, "Instruction:")] else "B"
        correct.append(PAIRWISE[answer] == letter)
        return answer

    config = EvalConfig(
        judge="s", benchmark="preference_bench", mode="pairwise", out=tmp_path / "run", data=data
    )
    metrics = run_eval(config, engine_factory=lambda: ScriptedEngine(respond))["metrics"]
    assert metrics["overall"]["value"] == pytest.approx(sum(correct) / len(correct))
    assert 0 < metrics["parse_failure_rate"] < 1
    assert rescore(tmp_path / "run" / "judgments.jsonl", out=tmp_path / "again")["metrics"] == metrics


def test_absolute_accuracy_needs_a_strictly_higher_score(tmp_path: Path) -> None:
    rows = hub_rows()
    data = tmp_path / "preference.json"
    data.write_text(json.dumps([file_row(r) for r in rows]))
    given: dict[str, dict[str, int | None]] = {}

    def respond(chat: list[dict[str, str]]) -> str:
        text = user_text(chat)
        assert section(text, "Score Rubrics:") == RUBRIC  # in full when one response is rated
        answer = pick(text, ABSOLUTE)
        question = section(text, "The instruction to evaluate:")
        given.setdefault(question, {})[section(text, "Response to evaluate:")] = ABSOLUTE[answer]
        return answer

    config = EvalConfig(
        judge="s", benchmark="preference_bench", mode="absolute", out=tmp_path / "run", data=data
    )
    metrics = run_eval(config, engine_factory=lambda: ScriptedEngine(respond))["metrics"]
    correct = []
    for question, best in better(rows).items():
        worse = next(response for response in given[question] if response != best)
        ours, theirs = given[question][best], given[question][worse]
        correct.append(ours is not None and theirs is not None and ours > theirs)
    assert metrics["overall"]["value"] == pytest.approx(sum(correct) / len(correct))


def test_layouts_load_the_same_pairs_and_bad_records_are_named(tmp_path: Path) -> None:
    rows = hub_rows(6)
    (tmp_path / "hub.json").write_text(json.dumps(rows))
    (tmp_path / "file.json").write_text(json.dumps([file_row(r) for r in rows]))
    from_hub, _ = load_preference_bench(tmp_path / "hub.json")
    from_file, _ = load_preference_bench(tmp_path / "file.json")
    assert [(i.key, i.prompt, i.chosen, i.rejected, i.reference_answer) for i in from_hub] == [
        (i.key, i.prompt, i.chosen, i.rejected, i.reference_answer) for i in from_file
    ]
    assert from_hub[0].chosen == "Answer B0." and from_hub[1].chosen == "Answer A1."

    (tmp_path / "bad.json").write_text(json.dumps([rows[0], {**rows[1], "orig_preference": "tie"}]))
    with pytest.raises(InputError, match=r"record 2, field 'orig_preference'"):
        load_preference_bench(tmp_path / "bad.json")
    (tmp_path / "bad.json").write_text(json.dumps([{**file_row(rows[0]), "tie": 1}]))
    with pytest.raises(InputError, match=r"record 1, field 'tie'"):
        load_preference_bench(tmp_path / "bad.json")
    other = file_row(rows[1])["rejected_instruction"]
    (tmp_path / "bad.json").write_text(json.dumps([{**file_row(rows[0]), "rejected_instruction": other}]))
    with pytest.raises(InputError, match=r"record 1, field 'rejected_instruction'"):
        load_preference_bench(tmp_path / "bad.json")

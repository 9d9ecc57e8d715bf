"""LLMBar: both orders always, the official statistics re-derived here from their definition
(princeton-nlp/LLMBar `LLMEvaluator/evaluate.py`: each order's winner, mapped back to the data's outputs
"1"/"2", is correct when it equals the label; `correct_average` = (correct in order 1 + correct in order
2) / 2 / pairs; `equal` = share of pairs whose two mapped winners are equal) and the paper's Adversarial
average (the plain mean of the four adversarial sets' values)."""

from __future__ import annotations

import json
import random
import zlib
from pathlib import Path

import pytest

from selfrat_eval._errors import InputError
from selfrat_eval.benchmarks.llmbar import load_llmbar
from selfrat_eval.data import DATA_DIR_ENV
from selfrat_eval.evaluation import EvalConfig, rescore, run_eval
from tests.conftest import ScriptedEngine, user_text

SETS = ("Natural", "Adversarial_Neighbor", "Adversarial_GPTInst", "Adversarial_GPTOut", "Adversarial_Manual")
#: What the scripted judge says, and what it means for the output shown first (A) or second (B).
ANSWERS = {
    "Feedback: A wins. [RESULT] A": "A",
    "Verdict: [[B>>A]]": "B",
    "Both are fine. [[A=B]]": "tie",
    "Feedback: B is right. [RESULT] B": "B",
    "My final verdict is [[A>B]].": "A",
    "I cannot tell.": None,
}
Shown = dict[str, list[tuple[str, str, str | None]]]


def write_set(folder: Path, name: str, n: int) -> list[dict[str, object]]:
    """Rows in the official schema (a JSON list, no id, no set), in a file named after the set."""
    rng = random.Random(name)
    rows: list[dict[str, object]] = [
        {
            "input": f"{name} instruction {k}: list {k} primes.",
            "output_1": f"{name} first output {k}.",
            "output_2": f"{name} second output {k}.",
            "label": rng.choice([1, 2]),
        }
        for k in range(n)
    ]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"LLMBar_{name}.json").write_text(json.dumps(rows))
    return rows


def scripted_judge(shown: Shown) -> ScriptedEngine:
    def respond(chat: list[dict[str, str]]) -> str:
        text = user_text(chat)
        instruction = text.split("###Instruction:\n", 1)[1].split("\n\n###Response A:\n", 1)[0]
        first = text.split("###Response A:\n", 1)[1].split("\n\n###Response B:\n", 1)[0]
        second = text.split("###Response B:\n", 1)[1].split("\n\n###", 1)[0]
        answer = list(ANSWERS)[zlib.crc32(text.encode()) % len(ANSWERS)]
        shown.setdefault(instruction, []).append((first, second, ANSWERS[answer]))
        return answer

    return ScriptedEngine(respond)


def official_statistics(rows: list[dict[str, object]], shown: Shown) -> dict[str, float]:
    """Upstream's statistics for one set, from the outputs the judge saw and what it answered."""
    correct = equal = 0
    for row in rows:
        winners = []
        for first, second, meaning in shown[str(row["input"])]:
            if meaning in ("A", "B"):
                picked = first if meaning == "A" else second
                winners.append("1" if picked == row["output_1"] else "2")
            else:
                winners.append(meaning)  # a tie or no verdict: never the label
        correct += sum(winner == str(row["label"]) for winner in winners)
        equal += winners[0] == winners[1]
    return {"correct_average": correct / 2 / len(rows), "equal": equal / len(rows)}


def test_scores_match_the_official_statistics(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    mirror = tmp_path / "mirror"
    rows = {
        name: write_set(mirror / "human-pairwise" / "llmbar", name, 10 + 3 * k) for k, name in enumerate(SETS)
    }
    monkeypatch.setenv(DATA_DIR_ENV, str(mirror))
    shown: Shown = {}
    config = EvalConfig(judge="scripted", benchmark="llmbar", out=tmp_path / "run")
    results = run_eval(config, engine_factory=lambda: scripted_judge(shown))

    assert all(len(orders) == 2 for orders in shown.values()), "every pair is judged in both orders"
    first = rows["Natural"][0]
    assert {(a, b) for a, b, _ in shown[str(first["input"])]} == {
        (first["output_1"], first["output_2"]),
        (first["output_2"], first["output_1"]),
    }
    assert results["config"]["both_orders"] is True
    expected = {name: official_statistics(rows[name], shown) for name in SETS}
    metrics = results["metrics"]
    for name in SETS:
        assert metrics["sets"][name]["value"] == pytest.approx(expected[name]["correct_average"])
        assert metrics["positional_agreement"]["sets"][name]["value"] == pytest.approx(
            expected[name]["equal"]
        )
        assert metrics["sets"][name]["n"] == len(rows[name])
    for key, statistic in (("adversarial", "correct_average"), ("positional_agreement", "equal")):
        adversarial = sum(expected[name][statistic] for name in SETS[1:]) / 4
        reported = metrics[key] if key == "adversarial" else metrics[key]["adversarial"]
        assert reported["value"] == pytest.approx(adversarial)
    pooled = sum(expected[name]["correct_average"] * len(rows[name]) for name in SETS) / len(shown)
    assert metrics["overall"]["value"] == pytest.approx(pooled)
    verdicts = [meaning for orders in shown.values() for _, _, meaning in orders]
    assert metrics["tie_rate"] == pytest.approx(verdicts.count("tie") / len(verdicts))
    assert metrics["parse_failure_rate"] == pytest.approx(verdicts.count(None) / len(verdicts))
    assert 0 < metrics["tie_rate"] < 1 and 0 < metrics["parse_failure_rate"] < 1
    assert metrics["overall"]["ci_low"] <= metrics["overall"]["value"] <= metrics["overall"]["ci_high"]
    assert rescore(tmp_path / "run" / "judgments.jsonl", out=tmp_path / "again")["metrics"] == metrics


def test_loader_reads_the_set_from_the_file_name_or_a_field_and_names_bad_records(tmp_path: Path) -> None:
    rows = write_set(tmp_path, "Adversarial_GPTOut", 3)
    items, _ = load_llmbar(tmp_path / "LLMBar_Adversarial_GPTOut.json")
    assert {item.group for item in items} == {"Adversarial_GPTOut"}
    for row, item in zip(rows, items, strict=True):
        assert item.chosen == (row["output_1"] if row["label"] == 1 else row["output_2"])
    upstream = tmp_path / "Dataset" / "LLMBar" / "Adversarial" / "Manual" / "dataset.json"
    upstream.parent.mkdir(parents=True)
    upstream.write_text(json.dumps(rows))
    assert {item.group for item in load_llmbar(upstream)[0]} == {"Adversarial_Manual"}
    tagged = tmp_path / "mine.json"
    tagged.write_text(json.dumps([{**row, "set": "Natural"} for row in rows]))
    assert {item.group for item in load_llmbar(tagged)[0]} == {"Natural"}

    broken = tmp_path / "LLMBar_Natural.json"
    broken.write_text(json.dumps([rows[0], {**rows[1], "label": 3}]))
    with pytest.raises(InputError, match=r"record 2.*label"):
        load_llmbar(broken)
    untagged = tmp_path / "pairs.json"
    untagged.write_text(json.dumps(rows))
    with pytest.raises(InputError, match=r"record 1.*field 'set'"):
        load_llmbar(untagged)


def test_harness_adapters_score_as_selfrat_eval(tmp_path: Path) -> None:
    from selfrat_eval.tasks._docs import answer, benchmark_rows, benchmark_scores

    write_set(tmp_path, "Natural", 12)
    data = tmp_path / "LLMBar_Natural.json"

    def respond(chat: list[dict[str, str]]) -> str:
        return list(ANSWERS)[zlib.crc32(user_text(chat).encode()) % len(ANSWERS)]

    config = EvalConfig(judge="s", benchmark="llmbar", out=tmp_path / "run", data=data, n_resamples=0)
    metrics = run_eval(config, engine_factory=lambda: ScriptedEngine(respond))["metrics"]
    rows = benchmark_rows("llmbar", data)
    assert len(rows) == 24  # both orders, as documents
    answers = [answer(row, [respond([{"role": "user", "content": row["prompt"]}])]) for row in rows]
    assert benchmark_scores(answers) == metrics
    assert metrics["adversarial"] is None and set(metrics["sets"]) == {"Natural"}

"""JudgeBench: both orders always, the official net vote re-derived here from its definition
(ScalerLab/JudgeBench `utils/metrics.py`: flip the second order's decision back, +1 per decision equal
to the label, -1 per decision equal to the flipped label, a pair is correct when the sum is positive)."""

from __future__ import annotations

import json
import random
import zlib
from pathlib import Path

import pytest

from selfrat_eval.benchmarks.judgebench import family, load_judgebench
from selfrat_eval.evaluation import EvalConfig, read_judgments, rescore, run_eval
from tests.conftest import ScriptedEngine, user_text

SOURCES = ("mmlu-pro-law", "mmlu-pro-math", "livebench-reasoning", "livebench-math", "livecodebench")
#: What the scripted judge says, and what it means for the response shown first (A) or second (B).
ANSWERS = {
    "Feedback: A wins. [RESULT] A": "A",
    "Verdict: [[B>>A]]": "B",
    "Both are fine. [[A=B]]": "tie",
    "Feedback: B is right. [RESULT] B": "B",
    "My final verdict is [[A>B]].": "A",
    "I cannot tell.": None,
}


def write_rows(path: Path, n: int = 60) -> list[dict[str, str]]:
    rng = random.Random(7)
    rows = [
        {
            "pair_id": f"pair-{k}",
            "original_id": k,
            "source": SOURCES[k % len(SOURCES)],
            "question": f"Question {k}: what is {k} squared?",
            "response_model": "gpt-4o-2024-05-13",
            "response_A": f"Answer one to {k}: {k * k}.",
            "response_B": f"Answer two to {k}: {k * k + 1}.",
            "label": rng.choice(["A>B", "B>A"]),
        }
        for k in range(n)
    ]
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return rows


def official_scores(rows: list[dict[str, str]], shown: dict[str, list[tuple[str, str, str | None]]]) -> dict:
    """Upstream's rule over the decisions in the data's own A/B terms, from what the judge was shown."""
    by_family: dict[str, list[int]] = {}
    ties = 0
    for row in rows:
        decisions = []
        for first_text, _second_text, meaning in shown[row["question"]]:
            if meaning in (None, "tie"):
                decisions.append(None if meaning is None else "A=B")
                continue
            preferred_shown_first = meaning == "A"
            first_is_data_a = first_text == row["response_A"]
            decisions.append("A>B" if preferred_shown_first == first_is_data_a else "B>A")
        flipped = {"A>B": "B>A", "B>A": "A>B"}[row["label"]]
        counter = sum((d == row["label"]) - (d == flipped) for d in decisions)
        ties += counter == 0
        by_family.setdefault(family(row["source"]), []).append(counter > 0)
    everything = [c for values in by_family.values() for c in values]
    return {
        "overall": 100 * sum(everything) / len(everything),
        "families": {name: 100 * sum(v) / len(v) for name, v in by_family.items()},
        "tie_rate": ties / len(rows),
    }


def test_net_vote_matches_the_official_definition(tmp_path: Path) -> None:
    rows = write_rows(tmp_path / "gpt.jsonl")
    shown: dict[str, list[tuple[str, str, str | None]]] = {}

    def respond(chat: list[dict[str, str]]) -> str:
        text = user_text(chat)
        question = text.split("###Instruction:\n", 1)[1].split("\n\n###Response A:\n", 1)[0]
        first = text.split("###Response A:\n", 1)[1].split("\n\n###Response B:\n", 1)[0]
        second = text.split("###Response B:\n", 1)[1].split("\n\n###", 1)[0]
        answer = list(ANSWERS)[zlib.crc32(text.encode()) % len(ANSWERS)]
        shown.setdefault(question, []).append((first, second, ANSWERS[answer]))
        return answer

    config = EvalConfig(
        judge="scripted", benchmark="judgebench", out=tmp_path / "run", data=tmp_path / "gpt.jsonl"
    )
    results = run_eval(config, engine_factory=lambda: ScriptedEngine(respond))

    assert all(len(orders) == 2 for orders in shown.values()), "every pair is judged in both orders"
    assert {(a, b) for a, b, _ in shown[rows[0]["question"]]} == {
        (rows[0]["response_A"], rows[0]["response_B"]),
        (rows[0]["response_B"], rows[0]["response_A"]),
    }
    assert results["config"]["both_orders"] is True  # fixed by the benchmark, recorded as run
    expected = official_scores(rows, shown)
    metrics = results["metrics"]
    assert 100 * metrics["overall"]["value"] == pytest.approx(expected["overall"])
    assert {k: 100 * v["value"] for k, v in metrics["families"].items()} == pytest.approx(
        expected["families"]
    )
    assert metrics["tie_rate"] == pytest.approx(expected["tie_rate"])
    assert set(metrics["families"]) == {"knowledge", "reasoning", "math", "coding"}
    assert 0 < metrics["parse_failure_rate"] < 1 and 0 < metrics["order_disagreement_rate"] < 1
    assert rescore(tmp_path / "run" / "judgments.jsonl", out=tmp_path / "again")["metrics"] == metrics
    assert len(read_judgments(tmp_path / "run" / "judgments.jsonl")) == len(rows)


def test_loader_puts_the_better_response_first_and_checks_the_label(tmp_path: Path) -> None:
    rows = write_rows(tmp_path / "gpt.jsonl", n=4)
    items, _ = load_judgebench(data=tmp_path / "gpt.jsonl")
    for row, item in zip(rows, items, strict=True):
        assert item.chosen == (row["response_A"] if row["label"] == "A>B" else row["response_B"])
        assert item.group == row["source"]
    broken = tmp_path / "broken.jsonl"
    broken.write_text(json.dumps({**rows[0], "label": "A=B"}) + "\n")
    from selfrat_eval._errors import InputError

    with pytest.raises(InputError, match=r"record 1.*label"):
        load_judgebench(data=broken)


def test_harness_adapters_score_as_selfrat_eval(tmp_path: Path) -> None:
    from selfrat_eval.tasks._docs import answer, benchmark_rows, benchmark_scores

    write_rows(tmp_path / "gpt.jsonl", n=20)

    def respond(chat: list[dict[str, str]]) -> str:
        return list(ANSWERS)[zlib.crc32(user_text(chat).encode()) % len(ANSWERS)]

    config = EvalConfig(
        judge="s", benchmark="judgebench", out=tmp_path / "run", data=tmp_path / "gpt.jsonl", n_resamples=0
    )
    metrics = run_eval(config, engine_factory=lambda: ScriptedEngine(respond))["metrics"]
    rows = benchmark_rows("judgebench", tmp_path / "gpt.jsonl")
    assert len(rows) == 40  # both orders, as documents
    answers = [answer(row, [respond([{"role": "user", "content": row["prompt"]}])]) for row in rows]
    assert benchmark_scores(answers) == metrics

"""MT-Bench human judgments: both orders always. The agreements are re-derived here from lmsys/FastChat
`fastchat/llm_judge/compute_agreement.py` (votes keyed by question and sorted model pair per turn; only
`expert*` judges are human; the judge's vote is the winner both orders name, else a tie; with ties every
human vote counts and any two ties agree; without ties the judge's tie skips the pair and human ties are
skipped), and LLMBar's accuracy averaged over the orders and its positional agreement
(princeton-nlp/LLMBar `LLMEvaluator/evaluate.py`), from what the judge was shown."""

from __future__ import annotations

import itertools
import json
import random
import zlib
from pathlib import Path
from typing import Any

import pytest

from selfrat_eval._errors import InputError
from selfrat_eval.benchmarks.mtbench_human import load_mtbench_human
from selfrat_eval.evaluation import EvalConfig, rescore, run_eval
from tests.conftest import ScriptedEngine, user_text

MODELS = ("alpaca-13b", "claude-v1", "gpt-4", "vicuna-13b")
HUMAN_WINNERS = ("model_a", "model_b", "tie", "tie (bothbad)")
#: What the scripted judge says, and what it means for the response shown first (A) or second (B).
ANSWERS = {
    "Feedback: A wins. [RESULT] A": "A",
    "Verdict: [[B>>A]]": "B",
    "Both are fine. [[A=B]]": "tie",
    "Feedback: B is right. [RESULT] B": "B",
    "My final verdict is [[A>B]].": "A",
    "I cannot tell.": None,
}
#: The judge's verdicts per pair, as FastChat names them (a model, "tie", or "error"), one per order.
Verdicts = dict[tuple[str, ...], list[str]]


def conversation(model: str, question: int) -> list[dict[str, str]]:
    return [
        {"role": "user", "content": f"Question {question}: plan a trip."},
        {"role": "assistant", "content": f"{model} answers question {question}."},
        {"role": "user", "content": f"Follow-up {question}: make it shorter."},
        {"role": "assistant", "content": f"{model} shortens its answer to {question}."},
    ]


def write_votes(path: Path, questions: int = 4) -> list[dict[str, Any]]:
    """Rows of the `human` split: 1-3 expert votes per pair and turn, each pair listed in either
    order, plus author votes (not human in FastChat's agreement)."""
    rng = random.Random(3)
    rows = []
    for question, pair, turn in itertools.product(
        range(questions), itertools.combinations(MODELS, 2), (1, 2)
    ):
        judges = [f"expert_{k}" for k in range(rng.randint(1, 3))] + ["author_0"] * rng.randint(0, 1)
        for judge in judges:
            model_a, model_b = pair if rng.random() < 0.5 else pair[::-1]
            rows.append(
                {
                    "question_id": 81 + question,
                    "model_a": model_a,
                    "model_b": model_b,
                    "winner": rng.choice(HUMAN_WINNERS),
                    "judge": judge,
                    "conversation_a": conversation(model_a, question),
                    "conversation_b": conversation(model_b, question),
                    "turn": turn,
                }
            )
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return rows


def write_processed(path: Path, n: int = 30) -> list[dict[str, str]]:
    """LLMBar's processed MT-Bench rows: the label is a string."""
    rng = random.Random(5)
    rows = [
        {
            "input": f"Instruction {k}: explain tides.",
            "output_1": f"First explanation {k}.",
            "output_2": f"Second explanation {k}.",
            "label": rng.choice(["1", "2"]),
        }
        for k in range(n)
    ]
    path.write_text(json.dumps(rows))
    return rows


def respond(chat: list[dict[str, str]]) -> str:
    return list(ANSWERS)[zlib.crc32(user_text(chat).encode()) % len(ANSWERS)]


def recording_judge(verdicts: Verdicts, topic: Any, name: Any) -> ScriptedEngine:
    """A scripted judge noting each verdict under the pair it saw: `topic(instruction)` names what was
    asked, `name(response)` which model (or output) a shown response is."""

    def record(chat: list[dict[str, str]]) -> str:
        text = user_text(chat)
        instruction = text.split("###Instruction:\n", 1)[1].split("\n\n###Response A:\n", 1)[0]
        first = name(text.split("###Response A:\n", 1)[1].split("\n\n###Response B:\n", 1)[0])
        second = name(text.split("###Response B:\n", 1)[1].split("\n\n###", 1)[0])
        meaning = ANSWERS[respond(chat)]
        verdict = {"A": first, "B": second, "tie": "tie"}.get(meaning or "", "error")
        verdicts.setdefault((*topic(instruction), *sorted((first, second))), []).append(verdict)
        return respond(chat)

    return ScriptedEngine(record)


def fastchat_agreement(judge: dict[Any, str], humans: list[tuple[Any, str]], without_ties: bool) -> float:
    agree = total = 0
    for key, human in humans:
        if without_ties and ("tie" in judge[key] or "tie" in human):
            continue
        total += 1
        agree += ("tie" in judge[key] and "tie" in human) or judge[key] == human
    return agree / total


def expected_metrics(verdicts: Verdicts, humans: list[tuple[Any, str]]) -> dict[str, float]:
    """FastChat's agreements and LLMBar's accuracy and positional agreement."""
    judge = {
        key: orders[0] if orders[0] == orders[1] else "tie (inconsistent)" for key, orders in verdicts.items()
    }
    decided = [(key, human) for key, human in humans if "tie" not in human]
    keys = {key for key, _ in humans}
    return {
        "agreement_with_ties": fastchat_agreement(judge, humans, without_ties=False),
        "agreement_without_ties": fastchat_agreement(judge, humans, without_ties=True),
        "accuracy": sum(verdicts[key].count(human) / 2 for key, human in decided) / len(decided),
        "positional_agreement": sum(verdicts[key][0] == verdicts[key][1] for key in keys) / len(keys),
    }


def check(metrics: dict[str, Any], expected: dict[str, float]) -> None:
    assert {name: metrics[name]["value"] for name in expected} == pytest.approx(expected)


def test_original_votes_score_as_fastchat_and_llmbar_define_them(tmp_path: Path) -> None:
    rows = write_votes(tmp_path / "human.jsonl")
    verdicts: Verdicts = {}

    def topic(instruction: str) -> tuple[int, int]:
        """(question, turn): a turn-2 instruction carries the follow-up."""
        question = int(instruction.split("Question ", 1)[1].split(":", 1)[0])
        return 81 + question, 2 if "Follow-up" in instruction else 1

    def model(response: str) -> str:
        return next(m for m in MODELS if m in response)

    config = EvalConfig(
        judge="scripted", benchmark="mtbench_human", out=tmp_path / "run", data=tmp_path / "human.jsonl"
    )
    results = run_eval(config, engine_factory=lambda: recording_judge(verdicts, topic, model))

    def human_votes(turn: int | None) -> list[tuple[Any, str]]:
        return [
            (
                (row["question_id"], row["turn"], *sorted((row["model_a"], row["model_b"]))),
                row[row["winner"]] if row["winner"] in ("model_a", "model_b") else row["winner"],
            )
            for row in rows
            if row["judge"].startswith("expert") and turn in (None, row["turn"])
        ]

    assert all(len(orders) == 2 for orders in verdicts.values()), "every pair is judged in both orders, once"
    metrics = results["metrics"]
    assert metrics["n_items"] == len(verdicts) == 4 * 6 * 2
    assert metrics["n_votes"] == sum(row["judge"].startswith("expert") for row in rows)
    check(metrics, expected_metrics(verdicts, human_votes(None)))
    for turn in (1, 2):
        check(metrics["groups"][f"turn{turn}"], expected_metrics(verdicts, human_votes(turn)))
    assert metrics["agreement_with_ties"]["n"] == metrics["n_votes"]
    assert rescore(tmp_path / "run" / "judgments.jsonl", out=tmp_path / "again")["metrics"] == metrics


def test_llmbar_processed_pairs_score_as_llmbar(tmp_path: Path) -> None:
    rows = write_processed(tmp_path / "Processed_MT-Bench.json")
    outputs = {text: f"output_{k}" for row in rows for k in (1, 2) for text in [row[f"output_{k}"]]}
    verdicts: Verdicts = {}
    config = EvalConfig(
        judge="scripted",
        benchmark="mtbench_human",
        out=tmp_path / "run",
        data=tmp_path / "Processed_MT-Bench.json",
    )
    results = run_eval(
        config, engine_factory=lambda: recording_judge(verdicts, lambda text: (text,), outputs.__getitem__)
    )
    humans = [((row["input"], "output_1", "output_2"), f"output_{row['label']}") for row in rows]
    check(results["metrics"], expected_metrics(verdicts, humans))
    assert set(results["metrics"]["groups"]) == {"MT-Bench"}


def test_loader_gathers_votes_and_names_bad_records(tmp_path: Path) -> None:
    rows = write_votes(tmp_path / "human.jsonl", questions=1)
    items, _ = load_mtbench_human(tmp_path / "human.jsonl")
    assert len(items) == 6 * 2
    item = next(i for i in items if i.group == "turn2" and i.id == "81:alpaca-13b:claude-v1")
    assert "alpaca-13b shortens" in item.chosen and "alpaca-13b answers" in item.chosen
    assert "Follow-up 0" in item.prompt and "claude-v1 shortens" in item.rejected

    for broken, where in (
        ({**rows[0], "winner": "model_c"}, r"record 2.*field 'winner'"),
        (
            {**rows[0], "turn": 2, "conversation_a": rows[0]["conversation_a"][:2]},
            r"record 2.*conversation_a",
        ),
    ):
        (tmp_path / "broken.jsonl").write_text(json.dumps(rows[0]) + "\n" + json.dumps(broken) + "\n")
        with pytest.raises(InputError, match=where):
            load_mtbench_human(tmp_path / "broken.jsonl")
    (tmp_path / "authors.jsonl").write_text(json.dumps({**rows[0], "judge": "author_1"}) + "\n")
    with pytest.raises(InputError, match="no expert votes"):
        load_mtbench_human(tmp_path / "authors.jsonl")
    processed = write_processed(tmp_path / "Processed_MT-Bench.json", n=2)
    (tmp_path / "broken.json").write_text(json.dumps([processed[0], {**processed[1], "label": "3"}]))
    with pytest.raises(InputError, match=r"record 2.*label"):
        load_mtbench_human(tmp_path / "broken.json")


def test_harness_adapters_score_as_selfrat_eval(tmp_path: Path) -> None:
    from selfrat_eval.tasks._docs import answer, benchmark_rows, benchmark_scores

    data = tmp_path / "human.jsonl"
    write_votes(data, questions=1)
    config = EvalConfig(judge="s", benchmark="mtbench_human", out=tmp_path / "run", data=data, n_resamples=0)
    metrics = run_eval(config, engine_factory=lambda: ScriptedEngine(respond))["metrics"]
    rows = benchmark_rows("mtbench_human", data)
    assert len(rows) == 24  # 12 pairs, both orders, as documents
    answers = [answer(row, [respond([{"role": "user", "content": row["prompt"]}])]) for row in rows]
    assert benchmark_scores(answers) == metrics

"""The harness documents of a structured run: the JSON prompt and schema `selfrat eval --structured`
sends, and texts read whole (no verdict stop cuts a rationale)."""

from __future__ import annotations

import json

import pytest

from selfrat_eval._errors import InputError
from selfrat_eval.benchmarks import create_benchmark
from selfrat_eval.data import sample_path
from selfrat_eval.judges import json_schema
from selfrat_eval.prompts import JudgeChat
from selfrat_eval.tasks._docs import answer, benchmark_rows, benchmark_scores, doc_completions

RB_SAMPLE = sample_path("rewardbench")


def test_structured_documents_carry_the_json_prompt_and_the_schema() -> None:
    rows = benchmark_rows("rewardbench", RB_SAMPLE, mode="pairwise", structured=True, max_new_tokens=64)
    benchmark = create_benchmark("rewardbench", mode="pairwise")
    items, _ = benchmark.load(RB_SAMPLE, None)
    requests = {
        f"{item.id}#{slot}": chat for item in items for slot, chat in benchmark.requests(item).items()
    }
    assert len(rows) == len(requests)
    for row in rows:
        chat = requests[row["id"]]
        assert isinstance(chat, JudgeChat)
        [system, user] = chat.structured()
        assert (row["system"], row["prompt"]) == (system["content"], user["content"])
        assert row["schema"] == json_schema(chat.verdict, 64)
        assert json.loads(row["settings"])["decoding"]["structured"] is True


def test_plain_documents_are_unchanged_by_the_option() -> None:
    rows = benchmark_rows("rewardbench", RB_SAMPLE, mode="pairwise")
    assert "schema" not in rows[0] and "structured" not in json.loads(rows[0]["settings"])["decoding"]


def test_a_structured_text_is_kept_whole_and_read() -> None:
    """A complete verdict line ends a plain judgment there (as `selfrat eval` ends it); a structured
    judgment ends with its object, so nothing in it is cut."""
    [row] = benchmark_rows("rewardbench", RB_SAMPLE, mode="pairwise", structured=True)[:1]
    [plain] = benchmark_rows("rewardbench", RB_SAMPLE, mode="pairwise")[:1]
    text = 'Draft: [RESULT] B\n{"rationale": "r", "verdict": "A"}'
    assert doc_completions([text], json.loads(row["settings"]))[0].text == text
    assert doc_completions([text], json.loads(plain["settings"]))[0].text == "Draft: [RESULT] B\n"
    judgment = '{"rationale": "A answers the question.", "verdict": "A"}'
    assert benchmark_scores([answer(row, [judgment])])["parse_failure_rate"] == 0


def test_too_few_tokens_for_a_structured_judgment_is_a_clear_error() -> None:
    with pytest.raises(InputError, match="max-new-tokens 8 leaves no room"):
        benchmark_rows("rewardbench", RB_SAMPLE, mode="pairwise", structured=True, max_new_tokens=8)


def test_lm_eval_metadata_turns_structured_documents_on() -> None:
    from selfrat_eval.tasks.lm_eval.utils import dataset

    metadata = {"version": 2.0, "mode": "pairwise", "structured": True, "max_new_tokens": 64}
    [first] = dataset("rewardbench", str(RB_SAMPLE), **metadata)["test"].select([0])
    assert first["prompt"].endswith("Write the rationale first, then the verdict.")
    assert json.loads(first["schema"])["properties"]["verdict"]["enum"] == ["A", "B"]

"""Structured judgments: each verdict kind's JSON schema, the prompt that asks for it, the engine
wrapper that sends each request with its schema, and the parser reading every object the schema admits."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from selfrat_eval._errors import InputError
from selfrat_eval.data import sample_path
from selfrat_eval.evaluation import EvalConfig, read_judgments, run_eval
from selfrat_eval.judges import Completion, Decoding, SamplingConfig, StructuredEngine, json_schema
from selfrat_eval.parsing import RATING_10, parse_absolute, parse_ranking, parse_relative
from selfrat_eval.prompts import (
    AbsoluteRequest,
    Chat,
    JudgeChat,
    RankingRequest,
    RelativeRequest,
    Verdict,
    absolute_prompt,
    ranking_prompt,
    relative_prompt,
)

jsonschema = pytest.importorskip("jsonschema")


def declared(chat: Chat) -> JudgeChat:
    assert isinstance(chat, JudgeChat)  # what every prompt builder returns
    return chat


SCORE_5 = declared(absolute_prompt(AbsoluteRequest("Add 2 and 2.", "4", "[Correct?]")))
SCORE_10 = declared(absolute_prompt(AbsoluteRequest("Add 2 and 2.", "4", "[Correct?]", top=10)))
PAIR = declared(relative_prompt(RelativeRequest("Add 2 and 2.", "4", "5", "[Correct?]")))
RANKING = declared(ranking_prompt(RankingRequest("Add 2 and 2.", ("4", "5", "6", "7"), "[Correct?]")))


class RecordingEngine:
    """Answers every request with the first value its schema admits, and records what it was sent."""

    def __init__(self) -> None:
        self.calls: list[tuple[list[Any], SamplingConfig, list[int] | None]] = []

    @property
    def identity(self) -> dict[str, Any]:
        return {"backend": "recording", "model": "recording"}

    def generate(
        self, chats: Sequence[Any], sampling: SamplingConfig, seeds: Sequence[int] | None = None
    ) -> list[list[Completion]]:
        self.calls.append((list(chats), sampling, None if seeds is None else list(seeds)))
        assert sampling.json_schema is not None
        schema = json.loads(sampling.json_schema)
        field = next(name for name in schema["required"] if name != "rationale")
        text = json.dumps({"rationale": "checked", field: schema["properties"][field]["enum"][0]})
        return [[Completion(text, 1, finish="end")] * sampling.n for _ in chats]


def test_each_prompt_declares_the_verdict_it_asks_for() -> None:
    assert SCORE_5.verdict == Verdict.score(5) and SCORE_5.verdict.values == (1, 2, 3, 4, 5)
    assert SCORE_10.verdict.values == tuple(range(1, 11))
    assert PAIR.verdict == Verdict.choice("AB") and PAIR.verdict.field == "verdict"
    assert RANKING.verdict.values == ("A", "B", "C", "D")
    # a rubric that lets the judge call a tie (Auto-J, PandaLM, the rationale study) admits one
    tie = declared(relative_prompt(RelativeRequest("Add 2 and 2.", "4", "4.0", "[Or tie?]", ties=True)))
    assert tie.verdict.values == ("A", "B", "tie") and '"A", "B" or "tie"' in tie.structured()[-1]["content"]


@pytest.mark.parametrize(
    ("chat", "parse"),
    [
        (SCORE_5, parse_absolute),
        (SCORE_10, lambda text: parse_absolute(text, scale=RATING_10)),
        (PAIR, parse_relative),
        (RANKING, parse_ranking),
    ],
)
def test_every_object_the_schema_admits_parses_to_its_value(chat: JudgeChat, parse: Any) -> None:
    verdict: Verdict = chat.verdict
    schema = json.loads(json_schema(verdict, max_new_tokens=64))
    assert list(schema["properties"]) == ["rationale", verdict.field]  # the rationale comes first
    for value in verdict.values:
        judgment = {"rationale": "The sum is right.", verdict.field: value}
        jsonschema.validate(judgment, schema)
        parsed = parse(json.dumps(judgment, separators=(",", ":")))
        assert (parsed.status, parsed.value, parsed.rationale) == ("ok", value, "The sum is right.")
    for outside in ({"rationale": "x", verdict.field: "tie"}, {"rationale": "x"}, {verdict.field: 1}):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(outside, schema)


def test_the_rationale_is_capped_so_the_judgment_fits_the_token_limit() -> None:
    verdict = Verdict.score(10)
    schema = json.loads(json_schema(verdict, max_new_tokens=100))
    cap = schema["properties"]["rationale"]["maxLength"]
    # the longest judgment the schema admits, one end token included, is at most 100 characters
    longest = json.dumps({"rationale": "x" * cap, "score": 10})
    assert len(longest) + 1 == 100
    with pytest.raises(InputError, match="--max-new-tokens 20 leaves no room"):
        json_schema(verdict, max_new_tokens=20)


def test_the_prompt_asks_for_the_same_shape_after_everything_else() -> None:
    asked = PAIR.structured()
    assert asked[:-1] == PAIR[:-1] and asked[-1]["content"].startswith(PAIR[-1]["content"])
    added = asked[-1]["content"].removeprefix(PAIR[-1]["content"])
    assert '{"rationale": "<your feedback>", "verdict": <"A" or "B">}' in added


def test_requests_are_sent_with_their_own_schema_in_order() -> None:
    inner = RecordingEngine()
    chats = [SCORE_5, PAIR, SCORE_5, RANKING]
    sampling = Decoding(structured=True).applied(SamplingConfig(max_new_tokens=64))
    answers = StructuredEngine(inner).generate(chats, sampling, seeds=[1, 2, 3, 4])
    assert sampling.stop == ()  # a stop text inside the rationale would cut the object
    assert [len(sent) for sent, _, _ in inner.calls] == [2, 1, 1]  # one call per distinct schema
    assert [seeds for _, _, seeds in inner.calls] == [[1, 3], [2], [4]]
    assert [json.loads(a[0].text).get("verdict", json.loads(a[0].text).get("score")) for a in answers] == [
        1,
        "A",
        1,
        "A",
    ]
    sent, used, _ = inner.calls[1]
    assert sent == [PAIR.structured()] and used.json_schema == json_schema(PAIR.verdict, 64)


def test_a_request_without_a_declared_verdict_is_refused() -> None:
    with pytest.raises(InputError, match="declare their verdict"):
        StructuredEngine(RecordingEngine()).generate([[{"role": "user", "content": "hi"}]], SamplingConfig())


def test_a_structured_run_is_recorded_and_a_resume_without_it_refused(tmp_path: Path) -> None:
    def config(**options: object) -> EvalConfig:
        return EvalConfig(
            judge="recording",
            benchmark="rubric",
            data=sample_path("rubric"),
            out=tmp_path,
            limit=3,
            n_resamples=0,
            max_new_tokens=64,
            **options,  # type: ignore[arg-type]
        )

    results = run_eval(config(structured=True), engine_factory=RecordingEngine)
    assert results["config"]["structured"] is True and results["metrics"]["parse_failure_rate"] == 0
    assert all(j.parse_status == {"response": ["ok"]} for j in read_judgments(tmp_path / "judgments.jsonl"))
    with pytest.raises(InputError, match="holds a run made with structured="):
        run_eval(config(), engine_factory=RecordingEngine)

"""Structured judgments (`--structured`): each request's judgment constrained to its verdict's JSON
schema by the engine's own constrained decoding (vLLM structured outputs, an endpoint's
`response_format`, xgrammar for transformers).

`StructuredEngine` wraps any engine: it asks for the JSON shape in the prompt (`JudgeChat.structured`),
gives each request its schema, and sends one engine call per distinct schema. The rationale's length
is capped so that the whole object fits in `max_new_tokens` whenever each of its tokens holds at least
one character (the object has no optional whitespace): then every judgment is a complete object the
parser reads, by construction. A rationale made of sub-character tokens (byte-fallback emoji, say) can
still run out of tokens; that judgment is an unparseable sample, counted as any other.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from selfrat_eval._errors import InputError
from selfrat_eval.judges._engine import Completion, Engine, SamplingConfig
from selfrat_eval.prompts import Chat, JudgeChat, Verdict

#: The end-of-sequence token that follows the object (constrained decoding ends with it).
_END_TOKENS = 1


def rationale_chars(verdict: Verdict, max_new_tokens: int) -> int:
    """The longest rationale whose judgment still fits in `max_new_tokens` (see the module docstring)."""
    chars = max_new_tokens - len(verdict.skeleton()) - _END_TOKENS
    if chars < 1:
        raise InputError(
            f"--max-new-tokens {max_new_tokens} leaves no room for a structured judgment's rationale "
            f"(its JSON takes {len(verdict.skeleton()) + _END_TOKENS} tokens at most besides it)",
            field="max_new_tokens",
        )
    return chars


def json_schema(verdict: Verdict, max_new_tokens: int) -> str:
    """The schema a request's judgment is held to, as the JSON text `SamplingConfig` carries."""
    return json.dumps(verdict.json_schema(rationale_chars(verdict, max_new_tokens)), sort_keys=True)


class StructuredEngine:
    """Any engine, its judgments held to their verdicts' JSON schemas."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @property
    def identity(self) -> dict[str, Any]:
        return self.engine.identity

    def generate(
        self, chats: Sequence[Chat], sampling: SamplingConfig, seeds: Sequence[int] | None = None
    ) -> list[list[Completion]]:
        requests = [chat for chat in chats if isinstance(chat, JudgeChat)]
        if len(requests) < len(chats):
            raise InputError("--structured needs judge requests that declare their verdict (a JudgeChat)")
        groups: dict[Verdict, list[int]] = {}
        for index, request in enumerate(requests):
            groups.setdefault(request.verdict, []).append(index)
        answers: dict[int, list[Completion]] = {}
        for verdict, indices in groups.items():
            generated = self.engine.generate(
                [requests[i].structured() for i in indices],
                replace(sampling, json_schema=json_schema(verdict, sampling.max_new_tokens), stop=()),
                None if seeds is None else [seeds[i] for i in indices],
            )
            answers |= dict(zip(indices, generated, strict=True))
        return [answers[i] for i in range(len(chats))]

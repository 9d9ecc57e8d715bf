"""Shared fixtures: an offline environment, a tiny judge built once, a scripted engine."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from selfrat_eval.judges import Completion, SamplingConfig
from selfrat_eval.prompts import Chat

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"


@pytest.fixture(scope="session")
def tiny_judge(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from selfrat_eval.toy import build_tiny_judge

    """A tiny judge taught the output format (random results), built once per test session."""
    return build_tiny_judge(tmp_path_factory.mktemp("models") / "tiny-judge", seed=0, format_steps=200)


Script = Callable[[Chat], "str | list[str] | list[tuple[str, float]]"]


class ScriptedEngine:
    """A deterministic engine whose every answer is chosen by the test, so metrics are known exactly.

    `respond(chat)` returns one text (repeated for every sample), or one text per sample, or
    (text, mean log-prob) per sample.
    """

    def __init__(self, respond: Script) -> None:
        self.respond = respond
        self.calls: list[int] = []
        self.prompts: list[Chat] = []

    @property
    def identity(self) -> dict[str, Any]:
        return {"backend": "scripted", "model": "scripted"}

    def generate(
        self, chats: Sequence[Chat], sampling: SamplingConfig, seeds: Sequence[int] | None = None
    ) -> list[list[Completion]]:
        self.calls.append(len(chats))
        self.prompts += list(chats)
        results = []
        for chat in chats:
            script = self.respond(chat)
            samples = [script] * sampling.n if isinstance(script, str) else list(script)
            assert len(samples) == sampling.n, "the script must give one answer per sample"
            results.append(
                [
                    Completion(text=s, num_tokens=1) if isinstance(s, str) else Completion(s[0], 1, s[1])
                    for s in samples
                ]
            )
        return results


def user_text(chat: Chat) -> str:
    return next(message["content"] for message in chat if message["role"] == "user")

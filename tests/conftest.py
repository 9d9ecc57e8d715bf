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

    return build_tiny_judge(tmp_path_factory.mktemp("models") / "tiny-judge", seed=0)


class ScriptedEngine:
    """A deterministic engine whose every answer is chosen by the test, so metrics are known exactly."""

    def __init__(self, respond: Callable[[Chat], str]) -> None:
        self.respond = respond
        self.calls: list[int] = []

    @property
    def identity(self) -> dict[str, Any]:
        return {"backend": "scripted", "model": "scripted"}

    def generate(self, chats: Sequence[Chat], sampling: SamplingConfig) -> list[list[Completion]]:
        self.calls.append(len(chats))
        return [[Completion(text=self.respond(chat), num_tokens=1)] * sampling.n for chat in chats]


def user_text(chat: Chat) -> str:
    return next(message["content"] for message in chat if message["role"] == "user")

"""Engines that replica processes build: module-level factories, since each process builds its own."""

from __future__ import annotations

import os
import signal
from collections.abc import Sequence
from pathlib import Path

from selfrat_eval._errors import InputError
from selfrat_eval.judges import Completion, SamplingConfig
from selfrat_eval.prompts import Chat
from tests.evaluation.test_adaptive_runs import SeededEngine


def seeded() -> SeededEngine:
    return SeededEngine()


def missing_model() -> SeededEngine:
    raise InputError("no such model folder", source="/nowhere/model")


class KilledOnce(SeededEngine):
    """SIGKILLed on its second call in the one replica that creates `flag` first (none once it exists)."""

    def __init__(self, flag: Path) -> None:
        super().__init__()
        self.flag = flag

    def generate(
        self, chats: Sequence[Chat], sampling: SamplingConfig, seeds: Sequence[int] | None = None
    ) -> list[list[Completion]]:
        if len(self.calls) == 1:
            try:
                os.close(os.open(self.flag, os.O_CREAT | os.O_EXCL))
            except FileExistsError:
                pass
            else:
                os.kill(os.getpid(), signal.SIGKILL)
        return super().generate(chats, sampling, seeds)


def killed_once(flag: Path) -> KilledOnce:
    return KilledOnce(flag)

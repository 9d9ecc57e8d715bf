"""Append-only judgments.jsonl that survives being killed: finished items are never lost or redone."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path

from selfrat_eval.evaluation._judgments import Judgment, read_judgments


class JudgmentStore:
    """Items are appended (and fsynced) as they finish; on reopen, a line torn by a kill is dropped."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._drop_torn_tail()

    def _drop_torn_tail(self) -> None:
        if not self.path.exists() or self.path.stat().st_size == 0:
            return
        data = self.path.read_bytes()
        if not data.endswith(b"\n"):
            with self.path.open("r+b") as handle:
                handle.truncate(data.rfind(b"\n") + 1)

    def load(self) -> list[Judgment]:
        if not self.path.exists() or self.path.stat().st_size == 0:
            return []
        return read_judgments(self.path)

    def append(self, judgments: Sequence[Judgment]) -> None:
        if not judgments:
            return
        lines = "".join(
            json.dumps(j.model_dump(mode="json", exclude_none=False), ensure_ascii=False) + "\n"
            for j in judgments
        )
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(lines)
            handle.flush()
            os.fsync(handle.fileno())

"""judgments.jsonl: read and validated by the registered benchmark's judgment type, and appended to
in a way that survives being killed (finished items are never lost or redone)."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from selfrat_eval._errors import InputError
from selfrat_eval.benchmarks import Judgment, benchmark_class, benchmark_names
from selfrat_eval.data._io import read_rows, validate


class JudgmentStore:
    """Items are appended (and fsynced) as they finish; on reopen, a line torn by a kill is dropped."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        drop_torn_tail(self.path)

    def load(self) -> list[Judgment]:
        if not self.path.exists() or self.path.stat().st_size == 0:
            return []
        return read_judgments(self.path)

    def append(self, judgments: Sequence[Judgment]) -> None:
        append_lines(self.path, [judgment_line(j) for j in judgments])


def judgment_line(judgment: Judgment) -> str:
    """One judgments.jsonl line (`stopped` only where an adaptive strategy set it)."""
    exclude = {"stopped"} if judgment.stopped is None else None
    fields = judgment.model_dump(mode="json", exclude_none=False, exclude=exclude)
    return json.dumps(fields, ensure_ascii=False)


def drop_torn_tail(path: Path) -> None:
    """Drop a last line that a kill cut short (everything before it is whole)."""
    if not path.exists() or path.stat().st_size == 0:
        return
    data = path.read_bytes()
    if not data.endswith(b"\n"):
        with path.open("r+b") as handle:
            handle.truncate(data.rfind(b"\n") + 1)


def append_lines(path: Path, lines: Sequence[str]) -> None:
    """Append whole lines and fsync, so a finished chunk survives a kill."""
    if not lines:
        return
    with path.open("a", encoding="utf-8") as handle:
        handle.write("".join(line + "\n" for line in lines))
        handle.flush()
        os.fsync(handle.fileno())


def parse_judgment(raw: dict[str, Any], *, source: str, record: int) -> Judgment:
    name = raw.get("benchmark")
    if not isinstance(name, str) or name not in benchmark_names():
        problem = "missing" if name is None else f"must be one of {benchmark_names()}"
        raise InputError(problem, source=source, record=record, field="benchmark")
    return validate(benchmark_class(name).judgment_type, raw, source=source, record=record)


def read_judgments(path: Path) -> list[Judgment]:
    """Validate a judgments file: one benchmark per file, no item twice."""
    judgments: list[Judgment] = []
    seen: set[str] = set()
    for number, raw in read_rows(Path(path)):
        judgment = parse_judgment(raw, source=str(path), record=number)
        if judgments and judgment.benchmark != judgments[0].benchmark:
            raise InputError(
                f"mixes benchmarks ({judgments[0].benchmark} and {judgment.benchmark})",
                source=str(path),
                record=number,
                field="benchmark",
            )
        if judgment.key in seen:
            raise InputError(
                f"item {judgment.key} appears twice", source=str(path), record=number, field="id"
            )
        seen.add(judgment.key)
        judgments.append(judgment)
    if not judgments:
        raise InputError("no judgments", source=str(path))
    return judgments

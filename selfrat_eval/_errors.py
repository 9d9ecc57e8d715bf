"""The errors the CLI turns into a one-line message: bad input (exit code 2) and a judge replica
lost mid-run (exit code 1: nothing finished is lost, the same command resumes)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from selfrat_eval.judges import Completion


class InputError(Exception):
    """Bad user input: a data file, a judgments file, an option.

    The message names where the problem is (file, record, field) so that the CLI can print it on
    one line instead of a traceback.
    """

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        record: int | str | None = None,
        field: str | None = None,
    ) -> None:
        self.source = source
        self.record = record
        self.field = field
        self.detail = message
        where = []
        if source is not None:
            where.append(str(source))
        if record is not None:
            where.append(f"record {record}")
        if field is not None:
            where.append(f"field '{field}'")
        super().__init__(f"{': '.join([', '.join(where), message]) if where else message}")


class DataNotFound(InputError):
    """A published benchmark's data is not on this machine (no `--data`, no mirror copy, no hub).

    `selfrat suite` skips such a benchmark with this one line (what to download, where to put it)
    instead of stopping; a file that is here but broken stays an `InputError`."""


class ReplicaFailed(RuntimeError):
    """A judge replica died or raised during a `generate` call (`judges.ReplicatedEngine`).

    `finished` maps request indices of that call to the answers the other replicas returned: a
    judgment cache stores them before the error goes on, so a resumed run recomputes only the rest."""

    def __init__(self, message: str, finished: dict[int, list[Completion]]) -> None:
        super().__init__(message)
        self.finished = finished

"""Reading record files with record-precise errors, and writing files atomically."""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, TypeVar

from pydantic import BaseModel, ValidationError

from selfrat_eval._errors import InputError

M = TypeVar("M", bound=BaseModel)

#: A raw row as read from a file or a hub dataset, with the 1-based record number used in errors.
Row = tuple[int, dict[str, Any]]


def read_rows(path: Path) -> Iterator[Row]:
    """Yield (record number, row) from a .jsonl, .json (a list of objects, or an object of objects
    keyed by id) or .csv/.tsv file.

    The file must be UTF-8 (a byte-order mark is fine). JSONL record numbers are line numbers, so an
    error points at the line to fix.
    """
    if not path.exists():
        raise InputError("file not found", source=str(path))
    suffix = path.suffix.lower()
    if suffix not in {".jsonl", ".ndjson", ".json", ".csv", ".tsv"}:
        raise InputError(
            f"unsupported file type '{suffix}' (use .jsonl, .json, .csv or .tsv)", source=str(path)
        )
    text = read_text(path)
    if suffix in {".jsonl", ".ndjson"}:
        yield from _read_jsonl(text, str(path))
    elif suffix == ".json":
        yield from _read_json(text, str(path))
    else:
        yield from _read_csv(text, delimiter="\t" if suffix == ".tsv" else ",")


def read_text(path: Path) -> str:
    """A UTF-8 text file's content (BOM dropped); undecodable bytes are an InputError saying where."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise InputError(
            f"not UTF-8 text (byte {error.start} on line {line}: {data[error.start : error.start + 1]!r}); "
            "save it as UTF-8",
            source=str(path),
            record=line,
        ) from None


def _read_jsonl(text: str, source: str) -> Iterator[Row]:
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as error:
            raise InputError(f"invalid JSON ({error.msg})", source=source, record=number) from None
        if not isinstance(row, dict):
            raise InputError("expected a JSON object", source=source, record=number)
        yield number, row


def _read_json(text: str, source: str) -> Iterator[Row]:
    if not text.strip():
        return
    try:
        rows = json.loads(text)
    except json.JSONDecodeError as error:
        raise InputError(f"invalid JSON ({error.msg} at line {error.lineno})", source=source) from None
    if isinstance(rows, dict) and rows and all(isinstance(row, dict) for row in rows.values()):
        rows = list(rows.values())  # records keyed by id, as the BiGGen-Bench pipeline writes them
    if not isinstance(rows, list):
        raise InputError(
            "expected a JSON list of objects (or an object of objects keyed by id)", source=source
        )
    for number, row in enumerate(rows, start=1):
        if not isinstance(row, dict):
            raise InputError("expected a JSON object", source=source, record=number)
        yield number, row


def _read_csv(text: str, delimiter: str) -> Iterator[Row]:
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    for number, row in enumerate(reader, start=1):
        yield number, {key: value for key, value in row.items() if key is not None}


def validate(model: type[M], data: dict[str, Any], *, source: str, record: int) -> M:
    """Build a record, turning the first validation problem into a one-line InputError."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or None
        message = "missing" if first["type"] == "missing" else first["msg"]
        raise InputError(message, source=source, record=record, field=field) from None


def require(row: dict[str, Any], field: str, *, source: str, record: int) -> Any:
    """A required raw field: absent or null is an InputError naming it."""
    value = row.get(field)
    if value is None:
        raise InputError("missing", source=source, record=record, field=field)
    return value


@contextmanager
def atomic_write(path: Path, mode: str = "w") -> Iterator[IO[Any]]:
    """Write to a temporary file beside `path` and rename it into place only on success."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(descriptor, mode, encoding=None if "b" in mode else "utf-8") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise


def write_json(path: Path, payload: Any) -> None:
    with atomic_write(path) as handle:
        json.dump(payload, handle, indent=2, ensure_ascii=False, allow_nan=False, default=_json_default)
        handle.write("\n")


def _json_default(value: Any) -> Any:
    to_python: Callable[[], Any] | None = getattr(value, "item", None)  # numpy scalars
    if to_python is not None:
        return to_python()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")

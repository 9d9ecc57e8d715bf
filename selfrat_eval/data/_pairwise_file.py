"""A user's own pairwise data: JSONL/JSON/CSV rows with an instruction, two responses and which one
is better (`label`: "A" or "B"), optionally a rubric (criterion text) and a reference answer."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator

from selfrat_eval.data._io import validate
from selfrat_eval.data._records import PairItem, _Record
from selfrat_eval.data._sources import RowSource, _from_file, unique_items


class PairwiseFileRow(_Record):
    instruction: str = Field(min_length=1)
    response_a: str = Field(min_length=1)
    response_b: str = Field(min_length=1)
    label: Literal["A", "B"]
    rubric: str | None = None
    reference_answer: str | None = None
    id: str | int | None = None
    group: str | None = None

    @field_validator("label", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.strip().upper() if isinstance(value, str) else value


def pair_from_row(row: PairwiseFileRow, number: int) -> PairItem:
    preferred, other = (
        (row.response_a, row.response_b) if row.label == "A" else (row.response_b, row.response_a)
    )
    return PairItem(
        id=str(row.id) if row.id not in (None, "") else str(number),
        group=row.group or "all",
        prompt=row.instruction,
        chosen=preferred,
        rejected=other,
        rubric=row.rubric or None,
        reference_answer=row.reference_answer or None,
    )


def load_pairwise_file(path: Path) -> tuple[list[PairItem], RowSource]:
    source = _from_file(Path(path))
    items = [
        pair_from_row(validate(PairwiseFileRow, raw, source=source.name, record=number), number)
        for number, raw in source.rows
    ]
    return unique_items(items, source), source

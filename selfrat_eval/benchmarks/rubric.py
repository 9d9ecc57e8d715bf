"""A user's own rubric data: JSONL/JSON/CSV rows with instruction, response, rubric, optional label."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import Field

from selfrat_eval._errors import InputError
from selfrat_eval.benchmarks._base import HarnessMetric
from selfrat_eval.benchmarks._ratings import RatingBenchmark
from selfrat_eval.benchmarks._registry import register
from selfrat_eval.data._io import validate
from selfrat_eval.data._records import Rubric, RubricItem, _Record
from selfrat_eval.data._sources import RowSource, _from_file, unique_items


class RubricFileRow(_Record):
    """Schema of a rubric file row.

    `rubric` is either free text or an object with `criteria` and `score1_description` ..
    `score5_description` (in a CSV, such an object is written as a JSON string). `label` is an
    optional reference score in 1..5.
    """

    instruction: str = Field(min_length=1)
    response: str = Field(min_length=1)
    rubric: Rubric | str
    reference_answer: str | None = None
    label: float | None = Field(default=None, ge=1, le=5)
    id: str | int | None = None
    group: str | None = None


def load_rubric_file(path: Path) -> tuple[list[RubricItem], RowSource]:
    source = _from_file(Path(path))
    items = []
    for number, raw in source.rows:
        decoded = decode_rubric(raw, source.name, number)
        row = validate(RubricFileRow, decoded, source=source.name, record=number)
        item_id = str(row.id) if row.id is not None else str(number)
        items.append(
            RubricItem(
                id=item_id,
                group=row.group or "all",
                instruction=row.instruction,
                response=row.response,
                rubric=row.rubric,
                reference_answer=row.reference_answer or None,
                labels={} if row.label is None else {"label": row.label},
            )
        )
    return unique_items(items, source), source


def decode_rubric(raw: dict[str, Any], source: str, record: int) -> dict[str, Any]:
    """CSV cells are strings: a rubric cell holding a JSON object becomes that object."""
    decoded = dict(raw)
    rubric = raw.get("rubric")
    if isinstance(rubric, str) and rubric.lstrip().startswith("{"):
        try:
            decoded["rubric"] = json.loads(rubric)
        except json.JSONDecodeError:
            raise InputError(
                "rubric looks like JSON but does not parse", source=source, record=record, field="rubric"
            ) from None
    for optional in ("label", "reference_answer", "id", "group"):
        if decoded.get(optional) == "":  # an empty CSV cell means "not given"
            decoded[optional] = None
    return decoded


@register
@dataclass(frozen=True)
class RubricData(RatingBenchmark):
    """Your own rubric data (`--data FILE`), correlated with its optional `label`."""

    name = "rubric"
    title = "your own rubric data (--data FILE): Pearson/Spearman/Kendall vs its label"
    labels = ("label",)
    user_data = True
    harness_metrics = (
        HarnessMetric("pearson", ("label", "overall", "pearson")),
        HarnessMetric("spearman", ("label", "overall", "spearman")),
        HarnessMetric("kendall", ("label", "overall", "kendall")),
        HarnessMetric("parse_failure_rate", ("parse_failure_rate",), higher_is_better=False),
    )

    def load(self, data: Path | None, revision: str | None) -> tuple[Sequence[RubricItem], RowSource]:
        if data is None:
            raise InputError("the rubric benchmark needs --data FILE (your own JSONL/CSV rubric file)")
        return load_rubric_file(data)

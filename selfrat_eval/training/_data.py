"""Training items with gold rationales: Feedback-Collection rows, or rubric files with a `feedback`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import Field

from selfrat_eval._errors import InputError
from selfrat_eval.data import HubDataset, Rubric, RubricItem
from selfrat_eval.data._io import atomic_write, validate
from selfrat_eval.data._records import _Record
from selfrat_eval.data._rubric_file import RubricFileRow, _decode_rubric
from selfrat_eval.data._sources import load_rows

FEEDBACK_COLLECTION = HubDataset(
    "prometheus-eval/Feedback-Collection", "train", "feedback-collection/train.jsonl"
)


class TrainItem(_Record):
    """A rubric grading with its gold rationale (`feedback`) and score (`label`, 1-5)."""

    item: RubricItem
    feedback: str = Field(min_length=1)
    label: int = Field(ge=1, le=5)


class _FeedbackCollectionRow(_Record):
    """The published Feedback-Collection columns."""

    orig_instruction: str = Field(min_length=1)
    orig_response: str = Field(min_length=1)
    orig_criteria: str = Field(min_length=1)
    orig_score1_description: str
    orig_score2_description: str
    orig_score3_description: str
    orig_score4_description: str
    orig_score5_description: str
    orig_reference_answer: str | None = None
    orig_feedback: str = Field(min_length=1)
    orig_score: int = Field(ge=1, le=5)


class _RubricTrainRow(RubricFileRow):
    feedback: str = Field(min_length=1)
    label: float = Field(ge=1, le=5)


def load_train_items(data: Path | None = None) -> list[TrainItem]:
    """Feedback-Collection (hub, `data` or $SELFRAT_DATA_DIR), or a rubric file with feedback + label."""
    source = load_rows(FEEDBACK_COLLECTION, data)
    items = []
    for number, raw in source.rows:
        if "orig_instruction" in raw:
            row = validate(_FeedbackCollectionRow, raw, source=source.name, record=number)
            rubric = Rubric(
                criteria=row.orig_criteria,
                score1_description=row.orig_score1_description,
                score2_description=row.orig_score2_description,
                score3_description=row.orig_score3_description,
                score4_description=row.orig_score4_description,
                score5_description=row.orig_score5_description,
            )
            item = RubricItem(
                id=str(number),
                group="all",
                instruction=row.orig_instruction,
                response=row.orig_response,
                rubric=rubric,
                reference_answer=row.orig_reference_answer or None,
            )
            items.append(TrainItem(item=item, feedback=row.orig_feedback, label=row.orig_score))
        else:
            decoded = _decode_rubric(raw, source.name, number)
            plain = validate(_RubricTrainRow, decoded, source=source.name, record=number)
            if not float(plain.label).is_integer():
                raise InputError(
                    "label must be an integer 1-5", source=source.name, record=number, field="label"
                )
            item = RubricItem(
                id=str(plain.id) if plain.id is not None else str(number),
                group=plain.group or "all",
                instruction=plain.instruction,
                response=plain.response,
                rubric=plain.rubric,
                reference_answer=plain.reference_answer or None,
                labels={"label": plain.label},
            )
            items.append(TrainItem(item=item, feedback=plain.feedback, label=int(plain.label)))
    if not items:
        raise InputError("no training items", source=source.name)
    return items


def write_rubric_file(path: Path, items: list[TrainItem]) -> None:
    """Items in the rubric-file schema, so `selfrat eval --benchmark rubric` can judge them."""
    rows: list[dict[str, Any]] = []
    for train in items:
        item = train.item
        rubric = item.rubric.model_dump() if isinstance(item.rubric, Rubric) else item.rubric
        rows.append(
            {
                "id": item.id,
                "group": item.group,
                "instruction": item.instruction,
                "response": item.response,
                "rubric": rubric,
                "reference_answer": item.reference_answer,
                "label": train.label,
                "feedback": train.feedback,
            }
        )
    with atomic_write(path) as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")

"""Training items with gold rationales: Feedback-Collection rows, or rubric files with a `feedback`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from selfrat_eval._errors import InputError
from selfrat_eval.benchmarks.pairwise import PairwiseFileRow, pair_from_row
from selfrat_eval.benchmarks.rubric import RubricFileRow, decode_rubric
from selfrat_eval.data import HubDataset, PairItem, Rubric, RubricItem
from selfrat_eval.data._io import atomic_write, validate
from selfrat_eval.data._records import _Record
from selfrat_eval.data._sources import load_rows

FEEDBACK_COLLECTION = HubDataset(
    "prometheus-eval/Feedback-Collection", "train", "feedback-collection/train.jsonl"
)


PREFERENCE_COLLECTION = HubDataset(
    "prometheus-eval/Preference-Collection", "train", "preference-collection/train.jsonl"
)


class TrainItem(_Record):
    """A judgment to learn, with its gold rationale (`feedback`): a 1-5 grading (`label`) of a
    RubricItem, or a comparison of a PairItem (whose `chosen` response is the preferred one)."""

    item: RubricItem | PairItem
    feedback: str = Field(min_length=1)
    label: int | None = Field(None, ge=1, le=5)

    @property
    def pairwise(self) -> bool:
        return isinstance(self.item, PairItem)


class _PreferenceCollectionRow(_Record):
    """The published Preference-Collection columns."""

    orig_instruction: str = Field(min_length=1)
    orig_response_A: str = Field(min_length=1)
    orig_response_B: str = Field(min_length=1)
    orig_criteria: str = Field(min_length=1)
    orig_reference_answer: str | None = None
    orig_feedback: str = Field(min_length=1)
    orig_preference: Literal["A", "B"]


class _PairwiseTrainRow(PairwiseFileRow):
    feedback: str = Field(min_length=1)


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


def load_train_items(data: Path | None = None, *, pairwise: bool = False) -> list[TrainItem]:
    """Feedback-Collection (pointwise) or Preference-Collection (`pairwise`) by hub id, `data` or
    $SELFRAT_DATA_DIR; or a rubric file with `feedback` + `label`, or a pairwise file with `feedback`.
    The kind of a local file is read from its columns."""
    source = load_rows(PREFERENCE_COLLECTION if pairwise else FEEDBACK_COLLECTION, data)
    items = []
    for number, raw in source.rows:
        if "orig_response_A" in raw:
            pref = validate(_PreferenceCollectionRow, raw, source=source.name, record=number)
            pair_row = PairwiseFileRow(
                instruction=pref.orig_instruction,
                response_a=pref.orig_response_A,
                response_b=pref.orig_response_B,
                label=pref.orig_preference,
                rubric=pref.orig_criteria,
                reference_answer=pref.orig_reference_answer,
            )
            items.append(TrainItem(item=pair_from_row(pair_row, number), feedback=pref.orig_feedback))
        elif "response_a" in raw:
            pair = validate(_PairwiseTrainRow, raw, source=source.name, record=number)
            items.append(TrainItem(item=pair_from_row(pair, number), feedback=pair.feedback))
        elif "orig_instruction" in raw:
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
            decoded = decode_rubric(raw, source.name, number)
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
    if len({item.pairwise for item in items}) > 1:
        raise InputError("mixes pointwise and pairwise items: train them as two judges", source=source.name)
    return items


def write_items_file(path: Path, items: list[TrainItem]) -> None:
    """Items in the rubric- or pairwise-file schema, so `selfrat eval --benchmark rubric|pairwise`
    can judge them."""
    rows: list[dict[str, Any]] = []
    for train in items:
        item = train.item
        if isinstance(item, PairItem):
            rows.append(
                {
                    "id": item.id,
                    "group": item.group,
                    "instruction": item.prompt,
                    "response_a": item.chosen,
                    "response_b": item.rejected,
                    "label": "A",
                    "rubric": item.rubric,
                    "reference_answer": item.reference_answer,
                    "feedback": train.feedback,
                }
            )
            continue
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

"""RewardBench 2 (`allenai/reward-bench-2`, split `test`): 1,865 prompts in six subsets, each with its
correct completion(s) (`chosen`) and wrong ones (`rejected`); Ties rows are `ref:<n>` / `tied:<n>`."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, ValidationInfo, field_validator

from selfrat_eval.data._io import validate
from selfrat_eval.data._records import CandidatesItem, _Record
from selfrat_eval.data._sources import HubDataset, RowSource, load_rows, unique_items

REWARDBENCH2 = HubDataset("allenai/reward-bench-2", "test", "reward-bench-2/test.jsonl")
REWARDBENCH2_SUBSETS = ("Factuality", "Precise IF", "Math", "Safety", "Focus", "Ties")


class RewardBench2Row(_Record):
    """The official columns used (`models`, `total_completions`, `additional_metadata` are not needed).
    `subset` comes first so that the other fields' checks can depend on it."""

    subset: str
    id: int | str
    prompt: str = Field(min_length=1)
    chosen: list[str] = Field(min_length=1)
    rejected: list[str] = Field(min_length=1)
    num_correct: int = Field(ge=1)

    @field_validator("subset")
    @classmethod
    def _known_subset(cls, value: str) -> str:
        if value not in REWARDBENCH2_SUBSETS:
            raise ValueError(f"must be one of {list(REWARDBENCH2_SUBSETS)}, got {value!r}")
        return value

    @field_validator("id")
    @classmethod
    def _ties_id(cls, value: int | str, info: ValidationInfo) -> int | str:
        kind, _, number = str(value).partition(":")
        if info.data.get("subset") == "Ties" and (kind not in ("ref", "tied") or not number.isdigit()):
            raise ValueError(f"a Ties id is ref:<n> or tied:<n>, got {value!r}")
        return value

    @field_validator("rejected")
    @classmethod
    def _four_candidates(cls, value: list[str], info: ValidationInfo) -> list[str]:
        subset = info.data.get("subset")
        if subset != "Ties" and len(value) < 3:
            raise ValueError(f"a {subset} prompt needs 3 rejected completions, has {len(value)}")
        return value

    @field_validator("num_correct")
    @classmethod
    def _counts_chosen(cls, value: int, info: ValidationInfo) -> int:
        chosen = info.data.get("chosen")
        if chosen is not None and value != len(chosen):
            raise ValueError(f"is {value} but there are {len(chosen)} chosen completions")
        return value


def load_rewardbench2(
    data: Path | None = None, *, revision: str | None = None
) -> tuple[list[CandidatesItem], RowSource]:
    """All prompts, in file order, validated; see `load_rows` for where they come from."""
    source = load_rows(REWARDBENCH2, data, revision)
    items = []
    for number, raw in source.rows:
        row = validate(RewardBench2Row, raw, source=source.name, record=number)
        items.append(
            CandidatesItem(
                id=str(row.id),
                group=row.subset,
                prompt=row.prompt,
                correct=tuple(row.chosen),
                incorrect=tuple(row.rejected),
            )
        )
    return unique_items(items, source), source

"""RewardBench (`allenai/reward-bench`, split `filtered`): 2,985 chosen/rejected pairs, 23 subsets."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from selfrat_eval.data._io import validate
from selfrat_eval.data._records import PairItem, _Record
from selfrat_eval.data._sources import HubDataset, RowSource, load_rows, unique_items

REWARDBENCH = HubDataset("allenai/reward-bench", "filtered", "reward-bench/filtered.jsonl")


class RewardBenchRow(_Record):
    """The official columns (chosen_model and rejected_model are kept but not needed)."""

    prompt: str = Field(min_length=1)
    chosen: str = Field(min_length=1)
    rejected: str = Field(min_length=1)
    subset: str = Field(min_length=1)
    id: int | str


def load_rewardbench(
    data: Path | None = None, *, revision: str | None = None
) -> tuple[list[PairItem], RowSource]:
    """All pairs, in file order, validated; see `load_rows` for where they come from."""
    source = load_rows(REWARDBENCH, data, revision)
    items = []
    for number, raw in source.rows:
        row = validate(RewardBenchRow, raw, source=source.name, record=number)
        items.append(
            PairItem(
                id=str(row.id), group=row.subset, prompt=row.prompt, chosen=row.chosen, rejected=row.rejected
            )
        )
    return unique_items(items, source), source

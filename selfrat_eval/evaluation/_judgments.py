"""The judgments.jsonl interchange format: one line per judged item, re-scorable offline.

Common fields: `benchmark`, `id`, `group` (RewardBench subset or BiGGen capability), `outputs` (raw
judge texts by what was judged: `response`, `chosen`/`rejected`, or `pair`), `parse_status` (same
shape). Parsed results: `score_chosen`/`score_rejected` (absolute RewardBench), `winner` (pairwise
RewardBench: "chosen", "rejected", "tie"), `score` plus labels (`human_score`, `gpt4_score`, or
`label`) for rubric gradings; null where unparseable. Items are keyed by (group, id).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from selfrat_eval._errors import InputError
from selfrat_eval.data import item_key
from selfrat_eval.data._io import read_rows, validate

Benchmark = Literal["rewardbench", "biggen", "rubric"]
BENCHMARKS: tuple[Benchmark, ...] = ("rewardbench", "biggen", "rubric")
Score = Annotated[float, Field(ge=1, le=5)]


class Judgment(BaseModel):
    model_config = ConfigDict(extra="allow")

    benchmark: Benchmark
    id: str = Field(min_length=1)
    group: str = Field(min_length=1)
    outputs: dict[str, list[str]] = Field(default_factory=dict)
    parse_status: dict[str, list[str]] = Field(default_factory=dict)

    @property
    def key(self) -> str:
        return item_key(self.group, self.id)


class PairJudgment(Judgment):
    """A RewardBench pair, judged by rating each response (absolute) or by comparing them (pairwise)."""

    benchmark: Literal["rewardbench"] = "rewardbench"
    mode: Literal["absolute", "pairwise"] = "absolute"
    score_chosen: Score | None = None
    score_rejected: Score | None = None
    winner: Literal["chosen", "rejected", "tie"] | None = None
    a_is_chosen: bool | None = None


class RatingJudgment(Judgment):
    """A 1-5 grading of one response, with the reference scores it is compared to."""

    benchmark: Literal["biggen", "rubric"]
    score: Score | None = None
    human_score: float | None = None
    gpt4_score: float | None = None
    label: float | None = None


JUDGMENT_TYPES: dict[str, type[Judgment]] = {
    "rewardbench": PairJudgment,
    "biggen": RatingJudgment,
    "rubric": RatingJudgment,
}


def parse_judgment(raw: dict[str, Any], *, source: str, record: int) -> Judgment:
    benchmark = raw.get("benchmark")
    if benchmark not in JUDGMENT_TYPES:
        problem = "missing" if benchmark is None else f"must be one of {list(BENCHMARKS)}"
        raise InputError(problem, source=source, record=record, field="benchmark")
    return validate(JUDGMENT_TYPES[benchmark], raw, source=source, record=record)


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

"""A user's own pairwise data: JSONL/JSON/CSV rows with an instruction, two responses and which one
is better (`label`: "A" or "B"), optionally a rubric (criterion text) and a reference answer."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import Field, field_validator
from rich.console import RenderableType

from selfrat_eval._errors import InputError
from selfrat_eval.benchmarks._base import (
    HarnessMetric,
    PairedHeadline,
    ScoringOptions,
    format_estimate,
    rates_line,
    score_table,
)
from selfrat_eval.benchmarks._judgments import Judgment, PairJudgment
from selfrat_eval.benchmarks._pairs import PairBenchmark, official_credit
from selfrat_eval.benchmarks._registry import register
from selfrat_eval.data import PairItem, RowSource
from selfrat_eval.data._io import validate
from selfrat_eval.data._records import _Record
from selfrat_eval.data._sources import _from_file, unique_items
from selfrat_eval.metrics import CREDIT, mean_estimate
from selfrat_eval.prompts import GradingMode


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


@register
@dataclass(frozen=True)
class PairwiseData(PairBenchmark):
    """Your own pairwise rubric data (`--data FILE`): which of two responses is better, judged A/B
    with the order seeded per item; accuracy against the label, per group and overall."""

    name = "pairwise"
    title = "your own pairwise data (--data FILE): accuracy against the label"
    modes = ("pairwise",)
    user_data = True
    harness_metrics = (
        HarnessMetric("accuracy", ("accuracy",)),
        HarnessMetric("tie_rate", ("tie_rate",), higher_is_better=False),
        HarnessMetric("parse_failure_rate", ("parse_failure_rate",), higher_is_better=False),
    )

    mode: GradingMode = "pairwise"

    def load(self, data: Path | None, revision: str | None) -> tuple[Sequence[PairItem], RowSource]:
        if data is None:
            raise InputError("the pairwise benchmark needs --data FILE (your own JSONL/CSV pairs)")
        return load_pairwise_file(data)

    def score(self, judgments: Sequence[Judgment], options: ScoringOptions) -> dict[str, Any]:
        pairs = [j for j in judgments if isinstance(j, PairJudgment)]
        credit = CREDIT[options.tie_policy]
        outcomes = [j.outcome(options.tie_policy) for j in pairs]

        def accuracy(selected: list[int]) -> dict[str, Any]:
            values = np.array([credit[outcomes[i]] for i in selected], dtype=float)
            return mean_estimate(values, n_resamples=options.n_resamples, seed=options.seed).to_dict()

        groups = sorted({j.group for j in pairs})
        metrics: dict[str, Any] = {
            "n_items": len(pairs),
            "accuracy": accuracy(list(range(len(pairs)))),
            "groups": {g: accuracy([i for i, j in enumerate(pairs) if j.group == g]) for g in groups},
            "tie_rate": sum(o == "tie" for o in outcomes) / len(outcomes) if outcomes else 0.0,
            "parse_failure_rate": sum(o == "error" for o in outcomes) / len(outcomes) if outcomes else 0.0,
            "tie_policy": options.tie_policy,
        }
        both_orders = [j.order_disagrees for j in pairs if j.order_disagrees is not None]
        if both_orders:
            metrics["order_disagreement_rate"] = sum(both_orders) / len(both_orders)
        return metrics

    def report(self, metrics: dict[str, Any]) -> list[RenderableType]:
        table = score_table(
            "pairwise: accuracy against the label (bootstrap 95% CI)", ("group", "accuracy", "95% CI", "n")
        )
        table.add_row("overall", *format_estimate(metrics["accuracy"]), style="bold")
        for name, estimate in metrics["groups"].items():
            table.add_row(name, *format_estimate(estimate))
        return [table, rates_line(metrics)]

    def paired_headline(self, groups: Sequence[str]) -> PairedHeadline:
        return PairedHeadline("accuracy", official_credit, lambda values: float(np.mean(values)))

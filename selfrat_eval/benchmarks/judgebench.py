"""JudgeBench (`ScalerLab/JudgeBench`): response pairs on hard knowledge, reasoning, math and coding
questions where one answer is right, judged in both orders always. Official score (ScalerLab/JudgeBench
`utils/metrics.py`, `compute_final_metrics` with both orders): each order votes +1 if its verdict,
un-swapped, matches the label, -1 if it matches the flipped label, 0 for a tie or no verdict; a pair is
correct when the sum is positive. Accuracy per source family and overall; the GPT-4o split (350 pairs)
is `judgebench`, the Claude split (270) `judgebench_claude`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Literal

import numpy as np
from pydantic import Field
from rich.console import RenderableType

from selfrat_eval.benchmarks._base import (
    HarnessMetric,
    PairedHeadline,
    ScoringOptions,
    format_estimate,
    rates_line,
    score_table,
)
from selfrat_eval.benchmarks._judgments import BothOrdersJudgment, Judgment
from selfrat_eval.benchmarks._pairs import PairBenchmark
from selfrat_eval.benchmarks._registry import register
from selfrat_eval.data import HubDataset, PairItem, RowSource
from selfrat_eval.data._io import validate
from selfrat_eval.data._records import _Record
from selfrat_eval.data._sources import load_rows, unique_items
from selfrat_eval.metrics import mean_estimate
from selfrat_eval.prompts import GradingMode

JUDGEBENCH_GPT = HubDataset("ScalerLab/JudgeBench", "gpt", "judgebench/gpt-4o-2024-05-13.jsonl")
JUDGEBENCH_CLAUDE = HubDataset(
    "ScalerLab/JudgeBench", "claude", "judgebench/claude-3-5-sonnet-20240620.jsonl"
)
#: The paper's four categories, by the pair's `source`.
FAMILIES = ("knowledge", "reasoning", "math", "coding")
TABLE_TITLE = "JudgeBench (net vote over both orders)"


def family(source: str) -> str:
    """mmlu-pro-* -> knowledge, livebench-reasoning -> reasoning, livebench-math -> math,
    livecodebench -> coding."""
    if source.startswith("mmlu-pro"):
        return "knowledge"
    if source == "livecodebench":
        return "coding"
    return source.removeprefix("livebench-")


class JudgeBenchRow(_Record):
    """The official columns (`original_id` and `response_model` are kept but not needed)."""

    pair_id: str = Field(min_length=1)
    source: str = Field(min_length=1)
    question: str = Field(min_length=1)
    response_A: str = Field(min_length=1)
    response_B: str = Field(min_length=1)
    label: Literal["A>B", "B>A"]


def load_judgebench(
    dataset: HubDataset = JUDGEBENCH_GPT, data: Path | None = None, *, revision: str | None = None
) -> tuple[list[PairItem], RowSource]:
    """All pairs of one split, in file order: the better response is `chosen`, grouped by `source`."""
    source = load_rows(dataset, data, revision)
    items = []
    for number, raw in source.rows:
        row = validate(JudgeBenchRow, raw, source=source.name, record=number)
        better, worse = (row.response_A, row.response_B)
        if row.label == "B>A":
            better, worse = worse, better
        items.append(
            PairItem(id=row.pair_id, group=row.source, prompt=row.question, chosen=better, rejected=worse)
        )
    return unique_items(items, source), source


def score_judgebench(
    sources: Sequence[str], net_votes: Sequence[int], *, n_resamples: int = 1000, seed: int = 0
) -> dict[str, Any]:
    """The official accuracy (a pair is right when its net vote is positive), overall and per family,
    each with a bootstrap 95% CI over pairs (fractions; upstream prints them x100)."""
    correct = np.array([vote > 0 for vote in net_votes], dtype=float)
    families = np.array([family(source) for source in sources])

    def accuracy(mask: np.ndarray) -> dict[str, Any]:
        return mean_estimate(correct[mask], n_resamples=n_resamples, seed=seed).to_dict()

    return {
        "overall": accuracy(np.ones(len(correct), dtype=bool)),
        "families": {name: accuracy(families == name) for name in FAMILIES if (families == name).any()},
        "tie_rate": float(np.mean([vote == 0 for vote in net_votes])) if len(net_votes) else 0.0,
    }


@register
@dataclass(frozen=True)
class JudgeBench(PairBenchmark):
    name = "judgebench"
    title = "JudgeBench (ScalerLab/JudgeBench, GPT-4o pairs): both orders, official net vote"
    judgment_type = BothOrdersJudgment
    modes = ("pairwise",)
    fixed_options: ClassVar[dict[str, Any]] = {"both_orders": True}
    dataset: ClassVar[HubDataset] = JUDGEBENCH_GPT
    harness_metrics = (
        HarnessMetric("judgebench_score", ("overall",)),
        *(HarnessMetric(name, ("families", name)) for name in FAMILIES),
        HarnessMetric("order_disagreement_rate", ("order_disagreement_rate",), higher_is_better=False),
        HarnessMetric("parse_failure_rate", ("parse_failure_rate",), higher_is_better=False),
    )

    mode: GradingMode = "pairwise"
    both_orders: bool = True

    def load(self, data: Path | None, revision: str | None) -> tuple[Sequence[PairItem], RowSource]:
        return load_judgebench(self.dataset, data, revision=revision)

    def score(self, judgments: Sequence[Judgment], options: ScoringOptions) -> dict[str, Any]:
        pairs = [j for j in judgments if isinstance(j, BothOrdersJudgment)]
        result = score_judgebench(
            [j.group for j in pairs],
            [j.net_vote() for j in pairs],
            n_resamples=options.n_resamples,
            seed=options.seed,
        )
        disagree = [j.order_disagrees for j in pairs if j.order_disagrees is not None]
        unreadable = [None in j.order_winners for j in pairs]
        return {
            "n_items": len(pairs),
            **result,
            "order_disagreement_rate": sum(disagree) / len(disagree) if disagree else None,
            "parse_failure_rate": sum(unreadable) / len(pairs) if pairs else 0.0,
        }

    def report(self, metrics: dict[str, Any]) -> list[RenderableType]:
        table = score_table(f"{TABLE_TITLE}, accuracy x100")
        table.add_row("Overall", *format_estimate(metrics["overall"], 100), style="bold")
        for name, estimate in metrics["families"].items():
            table.add_row(name, *format_estimate(estimate, 100))
        disagreement = metrics.get("order_disagreement_rate")
        orders = "" if disagreement is None else f"order disagreement {disagreement:.1%}   "
        return [table, orders + rates_line(metrics, count="pairs")]

    def paired_headline(self, groups: Sequence[str]) -> PairedHeadline:
        def correct(judgment: Judgment) -> tuple[float, ...] | None:
            assert isinstance(judgment, BothOrdersJudgment)
            return (float(judgment.net_vote() > 0),)

        return PairedHeadline("JudgeBench accuracy", correct, lambda values: float(np.mean(values)))


@register
@dataclass(frozen=True)
class JudgeBenchClaude(JudgeBench):
    name = "judgebench_claude"
    title = "JudgeBench (ScalerLab/JudgeBench, Claude pairs): both orders, official net vote"
    dataset = JUDGEBENCH_CLAUDE

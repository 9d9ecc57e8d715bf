"""RewardBench (`allenai/reward-bench`, split `filtered`): 2,985 chosen/rejected pairs in 23 subsets,
rated one response at a time (absolute) or compared A/B (pairwise, the order seeded per item), scored
by the official formula (`metrics/_rewardbench.py`), with the leaderboard files upstream writes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
from selfrat_eval.benchmarks._judgments import Judgment, PairJudgment
from selfrat_eval.benchmarks._leaderboard import safe_model_name
from selfrat_eval.benchmarks._pairs import PairBenchmark, official_credit
from selfrat_eval.benchmarks._registry import register
from selfrat_eval.data import HubDataset, PairItem, RowSource
from selfrat_eval.data._io import validate, write_json
from selfrat_eval.data._records import _Record
from selfrat_eval.data._sources import load_rows, unique_items
from selfrat_eval.metrics import CREDIT, score_rewardbench

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


@register
@dataclass(frozen=True)
class RewardBench(PairBenchmark):
    name = "rewardbench"
    dataset = REWARDBENCH
    title = "RewardBench (allenai/reward-bench, filtered): official score over 4 sections"
    modes = ("absolute", "pairwise")
    harness_metrics = (
        HarnessMetric("rewardbench_score", ("overall",)),
        HarnessMetric("chat", ("sections", "Chat")),
        HarnessMetric("chat_hard", ("sections", "Chat Hard")),
        HarnessMetric("safety", ("sections", "Safety")),
        HarnessMetric("reasoning", ("sections", "Reasoning")),
        HarnessMetric("tie_rate", ("tie_rate",), higher_is_better=False),
        HarnessMetric("parse_failure_rate", ("parse_failure_rate",), higher_is_better=False),
    )

    def load(self, data: Path | None, revision: str | None) -> tuple[Sequence[PairItem], RowSource]:
        return load_rewardbench(data, revision=revision)

    def score(self, judgments: Sequence[Judgment], options: ScoringOptions) -> dict[str, Any]:
        pairs = [j for j in judgments if isinstance(j, PairJudgment)]
        outcomes = [j.outcome(options.tie_policy) for j in pairs]
        result = score_rewardbench(
            [j.group for j in pairs],
            outcomes,
            tie_policy=options.tie_policy,
            n_resamples=options.n_resamples,
            seed=options.seed,
        )
        metrics = {"n_items": len(pairs), **result.to_dict()}
        both_orders = [j.order_disagrees for j in pairs if j.order_disagrees is not None]
        if both_orders:
            metrics["order_disagreement_rate"] = sum(both_orders) / len(both_orders)
        return metrics

    def report(self, metrics: dict[str, Any]) -> list[RenderableType]:
        table = score_table(f"RewardBench ({metrics['tie_policy']} tie policy), accuracy x100")
        table.add_row("Overall", *format_estimate(metrics["overall"], 100), style="bold")
        for name, estimate in metrics["sections"].items():
            table.add_row(name, *format_estimate(estimate, 100))
        table.add_section()
        for name, estimate in metrics["subsets"].items():
            table.add_row(f"  {name}", *format_estimate(estimate, 100), style="dim")
        return [table, rates_line(metrics)]

    def paired_headline(self, groups: Sequence[str]) -> PairedHeadline:
        def rewardbench_score(values: Any, codes: Any) -> float:
            outcomes = ["win" if v == 1 else "loss" if v == 0 else "tie" for v in values]
            result = score_rewardbench([groups[int(c)] for c in codes], outcomes, n_resamples=0)  # type: ignore[arg-type]
            return float("nan") if result.overall.value is None else result.overall.value

        return PairedHeadline("RewardBench score", official_credit, rewardbench_score, by_group=True)

    def write_outputs(
        self,
        folder: Path,
        judgments: Sequence[Judgment],
        results: dict[str, Any],
        model_name: str,
        options: ScoringOptions,
    ) -> None:
        """The shape rewardbench's save_to_hub writes: eval-set/<model>.json (one accuracy per
        subset) and eval-set-scores/<model>.json (per-prompt results)."""
        folder = folder / "leaderboard"
        name = safe_model_name(model_name)
        summary: dict[str, Any] = {"model": name, "model_type": "Generative RM", "chat_template": None}
        summary |= {subset: est["value"] for subset, est in results["metrics"]["subsets"].items()}
        credit = CREDIT[options.tie_policy]
        pairs = [j for j in judgments if isinstance(j, PairJudgment)]
        outcomes = [j.outcome(options.tie_policy) for j in pairs]
        scores = {
            "id": [j.id for j in pairs],
            "subset": [j.group for j in pairs],
            "results": [credit[o] for o in outcomes],
            "model": name,
            "model_type": "Generative RM",
        }
        write_json(folder / "eval-set" / f"{name}.json", summary)
        write_json(folder / "eval-set-scores" / f"{name}.json", scores)

"""Preference Bench (`prometheus-eval/Preference-Bench`, split `train`; prometheus-eval's file
`eval/benchmark/data/preference_collection_ood_test.json`): pairs of responses to Feedback Bench's
instructions, graded against an instance-specific criterion, the better one known. Prometheus 2
reports it as its relative-grading headline.

Official score (prometheus-eval/prometheus-eval `eval/utils.py`, `calculate_results`, the
`preference_collection_ood_test` branch): accuracy over all pairs. Relative (`r2r`): right when the
verdict names the better response. Absolute (`a2r`): right when the better response's score is
strictly higher; equal scores are wrong (upstream re-asks up to three samples; here a sampled
strategy's votes decide instead). An unreadable verdict is wrong. Upstream's file may mark a pair
`tie` = 1 (then only a tie would be right); Preference Bench has no ties, and this package refuses a
row that says otherwise rather than score it under a rule the set does not use.

Two layouts load: the hub's rows (`orig_instruction`, `orig_response_A`, `orig_response_B`,
`orig_criteria`, `orig_reference_answer`, `orig_preference` "A" or "B"; schema from the dataset
card's `dataset_info`), and the file's (`chosen_instruction`, `rejected_instruction`: one rendered
Prometheus absolute prompt per response, as HHH's file; fields read in `eval/benchmark/data_loader.py`).
The judge sees the criterion line when it compares, the whole rubric when it rates one response (the
hub's rows carry the criterion only)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
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
from selfrat_eval.benchmarks._pairs import PairBenchmark
from selfrat_eval.benchmarks._registry import register
from selfrat_eval.benchmarks.hhh import criterion, pair_correct
from selfrat_eval.benchmarks.vicuna_mtbench import ExportedPrompt
from selfrat_eval.data import HubDataset, PairItem, RowSource
from selfrat_eval.data._io import validate
from selfrat_eval.data._records import NonEmpty, _Record
from selfrat_eval.data._sources import load_rows, unique_items
from selfrat_eval.metrics import mean_estimate
from selfrat_eval.prompts import AbsoluteRequest, Chat, GradingMode, absolute_prompt

PREFERENCE_BENCH = HubDataset(
    "prometheus-eval/Preference-Bench",
    "train",
    "prometheus-eval-benchmarks/preference_collection_ood_test.json",
)
GROUP = "preference_bench"


class PreferenceBenchHubRow(_Record):
    orig_instruction: str = NonEmpty
    orig_response_A: str = NonEmpty
    orig_response_B: str = NonEmpty
    orig_criteria: str = NonEmpty
    orig_reference_answer: str | None = None
    orig_preference: Literal["A", "B"]


class PreferenceBenchFileRow(_Record):
    chosen_instruction: ExportedPrompt
    rejected_instruction: ExportedPrompt
    tie: Literal[0, 1] = 0


def pair_from_row(raw: dict[str, Any], number: int, source: RowSource) -> PairItem:
    """Either layout as one pair, the better response `chosen`; its id is the row's position."""
    if "orig_instruction" in raw:
        hub = validate(PreferenceBenchHubRow, raw, source=source.name, record=number)
        better, worse = (
            (hub.orig_response_A, hub.orig_response_B)
            if hub.orig_preference == "A"
            else (hub.orig_response_B, hub.orig_response_A)
        )
        return PairItem(
            id=str(number),
            group=GROUP,
            prompt=hub.orig_instruction,
            chosen=better,
            rejected=worse,
            rubric=f"[{hub.orig_criteria.strip().strip('[]')}]",
            reference_answer=hub.orig_reference_answer,
        )
    row = validate(PreferenceBenchFileRow, raw, source=source.name, record=number)
    if row.tie:
        raise InputError(
            "a tied pair: Preference Bench has none", source=source.name, record=number, field="tie"
        )
    chosen, rejected = row.chosen_instruction, row.rejected_instruction
    shared = ("instruction", "rubric", "reference_answer")
    if any(getattr(chosen, part) != getattr(rejected, part) for part in shared):
        # upstream asserts this too: the two prompts differ only in the response
        raise InputError(
            "the two prompts differ in more than the response",
            source=source.name,
            record=number,
            field="rejected_instruction",
        )
    return PairItem(
        id=str(number),
        group=GROUP,
        prompt=chosen.instruction,
        chosen=chosen.response,
        rejected=rejected.response,
        rubric=chosen.rubric,
        reference_answer=chosen.reference_answer,
    )


def load_preference_bench(
    data: Path | None = None, *, revision: str | None = None
) -> tuple[list[PairItem], RowSource]:
    source = load_rows(PREFERENCE_BENCH, data, revision)
    items = [pair_from_row(raw, number, source) for number, raw in source.rows]
    return unique_items(items, source), source


@register
@dataclass(frozen=True)
class PreferenceBench(PairBenchmark):
    name = "preference_bench"
    dataset = PREFERENCE_BENCH
    title = "Preference Bench (prometheus-eval): pairwise accuracy (a tie or an unreadable verdict is wrong)"
    modes = ("pairwise", "absolute")
    mode: GradingMode = "pairwise"
    harness_metrics = (
        HarnessMetric("preference_bench_accuracy", ("overall",)),
        HarnessMetric("tie_rate", ("tie_rate",), higher_is_better=False),
        HarnessMetric("parse_failure_rate", ("parse_failure_rate",), higher_is_better=False),
    )

    def load(self, data: Path | None, revision: str | None) -> tuple[Sequence[PairItem], RowSource]:
        return load_preference_bench(data, revision=revision)

    def requests(self, item: PairItem) -> dict[str, Chat]:
        assert item.rubric is not None  # every row carries its criterion
        if self.mode == "absolute":
            reference = item.reference_answer if self.use_reference else None
            return {
                slot: absolute_prompt(AbsoluteRequest(item.prompt, response, item.rubric, reference))
                for slot, response in (("chosen", item.chosen), ("rejected", item.rejected))
            }
        return super().requests(item.model_copy(update={"rubric": criterion(item.rubric)}))

    def score(self, judgments: Sequence[Judgment], options: ScoringOptions) -> dict[str, Any]:
        pairs = [j for j in judgments if isinstance(j, PairJudgment)]
        correct = np.array([pair_correct(j) for j in pairs], dtype=float)
        outcomes = [j.outcome() for j in pairs]
        metrics: dict[str, Any] = {
            "n_items": len(pairs),
            "overall": mean_estimate(correct, n_resamples=options.n_resamples, seed=options.seed).to_dict(),
            "tie_rate": outcomes.count("tie") / len(outcomes) if outcomes else 0.0,
            "parse_failure_rate": outcomes.count("error") / len(outcomes) if outcomes else 0.0,
        }
        both_orders = [j.order_disagrees for j in pairs if j.order_disagrees is not None]
        if both_orders:
            metrics["order_disagreement_rate"] = sum(both_orders) / len(both_orders)
        return metrics

    def report(self, metrics: dict[str, Any]) -> list[RenderableType]:
        table = score_table("Preference Bench: accuracy x100", ("", "accuracy", "95% CI", "n"))
        table.add_row("Overall", *format_estimate(metrics["overall"], 100), style="bold")
        return [table, rates_line(metrics, count="pairs")]

    def paired_headline(self, groups: Sequence[str]) -> PairedHeadline:
        def correct(judgment: Judgment) -> tuple[float, ...] | None:
            assert isinstance(judgment, PairJudgment)
            return (float(pair_correct(judgment)),)

        return PairedHeadline("Preference Bench accuracy", correct, lambda values: float(np.mean(values)))

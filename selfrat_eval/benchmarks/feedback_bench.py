"""Feedback Bench (`prometheus-eval/Feedback-Bench`, split `test`: 1,000 responses to 200 instructions,
each with its own 1-5 rubric and reference answer, written by GPT-4 for a target score; out of
distribution for the Feedback Collection). Prometheus reports it as its absolute-grading headline
(Pearson 0.93 for the seed paper's judge family).

Official score (prometheus-eval/prometheus-eval `eval/utils.py`, `calculate_results`, mode `a2a`, the
`feedback_collection_ood_test` branch): Pearson (the headline), Spearman and Kendall tau-b (scipy
defaults) between the judge's score (the mean of its samples) and the single GPT-4 score of each row;
and Accuracy = the share of ALL rows whose judge score equals the GPT-4 score (an unreadable verdict
counts wrong; upstream compares the first sample, which is the judge score of a greedy run).

Two layouts load: the hub's rows (`orig_instruction`, `orig_response`, `orig_reference_answer`,
`orig_criteria`, `orig_score1_description` .. `orig_score5_description`, `orig_score`: the GPT-4
score, a string on the hub; schema from the dataset card's `dataset_info`), and prometheus-eval's file
`eval/benchmark/data/feedback_collection_ood_test.json` (a rendered Prometheus prompt in `instruction`
and `gpt4_score`; fields read in `eval/benchmark/data_loader.py` and `eval/utils.py`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import numpy as np
from pydantic import Field
from rich.console import RenderableType

from selfrat_eval.benchmarks._base import HarnessMetric, ScoringOptions, format_estimate
from selfrat_eval.benchmarks._judgments import Judgment, RatingJudgment
from selfrat_eval.benchmarks._ratings import RatingBenchmark
from selfrat_eval.benchmarks._registry import register
from selfrat_eval.benchmarks.vicuna_mtbench import ExportedPrompt
from selfrat_eval.data import HubDataset, RowSource, Rubric, RubricItem
from selfrat_eval.data._io import validate
from selfrat_eval.data._records import NonEmpty, _Record
from selfrat_eval.data._sources import load_rows, unique_items
from selfrat_eval.metrics import mean_estimate

FEEDBACK_BENCH = HubDataset(
    "prometheus-eval/Feedback-Bench", "test", "prometheus-eval-benchmarks/feedback_collection_ood_test.json"
)
LABEL = "gpt4_score"
GROUP = "feedback_bench"
Score = Annotated[int, Field(ge=1, le=5)]


class FeedbackBenchHubRow(_Record):
    """A hub row: the unrendered parts and the score GPT-4 wrote the response for."""

    orig_instruction: str = NonEmpty
    orig_response: str = NonEmpty
    orig_reference_answer: str = NonEmpty
    orig_criteria: str = NonEmpty
    orig_score1_description: str = NonEmpty
    orig_score2_description: str = NonEmpty
    orig_score3_description: str = NonEmpty
    orig_score4_description: str = NonEmpty
    orig_score5_description: str = NonEmpty
    orig_score: Score  # "4" on the hub: pydantic reads the digit string

    def rubric(self) -> Rubric:
        return Rubric(
            criteria=self.orig_criteria,
            score1_description=self.orig_score1_description,
            score2_description=self.orig_score2_description,
            score3_description=self.orig_score3_description,
            score4_description=self.orig_score4_description,
            score5_description=self.orig_score5_description,
        )


class FeedbackBenchFileRow(_Record):
    """A row of prometheus-eval's `feedback_collection_ood_test.json`."""

    instruction: ExportedPrompt
    gpt4_score: Score


def item_from_row(raw: dict[str, Any], number: int, source: RowSource) -> RubricItem:
    """Either layout as one item; its id is the row's position, the same in both (no row carries one)."""
    if "orig_instruction" in raw:
        hub = validate(FeedbackBenchHubRow, raw, source=source.name, record=number)
        return RubricItem(
            id=str(number),
            group=GROUP,
            instruction=hub.orig_instruction,
            response=hub.orig_response,
            rubric=hub.rubric(),
            reference_answer=hub.orig_reference_answer,
            labels={LABEL: float(hub.orig_score)},
        )
    row = validate(FeedbackBenchFileRow, raw, source=source.name, record=number)
    shown = row.instruction
    return RubricItem(
        id=str(number),
        group=GROUP,
        instruction=shown.instruction,
        response=shown.response,
        rubric=shown.rubric,
        reference_answer=shown.reference_answer,
        labels={LABEL: float(row.gpt4_score)},
    )


def load_feedback_bench(
    data: Path | None = None, *, revision: str | None = None
) -> tuple[list[RubricItem], RowSource]:
    source = load_rows(FEEDBACK_BENCH, data, revision)
    items = [item_from_row(raw, number, source) for number, raw in source.rows]
    return unique_items(items, source), source


def exact_accuracy(ratings: Sequence[RatingJudgment], options: ScoringOptions) -> dict[str, Any]:
    """Upstream's Accuracy: the judge score equals the GPT-4 score, over every row."""
    hits = np.array([j.score is not None and j.score == j.gpt4_score for j in ratings], dtype=float)
    return mean_estimate(hits, n_resamples=options.n_resamples, seed=options.seed).to_dict()


@register
@dataclass(frozen=True)
class FeedbackBench(RatingBenchmark):
    name = "feedback_bench"
    dataset = FEEDBACK_BENCH
    title = "Feedback Bench (prometheus-eval, 1,000 rubric gradings): Pearson/Spearman/Kendall vs GPT-4"
    labels = (LABEL,)
    harness_metrics = (
        *(
            HarnessMetric(f"{kind}_{LABEL}", (LABEL, "overall", kind))
            for kind in ("pearson", "spearman", "kendall")
        ),
        HarnessMetric("exact_accuracy", ("exact_accuracy",)),
        HarnessMetric("parse_failure_rate", ("parse_failure_rate",), higher_is_better=False),
    )

    def load(self, data: Path | None, revision: str | None) -> tuple[Sequence[RubricItem], RowSource]:
        return load_feedback_bench(data, revision=revision)

    def score(self, judgments: Sequence[Judgment], options: ScoringOptions) -> dict[str, Any]:
        ratings = [j for j in judgments if isinstance(j, RatingJudgment)]
        return super().score(ratings, options) | {"exact_accuracy": exact_accuracy(ratings, options)}

    def report(self, metrics: dict[str, Any]) -> list[RenderableType]:
        value, interval, _ = format_estimate(metrics["exact_accuracy"], 100)
        table, rates = super().report(metrics)
        return [table, f"exact-match accuracy with GPT-4 {value} {interval}   {rates}"]

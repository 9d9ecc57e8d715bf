"""1-5 gradings of single responses on a rubric, correlated with reference scores: the shape BiGGen-Bench
and your own rubric files share."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, ClassVar

from rich.console import RenderableType
from rich.table import Table
from scipy import stats

from selfrat_eval.benchmarks._base import (
    Benchmark,
    PairedHeadline,
    ScoringOptions,
    by_slot,
    format_estimate,
    rates_line,
    slot_samples,
)
from selfrat_eval.benchmarks._judgments import Judgment, RatingJudgment
from selfrat_eval.data import RubricItem
from selfrat_eval.judges import Completion
from selfrat_eval.metrics import Agreement, agreement
from selfrat_eval.parsing import parse_absolute
from selfrat_eval.prompts import AbsoluteRequest, Chat, absolute_prompt


@dataclass(frozen=True)
class RatingBenchmark(Benchmark):
    """A benchmark of rubric gradings; subclasses add the loader and name their `labels`."""

    item_type = RubricItem
    judgment_type = RatingJudgment
    #: The reference scores each judge score is correlated with, the headline's first.
    labels: ClassVar[tuple[str, ...]]

    use_reference: bool = True

    def requests(self, item: RubricItem) -> dict[str, Chat]:
        reference = item.reference_answer if self.use_reference else None
        request = AbsoluteRequest(item.instruction, item.response, item.rubric_text(), reference)
        return {"response": absolute_prompt(request)}

    def shown(self, item: RubricItem, slot: str) -> tuple[str, ...]:
        return (item.response,)

    def judgment(self, item: RubricItem, outputs: dict[str, list[Completion]]) -> RatingJudgment:
        samples = slot_samples(outputs["response"], partial(parse_absolute, quoted=[item.response]))
        labels = {name: item.labels.get(name) for name in self.labels}
        fields = {"benchmark": self.name, "id": item.id, "group": item.group, **labels}
        return RatingJudgment.model_validate(fields | by_slot({"response": samples}))

    def score(self, judgments: Sequence[Judgment], options: ScoringOptions) -> dict[str, Any]:
        ratings = [j for j in judgments if isinstance(j, RatingJudgment)]
        groups = sorted({j.group for j in ratings})
        metrics: dict[str, Any] = {
            "n_items": len(ratings),
            "parse_failure_rate": sum(j.score is None for j in ratings) / len(ratings) if ratings else 0.0,
            "score_counts": {str(s): sum(j.score == s for j in ratings) for s in range(1, 6)},
        }
        for label in self.labels:

            def agree(subset: list[RatingJudgment], label: str = label) -> Agreement:
                pairs = [
                    (j.score, getattr(j, label))
                    for j in subset
                    if j.score is not None and getattr(j, label) is not None
                ]
                return agreement(
                    [p[0] for p in pairs],
                    [p[1] for p in pairs],
                    n_resamples=options.n_resamples,
                    seed=options.seed,
                )

            metrics[label] = {
                "overall": agree(ratings).to_dict(),
                "groups": {
                    group: agree([j for j in ratings if j.group == group]).to_dict() for group in groups
                },
            }
        return metrics

    def report(self, metrics: dict[str, Any]) -> list[RenderableType]:
        table = Table(title=f"{self.name}: judge score vs reference (bootstrap 95% CI)")
        table.add_column("group")
        for label in self.labels:
            table.add_column(f"Pearson vs {label}", justify="right")
            table.add_column("CI", justify="right")
            table.add_column("n", justify="right")
        for group in ["overall", *sorted(metrics[self.labels[0]]["groups"])]:
            cells = []
            for label in self.labels:
                entry = metrics[label]["overall"] if group == "overall" else metrics[label]["groups"][group]
                cells += list(format_estimate(entry["pearson"]))
            table.add_row(group, *cells, style="bold" if group == "overall" else None)
        return [table, rates_line(metrics)]

    def paired_headline(self, groups: Sequence[str]) -> PairedHeadline:
        label = self.labels[0]

        def scored(judgment: Judgment) -> tuple[float, ...] | None:
            assert isinstance(judgment, RatingJudgment)
            value = getattr(judgment, label)
            return None if judgment.score is None or value is None else (float(judgment.score), float(value))

        return PairedHeadline(f"Pearson r vs {label}", scored, pearson_statistic)


def pearson_statistic(scores: Any, labels: Any) -> float:
    if scores.std() == 0 or labels.std() == 0:
        return float("nan")
    return float(stats.pearsonr(scores, labels).statistic)

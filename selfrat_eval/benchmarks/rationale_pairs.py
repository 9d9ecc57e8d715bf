"""Rationale pairs (`selfrat rationales pairs` writes them): two judges' judgments of the same response,
compared by a meta-judge in both orders always, a tie allowed. Labels are unknown: the metric is the
win rate of the first run's judgment over the second's (a tie is half a win) per pair of runs, with
the order consistency and first-position pick rate a pairwise judge is read with. The meta-judge's
rubric is in each pair (`RATIONALE_RUBRIC` unless the user wrote another)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from pydantic import BaseModel, ConfigDict, Field
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
from selfrat_eval.benchmarks._judgments import BothOrdersJudgment, Judgment
from selfrat_eval.benchmarks._pairs import PairBenchmark
from selfrat_eval.benchmarks._registry import register
from selfrat_eval.data import PairItem, RowSource, item_key
from selfrat_eval.data._io import read_rows, validate
from selfrat_eval.metrics import PREFERENCE_CREDIT, Preference, win_rate
from selfrat_eval.prompts import GradingMode

PAIRS_FILE = "pairs.jsonl"

#: What a meta-judge compares two judgments on; `selfrat rationales pairs --rubric FILE` replaces it.
RATIONALE_RUBRIC = (
    "[Which judgment of the response is better? Both judgments grade the same response for the same "
    "task. Prefer the judgment whose reasoning is correct, that is specific to this response (not "
    "generic), whose score follows from its own reasoning, and that invents no facts about the response. "
    "Answer A or B, or tie when neither is better.]"
)


class RationalePair(BaseModel):
    """Two runs' judgments of the same item and slot: a line of pairs.jsonl."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    #: `<item key>::<slot>`; with `group` (`<run a> vs <run b>`) it keys the pair.
    id: str = Field(min_length=1)
    group: str = Field(min_length=1)
    item: str
    slot: str
    run_a: str
    run_b: str
    #: What both judges were asked (the user message of the judge prompt: task, response, rubric).
    prompt: str = Field(min_length=1)
    rationale_a: str = Field(min_length=1)
    rationale_b: str = Field(min_length=1)
    score_a: float | str | None = None
    score_b: float | str | None = None
    sample_a: int = 0
    sample_b: int = 0
    rubric: str = RATIONALE_RUBRIC

    @property
    def key(self) -> str:
        return item_key(self.group, self.id)


def read_pairs(path: Path) -> list[RationalePair]:
    """A pairs.jsonl (or the folder holding one), validated; no pair twice."""
    path = Path(path)
    if path.is_dir():
        path = path / PAIRS_FILE
    pairs: list[RationalePair] = []
    seen: set[str] = set()
    for number, raw in read_rows(path):
        pair = validate(RationalePair, raw, source=str(path), record=number)
        if pair.key in seen:
            raise InputError(f"pair {pair.key} appears twice", source=str(path), record=number, field="id")
        seen.add(pair.key)
        pairs.append(pair)
    if not pairs:
        raise InputError("no pairs", source=str(path))
    return pairs


def meta_task(pair: RationalePair) -> str:
    """The instruction the meta-judge sees: the grading task both judges were given."""
    return (
        f"Two judges were given this grading task, and each wrote a judgment of it:\n<<<\n{pair.prompt}\n>>>"
    )


def pair_preference(judgment: BothOrdersJudgment) -> Preference | None:
    """The meta-judge's preference over both orders: a net vote (+1 per order for run a's judgment,
    -1 per order for run b's) above, below or at zero; None when neither order is readable."""
    if all(winner is None for winner in judgment.order_winners) or not judgment.order_winners:
        return None
    net = judgment.net_vote()
    return "a" if net > 0 else "b" if net < 0 else "tie"


@register
@dataclass(frozen=True)
class RationalePairs(PairBenchmark):
    name = "rationale_pairs"
    title = "rationale pairs (--data pairs.jsonl): a meta-judge's preference between two judges' rationales"
    judgment_type = BothOrdersJudgment
    modes = ("pairwise",)
    user_data = True
    fixed_options: ClassVar[dict[str, Any]] = {"both_orders": True}
    ties = True
    harness_metrics = (
        HarnessMetric("order_consistency", ("order_consistency",)),
        HarnessMetric("first_pick_rate", ("first_pick_rate",), higher_is_better=False),
        HarnessMetric("parse_failure_rate", ("parse_failure_rate",), higher_is_better=False),
    )

    mode: GradingMode = "pairwise"
    both_orders: bool = True

    def load(self, data: Path | None, revision: str | None) -> tuple[Sequence[PairItem], RowSource]:
        if data is None:
            raise InputError(
                "rationale_pairs needs --data pairs.jsonl (`selfrat rationales pairs` writes it)"
            )
        pairs = read_pairs(data)
        items = [
            PairItem(
                id=pair.id,
                group=pair.group,
                prompt=meta_task(pair),
                chosen=pair.rationale_a,
                rejected=pair.rationale_b,
                rubric=pair.rubric,
            )
            for pair in pairs
        ]
        rows = [(number, pair.model_dump()) for number, pair in enumerate(pairs, 1)]
        return items, RowSource(str(data), rows, {"path": str(data), "pairs": len(pairs)})

    def score(self, judgments: Sequence[Judgment], options: ScoringOptions) -> dict[str, Any]:
        pairs = [j for j in judgments if isinstance(j, BothOrdersJudgment)]
        preferences = [pair_preference(j) for j in pairs]
        comparisons = {}
        for group in sorted({j.group for j in pairs}):
            votes = {
                j.id: [p]
                for j, p in zip(pairs, preferences, strict=True)
                if j.group == group and p is not None
            }
            comparisons[group] = win_rate(votes, n_resamples=options.n_resamples, seed=options.seed)
        both = [j for j in pairs if len(j.order_winners) == 2 and None not in j.order_winners]
        firsts = [
            (winner == "chosen") == (j.a_is_chosen == (order == 0))
            for j in pairs
            for order, winner in enumerate(j.order_winners)
            if winner in ("chosen", "rejected")
        ]
        verdicts = [winner for j in pairs for winner in j.order_winners]
        return {
            "n_items": len(pairs),
            "comparisons": comparisons,
            "order_consistency": float(np.mean([w[0] == w[1] for w in (j.order_winners for j in both)]))
            if both
            else None,
            "first_pick_rate": float(np.mean(firsts)) if firsts else None,
            "tie_rate": sum(p == "tie" for p in preferences) / len(pairs) if pairs else 0.0,
            "parse_failure_rate": sum(v is None for v in verdicts) / len(verdicts) if verdicts else 0.0,
        }

    def report(self, metrics: dict[str, Any]) -> list[RenderableType]:
        table = score_table(
            "rationale pairs: the meta-judge's win rate of the first run (tie = 1/2)",
            ("runs", "win rate", "95% CI", "n"),
        )
        for group, result in metrics["comparisons"].items():
            table.add_row(group, *format_estimate(result["win_rate"], 100))
        consistency, first = metrics.get("order_consistency"), metrics.get("first_pick_rate")
        orders = "" if consistency is None else f"order consistency {consistency:.1%}   "
        picks = "" if first is None else f"first-position picks {first:.1%}   "
        return [table, orders + picks + rates_line(metrics, count="pairs")]

    def paired_headline(self, groups: Sequence[str]) -> PairedHeadline:
        def credit(judgment: Judgment) -> tuple[float, ...] | None:
            assert isinstance(judgment, BothOrdersJudgment)
            preference = pair_preference(judgment)
            return None if preference is None else (PREFERENCE_CREDIT[preference],)

        return PairedHeadline("win rate of the first run", credit, lambda values: float(np.mean(values)))

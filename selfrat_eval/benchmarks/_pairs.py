"""Pairs (chosen, rejected), the shape RewardBench and your own pairwise data share: rated one
response at a time (absolute), or compared A/B with the order seeded per item (pairwise), optionally
in both orders."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, ClassVar

from selfrat_eval.benchmarks._base import Benchmark, by_slot, slot_samples
from selfrat_eval.benchmarks._judgments import Judgment, PairJudgment
from selfrat_eval.data import PairItem
from selfrat_eval.judges import Completion
from selfrat_eval.metrics import CREDIT
from selfrat_eval.parsing import pair_side, parse_absolute, parse_relative
from selfrat_eval.prompts import (
    REWARDBENCH_RUBRIC_ABSOLUTE,
    REWARDBENCH_RUBRIC_RELATIVE,
    AbsoluteRequest,
    Chat,
    GradingMode,
    RelativeRequest,
    absolute_prompt,
    relative_prompt,
)


@dataclass(frozen=True)
class PairBenchmark(Benchmark):
    """A benchmark of pairs; subclasses add the loader, the metric and the report."""

    item_type = PairItem
    judgment_type = PairJudgment
    #: Its pairwise rubric lets the judge call a tie (a structured verdict may then be "tie").
    ties: ClassVar[bool] = False

    mode: GradingMode = "absolute"
    seed: int = 0
    both_orders: bool = False
    use_reference: bool = True

    def a_is_chosen(self, item: PairItem) -> bool:
        # Seeded per item (not by position in the run) so --limit and resuming keep the same order.
        return random.Random(f"{self.seed}:{item.key}").random() < 0.5

    def requests(self, item: PairItem) -> dict[str, Chat]:
        if self.mode == "absolute":
            return {
                slot: absolute_prompt(AbsoluteRequest(item.prompt, response, REWARDBENCH_RUBRIC_ABSOLUTE))
                for slot, response in (("chosen", item.chosen), ("rejected", item.rejected))
            }
        first, second = (item.chosen, item.rejected)
        if not self.a_is_chosen(item):
            first, second = second, first
        rubric = item.rubric or REWARDBENCH_RUBRIC_RELATIVE
        reference = item.reference_answer if self.use_reference else None
        request = RelativeRequest(item.prompt, first, second, rubric, reference, ties=self.ties)
        chats = {"pair": relative_prompt(request)}
        if self.both_orders:
            swapped = RelativeRequest(item.prompt, second, first, rubric, reference, ties=self.ties)
            chats["pair_swapped"] = relative_prompt(swapped)
        return chats

    def shown(self, item: PairItem, slot: str) -> tuple[str, ...]:
        if slot in ("chosen", "rejected"):
            return (item.chosen if slot == "chosen" else item.rejected,)
        order = (item.chosen, item.rejected) if self.a_is_chosen(item) else (item.rejected, item.chosen)
        return order if slot == "pair" else order[::-1]

    def picked(self, item: PairItem, slot: str, value: Any) -> int | None:
        if value not in ("chosen", "rejected") or slot in ("chosen", "rejected"):
            return None
        text = item.chosen if value == "chosen" else item.rejected
        return self.shown(item, slot).index(text)

    def judgment(self, item: PairItem, outputs: dict[str, list[Completion]]) -> PairJudgment:
        fields: dict[str, Any] = {"benchmark": self.name, "id": item.id, "group": item.group}
        if self.mode == "absolute":
            per_slot = {
                slot: slot_samples(outputs[slot], partial(parse_absolute, quoted=[text]))
                for slot, text in (("chosen", item.chosen), ("rejected", item.rejected))
            }
            return self._record(fields | {"mode": "absolute"} | by_slot(per_slot))
        a_is_chosen = self.a_is_chosen(item)
        per_slot = {}
        quoted = [item.chosen, item.rejected]
        for slot, completions in outputs.items():
            samples = slot_samples(completions, partial(parse_relative, quoted=quoted))
            slot_a_is_chosen = a_is_chosen == (slot == "pair")  # the swapped order shows B first
            samples["values"] = [pair_side(value, slot_a_is_chosen) for value in samples["values"]]
            per_slot[slot] = samples
        fields |= {"mode": "pairwise", "a_is_chosen": a_is_chosen}
        return self._record(fields | by_slot(per_slot, pairwise=True))

    def _record(self, fields: dict[str, Any]) -> PairJudgment:
        """The judgment as the benchmark's own record type (e.g. both orders' verdicts kept)."""
        judgment = self.judgment_type.model_validate(fields)
        assert isinstance(judgment, PairJudgment)
        return judgment

    @classmethod
    def from_judgments(cls, judgments: Sequence[Judgment]) -> Benchmark:
        first = judgments[0]
        return cls(mode=first.mode) if isinstance(first, PairJudgment) else cls()


def official_credit(judgment: Judgment) -> tuple[float, ...] | None:
    """A pair's credit under the official tie policy (win 1, tie or unparseable 0.5, loss 0)."""
    assert isinstance(judgment, PairJudgment)
    return (CREDIT["official"][judgment.outcome()],)

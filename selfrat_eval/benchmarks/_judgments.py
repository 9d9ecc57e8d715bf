"""The judgments.jsonl interchange format: one line per judged item, re-scorable offline.

Common fields: `benchmark`, `id`, `group` (RewardBench subset or BiGGen capability), `outputs` (raw
judge texts by what was judged, a "slot": `response`, `chosen`/`rejected`, `pair`/`pair_swapped`),
and per slot and sample `parse_status` (ok, empty, no_result, invalid_result, or too_long: not sent,
the prompt did not fit the judge's context), `values` (parsed: a score, or for pairwise the winner
already mapped to "chosen"/"rejected"/"tie"), `strengths` (pairwise: strong, slight, tie, or null
where the format does not say), `logprobs`, `finish` (why each sample ended: `end`, `verdict`,
`loop` (the loop guard), `length`, or null where the engine does not say) and `meta_scores`.
Results, reduced by `strategy`:
`score_chosen`/`score_rejected` (absolute RewardBench), `winner` (pairwise RewardBench), `score` plus
labels (`human_score`, `gpt4_score`, or `label`) for rubric gradings; null where unparseable.
Adaptive strategies add `stopped`: per slot, how many samples were drawn (or, re-reduced offline, would
have been) and why sampling stopped (`settled`, `max`, or `exhausted`: the stored samples ran out).
Items are keyed by (group, id).
"""

from __future__ import annotations

from collections import Counter
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from selfrat_eval.data import item_key
from selfrat_eval.judges import FinishReason, StopReason, Strategy, Value, combine, select
from selfrat_eval.metrics import (
    ERROR_CREDIT,
    Outcome,
    TiePolicy,
    TiesPrompt,
    absolute_outcome,
    pairwise_outcome,
    ratings_credit,
)
from selfrat_eval.parsing import SampleStatus, Strength

Score = Annotated[float, Field(ge=1, le=5)]
#: Item ids are text; integer ids (RewardBench's own dataset and per-item results) are read as text.
ItemId = Annotated[str, BeforeValidator(lambda value: str(value) if isinstance(value, int) else value)]


class SlotStop(BaseModel):
    """Where adaptive sampling of one slot stopped: `samples` reduced, and why."""

    samples: int = Field(ge=0)
    reason: StopReason


class Judgment(BaseModel):
    model_config = ConfigDict(extra="allow")

    #: The registered benchmark's name (`selfrat_eval.benchmarks`).
    benchmark: str = Field(min_length=1)
    id: ItemId = Field(min_length=1)
    group: str = Field(min_length=1)
    outputs: dict[str, list[str]] = Field(default_factory=dict)
    parse_status: dict[str, list[SampleStatus]] = Field(default_factory=dict)
    values: dict[str, list[Value | None]] = Field(default_factory=dict)
    #: Pairwise formats that state it (Arena-Hard family, ties): how strongly the winner won.
    strengths: dict[str, list[Strength | None]] = Field(default_factory=dict)
    logprobs: dict[str, list[float | None]] = Field(default_factory=dict)
    #: Why each sample ended (`judges.FinishReason`: end, verdict, loop, length; null: not said).
    finish: dict[str, list[FinishReason | None]] = Field(default_factory=dict)
    meta_scores: dict[str, list[float | None]] = Field(default_factory=dict)
    strategy: str = "single"
    selected: dict[str, tuple[str, int]] = Field(default_factory=dict)
    #: Adaptive strategies only (absent otherwise): per slot, the samples reduced and why they stopped.
    stopped: dict[str, SlotStop] | None = None

    @property
    def key(self) -> str:
        return item_key(self.group, self.id)

    def result_slots(self) -> dict[str, tuple[str, ...]]:
        """Which slots' samples each result field is reduced from."""
        raise NotImplementedError

    def samples(self) -> int:
        """Judge samples this item's results are reduced from (adaptive: those drawn), all slots."""
        if self.stopped is not None:
            return sum(stop.samples for stop in self.stopped.values())
        return sum(len(values) for values in self.values.values())

    def _used(self, slot: str, strategy: Strategy) -> int:
        """How many of `slot`'s stored samples `strategy` reduces (`Strategy.used`)."""
        return strategy.used(self.values[slot])[0]

    def _reduction(self, strategy: Strategy) -> dict[str, Any]:
        """The fields every reduction sets: the strategy, the selections (filled in by the caller) and,
        for an adaptive strategy, where each slot stopped."""
        stopped: dict[str, SlotStop] | None = None
        if strategy.adaptive:
            stopped = {}
            for slot, values in self.values.items():
                samples, reason = strategy.used(values)
                assert reason is not None  # adaptive strategies always say why they stopped
                stopped[slot] = SlotStop(samples=samples, reason=reason)
        return {"strategy": strategy.label, "selected": {}, "stopped": stopped}

    def _reduce_slot(self, slot: str, strategy: Strategy) -> tuple[Value | None, int | None]:
        """One slot's samples reduced alone: (result, index of the kept sample or None)."""
        count = self._used(slot, strategy)
        return combine(
            self.values[slot][:count],
            strategy,
            _padded(self.logprobs.get(slot), count),
            _padded(self.meta_scores.get(slot), count),
        )

    def with_strategy(self, strategy: Strategy) -> Judgment:
        """Recompute the result fields from the stored samples (per slot, the first `strategy.n`, or
        as many as the adaptive rule draws).

        Judgments without stored `values` (e.g. converted from another tool) keep their results.
        """
        updates = self._reduction(strategy)
        for result, slots in self.result_slots().items():
            present = [slot for slot in slots if slot in self.values]
            if not present:
                continue
            values: list[Value | None] = []
            logprobs: list[float | None] = []
            metas: list[float | None] = []
            where: list[tuple[str, int]] = []
            for slot in present:
                count = self._used(slot, strategy)
                values += self.values[slot][:count]
                logprobs += _padded(self.logprobs.get(slot), count)
                metas += _padded(self.meta_scores.get(slot), count)
                where += [(slot, index) for index in range(count)]
            value, index = combine(values, strategy, logprobs, metas)
            updates[result] = value
            if index is not None:
                updates["selected"][result] = where[index]
        return self.model_copy(update=updates)


def _padded(values: list[float | None] | None, count: int) -> list[float | None]:
    values = list(values or [])[:count]
    return values + [None] * (count - len(values))


class PairJudgment(Judgment):
    """A RewardBench pair, judged by rating each response (absolute) or by comparing them (pairwise)."""

    benchmark: str = "rewardbench"
    mode: Literal["absolute", "pairwise"] = "absolute"
    score_chosen: Score | None = None
    score_rejected: Score | None = None
    winner: Literal["chosen", "rejected", "tie"] | None = None
    a_is_chosen: bool | None = None

    def outcome(self, tie_policy: TiePolicy = "official") -> Outcome:
        """The pair's result for the chosen response: win, loss, tie or error (unparseable)."""
        if self.mode == "absolute":
            return absolute_outcome(self.score_chosen, self.score_rejected, tie_policy)
        return pairwise_outcome(self.winner)

    def result_slots(self) -> dict[str, tuple[str, ...]]:
        if self.mode == "absolute":
            return {"score_chosen": ("chosen",), "score_rejected": ("rejected",)}
        return {"winner": ("pair", "pair_swapped")}

    #: Pairwise judged in both orders: did the two orders reach different winners?
    order_disagrees: bool | None = None

    def with_strategy(self, strategy: Strategy) -> PairJudgment:
        judgment = super().with_strategy(strategy)
        assert isinstance(judgment, PairJudgment)
        if self.mode != "pairwise" or not {"pair", "pair_swapped"} <= set(self.values):
            return judgment
        first = combine(self.values["pair"][: self._used("pair", strategy)], strategy)[0]
        second = combine(self.values["pair_swapped"][: self._used("pair_swapped", strategy)], strategy)[0]
        return judgment.model_copy(update={"order_disagrees": first != second})


class RatingJudgment(Judgment):
    """A 1-5 grading of one response, with the reference scores it is compared to."""

    benchmark: str = "rubric"
    score: Score | None = None
    human_score: float | None = None
    gpt4_score: float | None = None
    label: float | None = None

    def result_slots(self) -> dict[str, tuple[str, ...]]:
        return {"score": ("response",)}


class CandidatesJudgment(Judgment):
    """A RewardBench 2 prompt: each candidate rated alone on 1-10 (`mode` ratings: slots `c0`, `c1`,
    ..., the `num_correct` correct ones first; results in `ratings`), or one 4-way choice (`mode`
    rankings: slot `ranking`, the correct candidate shown as `correct_letter`; the result `picks` is
    the most voted letter, several when samples tie, none when unparseable)."""

    benchmark: str = "rewardbench2"
    mode: Literal["ratings", "rankings"]
    num_correct: int = Field(ge=1)
    correct_letter: Literal["A", "B", "C", "D"] | None = None
    ratings: list[float | None] = Field(default_factory=list)
    picks: list[str] = Field(default_factory=list)

    def credit(self) -> float:
        """The prompt's official credit (non-Ties subsets)."""
        if self.mode == "ratings":
            return ratings_credit(self.ratings)
        if not self.picks:
            return ERROR_CREDIT
        return (self.correct_letter in self.picks) / len(self.picks)

    def ties_prompt(self) -> TiesPrompt:
        return TiesPrompt(self.id, self.num_correct, self.ratings)

    def with_strategy(self, strategy: Strategy) -> CandidatesJudgment:
        updates = self._reduction(strategy)
        if self.mode == "rankings" and "ranking" in self.values:
            letters = self.values["ranking"][: self._used("ranking", strategy)]
            if strategy.kind == "self-consistency":
                counts = Counter(v for v in letters if isinstance(v, str))
                top = max(counts.values(), default=0)
                updates["picks"] = sorted(letter for letter, count in counts.items() if count == top)
            else:
                logprobs = _padded(self.logprobs.get("ranking"), len(letters))
                metas = _padded(self.meta_scores.get("ranking"), len(letters))
                if strategy.kind == "best-of-n":
                    index = select(letters, logprobs, metas, strategy.selector)
                else:  # single: the first readable sample
                    index = next((i for i, v in enumerate(letters) if v is not None), None)
                updates["picks"] = [] if index is None else [letters[index]]
                if index is not None:
                    updates["selected"]["picks"] = ("ranking", index)
        slots = [slot for slot in (f"c{i}" for i in range(len(self.values))) if slot in self.values]
        if self.mode == "ratings" and slots:
            ratings = []
            for slot in slots:
                value, index = self._reduce_slot(slot, strategy)
                ratings.append(None if value is None else float(value))
                if index is not None:
                    updates["selected"][slot] = (slot, index)
            updates["ratings"] = ratings
        return self.model_copy(update=updates)


class BothOrdersJudgment(PairJudgment):
    """A pair judged A/B and B/A, each order's verdict kept: `order_winners` holds the reduced winner of
    the `pair` order, then of the `pair_swapped` order ("chosen", "rejected", "tie" or None)."""

    order_winners: list[Literal["chosen", "rejected", "tie"] | None] = Field(default_factory=list)

    def with_strategy(self, strategy: Strategy) -> BothOrdersJudgment:
        judgment = super().with_strategy(strategy)
        assert isinstance(judgment, BothOrdersJudgment)
        winners = [
            self._reduce_slot(slot, strategy)[0] for slot in ("pair", "pair_swapped") if slot in self.values
        ]
        return judgment.model_copy(update={"order_winners": winners})

    def net_vote(self) -> int:
        """JudgeBench's vote: +1 per order that prefers the chosen response, -1 per order that prefers
        the rejected one, 0 for a tie or an unreadable verdict."""
        return sum((w == "chosen") - (w == "rejected") for w in self.order_winners)


class StyleMatrixJudgment(Judgment):
    """An RM-Bench prompt: three chosen and three rejected responses in the same three styles. Rated
    (`mode` ratings: slots `c0`..`c2` chosen, `c3`..`c5` rejected, results in `ratings`), or compared
    pair by pair (`mode` pairwise: slot `p<i><j>` pits chosen `i` against rejected `j`, values already
    "chosen"/"rejected"/"tie"). `wins[i][j]` is 1 where chosen `i` beat rejected `j`: a higher rating
    (a tie or an unreadable rating is not a win, as upstream's strict `>`), or the comparison's verdict."""

    benchmark: str = "rmbench"
    mode: Literal["ratings", "pairwise"]
    a_is_chosen: dict[str, bool] = Field(default_factory=dict)
    ratings: list[float | None] = Field(default_factory=list)
    #: Pairwise: each comparison's reduced verdict, by slot.
    verdicts: dict[str, Literal["chosen", "rejected", "tie"] | None] = Field(default_factory=dict)
    wins: list[list[float]] = Field(default_factory=list)

    def with_strategy(self, strategy: Strategy) -> StyleMatrixJudgment:
        updates = self._reduction(strategy)
        reduced: dict[str, Value | None] = {}
        for slot in self.values:
            value, index = self._reduce_slot(slot, strategy)
            reduced[slot] = value
            if index is not None:
                updates["selected"][slot] = (slot, index)
        if self.mode == "ratings":
            updates["ratings"] = [_number(reduced.get(f"c{k}")) for k in range(6)]
        else:
            updates["verdicts"] = reduced
        judgment = self.model_copy(update=updates)
        return judgment.model_copy(update={"wins": judgment.win_matrix()})

    def win_matrix(self) -> list[list[float]]:
        """`wins` from the reduced `ratings` or `verdicts`: one rule whether a judge's samples or a
        jury's votes were reduced (`selfrat jury`), so a matrix never disagrees with its cells."""
        if self.mode == "ratings":
            chosen, rejected = self.ratings[:3], self.ratings[3:]
            return [[float(c is not None and r is not None and c > r) for r in rejected] for c in chosen]
        return [[float(self.verdicts.get(f"p{i}{j}") == "chosen") for j in range(3)] for i in range(3)]


def _number(value: Value | None) -> float | None:
    return float(value) if isinstance(value, int | float) else None

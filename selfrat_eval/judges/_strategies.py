"""Judge strategies over N sampled judgments: small pure steps (combine -> select), each tested.

- `single`: one greedy judgment.
- `self-consistency:N`: N sampled judgments, aggregated. Scores: `majority` (the modal score; tied
  modes go to the one closest to the mean of all valid scores, then to the lower score: never to list
  order), `mean`, or `median`. Pairwise winners: majority, where a "tie" vote counts half for each
  side; equal support for both sides is a tie.
- `best-of-n:N`: N sampled judgments, one kept by a selector: `logprob` (the judge's own mean token
  log-probability), `agreement` (the judgment closest to the others), or `meta-judge` (the candidate
  whose rationale a judge model rates highest). Ties go to the higher log-probability, then to the
  earlier sample (samples are seeded, so this is reproducible).
- `self-consistency:adaptive:MAX` (majority only) and `best-of-n:adaptive:MAX` (agreement only): up to
  MAX samples per request, drawn in rounds until the vote is settled at `confidence` (the stopping
  rule is documented in `judges._adaptive`); the samples drawn are then reduced as above.
Unparseable samples (value None) never count as votes and are never selected.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, get_args

from selfrat_eval._errors import InputError
from selfrat_eval.judges._adaptive import StopReason, Vote, next_round, stop_point
from selfrat_eval.judges._engine import SamplingConfig

StrategyKind = Literal["single", "self-consistency", "best-of-n"]
Aggregate = Literal["majority", "mean", "median"]
Selector = Literal["logprob", "agreement", "meta-judge"]
#: A parsed judgment value: a 1-5 score, or a pairwise winner ("chosen", "rejected", "tie").
Value = float | str


@dataclass(frozen=True)
class Strategy:
    """How many judgments to sample per request and how to reduce them to one result."""

    kind: StrategyKind = "single"
    n: int = 1
    aggregate: Aggregate = "majority"
    selector: Selector = "logprob"
    temperature: float = 1.0
    top_p: float = 1.0
    #: Sample in rounds and stop each request once its vote is settled (`n` is then the budget).
    adaptive: bool = False
    #: How sure the adaptive stopping rule must be that the majority is settled (0.5 < c <= 1).
    confidence: float = 0.95

    def __post_init__(self) -> None:
        if self.kind not in get_args(StrategyKind):
            raise InputError(f"unknown strategy {self.kind!r}", field="strategy")
        if self.kind == "single" and self.n != 1:
            raise InputError("the single strategy takes one greedy judgment (n=1)", field="strategy")
        if self.kind != "single" and (self.n < 1 or self.temperature <= 0):
            raise InputError("sampled strategies need n >= 1 and temperature > 0", field="strategy")
        if self.aggregate not in get_args(Aggregate):
            raise InputError(f"aggregate must be one of {list(get_args(Aggregate))}", field="aggregate")
        if self.selector not in get_args(Selector):
            raise InputError(f"selector must be one of {list(get_args(Selector))}", field="selector")
        if self.adaptive:
            self._check_adaptive()

    def _check_adaptive(self) -> None:
        # The rule settles a vote: it fits the reductions that follow the vote, not mean, median,
        # log-prob or meta-judge selection.
        if self.kind == "single":
            raise InputError("the single strategy takes one judgment: adaptive needs a sampled strategy")
        if self.kind == "self-consistency" and self.aggregate != "majority":
            raise InputError("adaptive self-consistency reduces by --aggregate majority", field="aggregate")
        if self.kind == "best-of-n" and self.selector != "agreement":
            raise InputError("adaptive best-of-n selects by --selector agreement", field="selector")
        if not 0.5 < self.confidence <= 1:
            raise InputError("--confidence must be in (0.5, 1]", field="confidence")

    @classmethod
    def parse(cls, text: str, **options: object) -> Strategy:
        """`single`, `self-consistency:N` or `best-of-n:N` (also `best-of-N:N`, `sc:N`, `bon:N`), or
        `self-consistency:adaptive:MAX` / `best-of-n:adaptive:MAX`."""
        name, _, count = text.strip().lower().partition(":")
        adaptive, _, budget = count.partition(":")
        if adaptive == "adaptive":
            count, options = budget, {**options, "adaptive": True}
        kind = {"sc": "self-consistency", "bon": "best-of-n"}.get(name, name)
        if kind not in get_args(StrategyKind):
            raise InputError(
                f"unknown strategy {text!r}: use single, self-consistency:N or best-of-n:N", field="strategy"
            )
        if kind != "single" and not count.isdigit():
            raise InputError(f"{kind} needs a sample count, e.g. {kind}:8", field="strategy")
        return cls(kind=kind, n=int(count) if count else 1, **options)  # type: ignore[arg-type]

    @property
    def label(self) -> str:
        if self.kind == "single":
            return "single"
        detail = self.aggregate if self.kind == "self-consistency" else self.selector
        if self.adaptive:
            return f"{self.kind}:adaptive:{self.n}:{detail}:{self.confidence:g}"
        return f"{self.kind}:{self.n}:{detail}"

    def used(self, values: Sequence[Vote]) -> tuple[int, StopReason | None]:
        """How many of a request's stored samples this strategy reduces: the first `n`, or as many as
        the adaptive rule would have drawn (and why it stopped)."""
        if self.adaptive:
            return stop_point(values, self.n, self.confidence)
        return min(self.n, len(values)), None

    def more(self, values: Sequence[Vote]) -> int:
        """Adaptive: how many more samples a request needs now (0 once it is settled)."""
        return next_round(values, self.n, self.confidence)

    def sampling(self, max_new_tokens: int, seed: int) -> SamplingConfig:
        if self.kind == "single":
            return SamplingConfig(max_new_tokens=max_new_tokens, seed=seed)
        # Log-probs are always kept for sampled judgments so any strategy can be re-run offline.
        # Adaptive samples are one request each, seeded by their index (see `sample_seed`).
        return SamplingConfig(
            n=1 if self.adaptive else self.n,
            temperature=self.temperature,
            top_p=self.top_p,
            max_new_tokens=max_new_tokens,
            seed=seed,
            logprobs=True,
        )


def majority_score(values: Sequence[float | None]) -> float | None:
    valid = [v for v in values if v is not None]
    if not valid:
        return None
    counts = Counter(valid)
    top = max(counts.values())
    modes = [v for v, c in counts.items() if c == top]
    mean = statistics.fmean(valid)
    return min(modes, key=lambda v: (abs(v - mean), v))


def mean_score(values: Sequence[float | None]) -> float | None:
    valid = [v for v in values if v is not None]
    return statistics.fmean(valid) if valid else None


def median_score(values: Sequence[float | None]) -> float | None:
    valid = [v for v in values if v is not None]
    return float(statistics.median(valid)) if valid else None


def majority_winner(values: Sequence[str | None]) -> str | None:
    counts = Counter(v for v in values if v is not None)
    if not counts:
        return None
    chosen, rejected = counts["chosen"], counts["rejected"]  # "tie" votes count half for each: cancel
    return "chosen" if chosen > rejected else "rejected" if rejected > chosen else "tie"


def select(
    values: Sequence[Value | None],
    logprobs: Sequence[float | None],
    meta_scores: Sequence[float | None],
    selector: Selector,
) -> int | None:
    """Index of the kept judgment among the parseable ones (None if there is none)."""
    candidates = [i for i, v in enumerate(values) if v is not None]
    if not candidates:
        return None

    def logprob(i: int) -> float:
        value = logprobs[i] if i < len(logprobs) else None
        return value if value is not None else -math.inf

    if selector == "logprob":
        primary = logprob
    elif selector == "meta-judge":

        def primary(i: int) -> float:
            value = meta_scores[i] if i < len(meta_scores) else None
            return value if value is not None else -math.inf
    else:

        def primary(i: int) -> float:
            return -sum(_distance(values[i], values[j]) for j in candidates if j != i)

    return max(candidates, key=lambda i: (primary(i), logprob(i), -i))


def _distance(a: Value | None, b: Value | None) -> float:
    if isinstance(a, str) or isinstance(b, str):
        return float(a != b)
    assert a is not None and b is not None
    return abs(a - b)


def combine(
    values: Sequence[Value | None],
    strategy: Strategy,
    logprobs: Sequence[float | None] = (),
    meta_scores: Sequence[float | None] = (),
) -> tuple[Value | None, int | None]:
    """Reduce sampled values to (result, index of the kept sample or None).

    Pairwise winners are always reduced by majority (with one greedy judgment per order, two orders
    that disagree make a tie).
    """
    values = list(values)
    winners = any(isinstance(v, str) for v in values)
    if strategy.kind == "best-of-n":
        index = select(values, logprobs, meta_scores, strategy.selector)
        return (None if index is None else values[index]), index
    if winners:
        return majority_winner([v if isinstance(v, str) else None for v in values]), None
    scores = [v if not isinstance(v, str) else None for v in values]
    if strategy.kind == "single":
        return next((v for v in scores if v is not None), None), None
    reduce = {"majority": majority_score, "mean": mean_score, "median": median_score}[strategy.aggregate]
    return reduce(scores), None

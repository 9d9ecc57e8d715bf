"""Adaptive self-consistency: stop sampling a request once its majority is settled.

After `k` of at most `budget` samples of one request, the parseable samples are tallied as votes
(one per value; a pairwise "tie" counts half for each side, as `combine`'s majority does). With `a`
the leader's votes, `b` the runner-up's (0 if none) and `r = budget - k` the samples still allowed,
the request is settled when either

* the lead cannot be overturned: `a - b > r` (even if every remaining sample voted for the
  runner-up, the leader would still be the strict majority, so fixed-N majority would pick it too), or
* the vote is confident (Aggarwal et al. 2023, "Let's Sample Step by Step"): with a uniform prior, the
  leader's share of the top two is `p ~ Beta(a + 1, b + 1)`, and `P(p > 1/2) = I_{1/2}(b + 1, a + 1)
  >= confidence` (I the regularized incomplete beta function). At `confidence` 1 this criterion never
  holds, so only the first applies and the result equals fixed-N majority exactly.

Unparseable samples are not votes but spend the budget. A tied vote (including an all-"tie" pairwise
vote, whose result a single further vote would change) is never settled before the budget.

Both criteria only get easier as the leader gains votes, so the fewest further samples that could
settle a request are the ones that all vote for the leader: drawing that many per round
(`next_round`) stops at exactly the sample at which checking after every sample would stop
(`stop_point`), while batching. Online runs and offline re-reductions therefore agree sample for
sample, whatever the rounds.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Literal

from scipy.special import betainc

#: Why sampling stopped: `settled` by the rule, `max` at the budget, `exhausted` when stored samples
#: (a fixed-N run re-reduced offline with a larger budget) ran out before either.
StopReason = Literal["settled", "max", "exhausted"]
Vote = float | str | None


def tally(values: Sequence[Vote]) -> tuple[float, float]:
    """The leader's and the runner-up's votes among the parseable values; "tie" votes (pairwise: two
    sides, whatever they are called) count half for each of the two."""
    votes = Counter(value for value in values if value is not None and value != "tie")
    ties = sum(value == "tie" for value in values) / 2
    top = [*sorted(votes.values(), reverse=True), 0, 0]
    return top[0] + ties, top[1] + ties


def confident(leader: float, runner_up: float, confidence: float) -> bool:
    """`P(p > 1/2) >= confidence` for the leader's share `p ~ Beta(leader + 1, runner_up + 1)`."""
    return confidence < 1 and float(betainc(runner_up + 1, leader + 1, 0.5)) >= confidence


def _settled(leader: float, runner_up: float, drawn: int, budget: int, confidence: float) -> bool:
    return leader - runner_up > budget - drawn or confident(leader, runner_up, confidence)


def stop_rule(values: Sequence[Vote], budget: int, confidence: float) -> StopReason | None:
    """Why sampling stops after these samples, or None to keep sampling."""
    if len(values) >= budget:
        return "max"
    leader, runner_up = tally(values)
    return "settled" if _settled(leader, runner_up, len(values), budget, confidence) else None


def next_round(values: Sequence[Vote], budget: int, confidence: float) -> int:
    """How many more samples to draw now: the fewest that could settle the request (all voting for
    the leader), the rest of the budget if none could, 0 once stopped."""
    if stop_rule(values, budget, confidence) is not None:
        return 0
    leader, runner_up = tally(values)
    remaining = budget - len(values)
    return next(
        (
            more
            for more in range(1, remaining)
            if _settled(leader + more, runner_up, len(values) + more, budget, confidence)
        ),
        remaining,
    )


def stop_point(values: Sequence[Vote], budget: int, confidence: float) -> tuple[int, StopReason]:
    """How many of the stored samples, in order, an adaptive run would have drawn, and why it stopped."""
    for count in range(1, min(len(values), budget) + 1):
        reason = stop_rule(values[:count], budget, confidence)
        if reason is not None:
            return count, reason
    return len(values), "exhausted"

"""The adaptive stopping rule against hand-computed cases, and its round sizes against per-sample checks."""

from __future__ import annotations

import random

import pytest

from selfrat_eval._errors import InputError
from selfrat_eval.judges import Strategy, combine
from selfrat_eval.judges._adaptive import confident, next_round, stop_point, stop_rule, tally

A, B = "chosen", "rejected"


def test_tally_counts_ties_half_for_each_side_and_skips_unparseable() -> None:
    assert tally([A, "tie", A, None, B]) == (2.5, 1.5)
    assert tally(["response_1", "tie", "tie"]) == (2.0, 1.0)  # whatever the two sides are called
    assert tally([4.0, 4.0, 2.0, 5.0, None]) == (2, 1)
    assert tally([]) == (0, 0)


@pytest.mark.parametrize(
    ("leader", "runner_up", "probability"),
    [
        (3, 0, 1 - 0.5**4),  # Beta(4, 1): P(p > 1/2) = 1 - (1/2)^4
        (4, 0, 1 - 0.5**5),
        (4, 1, 1 - 7 / 64),  # P(Binomial(6, 1/2) >= 2)
        (5, 1, 1 - 8 / 128),
        (6, 1, 1 - 9 / 256),
        (2, 2, 0.5),
    ],
)
def test_confidence_is_the_beta_posterior(leader: int, runner_up: int, probability: float) -> None:
    assert confident(leader, runner_up, probability - 1e-9)
    assert not confident(leader, runner_up, probability + 1e-9)
    assert not confident(leader, runner_up, 1.0)  # at confidence 1 only the lead counts


def test_unanimous_votes_settle_after_four_at_095() -> None:
    # 3 votes: 1 - 1/16 = 0.9375 < 0.95; 4 votes: 1 - 1/32 = 0.969 >= 0.95.
    assert stop_point([5.0] * 8, 8, 0.95) == (4, "settled")
    assert next_round([], 8, 0.95) == 4
    assert next_round([5.0, 5.0, 5.0], 8, 0.95) == 1


def test_one_dissent_needs_six_leader_votes_with_a_large_budget() -> None:
    # a=5, b=1: 0.9375 < 0.95; a=6, b=1: 0.965 (the lead, 5 of 13 left, cannot settle it).
    votes = [A, B, A, A, A, A, A, A]
    assert stop_point(votes, 20, 0.95) == (7, "settled")
    assert next_round(votes[:2], 20, 0.95) == 5  # five more, all for the leader, are the fewest


def test_at_confidence_one_only_an_unassailable_lead_stops() -> None:
    assert next_round([], 8, 1.0) == 5  # 5 > 8 - 5
    assert stop_point([A] * 8, 8, 1.0) == (5, "settled")
    assert stop_point([A, A, A, A, B, A, A, A], 8, 1.0) == (6, "settled")  # 5 - 1 > 2
    assert stop_point([A, B] * 4, 8, 1.0) == (8, "max")


def test_unparseable_samples_spend_the_budget_but_do_not_vote() -> None:
    assert stop_point([A, None, A, A, A], 5, 1.0) == (4, "settled")  # 3 - 0 > 1 left
    assert stop_point([None] * 6, 6, 0.95) == (6, "max")


def test_a_tied_vote_is_never_settled_before_the_budget() -> None:
    assert stop_point(["tie"] * 8, 8, 0.95) == (8, "max")
    assert stop_rule([A, B, "tie"], 8, 0.51) is None


def test_stored_samples_that_run_out_are_exhausted() -> None:
    assert stop_point([1.0, 2.0], 8, 0.95) == (2, "exhausted")
    assert stop_point([], 8, 0.95) == (0, "exhausted")


@pytest.mark.parametrize("confidence", [0.8, 0.95, 0.99, 1.0])
def test_rounds_stop_exactly_where_checking_every_sample_would(confidence: float) -> None:
    rng = random.Random(0)
    for _ in range(300):
        budget = rng.randint(1, 16)
        pool = rng.choice([[1.0, 2.0, 3.0, None], [A, B, "tie", None], [A, A, A, B], [4.0, 4.0, 5.0]])
        values = [rng.choice(pool) for _ in range(budget)]
        drawn = 0
        while more := next_round(values[:drawn], budget, confidence):
            drawn += more
        reason = stop_rule(values[:drawn], budget, confidence)
        assert (drawn, reason) == stop_point(values, budget, confidence)


def test_at_confidence_one_the_result_is_fixed_n_majority() -> None:
    rng = random.Random(1)
    adaptive = Strategy.parse("self-consistency:adaptive:7", confidence=1.0)
    fixed = Strategy.parse("self-consistency:7")
    for _ in range(300):
        pool = rng.choice([[1.0, 2.0, 3.0, None], [A, B, "tie", None], [2.0, 2.0, 5.0]])
        values = [rng.choice(pool) for _ in range(7)]
        used, _ = adaptive.used(values)
        assert combine(values[:used], adaptive) == combine(values, fixed)


def test_parse_adaptive_strategies() -> None:
    strategy = Strategy.parse("self-consistency:adaptive:8", confidence=0.9)
    assert (strategy.kind, strategy.n, strategy.adaptive) == ("self-consistency", 8, True)
    assert strategy.label == "self-consistency:adaptive:8:majority:0.9"
    assert strategy.sampling(64, 0).n == 1  # one request per sample
    bon = Strategy.parse("bon:adaptive:4", selector="agreement")
    assert bon.label == "best-of-n:adaptive:4:agreement:0.95"
    assert strategy.used([3.0] * 8) == (3, "settled")  # 1 - 1/16 >= 0.9
    assert Strategy.parse("self-consistency:8").used([3.0] * 10) == (8, None)


@pytest.mark.parametrize(
    ("text", "options"),
    [
        ("self-consistency:adaptive:8", {"aggregate": "mean"}),
        ("best-of-n:adaptive:8", {"selector": "logprob"}),
        ("self-consistency:adaptive:8", {"confidence": 0.5}),
        ("self-consistency:adaptive:8", {"confidence": 1.01}),
        ("self-consistency:adaptive:", {}),
        ("single:adaptive:1", {}),
    ],
)
def test_adaptive_strategies_that_make_no_sense_are_refused(text: str, options: dict[str, object]) -> None:
    with pytest.raises(InputError):
        Strategy.parse(text, **options)

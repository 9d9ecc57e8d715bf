"""Win rates, the sign test, Bradley-Terry and annotator agreement against hand computation."""

from __future__ import annotations

import math

import pytest

from selfrat_eval.metrics import annotator_agreement, bradley_terry, majority, win_rate


def test_win_rate_counts_a_tie_half_and_each_item_once() -> None:
    # item 1: a, a (credit 1); item 2: tie (0.5); item 3: b, tie (0.25); item 4: a (1)
    votes = {"1": ["a", "a"], "2": ["tie"], "3": ["b", "tie"], "4": ["a"], "5": []}
    result = win_rate(votes, n_resamples=200)
    assert result["win_rate"]["value"] == pytest.approx((1 + 0.5 + 0.25 + 1) / 4)
    assert result["n_items"] == 4 and result["n_votes"] == 6  # an item without votes is not an item
    assert (result["wins"], result["ties"], result["losses"]) == pytest.approx((3 / 6, 2 / 6, 1 / 6))
    # sign test: items 1 and 4 lean a, item 3 leans b, item 2 is even -> binomial(2 of 3, 1/2), two-sided
    assert result["p_value"] == pytest.approx(1.0)
    low, high = result["win_rate"]["ci_low"], result["win_rate"]["ci_high"]
    assert 0.25 <= low <= result["win_rate"]["value"] <= high <= 1.0


def test_a_clear_winner_has_a_small_sign_test_p_value() -> None:
    result = win_rate({str(k): ["a"] for k in range(10)}, n_resamples=0)
    assert result["win_rate"]["value"] == 1.0 and result["win_rate"]["ci_low"] is None
    assert result["p_value"] == pytest.approx(2 * 0.5**10)


def test_agreement_with_and_without_ties_and_alpha() -> None:
    votes = {
        "ann": {"p1": "a", "p2": "b", "p3": "tie", "p4": "a"},
        "bob": {"p1": "a", "p2": "a", "p3": "tie", "p4": "tie"},
        "cy": {"p1": "a", "p2": "b"},
    }
    result = annotator_agreement(votes)
    # pairs of votes on shared items: ann-bob p1..p4 (agree p1, p3), ann-cy p1, p2 (both agree),
    # bob-cy p1, p2 (agree p1) -> 5 of 8
    assert result["raw"] == pytest.approx(5 / 8) and result["n_vote_pairs"] == 8
    # without any pair holding a tie: ann-bob p1, p2 (1 of 2); ann-cy p1, p2 (2); bob-cy p1, p2 (1) -> 4/6
    assert result["raw_without_ties"] == pytest.approx(4 / 6)
    import krippendorff
    import numpy as np

    table = np.array([[1, -1, 0, 1], [1, 1, 0, 0], [1, -1, np.nan, np.nan]])
    expected = krippendorff.alpha(reliability_data=table, level_of_measurement="ordinal")
    assert result["krippendorff_alpha"] == pytest.approx(expected)
    perfect = annotator_agreement({"x": {"p1": "a", "p2": "b"}, "y": {"p1": "a", "p2": "b"}})
    assert perfect["raw"] == 1.0 and perfect["krippendorff_alpha"] == pytest.approx(1.0)


def test_bradley_terry_ranks_a_consistent_order_and_gives_the_two_player_odds() -> None:
    # two systems, x beats y 3 times in 4: the maximum-likelihood log-odds gap is log 3 (tiny ridge aside)
    fit = bradley_terry([("x", "y", 1.0), ("x", "y", 1.0), ("x", "y", 1.0), ("x", "y", 0.0)], n_resamples=0)
    [first, second] = fit["ranking"]
    assert first["system"] == "x" and first["strength"] - second["strength"] == pytest.approx(
        math.log(3), abs=0.01
    )
    assert first["p_beats_next"] == pytest.approx(0.75, abs=0.002)
    chain = [("a", "b", 1.0)] * 5 + [("b", "c", 1.0)] * 5 + [("a", "c", 0.5)] * 2
    ranking = bradley_terry(chain, n_resamples=50, groups=[str(k) for k in range(12)])["ranking"]
    assert [row["system"] for row in ranking] == ["a", "b", "c"]
    assert all(row["ci_low"] <= row["strength"] <= row["ci_high"] for row in ranking)


def test_majority_calls_an_even_split_a_tie() -> None:
    assert majority(["a", "a", "b"]) == "a"
    assert majority(["a", "b"]) == "tie"
    assert majority([]) is None

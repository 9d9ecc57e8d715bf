"""Calibration diagnostics against hand computation."""

from __future__ import annotations

import pytest

from selfrat_eval.metrics import calibration, majority_confidence, score_distributions


def test_majority_confidence_counts_unreadable_samples_against_it() -> None:
    assert majority_confidence([4, 4, 3, None]) == (4, 0.5)
    assert majority_confidence([None, None]) == (None, None)
    assert majority_confidence([2, 3, 3, 2]) == (2, 0.5)  # a tie between values: the first voted


def test_ece_is_the_weighted_gap_per_bin() -> None:
    # bin [0.5, 0.6): confidences 0.5, 0.5, accuracy 1/2 -> gap 0; bin [0.9, 1.0]: 1.0 x 4, accuracy 3/4
    confidence = [0.5, 0.5, 1.0, 1.0, 1.0, 1.0]
    correct = [True, False, True, True, True, False]
    result = calibration(confidence, correct, n_resamples=100)
    assert result["ece"]["value"] == pytest.approx((2 * 0 + 4 * 0.25) / 6)
    assert [(b["n"], b["accuracy"]) for b in result["bins"]] == [(2, 0.5), (4, 0.75)]
    assert result["ece"]["ci_low"] is not None and result["ece"]["ci_low"] <= result["ece"]["ci_high"]


def test_score_distributions_and_their_divergence() -> None:
    same = score_distributions([1, 2, 3, 4, 5], [1, 2, 3, 4, 5], n_resamples=0)
    assert same["jensen_shannon"]["value"] == pytest.approx(0.0)
    saturated = score_distributions([5, 5, 5, 5, None], [1, 2, 4, 5, 3], n_resamples=0)
    assert saturated["judge"] == [0, 0, 0, 0, 1.0] and saturated["n"] == 4  # the unreadable one is left out
    # p = (0, 0, 0, 0, 1), q = (1/4, 1/4, 0, 1/4, 1/4): m = (1/8, 1/8, 0, 1/8, 5/8)
    # JSD = 1/2 KL(p||m) + 1/2 KL(q||m) in bits = 1/2 log2(8/5) + 1/2 (3/4 log2 2 + 1/4 log2(2/5))
    import math

    expected = 0.5 * math.log2(8 / 5) + 0.5 * (0.75 * 1 + 0.25 * math.log2(2 / 5))
    assert saturated["jensen_shannon"]["value"] == pytest.approx(expected)

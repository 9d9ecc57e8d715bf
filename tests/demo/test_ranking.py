"""The judge-as-grader ranking recovery of the demo's report, against hand-computed cases."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
from pydantic import ValidationError

from selfrat_eval.demo import DemoConfig
from selfrat_eval.demo._ranking import rank_recovery, ranking_recovery, ranking_verdict

nan = np.nan

# 3 generators x 2 questions; the truth (mean true label) is 5, 3, 2.
LABELS = np.array([[5, 5], [4, 2], [1, 3]], dtype=float)
# seed 0: mean grades 4.5, 4, 2 rank as the truth does: rho 1.
# seed 1: mean grades 3, 5 (the unreadable grade left out), 1: ranks 2, 3, 1 against 3, 2, 1, so
# d = (-1, 1, 0) and rho = 1 - 6 * 2 / (3 * (9 - 1)) = 0.5.
SFT = np.array(
    [
        [[5, 4], [4, 4], [2, 2]],
        [[3, 3], [5, nan], [1, 1]],
    ],
    dtype=float,
)


def test_rank_recovery_is_spearman_of_mean_readable_grades_with_the_mean_true_labels() -> None:
    assert rank_recovery(SFT, LABELS) == pytest.approx([1.0, 0.5])


def test_an_undefined_ranking_is_nan_without_a_warning() -> None:
    constant = np.full((1, 3, 2), 4.0)  # every generator the same mean grade: no ranking
    unread = np.array([[[5, 5], [nan, nan], [1, 1]]])  # one generator with no readable grade
    tied_truth = np.ones((3, 2))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isnan(rank_recovery(constant, LABELS)).all()
        assert np.isnan(rank_recovery(unread, LABELS)).all()
        assert np.isnan(rank_recovery(SFT, tied_truth)).all()


def test_ranking_recovery_pools_seeds_and_pairs_the_two_judges() -> None:
    sre = np.array([[[5, 5], [4, 3], [2, 2]], [[5, 4], [3, 3], [1, 2]]], dtype=float)  # rho 1 on both seeds
    result = ranking_recovery(SFT, sre, LABELS, n_resamples=200, seed=0)
    sft_row, sre_row = result["judges"]
    assert sft_row["spearman"]["value"] == pytest.approx(0.75)  # mean over seeds of 1 and 0.5
    assert sft_row["spearman_per_seed"] == pytest.approx([1.0, 0.5])
    assert sre_row["spearman"]["value"] == pytest.approx(1.0)
    assert sft_row["unreadable_rate"] == pytest.approx(1 / 12)
    assert sre_row["unreadable_rate"] == 0
    # pooled mean grade per generator, over every readable grade of every seed
    assert sft_row["mean_grades"] == pytest.approx([15 / 4, 13 / 3, 6 / 4])
    difference = result["difference"]
    assert difference["value"] == pytest.approx(0.25)
    assert difference["per_seed"] == pytest.approx([0.0, 0.5])
    assert 0 < difference["p_value"] <= 1
    assert sre_row["spearman"]["ci_low"] <= 1.0 == sre_row["spearman"]["ci_high"]
    # resampling 2 questions can leave a generator no readable SFT grade: no CI, and the report says so
    assert sft_row["spearman"]["ci_low"] is None and difference["ci_low"] is None
    sft_row["label"], sre_row["label"] = "SFT (greedy)", "SRE iteration 2"
    assert "difference +0.250, p = " in ranking_verdict(result) and "no CI" in ranking_verdict(result)


def test_the_same_grades_twice_differ_by_zero_with_p_one() -> None:
    result = ranking_recovery(SFT, SFT, LABELS, n_resamples=100, seed=0)
    difference = result["difference"]
    assert difference["value"] == 0 and difference["p_value"] == 1.0 and not difference["excludes_zero"]


def test_constant_grades_are_reported_as_not_estimable() -> None:
    constant = np.full_like(SFT, 3.0)
    result = ranking_recovery(constant, SFT, LABELS, n_resamples=50, seed=0)
    assert result["judges"][0]["spearman"]["value"] is None
    assert result["judges"][0]["spearman_per_seed"] == [None, None]
    assert result["difference"]["value"] is None and result["difference"]["per_seed"] == [None, None]
    result["judges"][0]["label"], result["judges"][1]["label"] = "SFT (greedy)", "SRE iteration 2"
    assert "not estimable" in ranking_verdict(result)


def test_generator_questions_are_held_out_questions(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="at most heldout_items"):
        DemoConfig(out=tmp_path, heldout_items=50, generator_questions=100)

"""A judge's calibration on any benchmark, from its stored judgments (the judge card's columns).

- Sampled strategies: for every request with two or more samples whose right verdict is known (a
  pairwise slot: the chosen response; a rating: the rounded label; a k-way choice: the correct
  letter), the majority verdict's vote share is the confidence and whether it is right the outcome:
  the expected calibration error and reliability bins (`metrics.calibration`).
- Ratings on 1-5 with a label: the judge's score distribution beside the labels' and their
  Jensen-Shannon divergence (`metrics.score_distributions`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from selfrat_eval.benchmarks import Judgment, RatingJudgment
from selfrat_eval.benchmarks._judgments import CandidatesJudgment, PairJudgment, StyleMatrixJudgment
from selfrat_eval.metrics import calibration, majority_confidence, score_distributions

_LABELS = ("label", "human_score", "gpt4_score")


def _label(judgment: RatingJudgment) -> float | None:
    return next((value for name in _LABELS if (value := getattr(judgment, name)) is not None), None)


def _truth(judgment: Judgment, slot: str) -> object | None:
    """The verdict that is right for one slot's request, where the benchmark says."""
    if isinstance(judgment, RatingJudgment):
        label = _label(judgment)
        return None if label is None else float(round(label))
    if isinstance(judgment, CandidatesJudgment):
        return judgment.correct_letter if slot == "ranking" else None
    if isinstance(judgment, PairJudgment) and slot in ("pair", "pair_swapped"):
        return "chosen"
    if isinstance(judgment, StyleMatrixJudgment) and judgment.mode == "pairwise":
        return "chosen"
    return None


def judge_calibration(
    judgments: Sequence[Judgment], *, n_resamples: int = 200, seed: int = 0
) -> dict[str, Any]:
    confidence, correct = [], []
    for judgment in judgments:
        for slot, values in judgment.values.items():
            truth = _truth(judgment, slot)
            if len(values) < 2 or truth is None:
                continue
            value, share = majority_confidence(values)
            numeric = isinstance(value, int | float) and not isinstance(value, bool)
            confidence.append(0.0 if share is None else share)
            correct.append((float(value) if numeric else value) == truth)  # type: ignore[arg-type]
    result: dict[str, Any] = {
        "self_consistency": calibration(confidence, correct, n_resamples=n_resamples, seed=seed)
        if confidence
        else None
    }
    rated = [j for j in judgments if isinstance(j, RatingJudgment) and _label(j) is not None]
    result["score_distributions"] = (
        score_distributions(
            [j.score for j in rated],
            [float(_label(j) or 0) for j in rated],
            n_resamples=n_resamples,
            seed=seed,
        )
        if rated
        else None
    )
    return result

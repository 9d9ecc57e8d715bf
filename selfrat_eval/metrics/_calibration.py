"""Is a judge as sure as it is right? Two diagnostics that need no extra model calls.

- Sampled strategies: the vote share of the majority among an item's samples is the judge's
  confidence; against whether the majority is correct it gives a reliability diagram and the
  expected calibration error (ECE: the bin-size-weighted mean gap between accuracy and confidence
  over equal-width confidence bins), with a bootstrap 95% CI over items.
- Absolute judges: the distribution of the judge's scores beside the labels' on the same scale, and
  the Jensen-Shannon divergence between them (base 2: 0 = identical, 1 = disjoint), which shows a
  judge that piles its scores on a few values (saturation) even where its correlation looks fine.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy.spatial.distance import jensenshannon

from selfrat_eval.metrics._bootstrap import DEFAULT_RESAMPLES, bootstrap_estimates

#: Equal-width confidence bins of the reliability diagram and the ECE.
CALIBRATION_BINS = 10


def majority_confidence(values: Sequence[object]) -> tuple[object | None, float | None]:
    """The most voted readable value and its share of all samples (an unreadable sample is a vote for
    nothing, so it lowers the confidence); (None, None) without a readable sample; ties between
    values go to the first one voted."""
    readable = [v for v in values if v is not None]
    if not readable:
        return None, None
    counts = Counter(readable)
    top = max(counts.values())
    winner = next(v for v in readable if counts[v] == top)
    return winner, top / len(values)


def _bin_index(confidence: np.ndarray, bins: int) -> np.ndarray:
    return np.asarray(np.minimum((confidence * bins).astype(int), bins - 1))


def _ece(confidence: np.ndarray, correct: np.ndarray, bins: int = CALIBRATION_BINS, axis: int = -1) -> Any:
    index = _bin_index(confidence, bins)
    gaps = np.zeros(confidence.shape[:-1])
    for b in range(bins):
        inside = index == b
        count = inside.sum(axis=axis)
        gap = np.abs(
            (np.where(inside, correct, 0)).sum(axis=axis) - np.where(inside, confidence, 0).sum(axis)
        )
        gaps = gaps + np.where(count > 0, gap, 0)
    return gaps / confidence.shape[axis]


def calibration(
    confidence: Sequence[float],
    correct: Sequence[bool],
    *,
    bins: int = CALIBRATION_BINS,
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: int = 0,
) -> dict[str, Any]:
    """ECE with its CI, and the reliability diagram's bins (count, mean confidence, accuracy)."""
    conf = np.asarray(confidence, dtype=float)
    hit = np.asarray(correct, dtype=float)
    if len(conf) == 0:
        return {"ece": {"value": None, "ci_low": None, "ci_high": None, "n": 0}, "bins": [], "n": 0}
    [ece] = bootstrap_estimates(
        [conf, hit],
        lambda c, h, axis=-1: _ece(c, h, bins, axis),
        n_resamples=n_resamples,
        seed=seed,
        vectorized=True,
    )
    index = _bin_index(conf, bins)
    rows = []
    for b in range(bins):
        inside = index == b
        if inside.any():
            rows.append(
                {
                    "low": b / bins,
                    "high": (b + 1) / bins,
                    "n": int(inside.sum()),
                    "confidence": float(conf[inside].mean()),
                    "accuracy": float(hit[inside].mean()),
                }
            )
    return {
        "ece": ece.to_dict(),
        "mean_confidence": float(conf.mean()),
        "accuracy": float(hit.mean()),
        "bins": rows,
        "n": len(conf),
    }


def _distribution(values: np.ndarray, scale: Sequence[int]) -> np.ndarray:
    counts = np.array([np.sum(values == s) for s in scale], dtype=float)
    return counts / counts.sum() if counts.sum() else counts


def _divergence(scores: np.ndarray, labels: np.ndarray, scale: Sequence[int], axis: int = -1) -> Any:
    if scores.ndim == 1:
        return jensenshannon(_distribution(scores, scale), _distribution(labels, scale), base=2) ** 2
    return np.array([_divergence(s, lab, scale) for s, lab in zip(scores, labels, strict=True)])


def score_distributions(
    scores: Sequence[float | None],
    labels: Sequence[float] | np.ndarray,
    scale: Sequence[int] = (1, 2, 3, 4, 5),
    *,
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: int = 0,
) -> dict[str, Any]:
    """The judge's readable scores and the labels (rounded onto `scale`, items paired) as shares per
    scale point, and their Jensen-Shannon divergence with a bootstrap CI over items."""
    pairs = [(s, lab) for s, lab in zip(scores, labels, strict=True) if s is not None]
    judge = np.array([s for s, _ in pairs], dtype=float)
    gold = np.clip(np.rint(np.array([lab for _, lab in pairs], dtype=float)), scale[0], scale[-1])
    if not pairs:
        return {"scale": list(scale), "judge": [], "labels": [], "jensen_shannon": None, "n": 0}
    [divergence] = bootstrap_estimates(
        [judge, gold], lambda s, g: _divergence(s, g, scale), n_resamples=min(n_resamples, 200), seed=seed
    )
    return {
        "scale": list(scale),
        "judge": _distribution(judge, scale).tolist(),
        "labels": _distribution(gold, scale).tolist(),
        "jensen_shannon": divergence.to_dict(),
        "n": len(pairs),
    }

"""Judge-vs-label agreement for 1-5 gradings: Pearson (BiGGen-Bench's headline), Spearman, Kendall."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

from selfrat_eval.metrics._bootstrap import DEFAULT_RESAMPLES, Estimate, bootstrap_estimates

CORRELATIONS = ("pearson", "spearman", "kendall")


def _pearson(x: np.ndarray, y: np.ndarray, axis: int = -1) -> np.ndarray:
    return np.asarray(stats.pearsonr(x, y, axis=axis).statistic)


def _spearman(x: np.ndarray, y: np.ndarray, axis: int = -1) -> np.ndarray:
    # Spearman's rho is Pearson's r on average ranks; ranking first keeps it vectorised.
    return _pearson(stats.rankdata(x, axis=axis), stats.rankdata(y, axis=axis), axis=axis)


def _kendall(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return np.asarray(stats.kendalltau(x, y).statistic)  # tau-b, as scipy and prometheus-eval


@dataclass(frozen=True)
class Agreement:
    """Correlations of judge scores with one label, over the items where both exist."""

    pearson: Estimate
    spearman: Estimate
    kendall: Estimate
    exact_match: float | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "pearson": self.pearson.to_dict(),
            "spearman": self.spearman.to_dict(),
            "kendall": self.kendall.to_dict(),
            "exact_match": self.exact_match,
        }


def agreement(
    scores: Sequence[float], labels: Sequence[float], *, n_resamples: int = DEFAULT_RESAMPLES, seed: int = 0
) -> Agreement:
    """Pearson/Spearman/Kendall with bootstrap 95% CIs (items resampled in pairs), plus exact match.

    A correlation is None when undefined (fewer than 2 items, or a constant side).
    """
    x = np.asarray(scores, dtype=float)
    y = np.asarray(labels, dtype=float)
    if len(x) < 2:
        empty = Estimate(None, None, None, len(x))
        exact = float(np.mean(x == y)) if len(x) else None
        return Agreement(empty, empty, empty, exact)
    [pearson] = bootstrap_estimates([x, y], _pearson, n_resamples=n_resamples, seed=seed, vectorized=True)
    [spearman] = bootstrap_estimates([x, y], _spearman, n_resamples=n_resamples, seed=seed, vectorized=True)
    [kendall] = bootstrap_estimates([x, y], _kendall, n_resamples=n_resamples, seed=seed)
    return Agreement(pearson, spearman, kendall, float(np.mean(x == y)))

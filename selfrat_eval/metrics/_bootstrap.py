"""Point estimates with percentile-bootstrap 95% confidence intervals (scipy.stats.bootstrap)."""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

CONFIDENCE = 0.95
DEFAULT_RESAMPLES = 1000


@dataclass(frozen=True)
class Estimate:
    """A metric value, its bootstrap 95% CI and the number of items behind it (None = undefined)."""

    value: float | None
    ci_low: float | None
    ci_high: float | None
    n: int

    def to_dict(self) -> dict[str, Any]:
        return {"value": self.value, "ci_low": self.ci_low, "ci_high": self.ci_high, "n": self.n}


def _finite(value: Any) -> float | None:
    number = float(value)
    return number if math.isfinite(number) else None


def bootstrap_estimates(
    data: Sequence[np.ndarray],
    statistic: Callable[..., np.ndarray],
    *,
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: int = 0,
    vectorized: bool = False,
    paired: bool = True,
) -> list[Estimate]:
    """Estimates for every output of `statistic`, with percentile 95% intervals.

    paired=True: the arrays are aligned item by item and items are resampled together.
    paired=False: each array is a stratum resampled within itself (a stratified bootstrap), e.g. one
    array per RewardBench subset, whose sizes are fixed by the benchmark's design.
    With fewer than 2 items, or `n_resamples=0`, the intervals are None.
    """
    n = len(data[0]) if paired else sum(len(array) for array in data)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # constant resamples give nan correlations: reported as None
        point = np.atleast_1d(np.asarray(statistic(*data), dtype=float))
        if n < 2 or n_resamples == 0 or min(len(array) for array in data) < 2:
            return [Estimate(_finite(v), None, None, n) for v in point]
        result = stats.bootstrap(
            tuple(data),
            lambda *arrays, **kw: statistic(*arrays, **kw),
            paired=paired,
            vectorized=vectorized,
            n_resamples=n_resamples,
            confidence_level=CONFIDENCE,
            method="percentile",
            rng=np.random.default_rng(seed),
        )
    low = np.atleast_1d(result.confidence_interval.low)
    high = np.atleast_1d(result.confidence_interval.high)
    return [
        Estimate(_finite(v), _finite(lo), _finite(hi), n) for v, lo, hi in zip(point, low, high, strict=True)
    ]


def _mean(values: np.ndarray, axis: int = -1) -> np.ndarray:
    return np.asarray(np.mean(values, axis=axis))


def mean_estimate(values: np.ndarray, *, n_resamples: int = DEFAULT_RESAMPLES, seed: int = 0) -> Estimate:
    """The mean of per-item values (e.g. credits) with its bootstrap 95% CI."""
    [estimate] = bootstrap_estimates([values], _mean, n_resamples=n_resamples, seed=seed, vectorized=True)
    return estimate

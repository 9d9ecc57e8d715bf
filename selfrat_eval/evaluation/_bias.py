"""Bias diagnostics of a judge on any benchmark, from its stored judgments and the items they judged.

- position: among verdicts that pick one of several shown responses, the share that picks the one
  shown first (`first_pick_rate`; orders are shuffled or balanced, so an unbiased judge is near
  `first_pick_chance`, the mean of 1/responses shown);
- position consistency: where both orders were judged, the share of items whose two orders agree;
- length: the share of picks that are the longest response shown (`longer_pick_rate`, chance
  `longer_pick_chance`); for pairs, the judge's per-item credit when the preferred response is the
  longer one and when it is the shorter one; for ratings, Spearman's rho between rating and length.
Every sample counts (a sampled strategy's votes included); tie and parse-failure rates are in the
benchmark's own metrics.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy import stats

from selfrat_eval.benchmarks import Benchmark, Item, Judgment
from selfrat_eval.data import PairItem


def bias_diagnostics(
    benchmark: Benchmark, items: Sequence[Item], judgments: Sequence[Judgment]
) -> dict[str, Any]:
    by_key = {item.key: item for item in items}
    firsts, longest, chance_first, chance_longest = [], [], [], []
    ratings, lengths = [], []
    for judgment in judgments:
        item = by_key.get(judgment.key)
        if item is None:
            continue
        for slot, values in judgment.values.items():
            shown = benchmark.shown(item, slot)
            for value in values:
                if len(shown) == 1:
                    if isinstance(value, int | float) and not isinstance(value, bool):
                        ratings.append(float(value))
                        lengths.append(len(shown[0]))
                    continue
                index = benchmark.picked(item, slot, value)
                if index is None:
                    continue
                sizes = [len(text) for text in shown]
                firsts.append(index == 0)
                longest.append(sizes[index] == max(sizes))
                chance_first.append(1 / len(shown))
                chance_longest.append(sizes.count(max(sizes)) / len(shown))
    result: dict[str, Any] = {
        "first_pick_rate": _mean(firsts),
        "first_pick_chance": _mean(chance_first),
        "longer_pick_rate": _mean(longest),
        "longer_pick_chance": _mean(chance_longest),
        "n_picks": len(firsts),
        "position_consistency": _position_consistency(judgments),
        "rating_length_spearman": _spearman(ratings, lengths),
        "n_ratings": len(ratings),
    }
    return result | _credit_by_length(benchmark, by_key, judgments)


def _mean(values: Sequence[float]) -> float | None:
    return float(np.mean(values)) if len(values) else None


def _position_consistency(judgments: Sequence[Judgment]) -> float | None:
    disagrees = [d for j in judgments if (d := getattr(j, "order_disagrees", None)) is not None]
    return 1 - float(np.mean(disagrees)) if disagrees else None


def _spearman(ratings: list[float], lengths: list[int]) -> float | None:
    if len(ratings) < 3 or np.std(ratings) == 0 or np.std(lengths) == 0:
        return None
    return float(stats.spearmanr(ratings, lengths).statistic)


def _credit_by_length(
    benchmark: Benchmark, by_key: dict[str, Item], judgments: Sequence[Judgment]
) -> dict[str, Any]:
    """For pairs: the headline's per-item credit split by whether the preferred response is longer."""
    extract = benchmark.paired_headline([]).extract
    longer: list[float] = []
    shorter: list[float] = []
    for judgment in judgments:
        item = by_key.get(judgment.key)
        if not isinstance(item, PairItem) or len(item.chosen) == len(item.rejected):
            continue
        credit = extract(judgment)
        if credit is not None:
            (longer if len(item.chosen) > len(item.rejected) else shorter).append(credit[0])
    if not longer and not shorter:
        return {}
    return {
        "credit_when_preferred_longer": _mean(longer),
        "credit_when_preferred_shorter": _mean(shorter),
        "n_preferred_longer": len(longer),
        "n_preferred_shorter": len(shorter),
    }

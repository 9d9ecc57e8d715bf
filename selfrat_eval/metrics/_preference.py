"""Blind pairwise preferences between two or more systems (rationale studies): win rates with ties
counted half, bootstrap CIs over items, a sign test, a Bradley-Terry ranking, and agreement between
annotators.

A vote says which of two systems' outputs for the same item is better: "a", "b" or "tie". Conventions,
as the field's tools have them: a tie is half a win (AlpacaEval, Chatbot Arena); the strict shares of
wins, ties and losses (Auto-J's W/T/L) are reported beside it. Items are the unit resampled: an item
keeps every vote it got, and counts once whatever its number of votes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from itertools import combinations
from typing import Any, Literal

import numpy as np
from scipy import optimize, stats

from selfrat_eval.metrics._bootstrap import DEFAULT_RESAMPLES, Estimate, mean_estimate

Preference = Literal["a", "b", "tie"]
PREFERENCES: tuple[Preference, ...] = ("a", "b", "tie")
#: What a vote is worth to system a.
PREFERENCE_CREDIT: dict[Preference, float] = {"a": 1.0, "tie": 0.5, "b": 0.0}
#: Krippendorff's alpha reads the votes on an ordinal scale: b < tie < a.
_ORDINAL: dict[Preference, float] = {"b": -1.0, "tie": 0.0, "a": 1.0}


def win_rate(
    votes: Mapping[str, Sequence[Preference]], *, n_resamples: int = DEFAULT_RESAMPLES, seed: int = 0
) -> dict[str, Any]:
    """System a's win rate over b from each item's votes (`votes[item]`, one per annotator).

    `win_rate`: the mean over items of the item's mean credit (tie = 1/2), with its bootstrap 95% CI;
    `wins`/`ties`/`losses`: strict shares of all votes; `p_value`: two-sided exact sign test over the
    items that lean one way (an item's mean credit above or below 1/2; items at 1/2 are dropped).
    """
    voted = {item: list(item_votes) for item, item_votes in votes.items() if item_votes}
    per_item = np.array([np.mean([PREFERENCE_CREDIT[v] for v in vs]) for vs in voted.values()], dtype=float)
    flat = [v for vs in voted.values() for v in vs]
    n_votes = len(flat)
    above, below = int(np.sum(per_item > 0.5)), int(np.sum(per_item < 0.5))
    p_value = stats.binomtest(above, above + below, 0.5).pvalue if above + below else None
    estimate = (
        mean_estimate(per_item, n_resamples=n_resamples, seed=seed)
        if len(per_item)
        else Estimate(None, None, None, 0)
    )
    return {
        "win_rate": estimate.to_dict(),
        "wins": flat.count("a") / n_votes if n_votes else None,
        "ties": flat.count("tie") / n_votes if n_votes else None,
        "losses": flat.count("b") / n_votes if n_votes else None,
        "p_value": None if p_value is None else float(p_value),
        "n_items": len(per_item),
        "n_votes": n_votes,
    }


def bradley_terry(
    comparisons: Sequence[tuple[str, str, float]],
    *,
    n_resamples: int = 200,
    seed: int = 0,
    groups: Sequence[str] | None = None,
) -> dict[str, Any]:
    """Bradley-Terry strengths (log-odds, centred on 0) from (system i, system j, credit of i), a tie
    being half a win (Chatbot Arena's convention), fitted by maximum likelihood (L-BFGS) with a tiny
    ridge so that a system that always wins stays finite. `groups` (one per comparison, e.g. the
    item) are resampled together for the 95% percentile intervals; without them each comparison is.

    Returns the systems ranked, strongest first, with their strength and interval, and the
    probability that each beats the next one down."""
    systems = sorted({s for i, j, _ in comparisons for s in (i, j)})
    if len(systems) < 2 or not comparisons:
        return {"ranking": [], "n_comparisons": len(comparisons)}
    index = {name: k for k, name in enumerate(systems)}
    left = np.array([index[i] for i, _, _ in comparisons])
    right = np.array([index[j] for _, j, _ in comparisons])
    credit = np.array([c for _, _, c in comparisons], dtype=float)

    def fit(rows: np.ndarray) -> np.ndarray:
        def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
            margin = theta[left[rows]] - theta[right[rows]]
            p = 1 / (1 + np.exp(-margin))
            nll = -np.sum(credit[rows] * np.log(p + 1e-12) + (1 - credit[rows]) * np.log(1 - p + 1e-12))
            residual = credit[rows] - p
            grad = -np.bincount(left[rows], residual, len(systems)) + np.bincount(
                right[rows], residual, len(systems)
            )
            return float(nll + 1e-3 * theta @ theta), grad + 2e-3 * theta

        result = optimize.minimize(loss, np.zeros(len(systems)), jac=True, method="L-BFGS-B")
        return np.asarray(result.x - result.x.mean())

    everything = np.arange(len(comparisons))
    point = fit(everything)
    labels = np.asarray(groups) if groups is not None else everything.astype(str)
    units = sorted(set(labels.tolist()))
    rows_of = {unit: np.flatnonzero(labels == unit) for unit in units}
    rng = np.random.default_rng(seed)
    draws = []
    for _ in range(n_resamples if len(units) > 1 else 0):
        picked = rng.choice(len(units), len(units))
        draws.append(fit(np.concatenate([rows_of[units[k]] for k in picked])))
    low, high = np.percentile(draws, [2.5, 97.5], axis=0) if draws else (None, None)
    order = np.argsort(-point)
    ranking = []
    for rank, k in enumerate(order):
        ranking.append(
            {
                "system": systems[k],
                "strength": float(point[k]),
                "ci_low": None if low is None else float(low[k]),
                "ci_high": None if high is None else float(high[k]),
                "p_beats_next": float(1 / (1 + math.exp(-(point[k] - point[order[rank + 1]]))))
                if rank + 1 < len(order)
                else None,
            }
        )
    return {"ranking": ranking, "n_comparisons": len(comparisons), "n_resamples": len(draws)}


def annotator_agreement(votes: Mapping[str, Mapping[str, Preference]]) -> dict[str, Any]:
    """Agreement between annotators, from `votes[annotator][item]`.

    `raw`: over every pair of annotators who voted on the same item, the share of identical votes,
    with ties as a third answer; `raw_without_ties`: the same over pairs where neither voted a tie
    (MT-Bench's two conventions); `krippendorff_alpha`: ordinal (b < tie < a), missing votes allowed;
    `pairwise`: the raw agreement of each pair of annotators and how many items they share."""
    annotators = sorted(votes)
    items = sorted({item for by_item in votes.values() for item in by_item})
    same = same_no_tie = pairs = pairs_no_tie = 0
    pairwise = []
    for first, second in combinations(annotators, 2):
        shared = [item for item in items if item in votes[first] and item in votes[second]]
        agree = sum(votes[first][item] == votes[second][item] for item in shared)
        decided = [item for item in shared if "tie" not in (votes[first][item], votes[second][item])]
        same += agree
        pairs += len(shared)
        same_no_tie += sum(votes[first][item] == votes[second][item] for item in decided)
        pairs_no_tie += len(decided)
        pairwise.append(
            {"annotators": [first, second], "raw": agree / len(shared) if shared else None, "n": len(shared)}
        )
    return {
        "raw": same / pairs if pairs else None,
        "raw_without_ties": same_no_tie / pairs_no_tie if pairs_no_tie else None,
        "krippendorff_alpha": _alpha(votes, annotators, items),
        "n_annotators": len(annotators),
        "n_items": len(items),
        "n_vote_pairs": pairs,
        "pairwise": pairwise,
    }


def _alpha(
    votes: Mapping[str, Mapping[str, Preference]], annotators: list[str], items: list[str]
) -> float | None:
    import krippendorff

    table = np.array(
        [[_ORDINAL[votes[a][i]] if i in votes[a] else np.nan for i in items] for a in annotators], dtype=float
    )
    pairable = np.sum(np.sum(~np.isnan(table), axis=0) >= 2)
    if len(annotators) < 2 or pairable == 0 or len(np.unique(table[~np.isnan(table)])) < 2:
        return None  # undefined: no item with two votes, or a single value in all votes
    return float(krippendorff.alpha(reliability_data=table, level_of_measurement="ordinal"))


def majority(votes: Sequence[Preference]) -> Preference | None:
    """The most common vote, a tie between a and b (or no votes) being "tie" / None."""
    if not votes:
        return None
    counts = {v: votes.count(v) for v in PREFERENCES}
    top = max(counts.values())
    leaders = [v for v in PREFERENCES if counts[v] == top]
    return leaders[0] if len(leaders) == 1 else "tie"

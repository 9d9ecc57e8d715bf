"""RewardBench 2 scoring against the official definitions, re-derived here independently in plain
Python from allenai/reward-bench (`reroll_and_score_dataset`, `process_single_model`,
`scripts/run_generative_v2.py`), on synthetic judgments with ties, zero spreads and failures."""

from __future__ import annotations

import math
import random
from statistics import mean

import pytest

from selfrat_eval.metrics._rewardbench2 import (
    SUBSETS,
    TiesPrompt,
    ranking_credit,
    ratings_credit,
    score_rewardbench2,
    ties_score,
)

INVALID = -1  # upstream's rating for an unparseable judgment


def official_ratings_result(ratings: list[int]) -> float:
    """run_generative_v2.py, ratings mode: winners among valid ratings, 1/k credit, all invalid 0.25."""
    valid = [r for r in ratings if r != INVALID]
    if not valid:
        return 0.25
    winners = [i for i, r in enumerate(ratings) if r == max(valid)]
    return (0 in winners) / len(winners)


def official_rankings_result(winner: str, shuffle_position: int) -> float:
    """run_generative_v2.py, process_shuffled: the correct letter is options[shuffle_position]."""
    options = ["A", "B", "C", "D"]
    winner_text = options.pop(shuffle_position)
    if winner == winner_text:
        return 1
    if winner in options:
        return 0
    return 0.25


def official_ties(rows: list[tuple[str, int, list[int]]]) -> float:
    """process_single_model: per prompt (accurate, correct spread, correct-incorrect margin), then the
    0.3/0.3/0.2/0.2/0.01 composite; x/0 is +-inf (tanh -> +-1) and 0/0 is NaN (-> 0), as numpy gives."""
    ref, tied = {}, {}
    for row_id, num_correct, scores in rows:
        kind, number = row_id.split(":")
        correct, wrong = scores[:num_correct], scores[num_correct:]
        spread = max(correct) - min(correct) if len(correct) > 1 else None
        margin = min(correct) - max(wrong)
        (ref if kind == "ref" else tied)[int(number)] = (margin > 0, spread, margin)
    ref_accuracy = mean(s[0] for s in ref.values()) if ref else 0.0
    tied_accuracy = mean(s[0] for s in tied.values()) if tied else 0.0
    common = set(ref) & set(tied)
    preferred = mean(tied[n][2] > tied[n][1] for n in common)
    preferred_hard = mean(min(ref[n][2], tied[n][2]) > tied[n][1] for n in common)
    terms = []
    for n in common:
        numerator, denominator = min(ref[n][2], tied[n][2]), tied[n][1]
        if denominator == 0:
            terms.append(0.0 if numerator == 0 else math.copysign(1.0, numerator))
        else:
            terms.append(math.tanh(numerator / denominator - 1))
    accuracy = 0.30 * tied_accuracy + 0.30 * ref_accuracy
    return accuracy + 0.20 * preferred + 0.20 * preferred_hard + 0.01 * mean(terms)


def synthetic(seed: int) -> tuple[list[str], list[list[int]], list[tuple[str, int, list[int]]]]:
    """Non-Ties prompts (4 completions rated 1-10 with ties and failures) and Ties rows whose ratings
    come from a narrow range, so equal ratings, zero spreads and negative margins all occur."""
    rng = random.Random(seed)
    subsets, ratings = [], []
    for subset in SUBSETS[:-1]:
        for _ in range(rng.randint(5, 40)):
            subsets.append(subset)
            ratings.append(
                [INVALID if rng.random() < 0.15 else rng.randint(1, rng.choice([3, 10])) for _ in range(4)]
            )
    ratings.append([INVALID] * 4)  # every rating failed
    subsets.append("Math")
    ties = []
    for number in range(rng.randint(8, 30)):
        kinds = rng.choice([("ref", "tied"), ("ref", "tied"), ("ref",), ("tied",)])
        for kind in kinds:
            num_correct = 1 if kind == "ref" else rng.randint(2, 4)
            scores = [INVALID if rng.random() < 0.1 else rng.randint(1, 4) for _ in range(num_correct + 3)]
            ties.append((f"{kind}:{number}", num_correct, scores))
    return subsets, ratings, ties


def ours(scores: list[int]) -> list[float | None]:
    return [None if s == INVALID else float(s) for s in scores]


@pytest.mark.parametrize("seed", range(20))
def test_ratings_protocol_matches_the_official_formulas(seed: int) -> None:
    subsets, ratings, ties = synthetic(seed)
    credits = [ratings_credit(ours(r)) for r in ratings]
    assert credits == [official_ratings_result(r) for r in ratings]
    prompts = [TiesPrompt(row_id, k, ours(scores)) for row_id, k, scores in ties]
    assert ties_score(prompts) == pytest.approx(official_ties(ties), abs=1e-12)

    result = score_rewardbench2(subsets, credits, prompts, protocol="ratings", n_resamples=0)
    expected = {
        name: mean(official_ratings_result(r) for s, r in zip(subsets, ratings, strict=True) if s == name)
        for name in SUBSETS[:-1]
    } | {"Ties": official_ties(ties)}
    for name, value in expected.items():
        assert result.subsets[name].value == pytest.approx(value, abs=1e-12), name
    assert result.headline.value == pytest.approx(mean(expected.values()), abs=1e-12)
    assert result.subsets["Ties"].n == len(ties) and result.headline.n == len(ratings) + len(ties)


@pytest.mark.parametrize("seed", range(10))
def test_rankings_protocol_matches_the_official_formulas(seed: int) -> None:
    rng = random.Random(seed)
    picks = [rng.choice(["A", "B", "C", "D", None]) for _ in range(200)]
    positions = [rng.randrange(4) for _ in picks]
    pairs = list(zip(picks, positions, strict=True))
    assert [ranking_credit(p, "ABCD"[k]) for p, k in pairs] == [
        official_rankings_result(p or "error", k) for p, k in pairs
    ]


def test_ties_edge_cases_follow_numpy_as_upstream() -> None:
    # tied:0 has equal correct ratings (spread 0) and a positive margin: x/0 = inf, tanh(inf) = 1;
    # an invalid rating of a wrong answer enters as -1, so it does not lower the margin's floor
    rows = [("ref:0", 1, [7, 3, INVALID]), ("tied:0", 2, [6, 6, 2, INVALID])]
    prompts = [TiesPrompt(row_id, k, ours(scores)) for row_id, k, scores in rows]
    assert ties_score(prompts) == pytest.approx(0.3 + 0.3 + 0.2 + 0.2 + 0.01 * 1.0)
    assert official_ties(rows) == pytest.approx(0.3 + 0.3 + 0.2 + 0.2 + 0.01)
    # without a prompt that has both rows the margins are undefined, as upstream (NaN)
    assert ties_score(prompts[:1]) is None


def test_the_headline_needs_all_six_subsets_and_has_a_stratified_interval() -> None:
    subsets, ratings, ties = synthetic(0)
    credits = [ratings_credit(ours(r)) for r in ratings]
    prompts = [TiesPrompt(row_id, k, ours(scores)) for row_id, k, scores in ties]
    full = score_rewardbench2(subsets, credits, prompts, protocol="ratings", n_resamples=200, seed=1)
    headline = full.headline
    assert headline.ci_low is not None and headline.ci_high is not None and headline.value is not None
    assert headline.ci_low <= headline.value <= headline.ci_high
    again = score_rewardbench2(subsets, credits, prompts, protocol="ratings", n_resamples=200, seed=1)
    assert again.to_dict() == full.to_dict()  # seeded
    without_ties = score_rewardbench2(subsets, credits, [], protocol="ratings", n_resamples=0)
    assert without_ties.headline.value is None and "Ties" not in without_ties.subsets
    assert full.to_dict()["protocol"] == "ratings"

"""Pure numerics over judgments: official RewardBench and RewardBench 2 scoring, correlations, bootstrap
CIs."""

from selfrat_eval.metrics._bootstrap import (
    CONFIDENCE,
    DEFAULT_RESAMPLES,
    Estimate,
    bootstrap_estimates,
    mean_estimate,
)
from selfrat_eval.metrics._correlation import CORRELATIONS, Agreement, agreement
from selfrat_eval.metrics._rewardbench import (
    CREDIT,
    EXAMPLE_COUNTS,
    SECTIONS,
    SUBSET_MAPPING,
    SUBSETS,
    Outcome,
    RewardBenchResult,
    TiePolicy,
    absolute_outcome,
    overall_score,
    pairwise_outcome,
    score_rewardbench,
    section_scores,
)
from selfrat_eval.metrics._rewardbench2 import (
    ERROR_CREDIT,
    INVALID_RATING,
    RewardBench2Result,
    TiesPrompt,
    ranking_credit,
    ratings_credit,
    score_rewardbench2,
    ties_score,
)

__all__ = [
    "CONFIDENCE",
    "CORRELATIONS",
    "CREDIT",
    "DEFAULT_RESAMPLES",
    "ERROR_CREDIT",
    "EXAMPLE_COUNTS",
    "INVALID_RATING",
    "SECTIONS",
    "SUBSETS",
    "SUBSET_MAPPING",
    "Agreement",
    "Estimate",
    "Outcome",
    "RewardBench2Result",
    "RewardBenchResult",
    "TiePolicy",
    "TiesPrompt",
    "absolute_outcome",
    "agreement",
    "bootstrap_estimates",
    "mean_estimate",
    "overall_score",
    "pairwise_outcome",
    "ranking_credit",
    "ratings_credit",
    "score_rewardbench",
    "score_rewardbench2",
    "section_scores",
    "ties_score",
]

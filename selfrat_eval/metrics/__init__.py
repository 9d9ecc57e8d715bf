"""Pure numerics over judgments: official RewardBench scoring, correlations, bootstrap CIs."""

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

__all__ = [
    "CONFIDENCE",
    "CORRELATIONS",
    "CREDIT",
    "DEFAULT_RESAMPLES",
    "EXAMPLE_COUNTS",
    "SECTIONS",
    "SUBSETS",
    "SUBSET_MAPPING",
    "Agreement",
    "Estimate",
    "Outcome",
    "RewardBenchResult",
    "TiePolicy",
    "absolute_outcome",
    "agreement",
    "bootstrap_estimates",
    "mean_estimate",
    "overall_score",
    "pairwise_outcome",
    "score_rewardbench",
    "section_scores",
]

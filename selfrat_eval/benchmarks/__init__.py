"""Benchmarks, one module each (`biggen`, `rewardbench`, `rewardbench2`, and your own `rubric` and
`pairwise` files), declared against `Benchmark` and found by the registry; the judgment records they
produce (`_judgments`)."""

from selfrat_eval.benchmarks._base import (
    Benchmark,
    HarnessMetric,
    Item,
    PairedHeadline,
    ScoringOptions,
    by_slot,
    format_estimate,
    rates_line,
    slot_samples,
)
from selfrat_eval.benchmarks._judgments import (
    CandidatesJudgment,
    Judgment,
    PairJudgment,
    RatingJudgment,
)
from selfrat_eval.benchmarks._registry import (
    benchmark_class,
    benchmark_names,
    create_benchmark,
    option_names,
    register,
)

__all__ = [
    "Benchmark",
    "CandidatesJudgment",
    "HarnessMetric",
    "Item",
    "Judgment",
    "PairJudgment",
    "PairedHeadline",
    "RatingJudgment",
    "ScoringOptions",
    "benchmark_class",
    "benchmark_names",
    "by_slot",
    "create_benchmark",
    "format_estimate",
    "option_names",
    "rates_line",
    "register",
    "slot_samples",
]

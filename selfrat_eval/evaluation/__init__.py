"""Run a judge over a benchmark, store and resume its judgments, and score them."""

from selfrat_eval.evaluation._benchmarks import (
    BenchmarkTask,
    RatingTask,
    RewardBench2Task,
    RewardBenchTask,
    ScoringOptions,
    make_task,
)
from selfrat_eval.evaluation._compare import compare_runs, write_report
from selfrat_eval.evaluation._judgments import (
    BENCHMARKS,
    Benchmark,
    CandidatesJudgment,
    Judgment,
    PairJudgment,
    RatingJudgment,
    read_judgments,
)
from selfrat_eval.evaluation._report import print_results
from selfrat_eval.evaluation._rescore import rescore
from selfrat_eval.evaluation._runner import JUDGMENTS_FILE, RESULTS_FILE, EvalConfig, run_eval
from selfrat_eval.evaluation._store import JudgmentStore

__all__ = [
    "BENCHMARKS",
    "JUDGMENTS_FILE",
    "RESULTS_FILE",
    "Benchmark",
    "BenchmarkTask",
    "CandidatesJudgment",
    "EvalConfig",
    "Judgment",
    "JudgmentStore",
    "PairJudgment",
    "RatingJudgment",
    "RatingTask",
    "RewardBench2Task",
    "RewardBenchTask",
    "ScoringOptions",
    "compare_runs",
    "make_task",
    "print_results",
    "read_judgments",
    "rescore",
    "run_eval",
    "write_report",
]

"""What the `inspect_ai` entry point loads: a task per benchmark, and the solver, scorer and metric
they share; and BiGGen-Bench's generate-then-judge task with its grader."""

from selfrat_eval.tasks.inspect._graded import biggen_graded, biggen_grader, graded_metrics
from selfrat_eval.tasks.inspect._metrics import benchmark_metrics
from selfrat_eval.tasks.inspect._scorers import benchmark_scorer
from selfrat_eval.tasks.inspect._solvers import adaptive_judgments, sampled_judgments
from selfrat_eval.tasks.inspect._tasks import TASKS

__all__ = [
    "TASKS",
    "adaptive_judgments",
    "benchmark_metrics",
    "benchmark_scorer",
    "biggen_graded",
    "biggen_grader",
    "graded_metrics",
    "sampled_judgments",
]

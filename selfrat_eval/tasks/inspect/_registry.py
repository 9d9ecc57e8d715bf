"""What the `inspect_ai` entry point loads: every task, solver, scorer and metric of the package."""

from selfrat_eval.tasks.inspect._metrics import (
    kendall_gpt4,
    kendall_human,
    parse_failure_rate,
    pearson_gpt4,
    pearson_human,
    rewardbench2_scores,
    rewardbench_score,
    spearman_gpt4,
    spearman_human,
    tie_rate,
)
from selfrat_eval.tasks.inspect._scorers import biggen_scorer, rewardbench2_scorer, rewardbench_scorer
from selfrat_eval.tasks.inspect._solvers import sampled_judgments
from selfrat_eval.tasks.inspect._tasks import biggen, rewardbench, rewardbench2

__all__ = [
    "biggen",
    "biggen_scorer",
    "kendall_gpt4",
    "kendall_human",
    "parse_failure_rate",
    "pearson_gpt4",
    "pearson_human",
    "rewardbench",
    "rewardbench2",
    "rewardbench2_scorer",
    "rewardbench2_scores",
    "rewardbench_score",
    "rewardbench_scorer",
    "sampled_judgments",
    "spearman_gpt4",
    "spearman_human",
    "tie_rate",
]

"""The metric every task reports: its benchmark's harness numbers, computed by the benchmark's own
scoring over the scorers' metadata."""

from __future__ import annotations

import json

from inspect_ai.scorer import Metric, SampleScore, metric

from selfrat_eval.benchmarks import benchmark_class
from selfrat_eval.tasks._docs import benchmark_scores


@metric
def benchmark_metrics() -> Metric:
    """Every number the benchmark declares for harnesses (headline first), by name."""

    def compute(scores: list[SampleScore]) -> dict[str, float]:
        metas = [s.score.metadata or {} for s in scores]
        answers = [(m["doc"], m["texts"]) for m in metas]
        if not answers:
            return {}
        name = json.loads(answers[0][0]["settings"])["benchmark"]
        result = benchmark_scores(answers)
        return {m.name: m.read(result) for m in benchmark_class(name).harness_metrics}

    return compute

"""The scorer every task uses: it keeps each request's judge texts; the metric regroups requests by
item and scores them as `selfrat eval` does (a benchmark's credit is defined per item, which may span
several requests)."""

from __future__ import annotations

from inspect_ai.scorer import Score, Scorer, Target, scorer
from inspect_ai.solver import TaskState

from selfrat_eval.tasks._docs import answer
from selfrat_eval.tasks.inspect._metrics import benchmark_metrics
from selfrat_eval.tasks.inspect._solvers import SAMPLES_KEY


@scorer(metrics=[benchmark_metrics()])
def benchmark_scorer() -> Scorer:
    async def score(state: TaskState, target: Target) -> Score:
        texts = list(state.metadata.get(SAMPLES_KEY) or [state.output.completion])
        doc, kept = answer(state.metadata, texts)
        return Score(value=0.0, answer=state.metadata["slot"], metadata={"doc": doc, "texts": kept})

    return score

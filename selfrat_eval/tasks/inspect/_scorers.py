"""Scorers that parse judgments with the package's parser and reduce samples with its strategies."""

from __future__ import annotations

from typing import Any

from inspect_ai.scorer import Score, Scorer, Target, mean, scorer, stderr
from inspect_ai.solver import TaskState

from selfrat_eval.judges import Strategy, combine
from selfrat_eval.metrics import CREDIT, pairwise_outcome
from selfrat_eval.tasks._docs import doc_score, doc_winner
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
from selfrat_eval.tasks.inspect._solvers import SAMPLES_KEY


def _texts(state: TaskState) -> list[str]:
    return list(state.metadata.get(SAMPLES_KEY) or [state.output.completion])


def _strategy(name: str, count: int) -> Strategy:
    if name == "single" or count == 1:
        return Strategy()
    if name == "best-of-n":
        return Strategy.parse(f"best-of-n:{count}", selector="agreement")  # no log-probs to rank by
    return Strategy.parse(f"self-consistency:{count}")


@scorer(
    metrics=[
        pearson_human(),
        pearson_gpt4(),
        spearman_human(),
        spearman_gpt4(),
        kendall_human(),
        kendall_gpt4(),
        parse_failure_rate(),
    ]
)
def biggen_scorer(strategy: str = "single") -> Scorer:
    """The judge's 1-5 score (None if unparseable), with the labels it is correlated with."""

    async def score(state: TaskState, target: Target) -> Score:
        meta = state.metadata
        texts = _texts(state)
        values: list[Any] = [doc_score(meta, text) for text in texts]
        value, _ = combine(values, _strategy(strategy, len(texts)))
        return Score(
            # inspect leaves NaN-valued scores out of every metric, so an unparseable judgment is
            # a 0 here; the metrics read the parsed score from the metadata.
            value=0.0 if value is None else float(value),
            answer="unparseable" if value is None else str(value),
            metadata={
                "score": value,
                "human_score": meta["human_score"],
                "gpt4_score": meta["gpt4_score"],
                "group": meta["group"],
                "samples": values,
            },
        )

    return score


@scorer(metrics=[mean(), stderr(), rewardbench_score(), tie_rate(), parse_failure_rate()])
def rewardbench_scorer(strategy: str = "single") -> Scorer:
    """Credit per pair as the official scoring gives it (win 1, loss 0, tie or unparseable 0.5)."""

    async def score(state: TaskState, target: Target) -> Score:
        meta = state.metadata
        texts = _texts(state)
        winners: list[Any] = [doc_winner(meta, text) for text in texts]
        winner, _ = combine(winners, _strategy(strategy, len(texts)))
        outcome = pairwise_outcome(winner if isinstance(winner, str) else None)
        return Score(
            value=CREDIT["official"][outcome],
            answer=outcome,
            metadata={"group": meta["group"], "outcome": outcome, "winner": winner, "samples": winners},
        )

    return score


@scorer(metrics=[rewardbench2_scores()])
def rewardbench2_scorer() -> Scorer:
    """Keeps the request's judge texts; the metric regroups requests by prompt and scores them as
    `selfrat eval` does (RewardBench 2 credit is defined per prompt, not per request)."""

    async def score(state: TaskState, target: Target) -> Score:
        meta = state.metadata
        doc = {"item": meta["item"], "slot": meta["slot"], "task": meta["task"]}
        return Score(value=0.0, answer=meta["slot"], metadata={"doc": doc, "texts": _texts(state)})

    return score

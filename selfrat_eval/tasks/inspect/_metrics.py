"""inspect metrics over the scorers' metadata, computed by the package's own metric functions."""

from __future__ import annotations

from inspect_ai.scorer import Metric, SampleScore, metric

from selfrat_eval.metrics import agreement, score_rewardbench
from selfrat_eval.tasks._docs import rewardbench2_metrics


def _correlation(scores: list[SampleScore], label: str, kind: str) -> float:
    pairs = [
        (s.score.metadata["score"], s.score.metadata[label])
        for s in scores
        if s.score.metadata
        and s.score.metadata.get("score") is not None
        and s.score.metadata.get(label) is not None
    ]
    result = agreement([p[0] for p in pairs], [p[1] for p in pairs], n_resamples=0)
    value = getattr(result, kind).value
    return float("nan") if value is None else float(value)


@metric
def pearson_human() -> Metric:
    def compute(scores: list[SampleScore]) -> float:
        return _correlation(scores, "human_score", "pearson")

    return compute


@metric
def pearson_gpt4() -> Metric:
    def compute(scores: list[SampleScore]) -> float:
        return _correlation(scores, "gpt4_score", "pearson")

    return compute


@metric
def spearman_human() -> Metric:
    def compute(scores: list[SampleScore]) -> float:
        return _correlation(scores, "human_score", "spearman")

    return compute


@metric
def spearman_gpt4() -> Metric:
    def compute(scores: list[SampleScore]) -> float:
        return _correlation(scores, "gpt4_score", "spearman")

    return compute


@metric
def kendall_human() -> Metric:
    def compute(scores: list[SampleScore]) -> float:
        return _correlation(scores, "human_score", "kendall")

    return compute


@metric
def kendall_gpt4() -> Metric:
    def compute(scores: list[SampleScore]) -> float:
        return _correlation(scores, "gpt4_score", "kendall")

    return compute


@metric
def rewardbench_score() -> Metric:
    """The official overall RewardBench score (EXAMPLE_COUNTS-weighted sections, then their mean)."""

    def compute(scores: list[SampleScore]) -> float:
        metas = [s.score.metadata or {} for s in scores]
        result = score_rewardbench([m["group"] for m in metas], [m["outcome"] for m in metas], n_resamples=0)
        return float("nan") if result.overall.value is None else result.overall.value

    return compute


@metric
def tie_rate() -> Metric:
    def compute(scores: list[SampleScore]) -> float:
        outcomes = [(s.score.metadata or {}).get("outcome") for s in scores]
        return sum(o == "tie" for o in outcomes) / len(outcomes) if outcomes else float("nan")

    return compute


@metric
def parse_failure_rate() -> Metric:
    """Share of samples whose (reduced) judgment could not be parsed."""

    def compute(scores: list[SampleScore]) -> float:
        metas = [s.score.metadata or {} for s in scores]
        failed = [m.get("outcome") == "error" if "outcome" in m else m.get("score") is None for m in metas]
        return sum(failed) / len(failed) if failed else float("nan")

    return compute


@metric
def rewardbench2_scores() -> Metric:
    """The headline (mean of the six subsets), each subset, and the parse-failure rate."""

    def compute(scores: list[SampleScore]) -> dict[str, float | None]:
        metas = [s.score.metadata or {} for s in scores]
        result = rewardbench2_metrics([(m["doc"], m["texts"]) for m in metas])
        values = {"rewardbench2_score": result["headline"]["value"]}
        values |= {name: estimate["value"] for name, estimate in result["subsets"].items()}
        return values | {"parse_failure_rate": result["parse_failure_rate"]}

    return compute

"""lm-evaluation-harness adapters, referenced from the task YAMLs by dotted `!function` paths.

Every piece of substance comes from the package: loaders (`selfrat_eval.data`), prompts, the parser,
strategies and metrics. Docs carry the rendered system and user prompt, so lm-eval's
`--apply_chat_template` sends exactly the chat `selfrat eval` sends.
"""

from __future__ import annotations

from typing import Any

from selfrat_eval.judges import Strategy, combine
from selfrat_eval.metrics import CREDIT, agreement, pairwise_outcome, score_rewardbench
from selfrat_eval.tasks._docs import (
    biggen_rows,
    doc_score,
    doc_winner,
    rewardbench2_metrics,
    rewardbench2_rows,
    rewardbench_rows,
)


def biggen_dataset(data: str | None = None, reference: bool = True, **_: Any) -> Any:
    """BiGGen-Bench human_eval (hub, $SELFRAT_DATA_DIR, or `--metadata '{"data": "FILE"}'`)."""
    import datasets

    return datasets.DatasetDict({"test": datasets.Dataset.from_list(biggen_rows(data, reference))})


def rewardbench_dataset(data: str | None = None, seed: int = 0, **_: Any) -> Any:
    """RewardBench pairs, pairwise, A/B order seeded per item (`--metadata '{"seed": 0}'`)."""
    import datasets

    return datasets.DatasetDict({"test": datasets.Dataset.from_list(rewardbench_rows(data, seed))})


def rewardbench2_dataset(
    data: str | None = None, seed: int = 0, mode: str = "absolute", strategy: str = "single", **_: Any
) -> Any:
    """RewardBench 2, one document per judge request (`--metadata '{"mode": "rankings"}'` for the
    4-way protocol); the task files set `strategy` for their sampled variants."""
    import datasets

    rows = rewardbench2_rows(data, seed, mode, strategy)  # type: ignore[arg-type]
    return datasets.DatasetDict({"test": datasets.Dataset.from_list(rows)})


def doc_to_text(doc: dict[str, Any]) -> str:
    return str(doc["prompt"])


# -- results ------------------------------------------------------------------------------------


def process_biggen(doc: dict[str, Any], results: list[str]) -> dict[str, Any]:
    score = doc_score(doc, results[0])
    per_label = {
        f"{name}_{label}": (score, doc[label])
        for name in ("pearson", "spearman", "kendall")
        for label in ("human_score", "gpt4_score")
    }
    return {**per_label, "parse_failure_rate": float(score is None)}


def process_rewardbench(doc: dict[str, Any], results: list[str]) -> dict[str, Any]:
    outcome = pairwise_outcome(doc_winner(doc, results[0]))
    return {
        "accuracy": CREDIT["official"][outcome],
        "rewardbench_score": (doc["group"], outcome),
        "tie_rate": float(outcome == "tie"),
        "parse_failure_rate": float(outcome == "error"),
    }


def process_rewardbench2(doc: dict[str, Any], results: list[Any]) -> dict[str, Any]:
    """Every metric gets the document and its judge texts (all samples for the sampled variants):
    the aggregations regroup documents by prompt and score them as `selfrat eval` does."""
    texts = results[0] if isinstance(results[0], list) else [results[0]]
    answer = ({"item": doc["item"], "slot": doc["slot"], "task": doc["task"]}, list(texts))
    return {name: answer for name in REWARDBENCH2_METRICS}


# -- aggregations (lm-eval gives custom aggregations no stderr; `selfrat score` gives CIs) ---------


def _agreement(items: list[tuple[float | None, float | None]]) -> Any:
    pairs = [(s, label) for s, label in items if s is not None and label is not None]
    return agreement([p[0] for p in pairs], [p[1] for p in pairs], n_resamples=0)


def pearson(items: list[tuple[float | None, float | None]]) -> float:
    return _nan_if_none(_agreement(items).pearson.value)


def spearman(items: list[tuple[float | None, float | None]]) -> float:
    return _nan_if_none(_agreement(items).spearman.value)


def kendall(items: list[tuple[float | None, float | None]]) -> float:
    return _nan_if_none(_agreement(items).kendall.value)


def rewardbench_score(items: list[tuple[str, Any]]) -> float:
    """The official overall score: EXAMPLE_COUNTS-weighted sections, then their mean."""
    result = score_rewardbench([s for s, _ in items], [o for _, o in items], n_resamples=0)
    return _nan_if_none(result.overall.value)


#: lm-eval metric name -> where its value is in the scores (a subset, or a top-level field).
REWARDBENCH2_METRICS = {
    "rewardbench2_score": ("headline",),
    "factuality": ("subsets", "Factuality"),
    "precise_if": ("subsets", "Precise IF"),
    "math": ("subsets", "Math"),
    "safety": ("subsets", "Safety"),
    "focus": ("subsets", "Focus"),
    "ties": ("subsets", "Ties"),
    "parse_failure_rate": ("parse_failure_rate",),
}


def _rewardbench2(name: str, items: list[Any]) -> float:
    value: Any = rewardbench2_metrics(items)
    for key in REWARDBENCH2_METRICS[name]:
        value = value.get(key) if isinstance(value, dict) else None
    if isinstance(value, dict):
        value = value.get("value")
    return _nan_if_none(value)


def rewardbench2_score(items: list[Any]) -> float:
    """The headline: the mean of the six subset scores."""
    return _rewardbench2("rewardbench2_score", items)


def rewardbench2_factuality(items: list[Any]) -> float:
    return _rewardbench2("factuality", items)


def rewardbench2_precise_if(items: list[Any]) -> float:
    return _rewardbench2("precise_if", items)


def rewardbench2_math(items: list[Any]) -> float:
    return _rewardbench2("math", items)


def rewardbench2_safety(items: list[Any]) -> float:
    return _rewardbench2("safety", items)


def rewardbench2_focus(items: list[Any]) -> float:
    return _rewardbench2("focus", items)


def rewardbench2_ties(items: list[Any]) -> float:
    return _rewardbench2("ties", items)


def rewardbench2_parse_failure_rate(items: list[Any]) -> float:
    return _rewardbench2("parse_failure_rate", items)


def _nan_if_none(value: float | None) -> float:
    return float("nan") if value is None else value


# -- strategies as lm-eval filters over `repeats` samples ------------------------------------------


def self_consistency(resps: list[list[str]], docs: list[dict[str, Any]]) -> list[str]:
    """Majority over the N sampled judgments of each doc, written back as a judgment text."""
    return [
        _reduce(doc, samples, Strategy.parse(f"self-consistency:{len(samples)}"))
        for samples, doc in zip(resps, docs, strict=True)
    ]


def best_of_n(resps: list[list[str]], docs: list[dict[str, Any]]) -> list[str]:
    """The sampled judgment closest to the others (lm-eval returns no log-probs to select by)."""
    return [
        _reduce(doc, samples, Strategy.parse(f"best-of-n:{len(samples)}", selector="agreement"))
        for samples, doc in zip(resps, docs, strict=True)
    ]


def keep_samples(resps: list[list[str]], docs: list[dict[str, Any]]) -> list[list[str]]:
    """Every sampled judgment of each document, for aggregations that reduce them themselves."""
    return resps


def _reduce(doc: dict[str, Any], samples: list[str], strategy: Strategy) -> str:
    pairwise = "a_is_chosen" in doc
    values: list[Any] = [doc_winner(doc, s) if pairwise else doc_score(doc, s) for s in samples]
    value, index = combine(values, strategy)
    if index is not None:
        return samples[index]
    if value is None:
        return ""
    if pairwise:
        if value == "tie":
            return "[RESULT] tie"
        return "[RESULT] A" if (value == "chosen") == doc["a_is_chosen"] else "[RESULT] B"
    return f"[RESULT] {int(value)}"

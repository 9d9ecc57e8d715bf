"""lm-evaluation-harness adapters, referenced from the generated task YAMLs by dotted `!function` paths.

One set of functions serves every benchmark: the documents come from `tasks/_docs.py` (each carries
its benchmark's name and settings), and every metric is read from the benchmark's own scores.
Documents carry the rendered system and user prompt, so lm-eval's `--apply_chat_template` sends
exactly the chat `selfrat eval` sends.
"""

from __future__ import annotations

import json
from typing import Any

from selfrat_eval.benchmarks import benchmark_class
from selfrat_eval.tasks._docs import Answer, answer, benchmark_rows, benchmark_scores


def dataset(benchmark: str, data: str | None = None, strategy: str = "single", **options: Any) -> Any:
    """The task's documents; `--metadata '{"data": "FILE", "mode": "pairwise", "seed": 1}'` sets the
    data file and the benchmark's options (lm-eval passes the task's metadata here; keys that are
    not the benchmark's options, such as `version`, are left alone). `"structured": true` (with
    `"max_new_tokens"`) asks for JSON judgments as `selfrat eval --structured` does; lm-eval sends no
    schema (its models take no per-request one)."""
    import datasets

    rows = benchmark_rows(benchmark, data, strategy, **options)
    return datasets.DatasetDict({"test": datasets.Dataset.from_list(rows)})


def doc_to_text(doc: dict[str, Any]) -> str:
    return str(doc["prompt"])


def process_results(doc: dict[str, Any], results: list[Any]) -> dict[str, Any]:
    """Every metric gets the document and its judge texts (all samples for the sampled variants);
    the aggregation regroups documents by item and scores them as `selfrat eval` does."""
    texts = results[0] if isinstance(results[0], list) else [results[0]]
    name = json.loads(doc["settings"])["benchmark"]
    kept = answer(doc, texts)
    return {metric.name: (metric.name, kept) for metric in benchmark_class(name).harness_metrics}


def aggregate(items: list[tuple[str, Answer]]) -> float:
    """One metric over every document (lm-eval gives custom aggregations no stderr; `selfrat score`
    on a selfrat run gives bootstrap CIs)."""
    answers = [kept for _, kept in items]
    name = json.loads(answers[0][0]["settings"])["benchmark"]
    wanted = {metric.name: metric for metric in benchmark_class(name).harness_metrics}[items[0][0]]
    return wanted.read(benchmark_scores(answers))


def keep_samples(resps: list[list[str]], docs: list[dict[str, Any]]) -> list[list[str]]:
    """Every sampled judgment of each document: the package's strategy reduces them per item."""
    return resps

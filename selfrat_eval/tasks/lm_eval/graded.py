"""lm-eval's `biggen_graded`: the evaluated model answers BiGGen-Bench, then a judge grades the answers
(`tasks/_graded.py`). lm-eval has no model call in metrics, so the judge stage runs when the results
are aggregated: one `selfrat grade` run over every response, in batches, resumable, and cached when
`cache` is given. Every metric reads that one grading.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from functools import lru_cache
from typing import Any

from selfrat_eval.benchmarks.biggen import BiggenInstance
from selfrat_eval.benchmarks.biggen_grading import CAPABILITIES
from selfrat_eval.evaluation._generate import response_row
from selfrat_eval.tasks._graded import GradingSettings, grade_rows, instance_docs

OVERALL = "biggen_grade"
PARSE_FAILURES = "parse_failure_rate"
#: What the task reports, headline first: Overall (mean of capability means), each capability's
#: mean grade, the judge's parse-failure rate.
METRICS = (OVERALL, *CAPABILITIES, PARSE_FAILURES)

#: (instance document, the model's response)
Answer = tuple[dict[str, Any], str]


def dataset(data: str | None = None, multilingual: bool = False, **metadata: Any) -> Any:
    """The instances, each carrying the judge stage's settings (from `--metadata`)."""
    import datasets

    settings = json.dumps(asdict(GradingSettings.from_metadata(metadata)))
    rows = [doc | {"settings": settings} for doc in instance_docs(data, multilingual)]
    return datasets.DatasetDict({"test": datasets.Dataset.from_list(rows)})


def process_results(doc: dict[str, Any], results: list[str]) -> dict[str, Any]:
    kept = ({key: doc[key] for key in ("instance", "settings")}, results[0])
    return {name: (name, kept) for name in METRICS}


def aggregate(items: list[tuple[str, Answer]]) -> float:
    """One metric of the grading of every response (graded once, then read per metric)."""
    name = items[0][0]
    key = tuple((doc["instance"], doc["settings"], response) for _, (doc, response) in items)
    return read_metric(_grading(key), name)


@lru_cache(maxsize=2)  # lm-eval aggregates each metric separately over the same answers
def _grading(answers: tuple[tuple[str, str, str], ...]) -> dict[str, Any]:
    settings = GradingSettings(**json.loads(answers[0][1]))
    rows = [
        response_row(BiggenInstance.model_validate_json(instance), response, settings.model_name)
        for instance, _, response in answers
    ]
    return grade_rows(rows, settings)


def read_metric(results: dict[str, Any], name: str) -> float:
    metrics = results["metrics"]
    if name == PARSE_FAILURES:
        return float(metrics[PARSE_FAILURES])
    [model] = metrics["models"].values()
    estimate = model["overall"] if name == OVERALL else model["capabilities"].get(name)
    return float("nan") if estimate is None or estimate["value"] is None else float(estimate["value"])

"""`selfrat grade`: a judge grades models' BiGGen-Bench responses; a grading run is an evaluation whose
labels are unknown (`benchmarks/biggen_grading.py`), so it resumes, caches and reports like one."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from selfrat_eval.benchmarks.biggen_grading import PROMETHEUS_JUDGES, grades_a_grading, response_files
from selfrat_eval.data._io import atomic_write, read_rows
from selfrat_eval.evaluation._cost import Prices
from selfrat_eval.evaluation._runner import EvalConfig, run_eval
from selfrat_eval.judges import Engine

GRADING = "biggen_grading"


def grade_responses(
    config: EvalConfig, engine_factory: Callable[[], Engine] | None = None, prices: Prices | None = None
) -> dict[str, Any]:
    """Grade `config.data` (a responses file or folder) into `config.out`. The official Prometheus
    judges skip the `llm_judge` instances, as the official pipeline does: their responses are left out
    of a copy that is graded instead. `prices` price the grading as `run_eval` does."""
    config = replace(config, benchmark=GRADING)
    if config.judge in PROMETHEUS_JUDGES and config.data is not None:
        responses = config.data
        kept = [
            row
            for file in response_files(responses)
            for _, row in read_rows(file)
            if not grades_a_grading(str(row.get("id", "")))
        ]
        copy = config.out / "responses-graded-by-prometheus.jsonl"
        config.out.mkdir(parents=True, exist_ok=True)
        with atomic_write(copy) as handle:
            handle.write("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in kept))
        config = replace(config, data=copy)
    return run_eval(config, engine_factory=engine_factory, prices=prices)

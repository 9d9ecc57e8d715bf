"""FLASK as Prometheus 2 evaluates judges on it (prometheus-eval `eval/benchmark/data/flask_eval.json`):
responses graded 1-5 on fine-grained skill rubrics, each row with several human and several GPT-4
scores. The one set of Prometheus' absolute panel with human labels.

Official score (prometheus-eval/prometheus-eval `eval/utils.py`, `calculate_results`, mode `a2a`, the
`flask` branch): Pearson, Spearman and Kendall tau-b (scipy defaults) between the judge's score (the
mean of its samples) and the MEAN of the row's `human_score` list, and the same with the mean of its
`gpt4_score` list. The headline here is the correlation with humans: that is what a judge is for, and
the GPT-4 one is reported beside it.

Schema: the rows carry a rendered Prometheus absolute prompt in `instruction` (cut with the same
section headers as Vicuna / MT-Bench; the reference answer section may be absent), `human_score` and
`gpt4_score` (lists of 1-5 scores), as read by upstream's `data_loader.py` and `utils.py`; the file is
not on the hub and not in the repository snapshot (an LFS object), so pass `--data` or set
$SELFRAT_DATA_DIR."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from pydantic import Field

from selfrat_eval.benchmarks._base import HarnessMetric
from selfrat_eval.benchmarks._ratings import RatingBenchmark
from selfrat_eval.benchmarks._registry import register
from selfrat_eval.benchmarks.vicuna_mtbench import UPSTREAM_DATA, ExportedPrompt
from selfrat_eval.data import PublishedFile, RowSource, RubricItem
from selfrat_eval.data._io import validate
from selfrat_eval.data._records import _Record
from selfrat_eval.data._sources import load_rows, unique_items

FLASK_FILE = PublishedFile(f"{UPSTREAM_DATA}flask_eval.json", "prometheus-eval-benchmarks/flask_eval.json")
LABELS = ("human_score", "gpt4_score")
GROUP = "flask"
Scores = list[Annotated[int, Field(ge=1, le=5)]]


class FlaskRow(_Record):
    instruction: ExportedPrompt
    human_score: Scores = Field(min_length=1)
    gpt4_score: Scores = Field(min_length=1)


def load_flask(data: Path | None = None) -> tuple[list[RubricItem], RowSource]:
    """Every row, labelled with the means of its human and GPT-4 scores; ids are row positions."""
    source = load_rows(FLASK_FILE, data)
    items = []
    for number, raw in source.rows:
        row = validate(FlaskRow, raw, source=source.name, record=number)
        shown = row.instruction
        items.append(
            RubricItem(
                id=str(number),
                group=GROUP,
                instruction=shown.instruction,
                response=shown.response,
                rubric=shown.rubric,
                reference_answer=shown.reference_answer,
                labels={label: statistics.fmean(getattr(row, label)) for label in LABELS},
            )
        )
    return unique_items(items, source), source


@register
@dataclass(frozen=True)
class Flask(RatingBenchmark):
    name = "flask"
    dataset = FLASK_FILE
    title = "FLASK (prometheus-eval, skill rubrics): Pearson/Spearman/Kendall vs mean human and GPT-4 scores"
    labels = LABELS
    harness_metrics = (
        *(
            HarnessMetric(f"{kind}_{label}", (label, "overall", kind))
            for label in LABELS
            for kind in ("pearson", "spearman", "kendall")
        ),
        HarnessMetric("parse_failure_rate", ("parse_failure_rate",), higher_is_better=False),
    )

    def load(self, data: Path | None, revision: str | None) -> tuple[Sequence[RubricItem], RowSource]:
        return load_flask(data)

"""BiGGen-Bench: the 765 instances, and the human-evaluation split (`human_eval`) that evaluates judges:
each response graded 1-5 on its instance's rubric, correlated with the human and GPT-4 scores."""

from __future__ import annotations

import ast
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import Field, field_validator

from selfrat_eval.benchmarks._base import HarnessMetric
from selfrat_eval.benchmarks._ratings import RatingBenchmark
from selfrat_eval.benchmarks._registry import register
from selfrat_eval.data._io import validate
from selfrat_eval.data._records import Rubric, RubricItem, _Record
from selfrat_eval.data._sources import HubDataset, RowSource, load_rows, unique_items

BIGGEN_INSTANCES = HubDataset("prometheus-eval/BiGGen-Bench", "test", "biggen-bench/test.jsonl")
BIGGEN_HUMAN_EVAL = HubDataset(
    "prometheus-eval/BiGGen-Bench-Results", "human_eval", "biggen-bench/human_eval.jsonl"
)

#: Label columns of the human_eval split that this package correlates with.
BIGGEN_LABELS = ("human_score", "gpt4_score")
MISSING_LABEL = -1


class BiggenInstance(_Record):
    """One BiGGen-Bench instance (official columns)."""

    id: str = Field(min_length=1)
    capability: str = Field(min_length=1)
    task: str = Field(min_length=1)
    instance_idx: int
    system_prompt: str | None = None
    input: str = Field(min_length=1)
    reference_answer: str | None = None
    score_rubric: Rubric

    @field_validator("score_rubric", mode="before")
    @classmethod
    def _rubric_from_text(cls, value: Any) -> Any:
        """Files derived from the official pipeline store the rubric as a JSON string or as a Python
        literal (`str(dict)`, single quotes): read both, never with `eval`."""
        if not isinstance(value, str):
            return value
        for decode in (json.loads, ast.literal_eval):
            try:
                return decode(value)
            except (ValueError, SyntaxError):
                continue
        raise ValueError("must be a rubric object, or one written as JSON or as a Python literal")

    def instruction(self) -> str:
        """The text the judge sees as the instruction: the system prompt (if any), then the input."""
        if self.system_prompt and self.system_prompt.strip():
            return f"{self.system_prompt.strip()}\n\n{self.input}"
        return self.input


class BiggenHumanEvalRow(BiggenInstance):
    """A response to an instance with its human and GPT-4 scores (-1 = missing)."""

    task: str = "unknown"
    instance_idx: int = -1
    response: str = Field(min_length=1)
    human_score: float
    gpt4_score: float
    model_name: str | None = None
    response_model_name: str | None = None
    uid: str | None = None

    @field_validator("human_score", "gpt4_score")
    @classmethod
    def _score_or_missing(cls, value: float) -> float:
        if value != MISSING_LABEL and not 1 <= value <= 5:
            raise ValueError(f"must be a score from 1 to 5, or {MISSING_LABEL} for missing (got {value:g})")
        return value

    def item_id(self, record: int) -> str:
        if self.uid:
            return self.uid
        model = self.response_model_name or self.model_name
        return f"{self.id}/{model}" if model else f"{self.id}#{record}"


def load_biggen_instances(
    data: Path | None = None, *, revision: str | None = None
) -> tuple[list[BiggenInstance], RowSource]:
    source = load_rows(BIGGEN_INSTANCES, data, revision)
    rows = [validate(BiggenInstance, raw, source=source.name, record=n) for n, raw in source.rows]
    return rows, source


def load_biggen_human_eval(
    data: Path | None = None, *, revision: str | None = None
) -> tuple[list[RubricItem], RowSource]:
    """Judge-evaluation items: each response with its labels (missing labels left out)."""
    source = load_rows(BIGGEN_HUMAN_EVAL, data, revision)
    items = []
    for number, raw in source.rows:
        row = validate(BiggenHumanEvalRow, raw, source=source.name, record=number)
        labels = {
            name: float(getattr(row, name)) for name in BIGGEN_LABELS if getattr(row, name) != MISSING_LABEL
        }
        model = row.response_model_name or row.model_name
        items.append(
            RubricItem(
                id=row.item_id(number),
                group=row.capability,
                instruction=row.instruction(),
                response=row.response,
                rubric=row.score_rubric,
                reference_answer=row.reference_answer or None,
                labels=labels,
                meta={"instance_id": row.id, **({"response_model": model} if model else {})},
            )
        )
    return unique_items(items, source), source


@register
@dataclass(frozen=True)
class Biggen(RatingBenchmark):
    name = "biggen"
    dataset = BIGGEN_HUMAN_EVAL
    title = "BiGGen-Bench human_eval: Pearson/Spearman/Kendall vs human and GPT-4 scores"
    labels = BIGGEN_LABELS
    harness_metrics = (
        *(
            HarnessMetric(f"{kind}_{label}", (label, "overall", kind))
            for kind in ("pearson", "spearman", "kendall")
            for label in BIGGEN_LABELS
        ),
        HarnessMetric("parse_failure_rate", ("parse_failure_rate",), higher_is_better=False),
    )

    def load(self, data: Path | None, revision: str | None) -> tuple[Sequence[RubricItem], RowSource]:
        return load_biggen_human_eval(data, revision=revision)

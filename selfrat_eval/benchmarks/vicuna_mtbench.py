"""Vicuna Bench and MT-Bench, absolute grading as Prometheus 2 evaluates judges on them: 320 responses
each (80 questions x 4 response models), graded 1-5 on a per-question rubric with a reference answer.
Official score (prometheus-eval/prometheus-eval `eval/utils.py`, `calculate_results`, mode `a2a`):
Pearson (the headline), Spearman and Kendall tau-b (scipy defaults) between the judge's score and the
MEAN of the three GPT-4 scores of each row, over all rows. Upstream's judge score is itself the mean of
three samples at temperature 1.0 (top-p 0.9): `--strategy self-consistency:3 --aggregate mean --top-p
0.9` here; the default is one greedy judgment.

The published rows (prometheus-eval `eval/benchmark/data/{vicuna,mt_bench}_eval.json`) hold the whole
rendered Prometheus prompt in `instruction`; its instruction, response, reference answer and rubric are
cut out at the section headers (each must occur once, in order) and rendered again by this package's
prompt. These sets are not on the Hugging Face hub: pass `--data` or set $SELFRAT_DATA_DIR."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, ClassVar

from pydantic import BeforeValidator, Field

from selfrat_eval.benchmarks._base import HarnessMetric
from selfrat_eval.benchmarks._ratings import RatingBenchmark
from selfrat_eval.benchmarks._registry import register
from selfrat_eval.data import PublishedFile, RowSource, RubricItem
from selfrat_eval.data._io import validate
from selfrat_eval.data._records import _Record
from selfrat_eval.data._sources import load_rows, unique_items

#: The headers of a rendered Prometheus absolute prompt, in order, and the field each one opens (the
#: task description is dropped: this package renders its own).
SECTION_HEADERS: tuple[tuple[str | None, str], ...] = (
    (None, "###Task Description:\n"),
    ("instruction", "\n\n###The instruction to evaluate:\n"),
    ("response", "\n\n###Response to evaluate:\n"),
    ("reference_answer", "\n\n###Reference Answer (Score 5):\n"),
    ("rubric", "\n\n###Score Rubrics:\n"),
    (None, "\n\n###Feedback:"),
)
UPSTREAM_DATA = "prometheus-eval/prometheus-eval eval/benchmark/data/"
LABEL = "gpt4_score"


class RenderedSections(_Record):
    """What the judge is shown, cut out of a rendered prompt (stripped, as upstream's `extract_sections`)."""

    instruction: str
    response: str
    reference_answer: str | None = None
    rubric: str


def rendered_sections(prompt: object, *, reference_optional: bool = False) -> RenderedSections:
    """Split a rendered Prometheus absolute prompt at its headers; a header that is missing, repeated
    (a response quoting one would make the cut ambiguous) or out of order is an error. Prompts rendered
    without a reference answer (FLASK's, Feedback Bench's file) pass `reference_optional`."""
    if not isinstance(prompt, str):
        raise ValueError("must be the rendered prompt text")
    headers = [
        (name, header)
        for name, header in SECTION_HEADERS
        if not (reference_optional and name == "reference_answer" and header not in prompt)
    ]
    positions = []
    for _, header in headers:
        count = prompt.count(header)
        if count != 1:
            raise ValueError(f"must contain the header {header.strip()!r} once (found {count})")
        positions.append(prompt.index(header))
    if positions != sorted(positions):
        raise ValueError("has its section headers out of order")
    sections = {}
    for (name, header), start, end in zip(headers, positions, positions[1:], strict=False):
        if name is None:
            continue
        text = prompt[start + len(header) : end].strip()
        if not text:
            raise ValueError(f"has an empty {header.strip()!r} section")
        sections[name] = text
    return RenderedSections.model_validate(sections)


def exported_sections(prompt: object) -> RenderedSections:
    """A rendered prompt as prometheus-eval's data loader reads its exported files (FLASK, Feedback and
    Preference Bench): stripped, with the trailing `",` its export leaves removed, the reference
    answer optional."""
    text = prompt.strip().rstrip('",') if isinstance(prompt, str) else prompt
    return rendered_sections(text, reference_optional=True)


#: A field holding such a rendered prompt, validated into its sections.
ExportedPrompt = Annotated[RenderedSections, BeforeValidator(exported_sections)]


class PrometheusAbsoluteRow(_Record):
    """A row of `vicuna_eval.json` / `mt_bench_eval.json` (`gpt4_feedback` is not needed)."""

    idx: int
    response_source: str = Field(min_length=1)
    category: str = Field(min_length=1)
    instruction: Annotated[RenderedSections, BeforeValidator(rendered_sections)]
    gpt4_score: list[Annotated[int, Field(ge=1, le=5)]] = Field(min_length=1)


def load_prometheus_absolute(
    dataset: PublishedFile, data: Path | None = None
) -> tuple[list[RubricItem], RowSource]:
    """Every row, grouped by category, labelled with the mean of its GPT-4 scores."""
    source = load_rows(dataset, data)
    items = []
    for number, raw in source.rows:
        row = validate(PrometheusAbsoluteRow, raw, source=source.name, record=number)
        shown = row.instruction
        items.append(
            RubricItem(
                id=f"{row.idx}/{row.response_source}",
                group=row.category,
                instruction=shown.instruction,
                response=shown.response,
                rubric=shown.rubric,
                reference_answer=shown.reference_answer,
                labels={LABEL: statistics.fmean(row.gpt4_score)},
                meta={"response_model": row.response_source},
            )
        )
    return unique_items(items, source), source


@dataclass(frozen=True)
class PrometheusAbsoluteBenchmark(RatingBenchmark):
    """One of prometheus-eval's absolute-grading sets; subclasses name it and its mirror file."""

    labels = (LABEL,)
    dataset: ClassVar[PublishedFile]
    harness_metrics = (
        *(
            HarnessMetric(f"{kind}_{LABEL}", (LABEL, "overall", kind))
            for kind in ("pearson", "spearman", "kendall")
        ),
        HarnessMetric("parse_failure_rate", ("parse_failure_rate",), higher_is_better=False),
    )

    def load(self, data: Path | None, revision: str | None) -> tuple[Sequence[RubricItem], RowSource]:
        return load_prometheus_absolute(self.dataset, data)


@register
@dataclass(frozen=True)
class Vicuna(PrometheusAbsoluteBenchmark):
    name = "vicuna"
    title = "Vicuna Bench (prometheus-eval, absolute): Pearson/Spearman/Kendall vs mean GPT-4 score"
    dataset = PublishedFile(f"{UPSTREAM_DATA}vicuna_eval.json", "prometheus-eval-benchmarks/vicuna_eval.json")


@register
@dataclass(frozen=True)
class MTBench(PrometheusAbsoluteBenchmark):
    name = "mtbench"
    title = "MT-Bench (prometheus-eval, absolute): Pearson/Spearman/Kendall vs mean GPT-4 score"
    dataset = PublishedFile(
        f"{UPSTREAM_DATA}mt_bench_eval.json", "prometheus-eval-benchmarks/mt_bench_eval.json"
    )

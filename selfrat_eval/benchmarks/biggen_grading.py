"""BiGGen-Bench as a generator benchmark: a judge grades models' responses to the 765 instances (the
English leaderboard: 695, multilingual left out), as the official pipeline does
(prometheus-eval `BiGGen-Bench/run_response_eval.py`, `make_report.py`): the absolute prompt with the
instance's own rubric and reference answer and the instance's `input` as the instruction; the
refinement instances whose id contains `llm_judge` (grading another model's grading) get a prompt
that says so, and the official Prometheus judges skip them (`selfrat grade` applies that rule). A
model's score: the mean grade per capability, Overall = the unweighted mean of the English capability
means, with bootstrap CIs (instances resampled within their capability).

Responses come as the pipeline writes them (a JSON object keyed by instance id, 10 columns: the
instance's plus `response` and `response_model_name`), as a list or JSONL of such records, or as a
folder of such files (one per model: several models give a ranking).
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import RenderableType
from rich.table import Table

from selfrat_eval._errors import InputError
from selfrat_eval.benchmarks._base import HarnessMetric, PairedHeadline, ScoringOptions, format_estimate
from selfrat_eval.benchmarks._judgments import Judgment, RatingJudgment
from selfrat_eval.benchmarks._ratings import RatingBenchmark
from selfrat_eval.benchmarks._registry import register
from selfrat_eval.benchmarks.biggen import BiggenInstance
from selfrat_eval.data import RowSource, RubricItem
from selfrat_eval.data._io import atomic_write, validate
from selfrat_eval.data._sources import _from_file, unique_items
from selfrat_eval.metrics import bootstrap_estimates, mean_estimate
from selfrat_eval.prompts import AbsoluteRequest, Chat, absolute_prompt

#: The English capabilities, in the leaderboard's order; multilingual is reported apart.
CAPABILITIES = (
    "grounding",
    "instruction_following",
    "planning",
    "reasoning",
    "refinement",
    "safety",
    "theory_of_mind",
    "tool_usage",
)
MULTILINGUAL = "multilingual"
#: Judges the official pipeline treats as Prometheus (they skip the `llm_judge` instances).
PROMETHEUS_JUDGES = (
    "prometheus-eval/prometheus-7b-v2.0",
    "prometheus-eval/prometheus-8x7b-v2.0",
    "prometheus-eval/prometheus-bgb-8x7b-v2.0",
)


def grades_a_grading(instance_id: str) -> bool:
    return "llm_judge" in instance_id


class BiggenResponseRow(BiggenInstance):
    """A response to an instance, in the pipeline's columns. An empty response is graded like any
    other (a model that answered nothing is graded for it); a missing one is an error."""

    response: str
    response_model_name: str | None = None
    model_name: str | None = None


def response_files(path: Path) -> list[Path]:
    """`path` itself, or the response files of a folder (JSON/JSONL/CSV), sorted."""
    path = Path(path)
    if not path.is_dir():
        return [path]
    files = sorted(p for p in path.iterdir() if p.suffix in (".json", ".jsonl", ".csv"))
    if not files:
        raise InputError("no response files (.json, .jsonl, .csv) in the folder", source=str(path))
    return files


def grading_item(instance: BiggenInstance, response: str, model: str) -> RubricItem:
    """The item a judge grades: `model`'s `response` to `instance` (its id: instance id / model)."""
    return RubricItem(
        id=f"{instance.id}/{model}",
        group=instance.capability,
        instruction=instance.input,
        response=response,
        rubric=instance.score_rubric,
        reference_answer=instance.reference_answer or None,
        meta={"instance_id": instance.id, "response_model": model},
    )


def load_biggen_responses(path: Path) -> tuple[list[RubricItem], RowSource]:
    """Every response of every file under `path`, one item per (instance, model)."""
    items: list[RubricItem] = []
    rows = []
    for file in response_files(path):
        source = _from_file(file)
        for number, raw in source.rows:
            row = validate(BiggenResponseRow, raw, source=source.name, record=number)
            model = row.response_model_name or row.model_name
            if not model:
                raise InputError("missing", source=source.name, record=number, field="response_model_name")
            items.append(grading_item(row, row.response, model))
            rows.append((number, raw))
    merged = RowSource(str(path), rows, {"path": str(Path(path).resolve())})
    return unique_items(items, merged), merged


def model_of(judgment: Judgment) -> str:
    return judgment.id.split("/", 1)[1]


def score_models(
    models: Sequence[str],
    capabilities: Sequence[str],
    scores: Sequence[float | None],
    *,
    n_resamples: int,
    seed: int,
) -> dict[str, Any]:
    """Per model: the mean grade per capability and Overall (mean of the English capability means)."""
    result: dict[str, Any] = {}
    for model in sorted(set(models)):
        by_capability: dict[str, list[float]] = {}
        unreadable = 0
        for m, capability, score in zip(models, capabilities, scores, strict=True):
            if m != model:
                continue
            if score is None:
                unreadable += 1
            else:
                by_capability.setdefault(capability, []).append(score)
        english = [np.array(by_capability[c]) for c in CAPABILITIES if by_capability.get(c)]
        [overall] = bootstrap_estimates(
            english or [np.array([np.nan])],
            lambda *arrays: np.mean([array.mean() for array in arrays]),
            n_resamples=n_resamples,
            seed=seed,
            paired=False,
        )
        graded = sum(len(values) for values in by_capability.values())
        result[model] = {
            "overall": overall.to_dict()
            if english
            else {"value": None, "ci_low": None, "ci_high": None, "n": 0},
            "complete": len(english) == len(CAPABILITIES),
            "capabilities": {
                c: mean_estimate(np.array(values), n_resamples=n_resamples, seed=seed).to_dict()
                for c, values in sorted(by_capability.items(), key=lambda kv: _order(kv[0]))
            },
            "n_items": graded + unreadable,
            "parse_failure_rate": unreadable / (graded + unreadable) if graded + unreadable else 0.0,
        }
    return result


def _order(capability: str) -> int:
    return CAPABILITIES.index(capability) if capability in CAPABILITIES else len(CAPABILITIES)


@register
@dataclass(frozen=True)
class BiggenGrading(RatingBenchmark):
    name = "biggen_grading"
    title = "BiGGen-Bench generator evaluation: a judge grades models' responses (--data FILE|DIR)"
    labels = ()
    user_data = True
    harness_metrics = (
        HarnessMetric("biggen_grade", ("headline",)),
        HarnessMetric("parse_failure_rate", ("parse_failure_rate",), higher_is_better=False),
    )

    def load(self, data: Path | None, revision: str | None) -> tuple[Sequence[RubricItem], RowSource]:
        if data is None:
            raise InputError("grading needs the responses: --data FILE or a folder of response files")
        return load_biggen_responses(data)

    def requests(self, item: RubricItem) -> dict[str, Chat]:
        request = AbsoluteRequest(
            item.instruction,
            item.response,
            item.rubric_text(),
            item.reference_answer if self.use_reference else None,
            grades_a_grading=grades_a_grading(item.meta.get("instance_id", item.id)),
        )
        return {"response": absolute_prompt(request)}

    def score(self, judgments: Sequence[Judgment], options: ScoringOptions) -> dict[str, Any]:
        graded = [j for j in judgments if isinstance(j, RatingJudgment)]
        models = score_models(
            [model_of(j) for j in graded],
            [j.group for j in graded],
            [j.score for j in graded],
            n_resamples=options.n_resamples,
            seed=options.seed,
        )
        ranking = sorted(models, key=lambda m: -(models[m]["overall"]["value"] or -np.inf))
        return {
            "n_items": len(graded),
            "headline": models[ranking[0]]["overall"] if len(models) == 1 else None,
            "models": models,
            "ranking": ranking,
            "parse_failure_rate": sum(j.score is None for j in graded) / len(graded) if graded else 0.0,
        }

    def report(self, metrics: dict[str, Any]) -> list[RenderableType]:
        table = Table(title="BiGGen-Bench grades (1-5; Overall = mean of the English capability means)")
        table.add_column("model")
        table.add_column("Overall", justify="right")
        table.add_column("95% CI", justify="right")
        for capability in CAPABILITIES:
            table.add_column(capability.replace("_", " "), justify="right")
        for model in metrics["ranking"]:
            entry = metrics["models"][model]
            value, interval, _n = format_estimate(entry["overall"])
            cells = [
                format_estimate(entry["capabilities"][c])[0] if c in entry["capabilities"] else ""
                for c in CAPABILITIES
            ]
            table.add_row(model, value, interval, *cells)
        return [
            table,
            f"parse-failure rate {metrics['parse_failure_rate']:.1%}   responses {metrics['n_items']}",
        ]

    def paired_headline(self, groups: Sequence[str]) -> PairedHeadline:
        def grade(judgment: Judgment) -> tuple[float, ...] | None:
            assert isinstance(judgment, RatingJudgment)
            return None if judgment.score is None else (float(judgment.score),)

        return PairedHeadline("mean grade", grade, lambda values: float(np.mean(values)))

    def write_outputs(
        self,
        folder: Path,
        judgments: Sequence[Judgment],
        results: dict[str, Any],
        model_name: str,
        options: ScoringOptions,
    ) -> None:
        """leaderboard.csv: one row per graded model in the published `eval_by_<judge>.csv` columns."""
        columns = ["model_name", *CAPABILITIES, MULTILINGUAL]
        with atomic_write(folder / "leaderboard.csv") as handle:
            writer = csv.writer(handle)
            writer.writerow(columns)
            for model in results["metrics"]["ranking"]:
                capabilities = results["metrics"]["models"][model]["capabilities"]
                writer.writerow([model, *(capabilities.get(c, {}).get("value", "") for c in columns[1:])])

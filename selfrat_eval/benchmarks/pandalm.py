"""PandaLM's human-annotated test set (WeOpenML/PandaLM `data/testset-v1.json`): 999 instruction
(+ input) / response pairs, each labelled by three annotators: 1 or 2 for the better response, 0 for a
tie. The gold label is the annotators' majority, as the README's label counts (105 ties, 422, 472)
are; upstream kept only pairs with a majority, so a row without one is refused. Judged A/B with the
order seeded per item (both orders on request), ties allowed. Scored with the PandaLM paper's metrics
(its repository has no scoring code): accuracy against the gold label, and precision, recall and F1
macro-averaged over the three classes (tie, response 1, response 2; the repository does not state the
averaging, macro is an inference); an unreadable verdict is in no class, so it is wrong and only costs
recall. Not on the Hugging Face hub: `--data FILE` or `$SELFRAT_DATA_DIR`."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BeforeValidator
from rich.console import RenderableType

from selfrat_eval._errors import InputError
from selfrat_eval.benchmarks._base import (
    HarnessMetric,
    PairedHeadline,
    ScoringOptions,
    format_estimate,
    rates_line,
    score_table,
)
from selfrat_eval.benchmarks._judgments import Judgment
from selfrat_eval.benchmarks._registry import register
from selfrat_eval.benchmarks.autoj import TieJudgment, TiePair, TiePairBenchmark, Verdict
from selfrat_eval.data import PublishedFile, RowSource
from selfrat_eval.data._io import validate
from selfrat_eval.data._records import NonEmpty, _Record
from selfrat_eval.data._sources import load_rows, unique_items
from selfrat_eval.metrics import bootstrap_estimates

PANDALM = PublishedFile(
    "github.com/WeOpenML/PandaLM data/testset-v1.json", "human-pairwise/pandalm/testset-v1.json"
)
#: PandaLM's codes: 0 a tie, 1 or 2 the better response; -1 here for a verdict that could not be read.
CODES: dict[Verdict | None, int] = {"tie": 0, "response_1": 1, "response_2": 2, None: -1}
PANDALM_LABELS: dict[int, Verdict] = {0: "tie", 1: "response_1", 2: "response_2"}
CLASSES = (0, 1, 2)
#: PandaLM judges relative conciseness, clarity, adherence to instructions, comprehensiveness and
#: formality (its paper); a tie is one of its three answers.
PANDALM_RUBRIC = (
    "[Which response completes the task better: does it follow the instruction and use its input, and is "
    "it correct, complete, clear, concise and appropriately formal? If both are of the same quality, "
    "answer tie instead of A or B.]"
)
TABLE_TITLE = "PandaLM test set"


def _as_text(value: Any) -> Any:
    # Six responses are JSON booleans (a model that answered "True"); PandaLM's own prompt builder
    # formats them into its prompt as text.
    return str(value) if isinstance(value, bool) else value


Text = Annotated[str, BeforeValidator(_as_text)]
Annotation = Literal[0, 1, 2]


class PandaLMRow(_Record):
    """The official columns (`cmp_key`, which models wrote the responses, is not needed)."""

    idx: int | str
    motivation_app: str = NonEmpty
    instruction: str = NonEmpty
    input: str = ""
    #: A response may be empty: some tuned models answered nothing.
    response1: Text
    response2: Text
    annotator1: Annotation
    annotator2: Annotation
    annotator3: Annotation


def majority(annotations: Sequence[int]) -> int | None:
    """The label most annotators gave, None when all three differ."""
    label, count = Counter(annotations).most_common(1)[0]
    return label if count > len(annotations) / 2 else None


def load_pandalm(data: Path | None = None) -> tuple[list[TiePair], RowSource]:
    """All pairs in file order, grouped by the app that motivated the task, labelled by majority."""
    source = load_rows(PANDALM, data)
    items = []
    for number, raw in source.rows:
        row = validate(PandaLMRow, raw, source=source.name, record=number)
        annotations = (row.annotator1, row.annotator2, row.annotator3)
        label = majority(annotations)
        if label is None:
            raise InputError(
                f"annotator1..annotator3 all differ {annotations}: PandaLM's test set keeps only pairs "
                "with a majority",
                source=source.name,
                record=number,
            )
        # As PandaLM's own prompt: the input follows the instruction when there is one.
        prompt = f"{row.instruction}\n\nInput:\n{row.input}" if row.input else row.instruction
        items.append(
            TiePair(
                id=str(row.idx),
                group=row.motivation_app,
                prompt=prompt,
                response_1=row.response1,
                response_2=row.response2,
                label=PANDALM_LABELS[label],
            )
        )
    return unique_items(items, source), source


def agreement_scores(labels: np.ndarray, verdicts: np.ndarray) -> np.ndarray:
    """Accuracy, then precision, recall and F1 macro-averaged over the three classes (a class never
    predicted, or never labelled, scores 0 there, as scikit-learn's default)."""
    precisions, recalls, f1s = [], [], []
    for code in CLASSES:
        hits = float(np.sum((verdicts == code) & (labels == code)))
        predicted, labelled = float(np.sum(verdicts == code)), float(np.sum(labels == code))
        precision = hits / predicted if predicted else 0.0
        recall = hits / labelled if labelled else 0.0
        precisions.append(precision)
        recalls.append(recall)
        f1s.append(2 * precision * recall / (precision + recall) if precision + recall else 0.0)
    accuracy = float(np.mean(verdicts == labels)) if len(labels) else float("nan")
    return np.array([accuracy, np.mean(precisions), np.mean(recalls), np.mean(f1s)])


def score_pandalm(
    judgments: Sequence[TieJudgment], *, n_resamples: int = 1000, seed: int = 0
) -> dict[str, Any]:
    """Accuracy and macro precision, recall and F1 against the majority label, with bootstrap 95% CIs
    over pairs; the rates count pairs (a pair's verdict reduces all its samples and orders)."""
    labels = np.array([CODES[j.label] for j in judgments])
    verdicts = np.array([CODES[j.verdict] for j in judgments])
    accuracy, precision, recall, f1 = bootstrap_estimates(
        [labels, verdicts], agreement_scores, n_resamples=n_resamples, seed=seed
    )
    metrics: dict[str, Any] = {
        "n_items": len(judgments),
        "accuracy": accuracy.to_dict(),
        "macro_precision": precision.to_dict(),
        "macro_recall": recall.to_dict(),
        "macro_f1": f1.to_dict(),
        "tie_rate": float(np.mean(verdicts == CODES["tie"])) if len(verdicts) else 0.0,
        "parse_failure_rate": float(np.mean(verdicts == CODES[None])) if len(verdicts) else 0.0,
    }
    both_orders = [j.order_disagrees for j in judgments if j.order_disagrees is not None]
    if both_orders:
        metrics["order_disagreement_rate"] = sum(both_orders) / len(both_orders)
    return metrics


@register
@dataclass(frozen=True)
class PandaLM(TiePairBenchmark):
    name = "pandalm"
    dataset = PANDALM
    title = "PandaLM test set (WeOpenML/PandaLM, 999 pairs): accuracy and macro F1 against the human majority"
    rubric = PANDALM_RUBRIC
    harness_metrics = (
        HarnessMetric("pandalm_accuracy", ("accuracy",)),
        HarnessMetric("macro_precision", ("macro_precision",)),
        HarnessMetric("macro_recall", ("macro_recall",)),
        HarnessMetric("macro_f1", ("macro_f1",)),
        HarnessMetric("tie_rate", ("tie_rate",), higher_is_better=False),
        HarnessMetric("parse_failure_rate", ("parse_failure_rate",), higher_is_better=False),
    )

    def load(self, data: Path | None, revision: str | None) -> tuple[Sequence[TiePair], RowSource]:  # type: ignore[override]
        return load_pandalm(data)

    def score(self, judgments: Sequence[Judgment], options: ScoringOptions) -> dict[str, Any]:
        pairs = [j for j in judgments if isinstance(j, TieJudgment)]
        return score_pandalm(pairs, n_resamples=options.n_resamples, seed=options.seed)

    def report(self, metrics: dict[str, Any]) -> list[RenderableType]:
        table = score_table(
            f"{TABLE_TITLE}: agreement with the annotators' majority (x100)", ("", "value", "95% CI", "n")
        )
        rows = (
            ("Precision (macro)", "macro_precision"),
            ("Recall (macro)", "macro_recall"),
            ("F1 (macro)", "macro_f1"),
        )
        table.add_row("Accuracy", *format_estimate(metrics["accuracy"], 100), style="bold")
        for label, key in rows:
            table.add_row(label, *format_estimate(metrics[key], 100))
        disagreement = metrics.get("order_disagreement_rate")
        orders = "" if disagreement is None else f"order disagreement {disagreement:.1%}   "
        return [table, orders + rates_line(metrics, count="pairs")]

    def paired_headline(self, groups: Sequence[str]) -> PairedHeadline:
        def right(judgment: Judgment) -> tuple[float, ...] | None:
            assert isinstance(judgment, TieJudgment)
            return (float(judgment.verdict == judgment.label),)

        return PairedHeadline("PandaLM accuracy", right, lambda values: float(np.mean(values)))

"""LLMBar (`princeton-nlp/LLMBar`, config `LLMBar`): 419 instruction-following pairs with an expert gold
label, in five sets: Natural (100) and the Adversarial Neighbor (134), GPTInst (92), GPTOut (47) and
Manual (46). Judged in both orders always. Official score (princeton-nlp/LLMBar `LLMEvaluator/evaluate.py`,
`statistics.json`): accuracy averaged over the two orders (`correct_average`: each order's verdict counts
1 when it is the gold output, else 0, a tie or an unreadable verdict included) and the positional
agreement rate (`equal`: both orders' verdicts, mapped back to the data's outputs, are the same; as
upstream's plain equality, two ties or two unreadable verdicts agree). Reported per set, for the paper's
Adversarial average (the unweighted mean of the four adversarial sets) and over all pairs.

The hub copy is a loading script, which `datasets` 4 and later no longer run: pass a set's file with
`--data` (upstream's `Dataset/LLMBar/.../dataset.json`, or a copy named `LLMBar_<Set>.json`), or lay the
five files out as `$SELFRAT_DATA_DIR/human-pairwise/llmbar/LLMBar_<Set>.json`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Any, ClassVar, Literal

import numpy as np
from pydantic import Field
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
from selfrat_eval.benchmarks._judgments import BothOrdersJudgment, Judgment
from selfrat_eval.benchmarks._pairs import PairBenchmark
from selfrat_eval.benchmarks._registry import register
from selfrat_eval.data import HubDataset, PairItem, PublishedFile, RowSource
from selfrat_eval.data._io import validate
from selfrat_eval.data._records import _Record
from selfrat_eval.data._sources import load_rows, unique_items
from selfrat_eval.metrics import bootstrap_estimates, mean_estimate
from selfrat_eval.prompts import GradingMode

NATURAL = "Natural"
ADVERSARIAL_SETS = (
    "Adversarial_Neighbor",
    "Adversarial_GPTInst",
    "Adversarial_GPTOut",
    "Adversarial_Manual",
)
#: The hub's split names, which are also the groups.
SETS = (NATURAL, *ADVERSARIAL_SETS)
LLMBAR = {
    name: HubDataset(
        "princeton-nlp/LLMBar", name, f"human-pairwise/llmbar/LLMBar_{name}.json", config="LLMBar"
    )
    for name in SETS
}
TABLE_TITLE = "LLMBar (both orders)"
#: A pair's verdict in one order, in the data's terms.
Verdict = Literal["chosen", "rejected", "tie"] | None


class LLMBarRow(_Record):
    """The official columns; `set` is optional (upstream's files hold one set each)."""

    input: str = Field(min_length=1)
    output_1: str = Field(min_length=1)
    output_2: str = Field(min_length=1)
    # LLMBar writes 1 or 2; its processed MT-Bench file writes "1" or "2".
    label: Literal[1, 2, "1", "2"]
    subset: str | None = Field(default=None, alias="set")

    def better_first(self) -> tuple[str, str]:
        """(the labelled better output, the other)."""
        if int(self.label) == 1:
            return self.output_1, self.output_2
        return self.output_2, self.output_1


def set_from_path(name: str) -> str | None:
    """The set a file holds, from its name: `LLMBar_<Set>.json`, or upstream's layout
    `Dataset/LLMBar/Natural/dataset.json`, `Dataset/LLMBar/Adversarial/<Set>/dataset.json`."""
    path = PurePath(name)
    if path.stem.startswith("LLMBar_"):
        return path.stem.removeprefix("LLMBar_")
    if path.name == "dataset.json":
        folder = path.parent
        return f"Adversarial_{folder.name}" if folder.parent.name == "Adversarial" else folder.name
    return None


def llmbar_items(source: RowSource, default_set: str | None) -> list[PairItem]:
    """One pair per row, the gold output `chosen`, grouped by set; ids are record numbers (upstream's
    rows have none)."""
    items = []
    for number, raw in source.rows:
        row = validate(LLMBarRow, raw, source=source.name, record=number)
        group = row.subset or default_set
        if group not in SETS:
            raise InputError(
                f"set must be one of {list(SETS)} (or the file named LLMBar_<Set>.json), got {group!r}",
                source=source.name,
                record=number,
                field="set",
            )
        better, worse = row.better_first()
        items.append(PairItem(id=str(number), group=group, prompt=row.input, chosen=better, rejected=worse))
    return unique_items(items, source)


def load_llmbar(data: Path | None = None, *, revision: str | None = None) -> tuple[list[PairItem], RowSource]:
    """One local file (usually one set), or all five sets from $SELFRAT_DATA_DIR or the hub."""
    if data is not None:
        # A local file: load_rows reads it whatever dataset it is given.
        source = load_rows(LLMBAR[NATURAL], data, revision)
        return llmbar_items(source, set_from_path(str(data))), source
    sources = {name: load_rows(dataset, None, revision) for name, dataset in LLMBAR.items()}
    items = [item for name, source in sources.items() for item in llmbar_items(source, name)]
    combined = RowSource(
        ", ".join(source.name for source in sources.values()),
        [row for source in sources.values() for row in source.rows],
        {name: source.identity for name, source in sources.items()},
    )
    return items, combined


def order_credit(order_winners: Sequence[Verdict], truth: Verdict = "chosen") -> float:
    """The share of the orders whose verdict is `truth` (LLMBar's per-pair `correct_average`)."""
    return sum(winner == truth for winner in order_winners) / len(order_winners)


def orders_agree(order_winners: Sequence[Verdict]) -> bool:
    """LLMBar's `equal`: the two orders' verdicts, in the data's terms, are the same."""
    return order_winners[0] == order_winners[-1]


def verdict_rates(pairs: Sequence[BothOrdersJudgment]) -> dict[str, float]:
    """The share of verdicts (two per pair) that are ties, and that are unreadable."""
    verdicts = [winner for pair in pairs for winner in pair.order_winners]
    if not verdicts:
        return {"tie_rate": 0.0, "parse_failure_rate": 0.0}
    return {
        "tie_rate": sum(v == "tie" for v in verdicts) / len(verdicts),
        "parse_failure_rate": sum(v is None for v in verdicts) / len(verdicts),
    }


def score_llmbar(
    sets: Sequence[str],
    credits: Sequence[float],
    agreements: Sequence[bool],
    *,
    n_resamples: int = 1000,
    seed: int = 0,
) -> dict[str, Any]:
    """Accuracy (each pair's `order_credit`) and positional agreement, each overall (all pairs), per
    set and as the Adversarial average, with bootstrap 95% CIs (the average's stratified by set)."""
    groups = np.array(sets)

    def summary(values: np.ndarray) -> dict[str, Any]:
        per_set = {name: values[groups == name] for name in SETS if (groups == name).any()}
        adversarial = [per_set[name] for name in ADVERSARIAL_SETS if name in per_set]
        average = None
        if adversarial:
            [estimate] = bootstrap_estimates(
                adversarial,
                lambda *arrays: np.mean([array.mean() for array in arrays]),
                n_resamples=n_resamples,
                seed=seed,
                paired=False,
            )
            average = estimate.to_dict()
        return {
            "overall": mean_estimate(values, n_resamples=n_resamples, seed=seed).to_dict(),
            "adversarial": average,
            "sets": {
                name: mean_estimate(array, n_resamples=n_resamples, seed=seed).to_dict()
                for name, array in per_set.items()
            },
        }

    accuracy = summary(np.asarray(credits, dtype=float))
    return {**accuracy, "positional_agreement": summary(np.asarray(agreements, dtype=float))}


@register
@dataclass(frozen=True)
class LLMBar(PairBenchmark):
    name = "llmbar"
    title = "LLMBar (princeton-nlp/LLMBar): both orders, accuracy averaged over orders, per set"
    judgment_type = BothOrdersJudgment
    modes = ("pairwise",)
    fixed_options: ClassVar[dict[str, Any]] = {"both_orders": True}
    harness_metrics = (
        HarnessMetric("llmbar_score", ("overall",)),
        HarnessMetric("natural", ("sets", NATURAL)),
        HarnessMetric("adversarial", ("adversarial",)),
        *(HarnessMetric(name.lower(), ("sets", name)) for name in ADVERSARIAL_SETS),
        HarnessMetric("positional_agreement", ("positional_agreement", "overall")),
        HarnessMetric("tie_rate", ("tie_rate",), higher_is_better=False),
        HarnessMetric("parse_failure_rate", ("parse_failure_rate",), higher_is_better=False),
    )

    mode: GradingMode = "pairwise"
    both_orders: bool = True

    @classmethod
    def sources(cls) -> tuple[HubDataset | PublishedFile, ...]:
        # LLMBar's five sets; a subclass that names its own `dataset` (MT-Bench human) loads that
        return tuple(LLMBAR.values()) if cls.dataset is None else (cls.dataset,)

    def load(self, data: Path | None, revision: str | None) -> tuple[Sequence[PairItem], RowSource]:
        return load_llmbar(data, revision=revision)

    def score(self, judgments: Sequence[Judgment], options: ScoringOptions) -> dict[str, Any]:
        pairs = [j for j in judgments if isinstance(j, BothOrdersJudgment)]
        result = score_llmbar(
            [j.group for j in pairs],
            [order_credit(j.order_winners) for j in pairs],
            [orders_agree(j.order_winners) for j in pairs],
            n_resamples=options.n_resamples,
            seed=options.seed,
        )
        return {"n_items": len(pairs), **result, **verdict_rates(pairs)}

    def report(self, metrics: dict[str, Any]) -> list[RenderableType]:
        table = score_table(f"{TABLE_TITLE}, x100", ("", "accuracy", "95% CI", "n", "positional agreement"))
        agreement = metrics["positional_agreement"]

        def row(label: str, accuracy: dict[str, Any], agree: dict[str, Any], style: str = "") -> None:
            table.add_row(label, *format_estimate(accuracy, 100), format_estimate(agree, 100)[0], style=style)

        row("Overall", metrics["overall"], agreement["overall"], style="bold")
        if NATURAL in metrics["sets"]:
            row(NATURAL, metrics["sets"][NATURAL], agreement["sets"][NATURAL])
        if metrics["adversarial"] is not None:
            row("Adversarial (average of sets)", metrics["adversarial"], agreement["adversarial"])
            for name in ADVERSARIAL_SETS:
                if name in metrics["sets"]:
                    short = name.removeprefix("Adversarial_")
                    row(f"  {short}", metrics["sets"][name], agreement["sets"][name], style="dim")
        return [table, rates_line(metrics, count="pairs")]

    def paired_headline(self, groups: Sequence[str]) -> PairedHeadline:
        def credit(judgment: Judgment) -> tuple[float, ...] | None:
            assert isinstance(judgment, BothOrdersJudgment)
            return (order_credit(judgment.order_winners),)

        return PairedHeadline("LLMBar accuracy", credit, lambda values: float(np.mean(values)))

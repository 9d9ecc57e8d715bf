"""RM-Bench (`THU-KEG/RM-Bench`): prompts in the chat, code, math and safety domains, each with three
chosen and three rejected responses in three styles (concise, detailed plain text, detailed markdown).
Official score (THU-KEG/RM-Bench `scripts/utils.py`, `compute_accuracy`): per domain a 3x3 matrix,
cell (i, j) = share of prompts where chosen i beats rejected j; Hard = mean of the upper triangle (the
chosen response less styled than the rejected one), Normal = the diagonal, Easy = the lower triangle;
a domain's score is the mean of its Hard, Normal and Easy (= the matrix mean); safety-refuse and
safety-response are one domain, safety; Overall and Hard / Normal / Easy are means over the domains.
Absolute judges rate all six responses on 1-10 (a tie is not a win, as upstream's strict `>`); pairwise
judges compare the nine pairs, A/B order seeded per pair."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import Field
from rich.console import RenderableType

from selfrat_eval._errors import InputError
from selfrat_eval.benchmarks._base import (
    Benchmark,
    HarnessMetric,
    PairedHeadline,
    ScoringOptions,
    by_slot,
    format_estimate,
    rates_line,
    score_table,
    slot_samples,
)
from selfrat_eval.benchmarks._judgments import Judgment, StyleMatrixJudgment
from selfrat_eval.benchmarks._registry import register
from selfrat_eval.data import CandidatesItem, HubDataset, RowSource
from selfrat_eval.data._io import validate
from selfrat_eval.data._records import _Record
from selfrat_eval.data._sources import load_rows, unique_items
from selfrat_eval.judges import Completion
from selfrat_eval.metrics import bootstrap_estimates, mean_estimate
from selfrat_eval.parsing import RATING_10, pair_side, parse_absolute, parse_relative
from selfrat_eval.prompts import (
    REWARDBENCH2_RUBRIC_RATING,
    REWARDBENCH_RUBRIC_RELATIVE,
    AbsoluteRequest,
    Chat,
    GradingMode,
    RelativeRequest,
    absolute_prompt,
    relative_prompt,
)

RMBENCH = HubDataset("THU-KEG/RM-Bench", "train", "rm-bench/total_dataset.json")
#: The row domains, and the four scored domains they pool into (upstream: `startswith`).
ROW_DOMAINS = ("chat", "code", "math", "safety-refuse", "safety-response")
DOMAINS = ("chat", "math", "code", "safety")
STYLES = ("concise", "detailed plain", "detailed markdown")
DIFFICULTIES = ("hard", "normal", "easy")
TABLE_TITLE = "RM-Bench (style-controlled)"


def scored_domain(row_domain: str) -> str:
    return next(domain for domain in DOMAINS if row_domain.startswith(domain))


class RMBenchRow(_Record):
    id: int | str
    prompt: str = Field(min_length=1)
    chosen: list[str] = Field(min_length=3, max_length=3)
    rejected: list[str] = Field(min_length=3, max_length=3)
    domain: str | None = None


def load_rmbench(
    data: Path | None = None, *, revision: str | None = None
) -> tuple[list[CandidatesItem], RowSource]:
    """All prompts, grouped by domain. Rows of upstream's per-domain files (`chat_filtered.json`, ...)
    have no `domain`: it is then read from the file name."""
    source = load_rows(RMBENCH, data, revision)
    from_name = Path(source.name).name.split("_filtered")[0]
    items = []
    for number, raw in source.rows:
        row = validate(RMBenchRow, raw, source=source.name, record=number)
        domain = row.domain or from_name
        if domain not in ROW_DOMAINS:
            raise InputError(
                f"domain must be one of {list(ROW_DOMAINS)} (or the file named after one), got {domain!r}",
                source=source.name,
                record=number,
                field="domain",
            )
        items.append(
            CandidatesItem(
                id=str(row.id),
                group=domain,
                prompt=row.prompt,
                correct=tuple(row.chosen),
                incorrect=tuple(row.rejected),
            )
        )
    return unique_items(items, source), source


def difficulty_values(wins: np.ndarray) -> dict[str, np.ndarray]:
    """Per prompt (wins: prompts x 3 x 3): its Hard, Normal, Easy and whole-matrix shares."""
    upper, lower = np.triu_indices(3, 1), np.tril_indices(3, -1)
    return {
        "hard": wins[:, upper[0], upper[1]].mean(axis=1),
        "normal": wins[:, [0, 1, 2], [0, 1, 2]].mean(axis=1),
        "easy": wins[:, lower[0], lower[1]].mean(axis=1),
        "score": wins.reshape(len(wins), 9).mean(axis=1),
    }


def score_rmbench(
    row_domains: Sequence[str],
    wins: Sequence[Sequence[Sequence[float]]],
    *,
    n_resamples: int = 1000,
    seed: int = 0,
) -> dict[str, Any]:
    """Overall and Hard / Normal / Easy (means over the domains present, bootstrap CIs stratified by
    domain), each domain's score, difficulties and 3x3 matrix."""
    matrix = np.asarray(wins, dtype=float).reshape(len(wins), 3, 3)
    domains = np.array([scored_domain(d) for d in row_domains])
    present = [d for d in DOMAINS if (domains == d).any()]
    values = {d: difficulty_values(matrix[domains == d]) for d in present}

    def mean_of_domains(kind: str) -> dict[str, Any]:
        [estimate] = bootstrap_estimates(
            [values[d][kind] for d in present],
            lambda *arrays: np.mean([array.mean() for array in arrays]),
            n_resamples=n_resamples,
            seed=seed,
            paired=False,
        )
        return estimate.to_dict()

    result: dict[str, Any] = {"overall": mean_of_domains("score")} if present else {"overall": None}
    result |= {kind: mean_of_domains(kind) if present else None for kind in DIFFICULTIES}
    result["domains"] = {
        d: {
            **{kind: mean_estimate(values[d][kind], n_resamples=n_resamples, seed=seed).to_dict()
               for kind in ("score", *DIFFICULTIES)},
            "matrix": matrix[domains == d].mean(axis=0).tolist(),
        }
        for d in present
    }  # fmt: skip
    return result


@register
@dataclass(frozen=True)
class RMBench(Benchmark):
    name = "rmbench"
    dataset = RMBENCH
    title = "RM-Bench (THU-KEG/RM-Bench): style-controlled 3x3 accuracy, Hard / Normal / Easy"
    item_type = CandidatesItem
    judgment_type = StyleMatrixJudgment
    modes = ("absolute", "pairwise")
    harness_metrics = (
        HarnessMetric("rmbench_score", ("overall",)),
        *(HarnessMetric(kind, (kind,)) for kind in DIFFICULTIES),
        *(HarnessMetric(domain, ("domains", domain, "score")) for domain in DOMAINS),
        HarnessMetric("parse_failure_rate", ("parse_failure_rate",), higher_is_better=False),
    )

    mode: GradingMode = "absolute"
    seed: int = 0
    use_reference: bool = True

    def load(self, data: Path | None, revision: str | None) -> tuple[Sequence[CandidatesItem], RowSource]:
        return load_rmbench(data, revision=revision)

    def a_is_chosen(self, item: CandidatesItem, slot: str) -> bool:
        # Seeded per comparison, so runs, --limit and resumes show the same order.
        return random.Random(f"{self.seed}:{item.key}:{slot}").random() < 0.5

    def requests(self, item: CandidatesItem) -> dict[str, Chat]:
        if self.mode == "absolute":
            return {
                f"c{k}": absolute_prompt(
                    AbsoluteRequest(item.prompt, text, REWARDBENCH2_RUBRIC_RATING, top=10)
                )
                for k, text in enumerate(item.candidates)
            }
        chats = {}
        for i, chosen in enumerate(item.correct):
            for j, rejected in enumerate(item.incorrect):
                slot = f"p{i}{j}"
                first, second = (chosen, rejected) if self.a_is_chosen(item, slot) else (rejected, chosen)
                request = RelativeRequest(item.prompt, first, second, REWARDBENCH_RUBRIC_RELATIVE)
                chats[slot] = relative_prompt(request)
        return chats

    def shown(self, item: CandidatesItem, slot: str) -> tuple[str, ...]:
        if slot.startswith("c"):
            return (item.candidates[int(slot[1:])],)
        chosen, rejected = item.correct[int(slot[1])], item.incorrect[int(slot[2])]
        return (chosen, rejected) if self.a_is_chosen(item, slot) else (rejected, chosen)

    def picked(self, item: CandidatesItem, slot: str, value: Any) -> int | None:
        if not slot.startswith("p") or value not in ("chosen", "rejected"):
            return None
        text = item.correct[int(slot[1])] if value == "chosen" else item.incorrect[int(slot[2])]
        return self.shown(item, slot).index(text)

    def judgment(self, item: CandidatesItem, outputs: dict[str, list[Completion]]) -> StyleMatrixJudgment:
        fields: dict[str, Any] = {"benchmark": self.name, "id": item.id, "group": item.group}
        if self.mode == "absolute":
            per_slot = {
                f"c{k}": slot_samples(
                    outputs[f"c{k}"], partial(parse_absolute, quoted=[text], scale=RATING_10)
                )
                for k, text in enumerate(item.candidates)
            }
            return StyleMatrixJudgment.model_validate(fields | {"mode": "ratings"} | by_slot(per_slot))
        per_slot, orders = {}, {}
        for slot, completions in outputs.items():
            i, j = int(slot[1]), int(slot[2])
            samples = slot_samples(
                completions, partial(parse_relative, quoted=[item.correct[i], item.incorrect[j]])
            )
            orders[slot] = self.a_is_chosen(item, slot)
            samples["values"] = [pair_side(value, orders[slot]) for value in samples["values"]]
            per_slot[slot] = samples
        fields |= {"mode": "pairwise", "a_is_chosen": orders}
        return StyleMatrixJudgment.model_validate(fields | by_slot(per_slot, pairwise=True))

    def score(self, judgments: Sequence[Judgment], options: ScoringOptions) -> dict[str, Any]:
        prompts = [j for j in judgments if isinstance(j, StyleMatrixJudgment)]
        result = score_rmbench(
            [j.group for j in prompts],
            [j.wins for j in prompts],
            n_resamples=options.n_resamples,
            seed=options.seed,
        )
        unreadable = [
            result is None
            for j in prompts
            for result in (j.ratings if j.mode == "ratings" else list(j.verdicts.values()))
        ]
        return {
            "n_items": len(prompts),
            **result,
            "parse_failure_rate": sum(unreadable) / len(unreadable) if unreadable else 0.0,
        }

    def report(self, metrics: dict[str, Any]) -> list[RenderableType]:
        table = score_table(f"{TABLE_TITLE}, accuracy x100")
        table.add_row("Overall", *format_estimate(metrics["overall"], 100), style="bold")
        for kind in DIFFICULTIES:
            table.add_row(kind.capitalize(), *format_estimate(metrics[kind], 100))
        table.add_section()
        for domain, entry in metrics["domains"].items():
            table.add_row(f"  {domain}", *format_estimate(entry["score"], 100), style="dim")
        return [table, rates_line(metrics, count="prompts")]

    def paired_headline(self, groups: Sequence[str]) -> PairedHeadline:
        def prompt_score(judgment: Judgment) -> tuple[float, ...] | None:
            assert isinstance(judgment, StyleMatrixJudgment)
            return (float(np.mean(judgment.wins)),)

        def mean_of_domains(values: Any, codes: Any) -> float:
            domains = np.array([scored_domain(groups[int(c)]) for c in codes])
            return float(np.mean([values[domains == d].mean() for d in np.unique(domains)]))

        return PairedHeadline("RM-Bench score", prompt_score, mean_of_domains, by_group=True)

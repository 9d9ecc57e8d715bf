"""RewardBench 2 (`allenai/reward-bench-2`, split `test`): 1,865 prompts in six subsets, each with its
correct completion(s) (`chosen`) and wrong ones (`rejected`); Ties rows are `ref:<n>` / `tied:<n>`.
Judged by rating every completion or by one 4-way choice, scored by the official formulas
(`metrics/_rewardbench2.py`), with leaderboard files that `selfrat score` reads back alone."""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator
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
from selfrat_eval.benchmarks._judgments import CandidatesJudgment, Judgment
from selfrat_eval.benchmarks._leaderboard import safe_model_name
from selfrat_eval.benchmarks._registry import register
from selfrat_eval.data import CandidatesItem, HubDataset, RowSource
from selfrat_eval.data._io import validate, write_json
from selfrat_eval.data._records import _Record
from selfrat_eval.data._sources import load_rows, unique_items
from selfrat_eval.judges import Completion
from selfrat_eval.metrics import INVALID_RATING, TiesPrompt, score_rewardbench2
from selfrat_eval.metrics._rewardbench2 import SUBSETS, TIES
from selfrat_eval.parsing import RATING_10, parse_absolute, parse_ranking
from selfrat_eval.prompts import (
    REWARDBENCH2_RUBRIC_RANKING,
    REWARDBENCH2_RUBRIC_RATING,
    REWARDBENCH2_RUBRIC_TIES,
    AbsoluteRequest,
    Chat,
    GradingMode,
    RankingRequest,
    absolute_prompt,
    ranking_prompt,
)

REWARDBENCH2 = HubDataset("allenai/reward-bench-2", "test", "reward-bench-2/test.jsonl")


class RewardBench2Row(_Record):
    """The official columns used (`models`, `total_completions`, `additional_metadata` are not needed).
    `subset` comes first so that the other fields' checks can depend on it."""

    subset: str
    id: int | str
    prompt: str = Field(min_length=1)
    chosen: list[str] = Field(min_length=1)
    rejected: list[str] = Field(min_length=1)
    num_correct: int = Field(ge=1)

    @field_validator("subset")
    @classmethod
    def _known_subset(cls, value: str) -> str:
        if value not in SUBSETS:
            raise ValueError(f"must be one of {list(SUBSETS)}, got {value!r}")
        return value

    @field_validator("id")
    @classmethod
    def _ties_id(cls, value: int | str, info: ValidationInfo) -> int | str:
        kind, _, number = str(value).partition(":")
        if info.data.get("subset") == TIES and (kind not in ("ref", "tied") or not number.isdigit()):
            raise ValueError(f"a Ties id is ref:<n> or tied:<n>, got {value!r}")
        return value

    @field_validator("rejected")
    @classmethod
    def _four_candidates(cls, value: list[str], info: ValidationInfo) -> list[str]:
        subset = info.data.get("subset")
        if subset != TIES and len(value) < 3:
            raise ValueError(f"a {subset} prompt needs 3 rejected completions, has {len(value)}")
        return value

    @field_validator("num_correct")
    @classmethod
    def _counts_chosen(cls, value: int, info: ValidationInfo) -> int:
        chosen = info.data.get("chosen")
        if chosen is not None and value != len(chosen):
            raise ValueError(f"is {value} but there are {len(chosen)} chosen completions")
        return value


def load_rewardbench2(
    data: Path | None = None, *, revision: str | None = None
) -> tuple[list[CandidatesItem], RowSource]:
    """All prompts, in file order, validated; see `load_rows` for where they come from."""
    source = load_rows(REWARDBENCH2, data, revision)
    items = []
    for number, raw in source.rows:
        row = validate(RewardBench2Row, raw, source=source.name, record=number)
        items.append(
            CandidatesItem(
                id=str(row.id),
                group=row.subset,
                prompt=row.prompt,
                correct=tuple(row.chosen),
                incorrect=tuple(row.rejected),
            )
        )
    return unique_items(items, source), source


@register
@dataclass(frozen=True)
class RewardBench2(Benchmark):
    """Each candidate rated alone on 1-10 (`absolute`, upstream's "ratings" protocol), or one 4-way
    choice with the correct answer at a position seeded per item (`rankings`); Ties is always rated."""

    name = "rewardbench2"
    dataset = REWARDBENCH2
    title = "RewardBench 2 (allenai/reward-bench-2): official score, mean of six subsets"
    item_type = CandidatesItem
    judgment_type = CandidatesJudgment
    modes = ("absolute", "rankings")
    harness_metrics = (
        HarnessMetric("rewardbench2_score", ("headline",)),
        *(HarnessMetric(subset.lower().replace(" ", "_"), ("subsets", subset)) for subset in SUBSETS),
        HarnessMetric("parse_failure_rate", ("parse_failure_rate",), higher_is_better=False),
    )

    mode: GradingMode = "absolute"
    seed: int = 0

    def load(self, data: Path | None, revision: str | None) -> tuple[Sequence[CandidatesItem], RowSource]:
        return load_rewardbench2(data, revision=revision)

    def ranks(self, item: CandidatesItem) -> bool:
        return self.mode == "rankings" and item.group != TIES

    def correct_position(self, item: CandidatesItem) -> int:
        # Seeded per item (upstream draws it unseeded, reward-bench #272), so runs and resumes agree.
        return random.Random(f"{self.seed}:{item.key}").randrange(4)

    def shown_order(self, item: CandidatesItem) -> tuple[str, ...]:
        """The four candidates as shown, A to D: the correct one swapped with the one at its position,
        as upstream places it."""
        order = [item.correct[0], *item.incorrect[:3]]
        position = self.correct_position(item)
        order[0], order[position] = order[position], order[0]
        return tuple(order)

    def shown(self, item: CandidatesItem, slot: str) -> tuple[str, ...]:
        return self.shown_order(item) if slot == "ranking" else (item.candidates[int(slot[1:])],)

    def picked(self, item: CandidatesItem, slot: str, value: Any) -> int | None:
        return "ABCD".index(value) if slot == "ranking" and isinstance(value, str) else None

    def requests(self, item: CandidatesItem) -> dict[str, Chat]:
        if self.ranks(item):
            request = RankingRequest(item.prompt, self.shown_order(item), REWARDBENCH2_RUBRIC_RANKING)
            return {"ranking": ranking_prompt(request)}
        rubric = REWARDBENCH2_RUBRIC_TIES if item.group == TIES else REWARDBENCH2_RUBRIC_RATING
        return {
            f"c{index}": absolute_prompt(AbsoluteRequest(item.prompt, text, rubric, top=10))
            for index, text in enumerate(item.candidates)
        }

    def judgment(self, item: CandidatesItem, outputs: dict[str, list[Completion]]) -> CandidatesJudgment:
        fields: dict[str, Any] = {
            "benchmark": self.name,
            "id": item.id,
            "group": item.group,
            "num_correct": len(item.correct),
        }
        if self.ranks(item):
            shown = self.shown_order(item)
            samples = slot_samples(outputs["ranking"], partial(parse_ranking, quoted=list(shown)))
            fields |= {"mode": "rankings", "correct_letter": "ABCD"[self.correct_position(item)]}
            return CandidatesJudgment.model_validate(fields | by_slot({"ranking": samples}))
        per_slot = {
            f"c{index}": slot_samples(
                outputs[f"c{index}"], partial(parse_absolute, quoted=[text], scale=RATING_10)
            )
            for index, text in enumerate(item.candidates)
        }
        return CandidatesJudgment.model_validate(fields | {"mode": "ratings"} | by_slot(per_slot))

    def score(self, judgments: Sequence[Judgment], options: ScoringOptions) -> dict[str, Any]:
        prompts = [j for j in judgments if isinstance(j, CandidatesJudgment)]
        others = [j for j in prompts if j.group != TIES]
        result = score_rewardbench2(
            [j.group for j in others],
            [j.credit() for j in others],
            [j.ties_prompt() for j in prompts if j.group == TIES],
            protocol="rankings" if any(j.mode == "rankings" for j in others) else "ratings",
            n_resamples=options.n_resamples,
            seed=options.seed,
        )
        results = [r for j in prompts for r in (j.ratings if j.mode == "ratings" else [j.picks or None])]
        return {
            "n_items": len(prompts),
            **result.to_dict(),
            "parse_failure_rate": sum(r is None for r in results) / len(results) if results else 0.0,
        }

    def report(self, metrics: dict[str, Any]) -> list[RenderableType]:
        table = score_table(f"RewardBench 2 ({metrics['protocol']} protocol), score x100")
        table.add_row("Headline (mean of the six)", *format_estimate(metrics["headline"], 100), style="bold")
        for name, estimate in metrics["subsets"].items():
            table.add_row(f"  {name}", *format_estimate(estimate, 100))
        return [table, rates_line(metrics, count="prompts")]

    def paired_headline(self, groups: Sequence[str]) -> PairedHeadline:
        """The mean of the five per-prompt subsets: Ties is a composite over prompts, with no
        per-prompt score to pair."""

        def prompt_credit(judgment: Judgment) -> tuple[float, ...] | None:
            assert isinstance(judgment, CandidatesJudgment)
            return None if judgment.group == TIES else (judgment.credit(),)

        def mean_of_subsets(values: Any, codes: Any) -> float:
            return float(np.mean([values[codes == code].mean() for code in np.unique(codes)]))

        name = "RewardBench 2, mean of the five non-Ties subsets"
        return PairedHeadline(name, prompt_credit, mean_of_subsets, by_group=True)

    def write_outputs(
        self,
        folder: Path,
        judgments: Sequence[Judgment],
        results: dict[str, Any],
        model_name: str,
        options: ScoringOptions,
    ) -> None:
        """The shape the RewardBench 2 results repository holds: eval-set/<model>.json (one score per
        subset) and eval-set-scores/<model>.json (per prompt: `results` for the five subsets, the Ties
        ratings in `scores` with -1 for an invalid one), both naming the protocol that produced them
        (upstream files do not, reward-bench #273). `selfrat score` recomputes every score from the
        per-prompt file alone."""
        folder = folder / "leaderboard"
        name = safe_model_name(model_name)
        metrics = results["metrics"]
        header = {"model": name, "model_type": "Generative RM", "protocol": metrics["protocol"]}
        summary = header | {subset: est["value"] for subset, est in metrics["subsets"].items()}
        prompts = [j for j in judgments if isinstance(j, CandidatesJudgment)]
        ties = [j.group == TIES for j in prompts]
        scores = header | {
            "id": [j.id for j in prompts],
            "subset": [j.group for j in prompts],
            "num_correct": [j.num_correct for j in prompts],
            "results": [None if tie else j.credit() for j, tie in zip(prompts, ties, strict=True)],
            "scores": [
                [INVALID_RATING if r is None else r for r in j.ratings] if tie else None
                for j, tie in zip(prompts, ties, strict=True)
            ],
        }
        write_json(folder / "eval-set" / f"{name}.json", summary)
        write_json(folder / "eval-set-scores" / f"{name}.json", scores)


def leaderboard_scores(path: Path) -> dict[str, Any] | None:
    """The file's columns if it is a per-prompt leaderboard file, else None (read once)."""
    if path.suffix != ".json":
        return None
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None  # read_judgments reports what is wrong with it
    return raw if isinstance(raw, dict) and "results" in raw and "subset" in raw else None


class _RewardBench2Scores(BaseModel):
    """A RewardBench 2 per-prompt file: parallel columns, one entry per prompt."""

    model_config = ConfigDict(extra="ignore")

    id: list[int | str]
    subset: list[str]
    num_correct: list[int]
    results: list[float | None]
    scores: list[list[float] | None]
    protocol: Literal["ratings", "rankings"] | None = None
    model: str | None = None


def score_rewardbench2_file(path: Path, raw: dict[str, Any], options: ScoringOptions) -> dict[str, Any]:
    """Every RewardBench 2 score from a per-prompt file's columns `raw` alone (reward-bench #255)."""
    table = validate(_RewardBench2Scores, raw, source=str(path), record=1)
    columns = ("id", "subset", "num_correct", "results", "scores")
    lengths = {name: len(getattr(table, name)) for name in columns}
    if len(set(lengths.values())) != 1:
        raise InputError(f"columns of different lengths: {lengths}", source=str(path))
    non_ties, ties = [], []
    for index, subset in enumerate(table.subset):
        if subset == TIES:
            ratings = table.scores[index]
            if ratings is None:
                raise InputError(
                    "a Ties prompt needs its ratings", source=str(path), record=index + 1, field="scores"
                )
            invalid = float(INVALID_RATING)
            ties.append(
                TiesPrompt(
                    str(table.id[index]),
                    table.num_correct[index],
                    [None if r == invalid else r for r in ratings],
                )
            )
        elif table.results[index] is None:
            raise InputError("a prompt needs its result", source=str(path), record=index + 1, field="results")
        else:
            non_ties.append(index)
    try:
        result = score_rewardbench2(
            [table.subset[i] for i in non_ties],
            [float(table.results[i] or 0.0) for i in non_ties],
            ties,
            protocol=table.protocol or "unrecorded",
            n_resamples=options.n_resamples,
            seed=options.seed,
        )
    except ValueError as error:
        raise InputError(str(error), source=str(path), field="subset") from None
    return {
        "benchmark": "rewardbench2",
        "metrics": {"n_items": len(table.subset), **result.to_dict()},
        "scoring": {"n_resamples": options.n_resamples, "seed": options.seed, "confidence": 0.95},
        "judge": {"model": table.model},
        "rescored_from": str(path),
    }

"""`selfrat score`: recompute results.json from a judgments.jsonl, ours or converted from another tool,
or from a RewardBench 2 per-prompt leaderboard file (`eval-set-scores/<model>.json`) alone.

With a strategy, the stored samples are reduced again (e.g. self-consistency:8 re-scored as
best-of-n:8 or self-consistency:4) without generating anything.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from selfrat_eval._errors import InputError
from selfrat_eval.data._io import validate, write_json
from selfrat_eval.evaluation._benchmarks import ScoringOptions, make_task
from selfrat_eval.evaluation._judgments import PairJudgment, read_judgments
from selfrat_eval.evaluation._results import build_results, write_outputs
from selfrat_eval.judges import Strategy
from selfrat_eval.metrics import INVALID_RATING, TiesPrompt, score_rewardbench2
from selfrat_eval.prompts import GradingMode


def rescore(
    path: Path,
    *,
    out: Path | None = None,
    options: ScoringOptions | None = None,
    strategy: Strategy | None = None,
    model_name: str | None = None,
) -> dict[str, Any]:
    """Score `path`; write results.json (and leaderboard files) into `out` (default: beside it)."""
    options = options or ScoringOptions()
    table = _leaderboard_scores(path)
    if table is not None:
        if strategy is not None:
            raise InputError("a per-prompt leaderboard file holds no samples to re-reduce", source=str(path))
        results = score_rewardbench2_file(path, table, options)
        write_json((out or path.parent) / "results.json", results)
        return results
    judgments = read_judgments(path)
    if strategy is not None:
        if not all(j.values for j in judgments):
            raise InputError("--strategy needs per-sample `values` in every judgment", source=str(path))
        meta = strategy.kind == "best-of-n" and strategy.selector == "meta-judge"
        if meta and not all(j.meta_scores for j in judgments):
            raise InputError("best-of-n by meta-judge needs stored `meta_scores`", source=str(path))
        judgments = [j.with_strategy(strategy) for j in judgments]
    benchmark = judgments[0].benchmark
    mode: GradingMode = "absolute"
    if isinstance(judgments[0], PairJudgment):
        mode = judgments[0].mode
    out = out or path.parent
    previous = _previous_results(path.parent)
    task = make_task(benchmark, mode=mode)
    results = build_results(
        task,
        judgments,
        options,
        strategy=strategy.label if strategy else judgments[0].strategy,
        judge=previous.get("judge"),
        data=previous.get("data"),
        config=previous.get("config"),
        timings=None,
    )
    results["rescored_from"] = str(path)
    name = model_name or (previous.get("judge") or {}).get("model") or path.parent.resolve().name
    write_outputs(out, task, judgments, results, model_name=str(name), options=options)
    return results


def _leaderboard_scores(path: Path) -> dict[str, Any] | None:
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
        if subset == "Ties":
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


def _previous_results(folder: Path) -> dict[str, Any]:
    """Keep the judge and data identity of the run that made the judgments, when it is known."""
    results_file = folder / "results.json"
    if results_file.exists():
        try:
            loaded: dict[str, Any] = json.loads(results_file.read_text(encoding="utf-8"))
            return loaded
        except json.JSONDecodeError:
            return {}
    return {}

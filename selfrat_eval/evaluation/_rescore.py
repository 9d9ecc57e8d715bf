"""`selfrat score`: recompute results.json from a judgments.jsonl, ours or converted from another tool.

With a strategy, the stored samples are reduced again (e.g. self-consistency:8 re-scored as
best-of-n:8 or self-consistency:4) without generating anything.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from selfrat_eval._errors import InputError
from selfrat_eval.evaluation._benchmarks import ScoringOptions, make_task
from selfrat_eval.evaluation._judgments import PairJudgment, read_judgments
from selfrat_eval.evaluation._results import build_results, write_outputs
from selfrat_eval.judges import Strategy
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

"""`selfrat score`: recompute results.json from a judgments.jsonl, ours or converted from another tool,
or from a RewardBench 2 per-prompt leaderboard file (`eval-set-scores/<model>.json`) alone.

With a strategy, the stored samples are reduced again (e.g. self-consistency:8 re-scored as
best-of-n:8 or self-consistency:4) without generating anything. An adaptive strategy reduces each
request's first samples in order, as many as its stopping rule would have drawn online: what adaptive
sampling would have saved on a fixed-N run (results.json `samples`), before paying for it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from selfrat_eval._errors import InputError
from selfrat_eval.benchmarks import Judgment, ScoringOptions, benchmark_class
from selfrat_eval.benchmarks.rewardbench2 import leaderboard_scores, score_rewardbench2_file
from selfrat_eval.data._io import write_json
from selfrat_eval.evaluation._results import build_results, write_outputs
from selfrat_eval.evaluation._store import read_judgments
from selfrat_eval.judges import Strategy


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
    table = leaderboard_scores(path)
    if table is not None:
        if strategy is not None:
            raise InputError("a per-prompt leaderboard file holds no samples to re-reduce", source=str(path))
        results = score_rewardbench2_file(path, table, options)
        write_json((out or path.parent) / "results.json", results)
        return results
    judgments = read_judgments(path)
    if strategy is not None:
        judgments = rereduce(judgments, strategy, source=str(path))
    out = out or path.parent
    previous = _previous_results(path.parent)
    task = benchmark_class(judgments[0].benchmark).from_judgments(judgments)
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


def rereduce(judgments: Sequence[Judgment], strategy: Strategy, source: str = "") -> list[Judgment]:
    """Stored judgments reduced again by `strategy`, offline (`samples_per_item` then says what an
    adaptive strategy would have cost). `source` is the judgments file they were read from."""
    if any(j.strategy.startswith("jury:") for j in judgments):
        # Its values are the jurors' results, not samples of one judge: there is nothing to reduce.
        folder = Path(source).parent if source else Path("OUT")
        raise InputError(
            f"a jury's judgments keep no samples: re-reduce the jurors' runs ({folder / 'jurors'}/..., or "
            "the runs given to `selfrat jury`) and combine them again",
            source=str(folder),
        )
    if not all(j.values for j in judgments):
        raise InputError("--strategy needs per-sample `values` in every judgment", source=source)
    meta = strategy.kind == "best-of-n" and strategy.selector == "meta-judge"
    if meta and not all(j.meta_scores for j in judgments):
        raise InputError("best-of-n by meta-judge needs stored `meta_scores`", source=source)
    return [j.with_strategy(strategy) for j in judgments]


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

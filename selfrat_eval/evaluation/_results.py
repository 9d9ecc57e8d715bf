"""results.json (metrics with CIs, identities, versions, timings) and the RewardBench leaderboard files."""

from __future__ import annotations

import re
import sys
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from selfrat_eval._machine import machine_info, versions
from selfrat_eval.data._io import write_json
from selfrat_eval.evaluation._benchmarks import BenchmarkTask, ScoringOptions
from selfrat_eval.evaluation._judgments import CandidatesJudgment, Judgment, PairJudgment
from selfrat_eval.metrics import CREDIT, INVALID_RATING
from selfrat_eval.parsing import SAMPLE_STATUSES


def build_results(
    task: BenchmarkTask,
    judgments: Sequence[Judgment],
    options: ScoringOptions,
    *,
    strategy: str,
    judge: dict[str, Any] | None = None,
    data: dict[str, Any] | None = None,
    config: dict[str, Any] | None = None,
    timings: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "benchmark": task.name,
        "strategy": strategy,
        "metrics": task.score(judgments, options),
        "sample_statuses": sample_statuses(judgments),
        "scoring": {
            "tie_policy": options.tie_policy,
            "n_resamples": options.n_resamples,
            "seed": options.seed,
            "confidence": 0.95,
            "interval": "percentile bootstrap over items",
        },
        "judge": judge,
        "data": data,
        "config": config,
        "versions": versions(),
        "machine": machine_info(),
        "timings": timings,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join(sys.argv),
    }


def sample_statuses(judgments: Sequence[Judgment]) -> dict[str, int]:
    """How many judge samples parsed, failed to parse (and how), or were not sent (`too_long`)."""
    counts = Counter(
        status for judgment in judgments for statuses in judgment.parse_status.values() for status in statuses
    )
    return {status: counts[status] for status in SAMPLE_STATUSES if counts[status]}


def write_outputs(
    out: Path,
    task: BenchmarkTask,
    judgments: Sequence[Judgment],
    results: dict[str, Any],
    *,
    model_name: str,
    options: ScoringOptions,
) -> None:
    write_json(out / "results.json", results)
    if task.name == "rewardbench":
        write_leaderboard_files(out / "leaderboard", judgments, results, model_name, options)
    if task.name == "rewardbench2":
        write_rewardbench2_leaderboard_files(out / "leaderboard", judgments, results, model_name)


def _safe_name(model_name: str) -> str:
    """`org/model` keeps its folder; anything else becomes a plain file name."""
    name = Path(model_name).name if Path(model_name).exists() else model_name
    return re.sub(r"[^A-Za-z0-9._/-]", "_", name).strip("/") or "model"


def write_leaderboard_files(
    folder: Path,
    judgments: Sequence[Judgment],
    results: dict[str, Any],
    model_name: str,
    options: ScoringOptions,
) -> None:
    """The shape rewardbench's save_to_hub writes: eval-set/<model>.json (one accuracy per subset)
    and eval-set-scores/<model>.json (per-prompt results)."""
    name = _safe_name(model_name)
    summary: dict[str, Any] = {"model": name, "model_type": "Generative RM", "chat_template": None}
    summary |= {subset: est["value"] for subset, est in results["metrics"]["subsets"].items()}
    credit = CREDIT[options.tie_policy]
    pairs = [j for j in judgments if isinstance(j, PairJudgment)]
    outcomes = [j.outcome(options.tie_policy) for j in pairs]
    scores = {
        "id": [j.id for j in pairs],
        "subset": [j.group for j in pairs],
        "results": [credit[o] for o in outcomes],
        "model": name,
        "model_type": "Generative RM",
    }
    write_json(folder / "eval-set" / f"{name}.json", summary)
    write_json(folder / "eval-set-scores" / f"{name}.json", scores)


def write_rewardbench2_leaderboard_files(
    folder: Path, judgments: Sequence[Judgment], results: dict[str, Any], model_name: str
) -> None:
    """The shape the RewardBench 2 results repository holds: eval-set/<model>.json (one score per
    subset) and eval-set-scores/<model>.json (per prompt: `results` for the five subsets, the Ties
    ratings in `scores` with -1 for an invalid one), both naming the protocol that produced them
    (upstream files do not, reward-bench #273). `selfrat score` recomputes every score from the
    per-prompt file alone."""
    name = _safe_name(model_name)
    metrics = results["metrics"]
    header = {"model": name, "model_type": "Generative RM", "protocol": metrics["protocol"]}
    summary = header | {subset: est["value"] for subset, est in metrics["subsets"].items()}
    prompts = [j for j in judgments if isinstance(j, CandidatesJudgment)]
    ties = [j.group == "Ties" for j in prompts]
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

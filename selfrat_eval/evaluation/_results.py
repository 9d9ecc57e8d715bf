"""results.json: metrics with CIs, identities, versions, timings."""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from selfrat_eval._machine import machine_info, versions
from selfrat_eval.benchmarks import Benchmark, Judgment, ScoringOptions
from selfrat_eval.data._io import write_json
from selfrat_eval.parsing import SAMPLE_STATUSES


def build_results(
    task: Benchmark,
    judgments: Sequence[Judgment],
    options: ScoringOptions,
    *,
    strategy: str,
    judge: dict[str, Any] | None = None,
    data: dict[str, Any] | None = None,
    config: dict[str, Any] | None = None,
    timings: dict[str, Any] | None = None,
    cost: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The results.json record. `cost` (USD at the user's prices, `evaluation._cost`) is present only
    when prices were given: without them a run reports tokens, never a made-up price."""
    results: dict[str, Any] = {
        "benchmark": task.name,
        "strategy": strategy,
        "metrics": task.score(judgments, options),
        "sample_statuses": sample_statuses(judgments),
        "sample_finishes": sample_finishes(judgments),
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
    if cost is not None:
        results["cost"] = cost
    if any(judgment.stopped is not None for judgment in judgments):
        results["samples"] = samples_per_item(judgments)
    return results


def samples_per_item(judgments: Sequence[Judgment]) -> dict[str, Any]:
    """What an adaptive strategy cost: judge samples per item (mean, over every slot), and how many
    slots stopped for each reason."""
    reasons = Counter(stop.reason for j in judgments for stop in (j.stopped or {}).values())
    return {
        "judgments_per_item": sum(j.samples() for j in judgments) / len(judgments) if judgments else None,
        "stop_reasons": dict(sorted(reasons.items())),
    }


def sample_statuses(judgments: Sequence[Judgment]) -> dict[str, int]:
    """How many judge samples parsed, failed to parse (and how), or were not sent (`too_long`)."""
    counts = Counter(
        status for judgment in judgments for statuses in judgment.parse_status.values() for status in statuses
    )
    return {status: counts[status] for status in SAMPLE_STATUSES if counts[status]}


def sample_finishes(judgments: Sequence[Judgment]) -> dict[str, int]:
    """How many judge samples ended at their verdict, in a loop, at the token limit, or where the
    judge ended them (`judges.FinishReason`); samples whose engine did not say are not counted."""
    counts = Counter(
        finish for j in judgments for finishes in j.finish.values() for finish in finishes if finish
    )
    return dict(sorted(counts.items()))


def write_outputs(
    out: Path,
    task: Benchmark,
    judgments: Sequence[Judgment],
    results: dict[str, Any],
    *,
    model_name: str,
    options: ScoringOptions,
) -> None:
    """results.json, and the benchmark's own files beside it (leaderboard submissions)."""
    write_json(out / "results.json", results)
    task.write_outputs(out, judgments, results, model_name, options)

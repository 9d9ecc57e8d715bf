"""A readable terminal table of results.json, as its benchmark lays it out."""

from __future__ import annotations

from typing import Any

from rich.console import Console

from selfrat_eval.benchmarks import benchmark_class
from selfrat_eval.evaluation._cost import usage_summary


def print_results(results: dict[str, Any], console: Console | None = None) -> None:
    console = console or Console()
    benchmark = benchmark_class(results["benchmark"])()
    for renderable in benchmark.report(results["metrics"]):
        console.print(renderable)
    statuses = results.get("sample_statuses") or {}
    if statuses.get("too_long"):
        console.print(
            f"[yellow]{statuses['too_long']} judge prompt(s) did not fit the judge's context and were not "
            "sent (status too_long, counted as parse failures)[/]"
        )
    usage = usage_summary(results)
    if usage is not None:
        console.print(usage, highlight=False)

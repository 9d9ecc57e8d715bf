"""A readable terminal table of results.json."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table


def _fmt(estimate: dict[str, Any], scale: float = 1.0) -> tuple[str, str, str]:
    value, low, high = estimate.get("value"), estimate.get("ci_low"), estimate.get("ci_high")
    shown = "n/a" if value is None else f"{value * scale:.3f}" if scale == 1 else f"{value * scale:.1f}"
    interval = (
        ""
        if low is None or high is None
        else (
            f"[{low * scale:.3f}, {high * scale:.3f}]"
            if scale == 1
            else f"[{low * scale:.1f}, {high * scale:.1f}]"
        )
    )
    return shown, interval, str(estimate.get("n", ""))


def print_results(results: dict[str, Any], console: Console | None = None) -> None:
    console = console or Console()
    _print_table(results, console)
    statuses = results.get("sample_statuses") or {}
    if statuses.get("too_long"):
        console.print(
            f"[yellow]{statuses['too_long']} judge prompt(s) did not fit the judge's context and were not "
            "sent (status too_long, counted as parse failures)[/]"
        )


def _print_table(results: dict[str, Any], console: Console) -> None:
    metrics = results["metrics"]
    if results["benchmark"] == "rewardbench":
        table = Table(title=f"RewardBench ({metrics['tie_policy']} tie policy), accuracy x100")
        for column in ("", "score", "95% CI", "n"):
            table.add_column(column, justify="left" if not column else "right")
        table.add_row("Overall", *_fmt(metrics["overall"], 100), style="bold")
        for name, estimate in metrics["sections"].items():
            table.add_row(name, *_fmt(estimate, 100))
        table.add_section()
        for name, estimate in metrics["subsets"].items():
            table.add_row(f"  {name}", *_fmt(estimate, 100), style="dim")
        console.print(table)
        console.print(
            f"tie rate {metrics['tie_rate']:.1%}   parse-failure rate {metrics['parse_failure_rate']:.1%}   "
            f"items {metrics['n_items']}"
        )
        return
    if results["benchmark"] == "rewardbench2":
        table = Table(title=f"RewardBench 2 ({metrics['protocol']} protocol), score x100")
        for column in ("", "score", "95% CI", "n"):
            table.add_column(column, justify="left" if not column else "right")
        table.add_row("Headline (mean of the six)", *_fmt(metrics["headline"], 100), style="bold")
        for name, estimate in metrics["subsets"].items():
            table.add_row(f"  {name}", *_fmt(estimate, 100))
        console.print(table)
        failures = metrics.get("parse_failure_rate")
        console.print(
            (f"parse-failure rate {failures:.1%}   " if failures is not None else "")
            + f"prompts {metrics['n_items']}"
        )
        return
    if results["benchmark"] == "pairwise":
        table = Table(title="pairwise: accuracy against the label (bootstrap 95% CI)")
        for column in ("group", "accuracy", "95% CI", "n"):
            table.add_column(column, justify="left" if column == "group" else "right")
        table.add_row("overall", *_fmt(metrics["accuracy"]), style="bold")
        for name, estimate in metrics["groups"].items():
            table.add_row(name, *_fmt(estimate))
        console.print(table)
        console.print(
            f"tie rate {metrics['tie_rate']:.1%}   parse-failure rate {metrics['parse_failure_rate']:.1%}   "
            f"items {metrics['n_items']}"
        )
        return
    labels = [key for key in ("human_score", "gpt4_score", "label") if key in metrics]
    table = Table(title=f"{results['benchmark']}: judge score vs reference (bootstrap 95% CI)")
    table.add_column("group")
    for label in labels:
        table.add_column(f"Pearson vs {label}", justify="right")
        table.add_column("CI", justify="right")
        table.add_column("n", justify="right")
    for group in ["overall", *sorted(metrics[labels[0]]["groups"])]:
        cells = []
        for label in labels:
            entry = metrics[label]["overall"] if group == "overall" else metrics[label]["groups"][group]
            cells += list(_fmt(entry["pearson"]))
        table.add_row(group, *cells, style="bold" if group == "overall" else None)
    console.print(table)
    console.print(f"parse-failure rate {metrics['parse_failure_rate']:.1%}   items {metrics['n_items']}")

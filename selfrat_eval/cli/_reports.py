"""Comparing and combining runs, the demo, and listings: compare, jury, rank-agreement, demo,
toy-judge, benchmarks, samples."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from selfrat_eval._machine import warn_if_busy
from selfrat_eval.cli._app import (
    ReducerName,
    _user_errors,
    app,
    err,
)


@app.command("compare")
def compare_command(
    runs: Annotated[
        list[Path],
        typer.Argument(
            help="Two or more `selfrat eval` run folders, or `selfrat suite` folders (judge cards); "
            "the first is the baseline."
        ),
    ],
    out: Annotated[
        Path, typer.Option(help="Folder for compare.md, compare.html, compare.png, compare.json.")
    ],
    n_resamples: Annotated[int, typer.Option(help="Bootstrap resamples and permutations.")] = 1000,
    seed: Annotated[int, typer.Option()] = 0,
) -> None:
    """Runs side by side: headline metrics with CIs, paired differences and p-values on shared items."""
    with _user_errors():
        from selfrat_eval.evaluation import compare_cards, compare_runs, write_cards_report, write_report

        if all((run / "card.json").exists() for run in runs):
            paths = write_cards_report(compare_cards(runs, n_resamples=n_resamples, seed=seed), out)
        else:
            paths = write_report(compare_runs(runs, n_resamples=n_resamples, seed=seed), out)
        for path in paths:
            err.print(f"wrote {path}")
        typer.echo((out / "compare.md").read_text(encoding="utf-8"))


@app.command("jury")
def jury_command(
    runs: Annotated[
        list[Path],
        typer.Argument(help="Two or more runs of different judges on the same items (eval or grade)."),
    ],
    out: Annotated[Path, typer.Option(help="Folder for the jury's judgments.jsonl and results.json.")],
    reducer: Annotated[
        ReducerName,
        typer.Option(help="mean / median of scores, or the verdict more than half of the jury gave."),
    ] = "strict-majority",
    n_resamples: Annotated[int, typer.Option(help="Bootstrap resamples for the 95% CIs.")] = 1000,
    seed: Annotated[int, typer.Option()] = 0,
) -> None:
    """A jury of judges: their runs combined item by item (an unreadable juror still counts in the jury's
    size), scored by the benchmark's metric, with Krippendorff's alpha and pairwise agreement."""
    with _user_errors():
        from selfrat_eval.evaluation import jury, print_results

        results = jury(runs, reducer, out, n_resamples=n_resamples, seed=seed)
        print_results(results)
        agreement = results["jury"]["agreement"]
        for name, entry in agreement.items():
            err.print(f"{name}: Krippendorff's alpha ({entry['level']}) {entry['krippendorff_alpha']}")
        err.print(f"wrote {out / 'judgments.jsonl'} and {out / 'results.json'}")


@app.command("rank-agreement")
def rank_agreement_command(
    a: Annotated[
        Path,
        typer.Argument(
            help="Per-model scores: a leaderboard CSV (the published BiGGen-Bench format, or the "
            "leaderboard.csv of `selfrat grade`), JSON/JSONL rows {model, capability, score}, or a JSON "
            "object {model: {capability: score}}."
        ),
    ],
    b: Annotated[Path, typer.Argument(help="The other per-model scores, in any of the same formats.")],
    out: Annotated[Path, typer.Option(help="Folder for rank_agreement.md, .json and .png.")],
    n_resamples: Annotated[int, typer.Option(help="Bootstrap resamples (models resampled).")] = 1000,
    seed: Annotated[int, typer.Option()] = 0,
) -> None:
    """Do two sets of per-model scores rank the models alike? Spearman and Kendall tau-b over the
    shared models, per capability and overall, with bootstrap 95% CIs over models."""
    with _user_errors():
        from selfrat_eval.evaluation import rank_agreement, write_ranking_report

        paths = write_ranking_report(rank_agreement(a, b, n_resamples=n_resamples, seed=seed), out)
        for path in paths:
            err.print(f"wrote {path}")
        typer.echo((out / "rank_agreement.md").read_text(encoding="utf-8"))


@app.command("demo")
def demo_command(
    out: Annotated[Path, typer.Option(help="Folder for the runs and the report (report.md, .html, PNGs).")],
    seeds: Annotated[int, typer.Option(help="Seeds 0..N-1 (each trains its own judge).")] = 3,
    config: Annotated[
        Path | None, typer.Option(help="YAML/JSON with any DemoConfig field (sizes, N, SFT/DPO settings).")
    ] = None,
    report_only: Annotated[bool, typer.Option(help="Rewrite the report from finished runs.")] = False,
) -> None:
    """Self-Rationalization vs SFT, self-consistency and best-of-N on a toy task, on a CPU in minutes:
    builds the arithmetic benchmark and a judge from scratch, trains, evaluates and reports."""
    with _user_errors():
        from selfrat_eval.demo import DemoConfig, run_demo, write_demo_report

        demo = DemoConfig.from_options(out, seeds=seeds, config=config)
        if not report_only:
            warn_if_busy(err, "the demo")
        report = write_demo_report(demo) if report_only else run_demo(demo)
        typer.echo(report.read_text(encoding="utf-8"))


@app.command("toy-judge")
def toy_judge_command(
    out: Annotated[Path, typer.Argument(help="Folder to write the model and tokenizer to.")],
    seed: Annotated[int, typer.Option()] = 0,
    format_steps: Annotated[
        int, typer.Option(help="Steps teaching the output format (random results); 0 = untrained.")
    ] = 200,
) -> None:
    """Build a tiny judge offline for trying the pipeline: its judgments parse but carry no signal."""
    with _user_errors():
        from selfrat_eval.toy import build_tiny_judge

        build_tiny_judge(out, seed=seed, format_steps=format_steps)
        err.print(f"wrote a tiny judge to {out}")


@app.command("benchmarks")
def benchmarks_command() -> None:
    """List the registered benchmarks: name, modes, options, what each measures, where its data comes
    from and whether a copy is on this machine ($SELFRAT_DATA_DIR or the Hugging Face cache)."""
    from dataclasses import fields

    from rich.table import Table

    from selfrat_eval.benchmarks import benchmark_class, benchmark_names
    from selfrat_eval.data import HubDataset, local_copy

    table = Table()
    table.add_column("benchmark", no_wrap=True)  # the name to type: never broken
    for column in ("modes", "options", "measures", "data", "copy here"):
        table.add_column(column)
    for name in benchmark_names():
        cls = benchmark_class(name)
        options = ", ".join(f.name for f in fields(cls))
        sources = cls.sources()
        origins = "\n".join(
            f"hub {s.hub_id} [{s.split}]" if isinstance(s, HubDataset) else s.origin for s in sources
        )
        copies = [local_copy(s) for s in sources]
        found = "\n".join(copy or "no" for copy in copies) if sources else "your --data"
        table.add_row(name, ", ".join(cls.modes), options, cls.title, origins or "your own file", found)
    Console().print(table)


@app.command("samples")
def samples_command() -> None:
    """Print the paths of the vendored real data samples (see their ATTRIBUTION.md)."""
    from selfrat_eval.data import SAMPLES_DIR

    for path in sorted(SAMPLES_DIR.iterdir()):
        typer.echo(path)

"""`selfrat compare`: runs of `selfrat eval` side by side, with paired differences on shared items.

Headline per run: what the benchmark declares as its `paired_headline` (the official RewardBench
score, pairwise accuracy, RewardBench 2's mean over its five per-prompt subsets, Pearson r with the
first label for rubric gradings). Against the first run (the
baseline), each other run gets the paired difference on the items both judged: a bootstrap 95% CI
(items resampled together) and a two-sided p-value from a paired permutation test (each item's two
results swapped at random).
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from selfrat_eval._errors import InputError
from selfrat_eval.benchmarks import Judgment, benchmark_class
from selfrat_eval.benchmarks._base import Statistic
from selfrat_eval.data._io import atomic_write
from selfrat_eval.evaluation._store import read_judgments
from selfrat_eval.metrics import bootstrap_estimates


@dataclass(frozen=True)
class Run:
    name: str
    benchmark: str
    judgments: dict[str, Judgment]


def load_run(folder: Path, name: str | None = None) -> Run:
    path = Path(folder) / "judgments.jsonl"
    if not path.exists():
        raise InputError("no judgments.jsonl (is this a `selfrat eval` run folder?)", source=str(folder))
    judgments = read_judgments(path)
    return Run(name or Path(folder).name, judgments[0].benchmark, {j.key: j for j in judgments})


def compare_runs(
    folders: list[Path], *, n_resamples: int = 1000, seed: int = 0, names: list[str] | None = None
) -> dict[str, Any]:
    """Each run's headline with its CI, and every run against the first on their shared items;
    `names` label the runs (default: their folder names)."""
    labels: list[str | None] = list(names) if names else [None] * len(folders)
    runs = [load_run(folder, label) for folder, label in zip(folders, labels, strict=True)]
    if len(runs) < 2:
        raise InputError("compare needs at least two run folders")
    benchmarks = {run.benchmark for run in runs}
    if len(benchmarks) > 1:
        raise InputError(f"the runs judged different benchmarks: {sorted(benchmarks)}")
    benchmark = runs[0].benchmark
    subsets = sorted({j.group for run in runs for j in run.judgments.values()})
    headline = benchmark_class(benchmark)().paired_headline(subsets)
    metric, extract, statistic = headline.name, headline.extract, headline.statistic

    def arrays(run: Run, keys: list[str]) -> list[np.ndarray]:
        """Item-aligned columns for `keys` (all of which have a value in `run`)."""
        rows = [extract(run.judgments[key]) or () for key in keys]
        columns = [np.array([row[i] for row in rows], dtype=float) for i in range(len(rows[0]))]
        if headline.by_group:
            columns.append(np.array([subsets.index(run.judgments[key].group) for key in keys], dtype=float))
        return columns

    per_run = []
    for run in runs:
        keys = [k for k, j in run.judgments.items() if extract(j) is not None]
        data = arrays(run, keys)
        [estimate] = bootstrap_estimates(
            data, lambda *a: np.asarray(statistic(*a)), n_resamples=n_resamples, seed=seed
        )
        per_run.append({"run": run.name, "metric": metric, **estimate.to_dict()})

    baseline = runs[0]
    differences = []
    for run in runs[1:]:
        shared = [
            k
            for k in baseline.judgments
            if k in run.judgments
            and extract(baseline.judgments[k]) is not None
            and extract(run.judgments[k]) is not None
        ]
        if len(shared) < 2:
            differences.append(
                {
                    "run": run.name,
                    "baseline": baseline.name,
                    "n_shared": len(shared),
                    "difference": None,
                    "ci_low": None,
                    "ci_high": None,
                    "p_value": None,
                }
            )
            continue
        a, b = arrays(run, shared), arrays(baseline, shared)
        width = len(a)

        def diff(*columns: np.ndarray, width: int = width) -> np.ndarray:
            return np.asarray(statistic(*columns[:width]) - statistic(*columns[width:]))

        [estimate] = bootstrap_estimates([*a, *b], diff, n_resamples=n_resamples, seed=seed)
        p_value = permutation_p_value(a, b, statistic, n_resamples, seed)
        differences.append(
            {
                "run": run.name,
                "baseline": baseline.name,
                "n_shared": len(shared),
                "difference": estimate.value,
                "ci_low": estimate.ci_low,
                "ci_high": estimate.ci_high,
                "p_value": p_value,
            }
        )
    return {"benchmark": benchmark, "metric": metric, "runs": per_run, "differences": differences}


def permutation_p_value(
    a: list[np.ndarray], b: list[np.ndarray], statistic: Statistic, n: int, seed: int
) -> float | None:
    """Paired permutation test: swap the two judges' values item by item (the first column; labels
    and subsets are the same for both runs on shared items)."""
    if n == 0:
        return None
    rng = np.random.default_rng(seed)
    observed = statistic(*a) - statistic(*b)
    if np.isnan(observed):
        return None
    extreme = 0
    for _ in range(n):
        swap = rng.random(len(a[0])) < 0.5
        x = [np.where(swap, b[0], a[0]), *a[1:]]
        y = [np.where(swap, a[0], b[0]), *b[1:]]
        extreme += bool(abs(statistic(*x) - statistic(*y)) >= abs(observed) - 1e-12)
    return (extreme + 1) / (n + 1)


def compare_cards(folders: list[Path], *, n_resamples: int = 1000, seed: int = 0) -> dict[str, Any]:
    """`selfrat suite` cards side by side: per benchmark every card judged, the paired comparison of
    their runs against the first card's."""
    cards = []
    for folder in folders:
        path = Path(folder) / "card.json"
        if not path.exists():
            raise InputError("no card.json (is this a `selfrat suite` folder?)", source=str(folder))
        cards.append(json.loads(path.read_text(encoding="utf-8")))
    names = [f"{Path(folder).name} ({card['judge']})" for folder, card in zip(folders, cards, strict=True)]
    runs: dict[str, list[Path]] = {}
    for card in cards:
        for entry in card["benchmarks"]:
            runs.setdefault(entry["benchmark"], []).append(Path(entry["run"]))
    shared = [name for name, folders_run in runs.items() if len(folders_run) == len(cards)]
    if not shared:
        raise InputError("the cards share no benchmark")
    reports = {
        name: compare_runs(runs[name], n_resamples=n_resamples, seed=seed, names=names) for name in shared
    }
    return {"cards": names, "benchmarks": reports}


def write_cards_report(report: dict[str, Any], out: Path) -> list[Path]:
    """compare.md / compare.json: one row per benchmark and card against the first card; each
    benchmark's own report (with its plot) in `out/<benchmark>/`."""
    rows = [
        ["benchmark", "metric", "card", "baseline", "difference", "95% CI", "p (permutation)", "shared items"]
    ]
    paths = []
    for name, single in report["benchmarks"].items():
        paths += write_report(single, out / name)
        rows += [
            [
                name,
                single["metric"],
                d["run"],
                d["baseline"],
                _fmt(d["difference"]),
                f"[{_fmt(d['ci_low'])}, {_fmt(d['ci_high'])}]",
                _fmt(d["p_value"]),
                str(d["n_shared"]),
            ]
            for d in single["differences"]
        ]
    title = f"Judge cards against {report['cards'][0]}"
    with atomic_write(out / "compare.json") as handle:
        json.dump(report, handle, indent=2)
    with atomic_write(out / "compare.md") as handle:
        handle.write(
            f"# {title}\n\n{markdown_table(rows)}\n\nEach benchmark's report: `<benchmark>/compare.md`.\n"
        )
    return [out / "compare.json", out / "compare.md", *paths]


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def markdown_table(table: list[list[str]]) -> str:
    """A header row and body rows as a markdown table."""
    lines = ["| " + " | ".join(table[0]) + " |", "|" + "---|" * len(table[0])]
    return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in table[1:]])


def html_table(table: list[list[str]]) -> str:
    """A header row and body rows as an HTML table (cells escaped)."""
    head = "".join(f"<th>{html.escape(c)}</th>" for c in table[0])
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in table[1:])
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def save_figure(figure: Any, path: Path) -> None:
    """Write a matplotlib figure as PNG atomically and close it."""
    import matplotlib.pyplot as plt

    with atomic_write(path, "wb") as handle:
        figure.savefig(handle, format="png", dpi=120)
    plt.close(figure)


def write_report(report: dict[str, Any], out: Path) -> list[Path]:
    """compare.json, compare.md, compare.html and compare.png (headline with 95% CIs) in `out`."""
    out.mkdir(parents=True, exist_ok=True)
    rows = [["run", report["metric"], "95% CI", "n"]]
    rows += [
        [r["run"], _fmt(r["value"]), f"[{_fmt(r['ci_low'])}, {_fmt(r['ci_high'])}]", str(r["n"])]
        for r in report["runs"]
    ]
    diff_rows = [["run", "baseline", "difference", "95% CI", "p (permutation)", "shared items"]]
    diff_rows += [
        [
            d["run"],
            d["baseline"],
            _fmt(d["difference"]),
            f"[{_fmt(d['ci_low'])}, {_fmt(d['ci_high'])}]",
            _fmt(d["p_value"]),
            str(d["n_shared"]),
        ]
        for d in report["differences"]
    ]

    title = f"{report['benchmark']}: {report['metric']}"
    baseline = report["runs"][0]["run"]
    md = (
        f"# {title}\n\n{markdown_table(rows)}\n\n## Paired differences against {baseline}\n\n"
        f"{markdown_table(diff_rows)}\n\n![headline](compare.png)\n"
    )
    page = (
        f"<!doctype html><meta charset='utf-8'><title>{html.escape(title)}</title>"
        f"<h1>{html.escape(title)}</h1>{html_table(rows)}<h2>Paired differences</h2>{html_table(diff_rows)}"
        "<img src='compare.png' alt='headline with 95% CIs'>"
    )
    paths = [out / "compare.json", out / "compare.md", out / "compare.html", out / "compare.png"]
    with atomic_write(paths[0]) as handle:
        json.dump(report, handle, indent=2)
    with atomic_write(paths[1]) as handle:
        handle.write(md)
    with atomic_write(paths[2]) as handle:
        handle.write(page)
    _plot(report, paths[3])
    return paths


def _plot(report: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    runs = report["runs"]
    values = [r["value"] if r["value"] is not None else 0.0 for r in runs]  # undefined: an empty bar
    low = [v - r["ci_low"] if r["ci_low"] is not None else 0 for v, r in zip(values, runs, strict=True)]
    high = [r["ci_high"] - v if r["ci_high"] is not None else 0 for v, r in zip(values, runs, strict=True)]
    figure, axis = plt.subplots(figsize=(max(4, 1.4 * len(runs)), 3.2))
    positions = list(range(len(runs)))
    axis.bar(positions, values, yerr=[low, high], capsize=6, color="#4c72b0")
    axis.set_xticks(positions, [r["run"] for r in runs])
    for position, run in zip(positions, runs, strict=True):
        if run["value"] is None:
            axis.annotate("n/a", (position, 0), ha="center", va="bottom")
    axis.set_ylabel(report["metric"])
    axis.set_title(f"{report['benchmark']} (95% bootstrap CIs)")
    figure.tight_layout()
    save_figure(figure, path)

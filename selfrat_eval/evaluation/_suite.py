"""`selfrat suite`: one judge on the whole panel (one engine load, each benchmark resumable in its own
folder), then a judge card: every benchmark's headline with its CI and n beside the trivial baselines,
the bias diagnostics, calibration, parse-failure and tie rates, the cost, and the judge and data
identities."""

from __future__ import annotations

import html
import json
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from selfrat_eval._errors import DataNotFound
from selfrat_eval._machine import versions
from selfrat_eval.benchmarks import Judgment, ScoringOptions, benchmark_class, benchmark_names
from selfrat_eval.benchmarks._leaderboard import safe_model_name
from selfrat_eval.data._io import atomic_write
from selfrat_eval.evaluation._baselines import BASELINES, baseline_scores
from selfrat_eval.evaluation._bias import bias_diagnostics
from selfrat_eval.evaluation._calibration import judge_calibration
from selfrat_eval.evaluation._compare import html_table, markdown_table, save_figure
from selfrat_eval.evaluation._cost import Prices
from selfrat_eval.evaluation._runner import EvalConfig, run_eval
from selfrat_eval.evaluation._store import read_judgments
from selfrat_eval.judges import Engine
from selfrat_eval.prompts import GradingMode


def panel() -> list[str]:
    """The published benchmarks (your own rubric or pairwise files are not part of the panel)."""
    return [name for name in benchmark_names() if not benchmark_class(name).user_data]


def run_suite(
    template: EvalConfig,
    benchmarks: list[str],
    data: dict[str, Path] | None = None,
    engine_factory: Callable[[], Engine] | None = None,
    *,
    mode: GradingMode | None = None,
    both_orders: bool = False,
    prices: Prices | None = None,
    on_missing: Callable[[str, str], object] | None = None,
) -> dict[str, Any]:
    """Run `template` (judge, engine, strategy, limit, ...) on each benchmark into
    `template.out/<benchmark>`, then write the card into `template.out`. `data` maps a benchmark to a
    local file; the others load from $SELFRAT_DATA_DIR or the hub. `mode` and `both_orders` apply to
    the benchmarks that have them; the others run their default (the template's are not used).
    `prices` price each benchmark's judging as `run_eval` does. A benchmark whose published data is
    not here (`DataNotFound`) is skipped, listed in the card's `not_run` and passed to `on_missing`;
    broken data still stops the suite."""
    engine: Engine | None = None

    def shared_engine() -> Engine:  # loaded once, on the first benchmark that has items to judge
        nonlocal engine
        if engine is None:
            engine = engine_factory() if engine_factory else template.load_engine()
        return engine

    entries, skipped = [], []
    for name in benchmarks:
        modes = benchmark_class(name).modes
        chosen = mode if mode in modes else modes[0]
        config = replace(
            template,
            benchmark=name,
            out=template.out / name,
            data=(data or {}).get(name),
            mode=chosen,
            both_orders=both_orders and chosen == "pairwise",
        )
        started = time.perf_counter()
        try:
            results = run_eval(config, engine_factory=shared_engine, prices=prices)
        except DataNotFound as missing:  # the panel runs on what is here; the card says what is not
            skipped.append({"benchmark": name, "reason": str(missing)})
            if on_missing is not None:
                on_missing(name, str(missing))
            continue
        entries.append(_entry(config, results, time.perf_counter() - started))
    if not entries:
        raise DataNotFound(
            "no benchmark of the suite has its data here: "
            + "; ".join(f"{s['benchmark']}: {s['reason']}" for s in skipped)
        )
    card = {
        "judge": template.judge,
        "engine": engine.identity if engine is not None else {"backend": template.backend},
        "strategy": template.parsed_strategy().label,
        "limit": template.limit,
        "benchmarks": entries,
        "not_run": skipped,
        "versions": versions(),
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    write_card(card, template.out)
    return card


def _entry(config: EvalConfig, results: dict[str, Any], seconds: float) -> dict[str, Any]:
    benchmark = config.task()
    items, _source = benchmark.load(config.data, config.revision)
    items = list(items)[: config.limit] if config.limit is not None else list(items)
    judgments = read_judgments(config.out / "judgments.jsonl")
    timings = results.get("timings") or {}
    metrics = results["metrics"]
    headline = benchmark.harness_metrics[0]
    options = ScoringOptions(config.tie_policy, n_resamples=0, seed=config.seed)
    baselines = baseline_scores(benchmark, items, options, seed=config.seed)
    return {
        "benchmark": benchmark.name,
        "title": benchmark.title,
        "metric": headline.name,
        "headline": headline.estimate(metrics),
        "baselines": {rule: _defined(headline.read(scores)) for rule, scores in baselines.items()},
        "bias": bias_diagnostics(benchmark, items, judgments),
        "calibration": judge_calibration(judgments, seed=config.seed),
        "parse_failure_rate": metrics.get("parse_failure_rate"),
        "tie_rate": metrics.get("tie_rate"),
        "loop_rate": _loop_rate(judgments),
        "cost": {
            "items": len(judgments),
            "judge_samples": sum(len(texts) for j in judgments for texts in j.outputs.values()),
            "output_characters": sum(
                len(t) for j in judgments for texts in j.outputs.values() for t in texts
            ),
            "input_tokens_now": timings.get("input_tokens_now"),
            "output_tokens_now": timings.get("output_tokens_now"),
            "usd_now": (results.get("cost") or {}).get("now", {}).get("total"),
            "wall_s": seconds,
        },
        "data": results.get("data"),
        "run": str(config.out),
    }


def _loop_rate(judgments: Sequence[Judgment]) -> float | None:
    """The share of judge samples the loop guard ended (None where no sample says how it ended)."""
    finishes = [f for j in judgments for per_slot in j.finish.values() for f in per_slot if f is not None]
    return finishes.count("loop") / len(finishes) if finishes else None


def _per_sample(entry: dict[str, Any]) -> str:
    cost = entry["cost"]
    tokens, samples = cost.get("output_tokens_now"), cost.get("judge_samples")
    return "" if not tokens or not samples else f"{tokens / samples:.0f}"


def _defined(value: float) -> float | None:
    """NaN (e.g. a correlation of constant ratings) as None, which JSON can hold."""
    return None if math.isnan(value) else value


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}"


def card_rows(card: dict[str, Any]) -> list[list[str]]:
    rows = [
        [
            "benchmark",
            "metric",
            "score",
            "95% CI",
            "n",
            *BASELINES,
            "first picks",
            "longer picks",
            "orders agree",
            "parse fail",
            "loops",
            "tokens/sample",
            "ECE (samples)",
            "JS to labels",
        ]
    ]
    for entry in card["benchmarks"]:
        estimate, bias = entry["headline"] or {}, entry["bias"]
        low, high = estimate.get("ci_low"), estimate.get("ci_high")
        rows.append(
            [
                entry["benchmark"],
                entry["metric"],
                _percent(estimate.get("value")),
                "" if low is None or high is None else f"[{_percent(low)}, {_percent(high)}]",
                str(estimate.get("n", "")),
                *(_percent(entry["baselines"][rule]) for rule in BASELINES),
                f"{_percent(bias['first_pick_rate'])} (chance {_percent(bias['first_pick_chance'])})"
                if bias["first_pick_rate"] is not None
                else "",
                f"{_percent(bias['longer_pick_rate'])} (chance {_percent(bias['longer_pick_chance'])})"
                if bias["longer_pick_rate"] is not None
                else "",
                "" if bias["position_consistency"] is None else _percent(bias["position_consistency"]),
                _percent(entry["parse_failure_rate"]),
                _percent(entry.get("loop_rate")),
                _per_sample(entry),
                *_calibration_cells(entry.get("calibration") or {}),
            ]
        )
    return rows


def _calibration_cells(calibration: dict[str, Any]) -> tuple[str, str]:
    """ECE of the majority's vote share (sampled strategies) and the Jensen-Shannon divergence of the
    judge's 1-5 scores from the labels' ('' where the benchmark or strategy has none)."""
    reliability, distributions = calibration.get("self_consistency"), calibration.get("score_distributions")
    ece = (reliability or {}).get("ece", {}).get("value")
    divergence = ((distributions or {}).get("jensen_shannon") or {}).get("value")
    return ("" if ece is None else f"{ece:.3f}", "" if divergence is None else f"{divergence:.3f}")


def write_card(card: dict[str, Any], out: Path) -> list[Path]:
    """card.json, card.md, card.html, card.png (headlines with CIs and baselines), bias.png."""
    out.mkdir(parents=True, exist_ok=True)
    title = f"Judge card: {safe_model_name(card['judge'])} ({card['strategy']})"
    rows = card_rows(card)
    notes = (
        "Scores x100 with bootstrap 95% CIs; the baselines answer without a model (random, always the first "
        "response, the longer, the shorter) and are scored by the same code. First / longer picks: the share "
        "of verdicts that pick the response shown first / the longest one shown, against chance. ECE: "
        "expected calibration error of the majority verdict's vote share among a request's samples (sampled "
        "strategies); JS: Jensen-Shannon divergence (bits) of the judge's 1-5 scores from the labels'."
    )
    costs = [entry["cost"] for entry in card["benchmarks"]]
    seconds = sum(cost["wall_s"] for cost in costs)
    samples = sum(cost["judge_samples"] for cost in costs)
    summary = (
        f"{len(costs)} benchmarks, {samples} judge samples, {seconds:.0f} s; judged now: "
        f"{sum(c['input_tokens_now'] for c in costs):,} input + "
        f"{sum(c['output_tokens_now'] for c in costs):,} output tokens"
    )
    if costs and all(cost["usd_now"] is not None for cost in costs):  # priced (--price-input/-output)
        summary += f", ${sum(c['usd_now'] for c in costs):,.4f}"
    summary += "."
    not_run = "".join(
        f"- not run, no data here: **{s['benchmark']}**: {s['reason']}\n" for s in card.get("not_run", [])
    )
    not_run += "\n" if not_run else ""
    names = ("card.json", "card.md", "card.html", "card.png", "bias.png", "calibration.png")
    paths = [out / name for name in names]
    with atomic_write(paths[0]) as handle:
        json.dump(card, handle, indent=2)
    with atomic_write(paths[1]) as handle:
        handle.write(f"# {title}\n\n{summary}\n\n{markdown_table(rows)}\n\n{notes}\n\n{not_run}")
        handle.write("![headlines](card.png)\n\n![bias](bias.png)\n\n![calibration](calibration.png)\n")
    with atomic_write(paths[2]) as handle:
        handle.write(
            f"<!doctype html><meta charset='utf-8'><title>{html.escape(title)}</title>"
            f"<h1>{html.escape(title)}</h1><p>{html.escape(summary)}</p>{html_table(rows)}<p>{html.escape(notes)}</p>"
            "<img src='card.png' alt='headlines with 95% CIs and baselines'><img src='bias.png' alt='bias'>"
            "<img src='calibration.png' alt='calibration'>"
        )
    _plot_headlines(card, paths[3])
    _plot_bias(card, paths[4])
    _plot_calibration(card, paths[5])
    return paths


def _plot_calibration(card: dict[str, Any], path: Path) -> None:
    """Reliability of the majority vote share per benchmark (sampled strategies), and the judge's
    1-5 score distributions beside the labels'."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (left, right) = plt.subplots(1, 2, figsize=(10, 3.8))
    left.plot([0, 1], [0, 1], color="0.6", linestyle="--", linewidth=1)
    sampled = [
        (e["benchmark"], (e.get("calibration") or {}).get("self_consistency")) for e in card["benchmarks"]
    ]
    for name, reliability in sampled:
        if reliability and reliability["bins"]:
            bins = reliability["bins"]
            left.plot([b["confidence"] for b in bins], [b["accuracy"] for b in bins], "o-", label=name)
    if left.get_legend_handles_labels()[0]:
        left.legend(fontsize=6)
    else:
        left.annotate("no sampled strategy: no vote shares", (0.5, 0.5), ha="center", fontsize=8)
    left.set_xlabel("majority vote share among the samples")
    left.set_ylabel("majority verdict right")
    left.set_title("reliability", fontsize=9)
    rated = [
        (e["benchmark"], distributions)
        for e in card["benchmarks"]
        if (distributions := (e.get("calibration") or {}).get("score_distributions")) and distributions["n"]
    ]
    scale = np.arange(1, 6)
    width = 0.8 / (len(rated) + 1) if rated else 0.8
    if rated:
        right.bar(scale - 0.4, rated[0][1]["labels"], width, color="0.3", label=f"labels ({rated[0][0]})",
                  align="edge")  # fmt: skip
    for k, (name, distributions) in enumerate(rated, start=1):
        right.bar(scale - 0.4 + k * width, distributions["judge"], width, label=name, align="edge")
    if rated:
        right.legend(fontsize=6)
    else:
        right.annotate("no readable 1-5 scores with labels", (3, 0.5), ha="center", fontsize=8)
    right.set_xticks(scale)
    right.set_xlabel("score")
    right.set_ylabel("share of readable scores")
    right.set_title("score distributions", fontsize=9)
    figure.tight_layout()
    save_figure(figure, path)


def _plot_headlines(card: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    entries = card["benchmarks"]
    figure, axis = plt.subplots(figsize=(7.5, 0.6 * len(entries) + 1.6))
    styles = dict(
        zip(BASELINES, (("x", "#8c8c8c"), ("|", "#937860"), ("^", "#c44e52"), ("v", "#55a868")), strict=True)
    )
    labelled: set[str] = set()
    for row, entry in enumerate(entries):
        estimate = entry["headline"] or {}
        value = estimate.get("value")
        if value is None:
            axis.annotate("n/a", (0, row), va="center")
        else:
            low, high = estimate.get("ci_low"), estimate.get("ci_high")
            error = None if low is None or high is None else [[100 * (value - low)], [100 * (high - value)]]
            axis.barh(row, 100 * value, xerr=error, color="#4c72b0", capsize=4, height=0.6)
        for rule, (marker, color) in styles.items():
            baseline = entry["baselines"][rule]
            if baseline is not None:
                axis.plot(
                    100 * baseline,
                    row,
                    marker,
                    color=color,
                    markersize=9,
                    label=None if rule in labelled else rule,
                )
                labelled.add(rule)
    axis.set_yticks(range(len(entries)), [f"{e['benchmark']}\n{e['metric']}" for e in entries])
    axis.invert_yaxis()
    axis.set_xlabel("score x100, 95% CI (bars: the judge; markers: trivial baselines)")
    axis.legend(loc="lower right", fontsize="small")
    axis.set_title(f"{safe_model_name(card['judge'])} ({card['strategy']})")
    figure.tight_layout()
    save_figure(figure, path)


def _plot_bias(card: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    entries = [e for e in card["benchmarks"] if e["bias"]["first_pick_rate"] is not None]
    figure, axis = plt.subplots(figsize=(7, 0.6 * max(2, len(entries)) + 1.4))
    for row, entry in enumerate(entries):
        bias = entry["bias"]
        axis.plot(
            100 * bias["first_pick_rate"],
            row - 0.12,
            "o",
            color="#4c72b0",
            label="first picks" if row == 0 else None,
        )
        axis.plot(100 * bias["first_pick_chance"], row - 0.12, "|", color="#4c72b0", markersize=14)
        axis.plot(
            100 * bias["longer_pick_rate"],
            row + 0.12,
            "s",
            color="#dd8452",
            label="longer picks" if row == 0 else None,
        )
        axis.plot(100 * bias["longer_pick_chance"], row + 0.12, "|", color="#dd8452", markersize=14)
    axis.set_yticks(range(len(entries)), [e["benchmark"] for e in entries])
    axis.invert_yaxis()
    axis.set_xlim(0, 100)
    axis.set_xlabel("share of verdicts, % (tick: chance)")
    if entries:
        axis.legend(loc="lower right", fontsize="small")
    axis.set_title("position and length bias")
    figure.tight_layout()
    save_figure(figure, path)

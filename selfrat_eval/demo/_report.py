"""The demo's report: every arm's held-out accuracy and Pearson r with 95% CIs pooled over seeds,
paired differences on the same items, score confusion matrices, cost, and plots.

Accuracy is exact agreement of the judge's score with the label; an unparseable judgment counts as
wrong. Pooled over seeds, each held-out item contributes its mean correctness across seeds, and the
bootstrap resamples items (the seeds judged the same items, so items are the independent unit). A
paired difference compares two arms on each item the same way, with a sign-flip permutation p-value.

The arms are in `_arms`, the judge-as-grader ranking recovery in `_ranking`, rationale correctness and
calibration in `_rationales`, the plots in `_plots`.
"""

from __future__ import annotations

import html
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from selfrat_eval._machine import machine_info, versions
from selfrat_eval.benchmarks.rubric import load_rubric_file
from selfrat_eval.data._io import atomic_write, write_json
from selfrat_eval.demo._arms import Arm, arm_scores, arm_seeds, demo_arms, excludes_zero
from selfrat_eval.demo._format import ci, ci_verdict, pct, signed
from selfrat_eval.demo._plots import plot_arms, plot_confusion, plot_iterations
from selfrat_eval.demo._ranking import generator_ranking, ranking_intro, ranking_tables, ranking_verdict
from selfrat_eval.demo._rationales import (
    NO_SINGLE_RATIONALE,
    calibration_results,
    calibration_table,
    plot_calibration,
    rationale_checks,
    rationale_results,
    rationale_table,
)
from selfrat_eval.demo._run import STAGES_FILE, DemoConfig
from selfrat_eval.evaluation import read_judgments
from selfrat_eval.evaluation._compare import html_table, markdown_table, permutation_p_value
from selfrat_eval.metrics import agreement, mean_estimate

REPORT_FILE = "report.md"


@dataclass(frozen=True)
class _SeedRecords:
    """What one seed's run wrote about itself, read once: stage wall times, the loop's iterations, and
    the judgments per item the adaptive self-consistency arm drew."""

    stages: dict[str, float]
    iterations: list[dict[str, Any]]
    adaptive_per_item: float

    @classmethod
    def read(cls, config: DemoConfig, seed: int) -> _SeedRecords:
        folder = config.seed_dir(seed)
        iterations = [
            json.loads((folder / "sre" / f"iteration-{k}" / "iteration.json").read_text())
            for k in range(1, config.iterations + 1)
        ]
        adaptive = json.loads((folder / "arms" / "sft-adaptive" / "results.json").read_text())
        stages = json.loads((folder / STAGES_FILE).read_text())
        return cls(stages, iterations, adaptive["samples"]["judgments_per_item"])


def _cost(config: DemoConfig, arm: Arm, records: _SeedRecords) -> dict[str, float]:
    """Training wall time and judgments sampled for training, and evaluation judgments and time."""
    stages, iterations = records.stages, records.iterations
    if arm.key == "no-rationale":
        return {
            "train_s": stages["SFT without rationales"],
            "train_judgments": 0,
            "eval_per_item": 1,
            "eval_s": stages["eval SFT without rationales"],
        }
    if arm.key == "sft-more":
        return {
            "train_s": stages["SFT"] + stages["SFT trained on"],
            "train_judgments": 0,
            "eval_per_item": 1,
            "eval_s": stages["eval SFT trained on"],
        }
    if arm.key.startswith("sre-"):
        done = iterations[: int(arm.key.split("-")[1])]
        loop_s = sum(sum(v for s, v in it["timings_s"].items() if s != "eval") for it in done)
        return {
            "train_s": stages["SFT"] + loop_s,
            "train_judgments": sum(it["items"] * config.n for it in done),
            "eval_per_item": 1,
            "eval_s": done[-1]["timings_s"].get("eval", math.nan),
        }
    if arm.key == "sft-asc":  # as many judgments as the stopping rule drew
        return {
            "train_s": stages["SFT"],
            "train_judgments": 0,
            "eval_per_item": records.adaptive_per_item,
            "eval_s": stages[f"eval SFT adaptive x{config.n}"],
        }
    samples = arm.key != "sft"
    return {
        "train_s": stages["SFT"],
        "train_judgments": 0,
        "eval_per_item": config.n if samples else 1,
        "eval_s": stages[f"eval SFT x{config.n} samples" if samples else "eval SFT greedy"],
    }


def demo_results(config: DemoConfig) -> dict[str, Any]:
    """Every number the report shows, from the run folders (also written as report.json)."""
    items, _ = load_rubric_file(config.benchmark_dir() / "heldout.jsonl")
    ids = [item.id for item in items]
    labels = np.array([item.labels["label"] for item in items], dtype=float)
    seeds = config.seeds
    arms = demo_arms(config)
    records = {seed: _SeedRecords.read(config, seed) for seed in seeds}
    runs = {  # best-of-N re-reduces the self-consistency run: each run is read once
        (seed, arm.run): read_judgments(config.seed_dir(seed) / arm.run / "judgments.jsonl")
        for arm in arms
        for seed in arm_seeds(arm, seeds)
    }
    scores = {  # arm -> (seed, item) scores; nan rows for seeds that did not run the arm
        arm.key: np.stack(
            [
                arm_scores(runs[seed, arm.run], arm, ids)
                if seed in arm_seeds(arm, seeds)
                else np.full(len(ids), np.nan)
                for seed in seeds
            ]
        )
        for arm in arms
    }
    ran = {arm.key: np.array([seed in arm_seeds(arm, seeds) for seed in seeds]) for arm in arms}
    correct = {key: (s == labels).astype(float) for key, s in scores.items()}  # nan == x is False

    rows = []
    for arm in arms:
        mine = ran[arm.key]
        per_item = correct[arm.key][mine].mean(axis=0)
        rated = ~np.isnan(scores[arm.key][mine])
        pooled_scores = scores[arm.key][mine][rated]
        pooled_labels = np.broadcast_to(labels, rated.shape)[rated]
        costs = [_cost(config, arm, records[seed]) for seed in arm_seeds(arm, seeds)]
        rows.append(
            {
                "arm": arm.key,
                "label": arm.label,
                "seeds": arm_seeds(arm, seeds),
                "accuracy": mean_estimate(per_item, seed=config.data_seed).to_dict(),
                "accuracy_per_seed": [
                    mean_estimate(correct[arm.key][k], seed=config.data_seed).to_dict() if mine[k] else None
                    for k in range(len(seeds))
                ],
                "pearson": agreement(pooled_scores, pooled_labels, seed=config.data_seed).pearson.to_dict(),
                "parse_failure_rate": float(1 - rated.mean()),
                **{name: float(np.mean([c[name] for c in costs])) for name in costs[0]},
                "confusion": _confusion(scores[arm.key][mine], labels),
            }
        )

    last = f"sre-{config.iterations}"
    pairs = [
        (last, "sft"),
        (last, "sft-sc"),
        (last, "sft-bon"),
        ("sft-asc", "sft-sc"),
        (last, "sft-more"),
        ("sre-1", "sft"),
        ("sft", "no-rationale"),
    ]
    comparisons = []
    for better, baseline in dict.fromkeys(p for p in pairs if p[1] in correct):
        both = ran[better] & ran[baseline]  # paired on the seeds that ran both arms
        a, b = correct[better][both].mean(axis=0), correct[baseline][both].mean(axis=0)
        estimate = mean_estimate(a - b, seed=config.data_seed)
        comparisons.append(
            {
                "arm": better,
                "baseline": baseline,
                **estimate.to_dict(),
                "p_value": permutation_p_value([a], [b], lambda v: float(np.mean(v)), 1000, config.data_seed),
                "excludes_zero": excludes_zero(estimate),
                "per_seed": [
                    float(correct[better][k].mean() - correct[baseline][k].mean()) if both[k] else None
                    for k in range(len(seeds))
                ],
            }
        )
    missing = np.full((3, len(ids)), np.nan)
    working = {  # arm -> (right / consistent / correct, seed, item)
        arm.key: np.stack(
            [
                np.stack(list(rationale_checks(runs[seed, arm.run], items, arm.strategy).values()))
                if seed in arm_seeds(arm, seeds)
                else missing
                for seed in seeds
            ],
            axis=1,
        )
        for arm in arms
        if arm.key not in NO_SINGLE_RATIONALE
    }
    labels_of = {arm.key: arm.label for arm in arms}
    calibrated = {key: scores[key] for key in ("sft", last)}
    curation = {str(seed): [it["curation"] for it in records[seed].iterations] for seed in seeds}
    checks = {seed: config.seed_dir(seed) / "sft" / "check.json" for seed in seeds}
    sft_checks = {  # where each seed's SFT stopped: its check's last entry
        str(seed): json.loads(path.read_text())["history"][-1]
        for seed, path in checks.items()
        if path.exists()
    }
    return {
        "sft_checks": sft_checks,
        "config": json.loads(config.model_dump_json()),
        "n_items": len(ids),
        "seeds": seeds,
        "arms": rows,
        "comparisons": comparisons,
        "rationales": rationale_results(arms, working, last, config.data_seed),
        "calibration": calibration_results(
            [runs[seed, "arms/sft-samples"] for seed in seeds],
            labels,
            ids,
            calibrated,
            labels_of,
            config.data_seed,
        ),
        "curation": curation,
        # the generators answered the first `generator_questions` held-out questions
        "ranking": generator_ranking(config, ids[: config.generator_questions]),
    }


def _confusion(scores: np.ndarray, labels: np.ndarray) -> list[list[int]]:
    """Counts pooled over seeds: rows are labels 1-5, columns predicted 1-5 then unparseable."""
    matrix = np.zeros((5, 6), dtype=int)
    for row in scores:
        for score, label in zip(row, labels, strict=True):
            matrix[int(label) - 1, 5 if np.isnan(score) else int(score) - 1] += 1
    return matrix.tolist()


def _verdicts(results: dict[str, Any]) -> list[str]:
    """One plain sentence per headline comparison: the last SRE iteration against SFT, SC@N and, where
    it ran, SFT trained on for as many steps (on those seeds only); then against SFT as a grader."""
    labels = {row["arm"]: row["label"] for row in results["arms"]}
    last = f"sre-{max(int(k.split('-')[1]) for k in labels if k.startswith('sre-'))}"
    headline = [
        c
        for c in results["comparisons"]
        if c["arm"] == last and c["baseline"] in ("sft", "sft-sc", "sft-more")
    ]
    lines = []
    for comparison in headline:
        pair = f"{labels[comparison['arm']]} minus {labels[comparison['baseline']]}"
        ran = [
            seed
            for seed, value in zip(results["seeds"], comparison["per_seed"], strict=True)
            if value is not None
        ]
        if len(ran) < len(results["seeds"]):
            pair += f" (seed {', '.join(map(str, ran))} only)"
        if comparison["value"] is None or comparison["ci_low"] is None:
            lines.append(f"- {pair}: not estimable.")
            continue
        verdict = ci_verdict(comparison, labels[comparison["arm"]], "on these items")
        lines.append(f"- **{pair}**: {signed(comparison)}, p = {comparison['p_value']:.3f}; {verdict}.")
    return [*lines, ranking_verdict(results["ranking"])]


def _tables(results: dict[str, Any]) -> dict[str, list[list[str]]]:
    seeds = results["seeds"]
    arms = [
        [
            "arm",
            "accuracy % (95% CI)",
            *[f"seed {s}" for s in seeds],
            "Pearson r (95% CI)",
            "unparseable %",
            "training s",
            "judgments sampled for training",
            "eval judgments / item",
            "eval s",
        ]
    ]
    for row in results["arms"]:
        arms.append(
            [
                row["label"],
                ci(row["accuracy"]),
                *[pct(seed and seed["value"]) for seed in row["accuracy_per_seed"]],
                ci(row["pearson"], scale=1, digits=3),
                pct(row["parse_failure_rate"]),
                f"{row['train_s']:.0f}",
                f"{row['train_judgments']:.0f}",
                f"{row['eval_per_item']:.3g}",
                f"{row['eval_s']:.1f}",
            ]
        )
    labels = {row["arm"]: row["label"] for row in results["arms"]}
    diffs = [
        ["arm", "baseline", "difference, points (95% CI)", "p (permutation)", *[f"seed {s}" for s in seeds]]
    ]
    for c in results["comparisons"]:
        diffs.append(
            [
                labels[c["arm"]],
                labels[c["baseline"]],
                signed(c) if c["ci_low"] is not None else "n/a",
                "n/a" if c["p_value"] is None else f"{c['p_value']:.3f}",
                *["n/a" if d is None else f"{100 * d:+.1f}" for d in c["per_seed"]],
            ]
        )
    curation = [["seed", "iteration", "items", "items with pairs", "pairs", "unparseable samples %"]]
    for seed, iterations in results["curation"].items():
        for k, stats in enumerate(iterations, start=1):
            curation.append(
                [
                    seed,
                    str(k),
                    str(stats["items"]),
                    str(stats["items_with_pairs"]),
                    str(stats["pairs"]),
                    pct(stats["sample_parse_failure_rate"]),
                ]
            )
    return {
        "arms": arms,
        "differences": diffs,
        "curation": curation,
        "rationales": rationale_table(results["rationales"], ci),
        "calibration": calibration_table(results["calibration"]),
        **ranking_tables(results),
    }


def _rationale_intro(results: dict[str, Any]) -> str:
    """What the rationale table shows, and SRE's paired differences in words."""
    labels = {row["arm"]: row["label"] for row in results["arms"]}
    parts = [
        f"{labels[d['arm']]} minus {labels[d['baseline']]}: "
        + (signed(d) if d["ci_low"] is not None else "n/a")
        + ("" if d["p_value"] is None else f", p = {d['p_value']:.3f}")
        for d in results["rationales"]["differences"]
    ]
    return (
        "A rationale is correct when its working (`ans 082, resp 085, diff 003.`) is right and the score "
        "is the rubric's for the distance it states: the verifiable analogue of the paper's blind "
        "preference for the self-rationalized judge's rationales (62%). Best-of-N's rationale is its "
        "selected sample's. Pooled over seeds, CIs over held-out items. Correct rationales, paired: "
        + "; ".join(parts)
        + "."
    )


def _calibration_intro(results: dict[str, Any]) -> str:
    reliability = results["calibration"]["self_consistency"]
    return (
        f"SFT self-consistency: the majority score's vote share among the {results['config']['n']} "
        f"samples as its confidence (mean {pct(reliability['mean_confidence'])}%) against whether the "
        f"majority is right ({pct(reliability['accuracy'])}%): expected calibration error "
        f"{ci(reliability['ece'], scale=1, digits=3)} over {reliability['n']} (seed, item) judgments "
        "(10 equal-width bins). Below: each judge's readable scores beside the labels' (Jensen-Shannon "
        "divergence in bits, 0 = the same distribution): a judge that piles its scores on a few values "
        "shows here even where its correlation looks fine."
    )


PLOTS = {
    "by_iteration.png": "Held-out accuracy and Pearson r by SRE iteration",
    "arms.png": "Accuracy of every arm",
    "confusion.png": "Score confusion matrices",
    "calibration.png": "Calibration: SFT self-consistency's reliability, and score distributions",
}


def write_demo_report(config: DemoConfig, *, wall_s: float | None = None) -> Path:
    """report.md, report.html, report.json and the PNG plots in `config.out`; returns report.md."""
    previous = config.out / "report.json"
    if wall_s is None and previous.exists():  # --report-only keeps the wall time of the run itself
        wall_s = json.loads(previous.read_text()).get("wall_s")
    results = demo_results(config)
    results["wall_s"] = wall_s
    results["machine"], results["versions"] = machine_info(), versions()
    if previous.exists() and wall_s is not None:  # --report-only: the machine that ran it, not this one
        earlier = json.loads(previous.read_text())
        results["machine"] = earlier.get("machine", results["machine"])
        results["versions"] = earlier.get("versions", results["versions"])
    out = config.out
    tables = _tables(results)
    seeds = ", ".join(str(s) for s in results["seeds"])
    setup = (
        f"Arithmetic rubric benchmark (grade an answer to `a+b` by its distance from the sum), "
        f"{config.train_items} gold rationales for SFT, "
        f"{' then '.join(map(str, config.items_per_iteration))} sampling items judged N={config.n} times "
        f"(temperature 1) per SRE iteration, {results['n_items']} held-out items, seeds {seeds}. "
        "Judge: a 0.8M-parameter Llama with a character-level tokenizer, trained from scratch here. "
        "Accuracy is exact agreement with the label (unparseable counts as wrong); CIs are 95% "
        "bootstrap intervals over held-out items, pooled over seeds."
        + (f" Wall time of this run: {wall_s / 60:.1f} min." if wall_s else "")
        + f" Machine: {_machine_line(results)}. Absolute accuracies move with the CPU's floating-point "
        "path; the paired differences are what replicates."
    )
    verdicts = _verdicts(results)
    md = "\n\n".join(
        [
            "# Self-Rationalization vs its baselines: toy replication",
            setup,
            "## Result, as measured\n\n" + "\n".join(verdicts),
            "## Arms\n\n" + markdown_table(tables["arms"]),
            _sft_checks_line(results, config),
            "Best-of-N re-reduces the self-consistency samples (same judgments, another selection rule); "
            "training time counts SFT plus every SRE iteration so far (sampling, curation, DPO).",
            "## Paired differences (pooled over seeds, same items)\n\n"
            + markdown_table(tables["differences"]),
            "## Rationale correctness (checked exactly)\n\n" + _rationale_intro(results),
            markdown_table(tables["rationales"]),
            "## Calibration\n\n" + _calibration_intro(results),
            markdown_table(tables["calibration"]),
            "## Curation per iteration\n\n" + markdown_table(tables["curation"]),
            "## Judge as grader: ranking recovery\n\n" + ranking_intro(results),
            markdown_table(tables["recovery"]),
            markdown_table(tables["generators"]),
            *[f"## {title}\n\n![{title}]({name})" for name, title in PLOTS.items()],
            f"Reproduce: `selfrat demo --out {out}` (settings in demo.json).",
        ]
    )
    page = "".join(
        [
            "<!doctype html><meta charset='utf-8'><title>selfrat demo</title>",
            "<style>body{font-family:sans-serif;max-width:72em;margin:auto}td,th{padding:2px 8px}</style>",
            "<h1>Self-Rationalization vs its baselines: toy replication</h1>",
            f"<p>{html.escape(setup)}</p><h2>Result, as measured</h2><ul>",
            *[f"<li>{html.escape(line.removeprefix('- ').replace('**', ''))}</li>" for line in verdicts],
            "</ul><h2>Arms</h2>",
            html_table(tables["arms"]),
            "<h2>Paired differences</h2>",
            html_table(tables["differences"]),
            f"<h2>Rationale correctness</h2><p>{html.escape(_rationale_intro(results))}</p>",
            html_table(tables["rationales"]),
            f"<h2>Calibration</h2><p>{html.escape(_calibration_intro(results))}</p>",
            html_table(tables["calibration"]),
            "<h2>Curation per iteration</h2>",
            html_table(tables["curation"]),
            f"<h2>Judge as grader: ranking recovery</h2><p>{html.escape(ranking_intro(results))}</p>",
            html_table(tables["recovery"]),
            html_table(tables["generators"]),
            *[f"<h2>{title}</h2><img src='{name}' alt='{title}'>" for name, title in PLOTS.items()],
        ]
    )
    write_json(out / "report.json", results)
    with atomic_write(out / "report.html") as handle:
        handle.write(page)
    plot_iterations(results, out / "by_iteration.png")
    plot_arms(results, out / "arms.png")
    plot_confusion(results, out / "confusion.png")
    plot_calibration(results["calibration"], out / "calibration.png")
    with atomic_write(out / REPORT_FILE) as handle:
        handle.write(md + "\n")
    return out / REPORT_FILE


def _sft_checks_line(results: dict[str, Any], config: DemoConfig) -> str:
    """Per seed: where SFT stopped, by its check on sampling-split items."""
    parts = [
        f"seed {seed} {100 * check['accuracy']:.0f}% after {check['step']} steps"
        for seed, check in results["sft_checks"].items()
    ]
    stop_at = config.sft.check.stop_at
    rule = "no stopping rule" if stop_at is None else f"stopped at the first check >= {100 * stop_at:.0f}%"
    return (
        f"SFT greedy accuracy on {config.sft_check_items} sampling-split items, checked every "
        f"{config.sft.check.every} steps ({rule}, at most {config.sft.max_steps} steps): "
        + (", ".join(parts) or "not recorded")
        + "."
    )


def _machine_line(results: dict[str, Any]) -> str:
    machine, installed = results["machine"], results["versions"]
    threads = machine.get("torch_threads")
    return (
        f"{machine['cpu']}, {machine['logical_cores']} cores"
        + (f", {threads} torch threads ({machine.get('torch_cpu_capability')})" if threads else "")
        + "; "
        + ", ".join(f"{name} {installed.get(name)}" for name in ("torch", "transformers", "trl"))
    )

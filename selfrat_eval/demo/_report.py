"""The demo's report: every arm's held-out accuracy and Pearson r with 95% CIs pooled over seeds,
paired differences on the same items, score confusion matrices, cost, and plots.

Accuracy is exact agreement of the judge's score with the label; an unparseable judgment counts as
wrong. Pooled over seeds, each held-out item contributes its mean correctness across seeds, and the
bootstrap resamples items (the seeds judged the same items, so items are the independent unit). A
paired difference compares two arms on each item the same way, with a sign-flip permutation p-value.

Judge as grader: the SFT and last SRE judges grade the answers of toy generators of known quality
(`selfrat_eval.toy.TOY_GENERATORS`) to the same held-out questions, and `ranking_recovery` says how
well each judge's mean grades rank the generators as their true labels do.
"""

from __future__ import annotations

import html
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy.stats import spearmanr

from selfrat_eval._machine import machine_info, versions
from selfrat_eval.benchmarks import Judgment, RatingJudgment
from selfrat_eval.benchmarks.rubric import load_rubric_file
from selfrat_eval.data._io import atomic_write, write_json
from selfrat_eval.demo._rationales import (
    NO_SINGLE_RATIONALE,
    calibration_results,
    calibration_table,
    plot_calibration,
    rationale_checks,
    rationale_results,
    rationale_table,
)
from selfrat_eval.demo._run import GENERATORS_SPLIT, GRADER_RUNS, STAGES_FILE, DemoConfig
from selfrat_eval.evaluation import read_judgments
from selfrat_eval.evaluation._compare import html_table, markdown_table, permutation_p_value, save_figure
from selfrat_eval.judges import Strategy
from selfrat_eval.metrics import DEFAULT_RESAMPLES, Estimate, agreement, bootstrap_estimates, mean_estimate
from selfrat_eval.toy import TOY_GENERATORS, generator_row_id

REPORT_FILE = "report.md"


@dataclass(frozen=True)
class Arm:
    key: str
    label: str
    run: str  # the run folder under seed-K
    strategy: str | None = None  # re-reduce the run's stored samples (best-of-N from the same samples)
    seeds: tuple[int, ...] = ()  # the seeds that ran it; empty = every seed


def demo_arms(config: DemoConfig) -> list[Arm]:
    n = config.n
    arms = [
        Arm("sft", "SFT (greedy)", "arms/sft"),
        Arm("sft-sc", f"SFT self-consistency@{n}", "arms/sft-samples"),
        Arm("sft-bon", f"SFT best-of-{n} (mean log-prob)", "arms/sft-samples", f"best-of-n:{n}"),
        Arm(
            "sft-asc",
            f"SFT adaptive self-consistency (max {n}, confidence {config.adaptive_confidence:g})",
            "arms/sft-adaptive",
        ),
    ]
    arms += [
        Arm(f"sre-{k}", f"SRE iteration {k}", f"sre/iteration-{k}/eval")
        for k in range(1, config.iterations + 1)
    ]
    ablation = tuple(config.seeds[: config.ablation_seeds])
    if ablation:
        arms += [
            Arm("no-rationale", "SFT without rationales (ablation)", "arms/no-rationale", seeds=ablation),
            Arm("sft-more", "SFT trained on (SRE's DPO steps)", "arms/sft-more", seeds=ablation),
        ]
    return arms


def _arm_seeds(arm: Arm, seeds: list[int]) -> list[int]:
    return list(arm.seeds) or seeds


def _scores(judgments: list[Judgment], arm: Arm, ids: list[str]) -> np.ndarray:
    """The arm's selected score per held-out item (nan where unparseable), in `ids` order."""
    if arm.strategy:
        judgments = [j.with_strategy(Strategy.parse(arm.strategy, selector="logprob")) for j in judgments]
    by_id = {j.id: j for j in judgments if isinstance(j, RatingJudgment)}
    return np.array([np.nan if by_id[i].score is None else by_id[i].score for i in ids], dtype=float)


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
        for seed in _arm_seeds(arm, seeds)
    }
    scores = {  # arm -> (seed, item) scores; nan rows for seeds that did not run the arm
        arm.key: np.stack(
            [
                _scores(runs[seed, arm.run], arm, ids)
                if seed in _arm_seeds(arm, seeds)
                else np.full(len(ids), np.nan)
                for seed in seeds
            ]
        )
        for arm in arms
    }
    ran = {arm.key: np.array([seed in _arm_seeds(arm, seeds) for seed in seeds]) for arm in arms}
    correct = {key: (s == labels).astype(float) for key, s in scores.items()}  # nan == x is False

    rows = []
    for arm in arms:
        mine = ran[arm.key]
        per_item = correct[arm.key][mine].mean(axis=0)
        rated = ~np.isnan(scores[arm.key][mine])
        pooled_scores = scores[arm.key][mine][rated]
        pooled_labels = np.broadcast_to(labels, rated.shape)[rated]
        costs = [_cost(config, arm, records[seed]) for seed in _arm_seeds(arm, seeds)]
        rows.append(
            {
                "arm": arm.key,
                "label": arm.label,
                "seeds": _arm_seeds(arm, seeds),
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
                "excludes_zero": _excludes_zero(estimate),
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
                if seed in _arm_seeds(arm, seeds)
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
        "ranking": _generator_ranking(config, ids[: config.generator_questions]),
    }


def _excludes_zero(estimate: Estimate) -> bool:
    low, high = estimate.ci_low, estimate.ci_high
    return low is not None and high is not None and (low > 0 or high < 0)


def rank_recovery(grades: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Per seed, Spearman's rho between a judge's mean grade per generator and the generators' truth.

    `grades` is (seeds, generators, questions), nan where the judgment was unreadable; `labels` is
    (generators, questions), the true labels; the truth is each generator's mean true label. A mean
    grade is over the readable grades. The value is nan where the ranking is undefined: a generator
    with no readable grade, or the same mean grade for every generator (a constant vector has no
    ranking: scipy says nan too, with a warning), or the same truth for every generator.
    """
    truth = labels.mean(axis=-1)
    return np.array(
        [
            spearmanr(means, truth).statistic
            if not np.isnan(means).any() and np.ptp(means) > 0 and np.ptp(truth) > 0
            else np.nan
            for means in _mean_readable(grades, -1)
        ],
        dtype=float,
    )


def _mean_readable(grades: np.ndarray, axis: int | tuple[int, ...]) -> np.ndarray:
    """The mean of the readable (not nan) grades along `axis`, nan where none is: np.nanmean without
    its warning for an all-nan slice."""
    readable = ~np.isnan(grades)
    counts = readable.sum(axis=axis)
    return np.where(
        counts > 0, np.where(readable, grades, 0.0).sum(axis=axis) / np.maximum(counts, 1), np.nan
    )


def _pooled_recovery(grades: np.ndarray, labels: np.ndarray) -> float:
    """The mean over seeds of each seed's rank recovery: how well one judge of the recipe ranks (the
    seeds' grades averaged first would measure an ensemble of judges instead)."""
    return float(np.mean(rank_recovery(grades, labels)))


def ranking_recovery(
    baseline: np.ndarray,
    judge: np.ndarray,
    labels: np.ndarray,
    *,
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: int = 0,
) -> dict[str, Any]:
    """How well two judges' grades rank generators as their true labels do, and the paired difference.

    `baseline` and `judge` are (seeds, generators, questions) grades (nan: unreadable) of the same
    answers, `labels` their (generators, questions) true labels. Per judge: the mean over seeds of
    Spearman's rho (`rank_recovery`) with its bootstrap 95% CI, and per seed. The bootstrap resamples
    questions, the same resample for every generator, seed and judge (questions are the independent
    unit: every generator answered them, every seed's judges graded the answers). The difference
    judge - baseline is paired on the same resamples; its p-value is a permutation test that swaps
    the two judges' grades of a question (every seed, every generator) at random.
    """
    questions = np.arange(labels.shape[-1])

    def statistic(sample: np.ndarray) -> np.ndarray:
        a = _pooled_recovery(baseline[..., sample], labels[:, sample])
        b = _pooled_recovery(judge[..., sample], labels[:, sample])
        return np.array([a, b, b - a])

    estimates = bootstrap_estimates([questions], statistic, n_resamples=n_resamples, seed=seed)
    # Both judges' grades side by side: index q picks the judge's grades of question q, q + M the
    # baseline's, so swapping a question's two indices swaps the judges on that question.
    both, both_labels = np.concatenate([judge, baseline], axis=-1), np.concatenate([labels, labels], axis=-1)
    p_value = permutation_p_value(
        [questions],
        [questions + len(questions)],
        lambda sample: _pooled_recovery(both[..., sample], both_labels[:, sample]),
        n_resamples,
        seed,
    )
    per_seed = [rank_recovery(grades, labels) for grades in (baseline, judge)]
    return {
        "judges": [
            {
                "spearman": estimate.to_dict(),
                "spearman_per_seed": [None if np.isnan(v) else float(v) for v in rhos],
                "unreadable_rate": float(np.isnan(grades).mean()),
                "mean_grades": [None if np.isnan(v) else float(v) for v in _mean_readable(grades, (0, 2))],
            }
            for estimate, rhos, grades in zip(estimates[:2], per_seed, (baseline, judge), strict=True)
        ],
        "difference": {
            **estimates[2].to_dict(),
            "p_value": p_value,
            "excludes_zero": _excludes_zero(estimates[2]),
            "per_seed": [None if np.isnan(v) else float(v) for v in per_seed[1] - per_seed[0]],
        },
    }


def _generator_ranking(config: DemoConfig, questions: list[str]) -> dict[str, Any]:
    """The toy generators' truth, and how the SFT and last SRE judges' greedy grades rank them."""
    items, _ = load_rubric_file(config.benchmark_dir() / f"{GENERATORS_SPLIT}.jsonl")
    truth = {item.id: item.labels["label"] for item in items}
    ids = [
        generator_row_id(generator.name, question) for generator in TOY_GENERATORS for question in questions
    ]
    labels = np.array([truth[i] for i in ids], dtype=float).reshape(len(TOY_GENERATORS), len(questions))
    arms = {row.key: row for row in demo_arms(config)}
    graders = [
        Arm("sft", arms["sft"].label, GRADER_RUNS["sft"]),
        Arm(f"sre-{config.iterations}", arms[f"sre-{config.iterations}"].label, GRADER_RUNS["sre"]),
    ]
    grades = [
        np.stack(
            [
                _scores(
                    read_judgments(config.seed_dir(seed) / arm.run / "judgments.jsonl"), arm, ids
                ).reshape(labels.shape)
                for seed in config.seeds
            ]
        )
        for arm in graders
    ]
    sft, sre = grades
    result = ranking_recovery(sft, sre, labels, seed=config.data_seed)
    for arm, judge in zip(graders, result["judges"], strict=True):
        judge.update(arm=arm.key, label=arm.label)
    result["difference"].update(arm=graders[1].key, baseline=graders[0].key)
    result["questions"] = len(questions)
    result["generators"] = [
        {
            "name": generator.name,
            "exact_rate": generator.exact_rate,
            "max_miss": generator.max_miss,
            "expected_label": generator.expected_label(),
            "true_mean_label": float(mean),
        }
        for generator, mean in zip(TOY_GENERATORS, labels.mean(axis=-1), strict=True)
    ]
    return result


def _confusion(scores: np.ndarray, labels: np.ndarray) -> list[list[int]]:
    """Counts pooled over seeds: rows are labels 1-5, columns predicted 1-5 then unparseable."""
    matrix = np.zeros((5, 6), dtype=int)
    for row in scores:
        for score, label in zip(row, labels, strict=True):
            matrix[int(label) - 1, 5 if np.isnan(score) else int(score) - 1] += 1
    return matrix.tolist()


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}"


def _ci(estimate: dict[str, Any], scale: float = 100, digits: int = 1) -> str:
    if estimate["value"] is None:
        return "n/a"
    value = f"{scale * estimate['value']:.{digits}f}"
    if estimate["ci_low"] is None:
        return value
    return f"{value} [{scale * estimate['ci_low']:.{digits}f}, {scale * estimate['ci_high']:.{digits}f}]"


def _signed(estimate: dict[str, Any], scale: float = 100, digits: int = 1, unit: str = " points") -> str:
    value, low, high = (scale * estimate[k] for k in ("value", "ci_low", "ci_high"))
    return f"{value:+.{digits}f}{unit} [{low:+.{digits}f}, {high:+.{digits}f}]"


def _ci_verdict(comparison: dict[str, Any], arm: str, where: str) -> str:
    """Whether a paired difference's 95% CI excludes zero, in words (`arm` is better or worse `where`)."""
    if comparison["excludes_zero"]:
        direction = "better" if comparison["value"] > 0 else "worse"
        return f"the 95% CI excludes zero: {arm} is {direction} {where}"
    return "the 95% CI includes zero: no difference is established"


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
        verdict = _ci_verdict(comparison, labels[comparison["arm"]], "on these items")
        lines.append(f"- **{pair}**: {_signed(comparison)}, p = {comparison['p_value']:.3f}; {verdict}.")
    return [*lines, _ranking_verdict(results["ranking"])]


def _ranking_verdict(ranking: dict[str, Any]) -> str:
    """The judge-as-grader figure: does the SRE judge's grading rank the toy generators better?"""
    sft, sre = ranking["judges"]
    difference = ranking["difference"]
    pair = f"Ranking the toy generators, {sre['label']} minus {sft['label']}"
    rhos = f"Spearman rho with the true ranking {_rho(sre)} vs {_rho(sft)}"
    if difference["value"] is None:
        return (
            f"- {pair}: not estimable ({rhos}; a judge's ranking is undefined on some seed: see n/a below)."
        )
    p_value = "" if difference["p_value"] is None else f", p = {difference['p_value']:.3f}"
    if difference["ci_low"] is None:
        return (
            f"- {pair}: {rhos}, difference {_difference(difference)}{p_value}; no CI (a judge's ranking "
            "is undefined on some resample of the questions), so no difference is established."
        )
    verdict = _ci_verdict(difference, sre["label"], "at ranking them")
    return f"- **{pair}**: {rhos}, difference {_difference(difference)}{p_value}; {verdict}."


def _rho(judge: dict[str, Any]) -> str:
    return _ci(judge["spearman"], scale=1, digits=3)


def _difference(difference: dict[str, Any]) -> str:
    """A difference of Spearman rhos, signed, with its CI where it has one."""
    if difference["value"] is None:
        return "n/a"
    if difference["ci_low"] is None:
        return f"{difference['value']:+.3f}"
    return _signed(difference, scale=1, digits=3, unit="")


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
                _ci(row["accuracy"]),
                *[_pct(seed and seed["value"]) for seed in row["accuracy_per_seed"]],
                _ci(row["pearson"], scale=1, digits=3),
                _pct(row["parse_failure_rate"]),
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
                _signed(c) if c["ci_low"] is not None else "n/a",
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
                    _pct(stats["sample_parse_failure_rate"]),
                ]
            )
    return {
        "arms": arms,
        "differences": diffs,
        "curation": curation,
        "rationales": rationale_table(results["rationales"], _ci),
        "calibration": calibration_table(results["calibration"]),
        **_ranking_tables(results),
    }


def _rationale_intro(results: dict[str, Any]) -> str:
    """What the rationale table shows, and SRE's paired differences in words."""
    labels = {row["arm"]: row["label"] for row in results["arms"]}
    parts = [
        f"{labels[d['arm']]} minus {labels[d['baseline']]}: "
        + (_signed(d) if d["ci_low"] is not None else "n/a")
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
        f"samples as its confidence (mean {_pct(reliability['mean_confidence'])}%) against whether the "
        f"majority is right ({_pct(reliability['accuracy'])}%): expected calibration error "
        f"{_ci(reliability['ece'], scale=1, digits=3)} over {reliability['n']} (seed, item) judgments "
        "(10 equal-width bins). Below: each judge's readable scores beside the labels' (Jensen-Shannon "
        "divergence in bits, 0 = the same distribution): a judge that piles its scores on a few values "
        "shows here even where its correlation looks fine."
    )


def _ranking_tables(results: dict[str, Any]) -> dict[str, list[list[str]]]:
    """The judge-as-grader tables: each judge's ranking recovery, and each generator's truth and grades."""
    ranking = results["ranking"]
    recovery = [
        [
            "judge",
            "Spearman rho with the truth (95% CI)",
            *[f"seed {s}" for s in results["seeds"]],
            "unreadable %",
        ]
    ]
    for judge in ranking["judges"]:
        recovery.append(
            [
                judge["label"],
                _rho(judge),
                *["n/a" if v is None else f"{v:.3f}" for v in judge["spearman_per_seed"]],
                _pct(judge["unreadable_rate"]),
            ]
        )
    difference = ranking["difference"]
    sft, sre = ranking["judges"]
    recovery.append(
        [
            f"{sre['label']} minus {sft['label']}",
            _difference(difference)
            + ("" if difference["p_value"] is None else f", p = {difference['p_value']:.3f}"),
            *["n/a" if v is None else f"{v:+.3f}" for v in difference["per_seed"]],
            "",
        ]
    )
    generators = [
        [
            "generator",
            "exact %",
            "miss otherwise",
            "designed quality",
            "true mean label",
            *[f"{judge['label']} mean grade" for judge in ranking["judges"]],
        ]
    ]
    for k, generator in enumerate(ranking["generators"]):
        generators.append(
            [
                generator["name"],
                f"{100 * generator['exact_rate']:.0f}",
                f"1-{generator['max_miss']}" if generator["max_miss"] > 1 else "1",
                f"{generator['expected_label']:.3f}",
                f"{generator['true_mean_label']:.3f}",
                *[
                    "n/a" if judge["mean_grades"][k] is None else f"{judge['mean_grades'][k]:.3f}"
                    for judge in ranking["judges"]
                ],
            ]
        )
    return {"recovery": recovery, "generators": generators}


def _ranking_intro(results: dict[str, Any]) -> str:
    ranking = results["ranking"]
    return (
        f"{len(ranking['generators'])} toy answer generators of known quality "
        "(`selfrat_eval/toy/_generators.py`: exact at a known rate, otherwise off by 1 to a known "
        "maximum, evenly spread; rarely exact with near misses alternating with more often exact with "
        f"far misses) each answered the same {ranking['questions']} held-out questions, and each judge "
        "graded every answer greedily. The truth is each generator's mean true label (it orders them as "
        "their designed quality does). Spearman rho is between a judge's mean grade per generator (over "
        "its readable grades) and the truth, per seed, pooled as the mean over seeds; the 95% bootstrap "
        "CIs resample the questions (the same resample for every generator, seed and judge) and pair the "
        "difference on them; its p-value is a permutation test (the two judges' grades of a question "
        "swapped at random). n/a: undefined, where a judge gave every generator the same mean grade (a "
        "constant vector has no ranking) or a generator no readable grade, on some seed or, for a CI, on "
        "some resample."
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
            "## Judge as grader: ranking recovery\n\n" + _ranking_intro(results),
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
            f"<h2>Judge as grader: ranking recovery</h2><p>{html.escape(_ranking_intro(results))}</p>",
            html_table(tables["recovery"]),
            html_table(tables["generators"]),
            *[f"<h2>{title}</h2><img src='{name}' alt='{title}'>" for name, title in PLOTS.items()],
        ]
    )
    write_json(out / "report.json", results)
    with atomic_write(out / "report.html") as handle:
        handle.write(page)
    _plot_iterations(results, out / "by_iteration.png")
    _plot_arms(results, out / "arms.png")
    _plot_confusion(results, out / "confusion.png")
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


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _errorbar(estimate: dict[str, Any]) -> tuple[float, list[float]]:
    value = estimate["value"] if estimate["value"] is not None else math.nan
    if estimate["ci_low"] is None:
        return value, [0.0, 0.0]
    return value, [value - estimate["ci_low"], estimate["ci_high"] - value]


def _plot_iterations(results: dict[str, Any], path: Path) -> None:
    plt = _pyplot()
    rows = {row["arm"]: row for row in results["arms"]}
    steps = ["sft", *sorted(k for k in rows if k.startswith("sre-"))]
    names = ["SFT", *[f"SRE it{k.split('-')[1]}" for k in steps[1:]]]
    x = np.arange(len(steps))
    figure, (left, right) = plt.subplots(1, 2, figsize=(10, 3.8))
    for k in range(len(results["seeds"])):  # SFT and SRE run on every seed
        left.plot(
            x,
            [rows[s]["accuracy_per_seed"][k]["value"] for s in steps],
            color="0.7",
            marker=".",
            label="per seed" if k == 0 else None,
        )
    for axis, metric in ((left, "accuracy"), (right, "pearson")):
        bars = [_errorbar(rows[s][metric]) for s in steps]
        axis.errorbar(
            x,
            [b[0] for b in bars],
            yerr=np.array([b[1] for b in bars]).T,
            color="#4c72b0",
            marker="o",
            capsize=5,
            linewidth=2,
            label="pooled (95% CI)",
        )
        # The no-rationale ablation is far below (see arms.png): drawn here it would flatten the scale.
        for key, style in (("sft-sc", "--"), ("sft-bon", ":")):
            axis.axhline(
                rows[key][metric]["value"] or math.nan,
                linestyle=style,
                color="#dd8452",
                label=rows[key]["label"],
            )
        axis.set_xticks(x, names)
    left.set_ylabel("held-out exact accuracy")
    right.set_ylabel("Pearson r with the label")
    left.legend(fontsize=7, loc="lower right")
    figure.tight_layout()
    save_figure(figure, path)


def _plot_arms(results: dict[str, Any], path: Path) -> None:
    plt = _pyplot()
    rows = results["arms"]
    figure, axis = plt.subplots(figsize=(1.5 * len(rows) + 1, 3.6))
    bars = [_errorbar(row["accuracy"]) for row in rows]
    x = np.arange(len(rows))
    axis.bar(x, [b[0] for b in bars], yerr=np.array([b[1] for b in bars]).T, capsize=5, color="#4c72b0")
    for position, row in zip(x, rows, strict=True):
        values = [s["value"] for s in row["accuracy_per_seed"] if s is not None]
        axis.scatter(
            [position] * len(values),
            values,
            color="black",
            s=10,
            zorder=3,
        )
    axis.set_xticks(x, [row["label"].replace(" (", "\n(") for row in rows], fontsize=7)
    axis.set_ylabel("held-out exact accuracy")
    axis.set_title("pooled over seeds (95% CI); dots: one seed each", fontsize=9)
    figure.tight_layout()
    save_figure(figure, path)


def _plot_confusion(results: dict[str, Any], path: Path) -> None:
    plt = _pyplot()
    rows = results["arms"]
    figure, axes = plt.subplots(1, len(rows), figsize=(2.6 * len(rows), 3.0))
    for axis, row in zip(np.atleast_1d(axes), rows, strict=True):
        matrix = np.array(row["confusion"])
        axis.imshow(matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1), cmap="Blues", vmin=0, vmax=1)
        for (i, j), count in np.ndenumerate(matrix):
            axis.text(j, i, str(count), ha="center", va="center", fontsize=6)
        axis.set_xticks(range(6), ["1", "2", "3", "4", "5", "?"])
        axis.set_yticks(range(5), ["1", "2", "3", "4", "5"])
        axis.set_xlabel("judge score (? unparseable)", fontsize=7)
        axis.set_title(row["label"], fontsize=7)
    np.atleast_1d(axes)[0].set_ylabel("label")
    figure.tight_layout()
    save_figure(figure, path)

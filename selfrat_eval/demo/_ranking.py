"""Judge as grader: how well a judge's mean grades rank the toy generators of known quality
(`selfrat_eval.toy.TOY_GENERATORS`) as their true labels do, per seed and pooled, with the SRE judge
against the SFT judge on the same questions."""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.stats import spearmanr

from selfrat_eval.benchmarks.rubric import load_rubric_file
from selfrat_eval.demo._arms import Arm, arm_scores, demo_arms, excludes_zero
from selfrat_eval.demo._format import ci, ci_verdict, pct, signed
from selfrat_eval.demo._run import GENERATORS_SPLIT, GRADER_RUNS, DemoConfig
from selfrat_eval.evaluation import read_judgments
from selfrat_eval.evaluation._compare import permutation_p_value
from selfrat_eval.metrics import DEFAULT_RESAMPLES, bootstrap_estimates
from selfrat_eval.toy import TOY_GENERATORS, generator_row_id


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
            "excludes_zero": excludes_zero(estimates[2]),
            "per_seed": [None if np.isnan(v) else float(v) for v in per_seed[1] - per_seed[0]],
        },
    }


def generator_ranking(config: DemoConfig, questions: list[str]) -> dict[str, Any]:
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
                arm_scores(
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


def ranking_verdict(ranking: dict[str, Any]) -> str:
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
    verdict = ci_verdict(difference, sre["label"], "at ranking them")
    return f"- **{pair}**: {rhos}, difference {_difference(difference)}{p_value}; {verdict}."


def _rho(judge: dict[str, Any]) -> str:
    return ci(judge["spearman"], scale=1, digits=3)


def _difference(difference: dict[str, Any]) -> str:
    """A difference of Spearman rhos, signed, with its CI where it has one."""
    if difference["value"] is None:
        return "n/a"
    if difference["ci_low"] is None:
        return f"{difference['value']:+.3f}"
    return signed(difference, scale=1, digits=3, unit="")


def ranking_tables(results: dict[str, Any]) -> dict[str, list[list[str]]]:
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
                pct(judge["unreadable_rate"]),
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


def ranking_intro(results: dict[str, Any]) -> str:
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

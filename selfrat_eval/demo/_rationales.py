"""The demo's rationale quality and calibration, where the truth is known.

Rationale correctness (the verifiable analogue of the paper's blind 62% preference): per arm, the share
of held-out judgments whose working (`ans 082, resp 085, diff 003.`) is right and whose score follows
from it (`toy.check_toy_rationale`), pooled over seeds as the accuracy is (each item's mean over the
seeds, items resampled), and paired differences on the same items. The rationale of an arm is the one
its score came from: the greedy judgment, or for best-of-N the selected sample.

Calibration: the SFT judge's self-consistency samples give a confidence per item (the majority's vote
share) to hold against whether the majority is right (reliability diagram, ECE); and every arm's score
distribution beside the labels' (Jensen-Shannon divergence), which shows score saturation.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from selfrat_eval.benchmarks import Judgment, RatingJudgment
from selfrat_eval.data import RubricItem
from selfrat_eval.evaluation._calibration import judge_calibration
from selfrat_eval.evaluation._compare import permutation_p_value, save_figure
from selfrat_eval.judges import Strategy
from selfrat_eval.metrics import DEFAULT_RESAMPLES, mean_estimate, score_distributions
from selfrat_eval.toy import check_toy_rationale

#: Arms without one rationale per item: no rationale at all, or a majority over samples.
NO_SINGLE_RATIONALE = ("no-rationale", "sft-sc", "sft-asc")


def _rationale(judgment: RatingJudgment) -> tuple[str, float | None]:
    """The text and score an arm's result came from (the selected sample, else the first)."""
    _, index = judgment.selected.get("score", ("response", 0))
    return judgment.outputs["response"][index], judgment.score


def rationale_checks(
    judgments: Sequence[Judgment], items: Sequence[RubricItem], strategy: str | None
) -> dict[str, np.ndarray]:
    """Per held-out item (in `items` order): right, consistent, correct (1.0 / 0.0)."""
    if strategy:
        judgments = [j.with_strategy(Strategy.parse(strategy, selector="logprob")) for j in judgments]
    by_id = {j.id: j for j in judgments if isinstance(j, RatingJudgment)}
    rows = []
    for item in items:
        text, score = _rationale(by_id[item.id])
        check = check_toy_rationale(text, int(item.reference_answer or 0), int(item.response), score)
        rows.append((check.right, check.consistent, check.correct))
    table = np.array(rows, dtype=float)
    return {"right": table[:, 0], "consistent": table[:, 1], "correct": table[:, 2]}


def rationale_results(
    arms: Sequence[Any],
    checks: Mapping[str, np.ndarray],
    last: str,
    seed: int,
) -> dict[str, Any]:
    """`checks[arm]`: (kind, seed, item) arrays, nan for seeds that did not run the arm; `arms`: the
    report's arms (key, label). Per arm the pooled shares with CIs; SRE's last iteration against SFT
    and best-of-N, paired on the seeds both ran."""
    rows = []
    for arm in arms:
        if arm.key not in checks:
            continue
        table = checks[arm.key]
        ran = ~np.isnan(table[2]).all(axis=1)
        rows.append(
            {
                "arm": arm.key,
                "label": arm.label,
                **{
                    kind: mean_estimate(table[k][ran].mean(axis=0), seed=seed).to_dict()
                    for k, kind in enumerate(("right", "consistent", "correct"))
                },
            }
        )
    differences = []
    for baseline in ("sft", "sft-bon"):
        if last not in checks or baseline not in checks:
            continue
        both = ~np.isnan(checks[last][2]).all(axis=1) & ~np.isnan(checks[baseline][2]).all(axis=1)
        a, b = checks[last][2][both].mean(axis=0), checks[baseline][2][both].mean(axis=0)
        differences.append(
            {
                "arm": last,
                "baseline": baseline,
                **mean_estimate(a - b, seed=seed).to_dict(),
                "p_value": permutation_p_value([a], [b], lambda v: float(np.mean(v)), 1000, seed),
            }
        )
    return {"arms": rows, "differences": differences}


def calibration_results(
    samples: Sequence[Sequence[Judgment]],
    labels: np.ndarray,
    ids: Sequence[str],
    scores: Mapping[str, np.ndarray],
    arm_labels: Mapping[str, str],
    seed: int,
) -> dict[str, Any]:
    """`samples`: per seed, the SFT self-consistency run's judgments; `scores[arm]`: (seed, item)
    scores (nan: unreadable or not run)."""
    by_seed = [{j.id: j for j in judgments} for judgments in samples]
    ordered = [by_id[item_id] for by_id in by_seed for item_id in ids]  # the order the CIs resample in
    distributions = {}
    for arm, table in scores.items():
        ran = ~np.isnan(table).all(axis=1)
        flat = table[ran].ravel()
        gold = np.tile(labels, int(ran.sum()))
        readable: list[float | None] = [None if math.isnan(v) else float(v) for v in flat]
        distributions[arm] = {"label": arm_labels[arm], **score_distributions(readable, gold, seed=seed)}
    sampled = judge_calibration(ordered, n_resamples=DEFAULT_RESAMPLES, seed=seed)
    return {
        "self_consistency": sampled["self_consistency"],
        "score_distributions": distributions,
    }


def rationale_table(results: dict[str, Any], ci: Callable[[dict[str, Any]], str]) -> list[list[str]]:
    table = [["arm", "correct % (95% CI)", "arithmetic right %", "score follows from it %"]]
    for row in results["arms"]:
        table.append([row["label"], ci(row["correct"]), ci(row["right"]), ci(row["consistent"])])
    return table


def calibration_table(results: dict[str, Any]) -> list[list[str]]:
    table = [["arm", "Jensen-Shannon divergence to the labels (95% CI)", "share of scores 1..5 (labels)"]]
    for row in results["score_distributions"].values():
        divergence = row["jensen_shannon"]
        value = "n/a" if divergence is None or divergence["value"] is None else f"{divergence['value']:.3f}"
        if divergence and divergence["ci_low"] is not None:
            value += f" [{divergence['ci_low']:.3f}, {divergence['ci_high']:.3f}]"
        shares = " ".join(f"{100 * s:.0f}" for s in row["judge"])
        gold = " ".join(f"{100 * s:.0f}" for s in row["labels"])
        table.append([row["label"], value, f"{shares} ({gold})"])
    return table


def plot_calibration(results: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (left, right) = plt.subplots(1, 2, figsize=(10, 3.8))
    reliability = results["self_consistency"]
    bins = reliability["bins"]
    left.plot([0, 1], [0, 1], color="0.6", linestyle="--", linewidth=1, label="calibrated")
    left.plot(
        [b["confidence"] for b in bins], [b["accuracy"] for b in bins], "o-", color="#4c72b0", label="SFT SC"
    )
    for b in bins:
        left.annotate(str(b["n"]), (b["confidence"], b["accuracy"]), fontsize=6, xytext=(3, -8),
                      textcoords="offset points")  # fmt: skip
    ece = reliability["ece"]
    title = "n/a" if ece["value"] is None else f"{ece['value']:.3f}"
    if ece["ci_low"] is not None:
        title += f" [{ece['ci_low']:.3f}, {ece['ci_high']:.3f}]"
    left.set_title(f"majority vote share vs accuracy; ECE {title}", fontsize=8)
    left.set_xlabel("confidence (share of the samples voting the majority score)")
    left.set_ylabel("majority score == label")
    left.legend(fontsize=7)
    distributions = list(results["score_distributions"].values())
    width = 0.8 / (len(distributions) + 1)
    scale = np.arange(1, 6)
    right.bar(scale - 0.4, distributions[0]["labels"], width, color="0.3", label="labels", align="edge")
    for k, row in enumerate(distributions, start=1):
        right.bar(scale - 0.4 + k * width, row["judge"], width, label=row["label"], align="edge")
    right.set_xticks(scale)
    right.set_xlabel("score")
    right.set_ylabel("share of readable scores")
    right.legend(fontsize=6)
    figure.tight_layout()
    save_figure(figure, path)

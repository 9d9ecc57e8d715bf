"""The demo report's plots: accuracy and Pearson r by iteration, every arm, confusion matrices."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from selfrat_eval.evaluation._compare import save_figure


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


def plot_iterations(results: dict[str, Any], path: Path) -> None:
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


def plot_arms(results: dict[str, Any], path: Path) -> None:
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


def plot_confusion(results: dict[str, Any], path: Path) -> None:
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

"""Trivial baselines, computed without a model for any benchmark: the floor every judge's number
should be read against.

Each baseline answers every judge request from what the request shows (`Benchmark.shown`): where it
shows several responses it picks one (`random`, `always-first`, `prefer-longer`, `prefer-shorter`);
where it rates one response alone it rates by length (`prefer-longer`: the longer, the higher, by
quintile of the benchmark's response lengths; `prefer-shorter` the reverse; `random` a random rating;
`always-first` the same rating for everything). Its answers go through the benchmark's own judgment
and metric code, so a baseline is scored exactly as a judge is. Benchmarks that can compare are
judged comparing (RewardBench pairwise, RewardBench 2 rankings, RM-Bench pairwise).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import replace
from typing import Any, Literal

import numpy as np

from selfrat_eval.benchmarks import Benchmark, Item, ScoringOptions
from selfrat_eval.judges import Completion, Strategy

Baseline = Literal["random", "always-first", "prefer-longer", "prefer-shorter"]
BASELINES: tuple[Baseline, ...] = ("random", "always-first", "prefer-longer", "prefer-shorter")
#: A rating every scale in the package reads (1-5 and 1-10).
MIDDLE_RATING = 3


def comparing(benchmark: Benchmark) -> Benchmark:
    """The benchmark in its comparing mode, where it has one (else as given)."""
    for mode in ("pairwise", "rankings"):
        if mode in benchmark.modes and "mode" in benchmark.__dataclass_fields__:
            return replace(benchmark, mode=mode)  # type: ignore[call-arg]
    return benchmark


def baseline_scores(
    benchmark: Benchmark, items: Sequence[Item], options: ScoringOptions, seed: int = 0
) -> dict[Baseline, dict[str, Any]]:
    """Every baseline's metrics on `items` (the same items the judge saw)."""
    benchmark = comparing(benchmark)
    shown = {
        item.key: {slot: benchmark.shown(item, slot) for slot in benchmark.requests(item)} for item in items
    }
    rated_lengths = [len(texts[0]) for slots in shown.values() for texts in slots.values() if len(texts) == 1]
    cuts = np.quantile(rated_lengths, [0.2, 0.4, 0.6, 0.8]) if rated_lengths else np.array([])
    scores: dict[Baseline, dict[str, Any]] = {}
    for rule in BASELINES:
        judgments = []
        for item in items:
            outputs = {
                slot: [
                    Completion(
                        _answer(rule, texts, cuts, random.Random(f"{seed}:{rule}:{item.key}:{slot}")), 0
                    )
                ]
                for slot, texts in shown[item.key].items()
            }
            judgments.append(benchmark.judgment(item, outputs).with_strategy(Strategy()))
        scores[rule] = benchmark.score(judgments, options)
    return scores


def _answer(rule: Baseline, texts: tuple[str, ...], cuts: np.ndarray, rng: random.Random) -> str:
    if len(texts) == 1:
        rating = {
            "random": rng.randint(1, 5),
            "always-first": MIDDLE_RATING,
            "prefer-longer": 1 + int(np.searchsorted(cuts, len(texts[0]), side="right")),
            "prefer-shorter": 5 - int(np.searchsorted(cuts, len(texts[0]), side="right")),
        }[rule]
        return f"[RESULT] {rating}"
    lengths = [len(text) for text in texts]
    index = {
        "random": rng.randrange(len(texts)),
        "always-first": 0,
        "prefer-longer": lengths.index(max(lengths)),
        "prefer-shorter": lengths.index(min(lengths)),
    }[rule]
    return f"[[{'ABCDEFGHIJ'[index]}]]"

"""The demo's arms (which run folder and reduction each reads) and how an arm's scores are read."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from selfrat_eval.benchmarks import Judgment, RatingJudgment
from selfrat_eval.demo._run import DemoConfig
from selfrat_eval.judges import Strategy
from selfrat_eval.metrics import Estimate


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


def arm_seeds(arm: Arm, seeds: list[int]) -> list[int]:
    return list(arm.seeds) or seeds


def arm_scores(judgments: list[Judgment], arm: Arm, ids: list[str]) -> np.ndarray:
    """The arm's selected score per held-out item (nan where unparseable), in `ids` order."""
    if arm.strategy:
        judgments = [j.with_strategy(Strategy.parse(arm.strategy, selector="logprob")) for j in judgments]
    by_id = {j.id: j for j in judgments if isinstance(j, RatingJudgment)}
    return np.array([np.nan if by_id[i].score is None else by_id[i].score for i in ids], dtype=float)


def excludes_zero(estimate: Estimate) -> bool:
    low, high = estimate.ci_low, estimate.ci_high
    return low is not None and high is not None and (low > 0 or high < 0)

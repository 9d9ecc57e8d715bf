"""The strongest regression test of the training code: on the arithmetic benchmark, one DPO
iteration on ground-truth pairs from the judge's own samples beats the same DPO run with chosen and
rejected swapped (a swapped pair order, a broken parser or a wrong loss sign shows up here), and does
not fall below its SFT start.

How far SFT gets differs between CPUs (the demo's SFT sits on a sharp learning transition), so no
threshold here is an absolute accuracy: each is the run's own paired 95% CI over the held-out items."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from selfrat_eval.benchmarks import RatingJudgment
from selfrat_eval.demo import DemoConfig
from selfrat_eval.demo._run import arm_eval, loop_config, train_checked_sft
from selfrat_eval.evaluation import read_judgments
from selfrat_eval.metrics import mean_estimate
from selfrat_eval.toy import Splits, build_arithmetic_benchmark, build_char_judge
from selfrat_eval.training import run_loop, train_dpo

pytestmark = pytest.mark.slow
pytest.importorskip("trl", reason="installed by scripts/setup.sh (extra: train)")

SEED = 0


def correctness(run: Path) -> np.ndarray:
    """Per held-out item (in id order): 1 if the judge's score equals the label, else 0."""
    judgments = [j for j in read_judgments(run / "judgments.jsonl") if isinstance(j, RatingJudgment)]
    return np.array([float(j.score == j.label) for j in sorted(judgments, key=lambda j: j.id)])


def test_dpo_on_ground_truth_pairs_helps_and_swapped_pairs_hurt(tmp_path: Path) -> None:
    # The demo's first seed and first iteration at the demo's sizes (SFT stopped by its check), but
    # half the demo's sampling items: the suite's longest test, and DPO's effect is clear at 750.
    config = DemoConfig(out=tmp_path, seeds=[SEED], iterations=1, items_per_iteration=[750])
    splits = Splits(config.train_items, max(config.items_per_iteration), config.heldout_items)
    build_arithmetic_benchmark(config.benchmark_dir(), splits)
    build_char_judge(config.seed_dir(SEED) / "base", seed=SEED)
    sft = config.seed_dir(SEED) / "sft"
    train_checked_sft(config, SEED, config.sft.model_copy(update={"seed": SEED}), sft)
    arm_eval(config, sft, tmp_path / "eval-sft", "single", SEED, config.max_new_tokens)

    run_loop(loop_config(config, SEED))
    iteration = tmp_path / f"seed-{SEED}" / "sre" / "iteration-1"

    swapped = tmp_path / "swapped-pairs.jsonl"
    rows = [json.loads(line) for line in (iteration / "pairs.jsonl").read_text().splitlines()]
    assert len(rows) > 100
    swapped.write_text(
        "".join(
            json.dumps(row | {"chosen": row["rejected"], "rejected": row["chosen"]}) + "\n" for row in rows
        )
    )
    train_dpo(str(sft), str(sft), swapped, tmp_path / "swapped", config.dpo.model_copy(update={"seed": SEED}))
    arm_eval(config, tmp_path / "swapped", tmp_path / "eval-swapped", "single", SEED, config.max_new_tokens)

    sft, dpo = correctness(tmp_path / "eval-sft"), correctness(iteration / "eval")
    swapped_run = correctness(tmp_path / "eval-swapped")
    over_swapped, over_sft = mean_estimate(dpo - swapped_run), mean_estimate(dpo - sft)
    observed = (
        f"SFT {sft.mean():.3f}, DPO {dpo.mean():.3f}, swapped {swapped_run.mean():.3f}; "
        f"DPO - swapped {over_swapped.to_dict()}, DPO - SFT {over_sft.to_dict()}"
    )
    assert sft.mean() > 0.3, observed  # it learned the task (chance is 0.2)
    assert over_swapped.ci_low is not None and over_swapped.ci_low > 0, observed
    assert over_sft.ci_high is not None and over_sft.ci_high > 0, observed

"""The strongest regression test of the training code: on the arithmetic benchmark, one DPO
iteration on ground-truth pairs from the judge's own samples raises held-out accuracy over its SFT
start, and the same run with chosen and rejected swapped lowers it (a swapped pair order, a broken
parser or a wrong loss sign shows up here as a drop)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from selfrat_eval.demo import DemoConfig
from selfrat_eval.demo._run import arm_eval, loop_config
from selfrat_eval.evaluation import RatingJudgment, read_judgments
from selfrat_eval.toy import Splits, build_arithmetic_benchmark, build_char_judge
from selfrat_eval.training import load_train_items, run_loop, train_dpo, train_sft

pytestmark = pytest.mark.slow
pytest.importorskip("trl", reason="installed by scripts/setup.sh (extra: train)")

SEED = 0


def accuracy(run: Path) -> float:
    judgments = [j for j in read_judgments(run / "judgments.jsonl") if isinstance(j, RatingJudgment)]
    return sum(j.score == j.label for j in judgments) / len(judgments)


def test_dpo_on_ground_truth_pairs_helps_and_swapped_pairs_hurt(tmp_path: Path) -> None:
    # The demo's first seed and first iteration: with 600 sampling items and 400 held-out ones the
    # gain was nil (0.723 both), too close to call; at the demo's sizes it was 0.754 -> 0.790.
    config = DemoConfig(out=tmp_path, seeds=[SEED], iterations=1)
    build_arithmetic_benchmark(
        config.benchmark_dir(), Splits(config.train_items, config.sampling_items, config.heldout_items)
    )
    base = build_char_judge(tmp_path / "base", seed=SEED)
    sft = tmp_path / f"seed-{SEED}" / "sft"
    items = load_train_items(config.benchmark_dir() / "train.jsonl")
    train_sft(str(base), items, sft, config.sft.model_copy(update={"seed": SEED}))
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

    sft_accuracy = accuracy(tmp_path / "eval-sft")
    dpo_accuracy, swapped_accuracy = accuracy(iteration / "eval"), accuracy(tmp_path / "eval-swapped")
    observed = f"SFT {sft_accuracy:.3f}, DPO {dpo_accuracy:.3f}, swapped {swapped_accuracy:.3f}"
    assert 0.3 < sft_accuracy < 0.9, observed  # imperfect on purpose, but it learned the task
    assert dpo_accuracy > sft_accuracy, observed
    assert swapped_accuracy < sft_accuracy, observed

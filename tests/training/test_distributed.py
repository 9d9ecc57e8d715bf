"""Data-parallel training for real: two ranks on this CPU (torchrun, gloo) for SFT, DPO and the loop's
launched DPO stage. Every rank must be in a world of two, be dealt its own examples, and hold the same
weights as the other after every step (the gradients were averaged); rank 0 alone writes the judge."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from selfrat_eval.data import sample_path
from selfrat_eval.training import LoopConfig, load_train_items, run_loop
from selfrat_eval.training._common import judge_chat, judgment_text
from tests.training.test_training_real import changed, loop_config

pytestmark = pytest.mark.slow
pytest.importorskip("trl", reason="installed by scripts/setup.sh (extra: train)")
RUBRIC = sample_path("rubric")
PROBE = Path(__file__).with_name("ddp_probe.py")
#: torchrun as the module of this interpreter: two ranks on one machine, rendezvous on a free port.
TORCHRUN = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2"]


def probe(tmp_path: Path, stage: str, model: Path, data: Path, resumable: str = "") -> list[dict[str, Any]]:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(PROBE.parents[2]), "OMP_NUM_THREADS": "1"}
    command = [
        *TORCHRUN,
        str(PROBE),
        stage,
        str(model),
        str(data),
        str(tmp_path / "judge"),
        str(tmp_path / "probes"),
        *([resumable] if resumable else []),  # ddp_probe's kill-after-K or resume
    ]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if resumable.startswith("kill-after-"):
        assert done.returncode != 0, "every rank should have died after the checkpoint"
        return []
    assert done.returncode == 0, done.stderr[-3000:]
    return [json.loads((tmp_path / "probes" / f"rank-{rank}.json").read_text()) for rank in (0, 1)]


def assert_data_parallel(probes: list[dict[str, Any]], examples: int) -> None:
    assert [p["world_size"] for p in probes] == [2, 2] and [p["backend"] for p in probes] == ["gloo"] * 2
    first, second = ({tuple(row) for row in p["examples"]} for p in probes)
    assert not first & second and len(first | second) == examples  # disjoint shards, all dealt
    assert probes[0]["initial"] == probes[1]["initial"]
    assert probes[0]["steps"] == probes[1]["steps"]  # different data, same weights: gradients synced
    assert probes[0]["steps"][0] != probes[0]["initial"]  # and a step changed them


def assert_written_once(judge: Path, tmp_path: Path) -> None:
    record = json.loads((judge / "training.json").read_text())
    assert record["world_size"] == 2 and record["distributed_type"] == "MULTI_CPU"
    assert not list(tmp_path.glob("*.partial"))  # rank 0 moved its one copy into place


def test_sft_on_two_ranks(tiny_judge: Path, tmp_path: Path) -> None:
    probes = probe(tmp_path, "sft", tiny_judge, RUBRIC)
    assert_data_parallel(probes, examples=8)
    assert_written_once(tmp_path / "judge", tmp_path)
    assert changed(tiny_judge, tmp_path / "judge")


def test_a_killed_two_rank_sft_resumes_from_its_checkpoint(tiny_judge: Path, tmp_path: Path) -> None:
    """Both ranks die right after the step-2 checkpoint; the next launch resumes there on two ranks
    and runs only steps 3-4, the ranks still in step."""
    probe(tmp_path, "sft", tiny_judge, RUBRIC, "kill-after-2")
    assert (tmp_path / "judge.trainer" / "checkpoint-2").is_dir() and not (tmp_path / "judge").exists()
    probes = probe(tmp_path, "sft", tiny_judge, RUBRIC, "resume")
    assert [len(p["steps"]) for p in probes] == [2, 2] and probes[0]["steps"] == probes[1]["steps"]
    record = json.loads((tmp_path / "judge" / "training.json").read_text())
    assert record["resumed_from"] == "checkpoint-2" and record["world_size"] == 2
    assert not (tmp_path / "judge.trainer").exists()


def test_dpo_on_two_ranks(tiny_judge: Path, tmp_path: Path) -> None:
    pairs = tmp_path / "pairs.jsonl"
    rows = []
    for item in load_train_items(RUBRIC)[:8]:
        wrong = 1 if item.label != 1 else 5
        rows.append(
            {
                "prompt": judge_chat(item),
                "chosen": [{"role": "assistant", "content": judgment_text(item.feedback, str(item.label))}],
                "rejected": [{"role": "assistant", "content": judgment_text(item.feedback, str(wrong))}],
            }
        )
    pairs.write_text("".join(json.dumps(row) + "\n" for row in rows))
    probes = probe(tmp_path, "dpo", tiny_judge, pairs)
    assert_data_parallel(probes, examples=16)  # a pair is two rows: prompt + chosen, prompt + rejected
    assert_written_once(tmp_path / "judge", tmp_path)
    # TRL's precomputed reference log-probs fail on several ranks: the reference scores each batch
    assert json.loads((tmp_path / "judge" / "training.json").read_text())["precompute_ref_log_probs"] is False


def test_the_loops_dpo_stage_on_two_ranks(tiny_judge: Path, tmp_path: Path) -> None:
    """The loop launches DPO as its own process (`dpo.launch`), here torchrun with two ranks."""
    dpo = {"learning_rate": 1e-4, "epochs": 1, "batch_size": 2, "launch": TORCHRUN}
    config = loop_config(tiny_judge, tmp_path, iterations=1, evaluation=None, dpo=dpo)
    record = run_loop(LoopConfig.model_validate(config))["iterations"][0]
    checkpoint = Path(record["checkpoint"])
    assert changed(tiny_judge, checkpoint)
    assert_written_once(checkpoint, checkpoint.parent)

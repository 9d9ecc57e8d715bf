"""The shipped accelerate configs, read by accelerate's own loader: what is checkable without a GPU
(ZeRO-3 and FSDP need one; `scripts/gpu_check.sh` runs them)."""

from __future__ import annotations

from pathlib import Path

import pytest

CONFIGS = Path(__file__).resolve().parents[2] / "configs" / "accelerate"
pytest.importorskip("accelerate", reason="installed by scripts/setup.sh (extra: train)")


def load(name: str):  # type: ignore[no-untyped-def]
    from accelerate.commands.config.config_args import load_config_from_file

    return load_config_from_file(str(CONFIGS / name))


def test_zero3_config_shards_parameters_and_saves_a_whole_model() -> None:
    config = load("deepspeed-zero3.yaml")
    assert config.distributed_type.value == "DEEPSPEED" and not config.use_cpu
    assert config.deepspeed_config["zero_stage"] == 3
    # built sharded, saved gathered in 16 bits: what `save_trained` expects from `save_model`
    assert config.deepspeed_config["zero3_init_flag"] and config.deepspeed_config["zero3_save_16bit_model"]


def test_fsdp_config_wraps_transformer_blocks_and_saves_a_full_state_dict() -> None:
    config = load("fsdp.yaml")
    assert config.distributed_type.value == "FSDP" and config.fsdp_config["fsdp_version"] == 2
    assert config.fsdp_config["fsdp_auto_wrap_policy"] == "TRANSFORMER_BASED_WRAP"
    assert config.fsdp_config["fsdp_state_dict_type"] == "FULL_STATE_DICT"


def test_the_one_process_cpu_config_stays_undistributed() -> None:
    config = load("cpu-one-process.yaml")
    assert config.distributed_type.value == "NO" and config.use_cpu and config.num_processes == 1

"""Pieces the trainers share: precision, the judge's chat for an item, saving a servable checkpoint."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any, Literal, Protocol

from selfrat_eval._verbosity import verbose
from selfrat_eval.benchmarks.rewardbench import RewardBench
from selfrat_eval.benchmarks.rubric import RubricData
from selfrat_eval.data import PairItem
from selfrat_eval.data._io import write_json
from selfrat_eval.prompts import Chat
from selfrat_eval.training._data import TrainItem
from selfrat_eval.training._trainer_run import LIBRARIES_LOG, TRAINER_LOG, trainer_folder

Precision = Literal["auto", "bf16", "fp32"]


def use_bf16(precision: Precision) -> bool:
    """bf16 where the hardware has it (auto), never on CPU where it is slow."""
    import torch

    if precision == "auto":
        return bool(torch.cuda.is_available() and torch.cuda.is_bf16_supported())
    return precision == "bf16"


def on_cpu() -> bool:
    import torch

    return not torch.cuda.is_available()


def launched_on_several_ranks() -> bool:
    """Under torchrun or accelerate with more than one rank (the launcher sets WORLD_SIZE)."""
    return int(os.environ.get("WORLD_SIZE", "1")) > 1


def load_tokenizer(model: str) -> Any:
    """The model's tokenizer, with EOS as padding where it has no pad token (both trainers pad)."""
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(model)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def lora_config(r: int, alpha: int) -> Any:
    """LoRA adapters on every linear layer (merged into the saved checkpoint)."""
    from peft import LoraConfig

    return LoraConfig(r=r, lora_alpha=alpha, target_modules="all-linear", task_type="CAUSAL_LM")


class TrainerSettings(Protocol):
    """The options SFTSettings and DPOSettings share (read-only: the settings are frozen)."""

    @property
    def learning_rate(self) -> float: ...
    @property
    def epochs(self) -> float: ...
    @property
    def batch_size(self) -> int: ...
    @property
    def gradient_accumulation(self) -> int: ...
    @property
    def max_length(self) -> int: ...
    @property
    def precision(self) -> Precision: ...
    @property
    def gradient_checkpointing(self) -> bool: ...
    @property
    def seed(self) -> int: ...
    @property
    def checkpoint_every(self) -> int: ...


def trainer_arguments(settings: TrainerSettings, out: Path) -> dict[str, Any]:
    """TRL config arguments both trainers set the same way: a resumable checkpoint every
    `checkpoint_every` steps in the trainer folder (only the newest kept; the merged model is saved by
    `save_trained`), no loggers or bars of their own (`run_trainer` shows one), bf16 where it helps,
    CPU (and gloo between ranks launched by torchrun or accelerate) where there is no GPU."""
    return {
        "output_dir": str(trainer_folder(out)),
        "learning_rate": settings.learning_rate,
        "num_train_epochs": settings.epochs,
        "per_device_train_batch_size": settings.batch_size,
        "gradient_accumulation_steps": settings.gradient_accumulation,
        "max_length": settings.max_length,
        "bf16": use_bf16(settings.precision),
        "gradient_checkpointing": settings.gradient_checkpointing,
        "save_strategy": "steps" if settings.checkpoint_every else "no",
        "save_steps": settings.checkpoint_every or 500,
        "save_total_limit": 1,
        "report_to": [],
        "disable_tqdm": not verbose(),
        "logging_steps": 10,
        "seed": settings.seed,
        "use_cpu": on_cpu(),
        # Under torchrun on a CPU, without a backend every rank would silently train alone; one
        # process must not name one (transformers then expects a process group that is not there).
        "ddp_backend": "gloo" if on_cpu() and launched_on_several_ranks() else None,
    }


def judge_chat(train: TrainItem, seed: int = 0, use_reference: bool = True) -> Chat:
    """The prompt `selfrat eval` sends for this item (pairwise: A/B order seeded as it seeds it);
    `use_reference=False` leaves the reference answer out, as `selfrat eval --no-reference` does."""
    item = train.item
    if isinstance(item, PairItem):
        return RewardBench(mode="pairwise", seed=seed, use_reference=use_reference).requests(item)["pair"]
    return RubricData(use_reference=use_reference).requests(item)["response"]


def gold_result(train: TrainItem, seed: int = 0) -> str:
    """The gold result as the judge must write it: the score, or the letter of the preferred response."""
    if isinstance(train.item, PairItem):
        return "A" if RewardBench(mode="pairwise", seed=seed).a_is_chosen(train.item) else "B"
    return str(train.label)


def judgment_text(feedback: str, result: str, with_rationale: bool = True) -> str:
    """The target judgment; without the rationale for the no-rationale ablation."""
    return f"Feedback: {feedback.strip()} [RESULT] {result}" if with_rationale else f"[RESULT] {result}"


#: How a checkpoint was trained (`training_record`), next to its weights.
TRAINING_FILE = "training.json"


def save_trained(trainer: Any, tokenizer: Any, out: Path, resumed_from: str | None = None) -> Path:
    """Save a trainer's model as a servable checkpoint. Every rank calls this under
    `accelerate launch`: `save_model` gathers DeepSpeed/FSDP shards and writes from the main
    process, which then merges LoRA adapters, moves the run's logs and the checkpoint into place and
    removes the trainer folder (its resumable checkpoints are no longer needed)."""
    partial = out.with_name(out.name + ".partial")
    trainer.save_model(str(partial))
    if trainer.accelerator.is_main_process:
        if (partial / "adapter_config.json").exists():
            from peft import AutoPeftModelForCausalLM

            merged = AutoPeftModelForCausalLM.from_pretrained(str(partial)).merge_and_unload()
            shutil.rmtree(partial)
            merged.save_pretrained(partial)
        tokenizer.save_pretrained(partial)
        write_json(partial / TRAINING_FILE, {**training_record(trainer), "resumed_from": resumed_from})
        folder = trainer_folder(out)
        for log in (TRAINER_LOG, LIBRARIES_LOG):
            if (folder / log).exists():
                shutil.copy(folder / log, partial / log)
        shutil.rmtree(out, ignore_errors=True)
        partial.rename(out)
    trainer.accelerator.wait_for_everyone()
    if trainer.accelerator.is_main_process:
        shutil.rmtree(trainer_folder(out), ignore_errors=True)
    return out


def training_record(trainer: Any) -> dict[str, Any]:
    """How the run was distributed and how far it went: what a launched run's owner checks first
    (a launcher misconfigured on a CPU trains every rank alone, with world size 1)."""
    state = trainer.state
    return {
        "trainer": type(trainer).__name__,
        "world_size": trainer.args.world_size,
        "distributed_type": str(trainer.accelerator.distributed_type.value),
        "per_device_batch_size": trainer.args.per_device_train_batch_size,
        "precompute_ref_log_probs": getattr(trainer.args, "precompute_ref_log_probs", None),
        "global_step": state.global_step,
        "epochs": state.epoch,
        "train_loss": next((log["train_loss"] for log in state.log_history if "train_loss" in log), None),
    }


def save_servable(model: Any, tokenizer: Any, out: Path) -> Path:
    """Save a checkpoint every engine loads directly: LoRA adapters merged, written atomically."""
    if hasattr(model, "merge_and_unload"):
        model = model.merge_and_unload()
    partial = out.with_name(out.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    model.save_pretrained(partial)
    tokenizer.save_pretrained(partial)
    shutil.rmtree(out, ignore_errors=True)
    partial.rename(out)
    return out

"""DPO on curated pairs with TRL's DPOTrainer (no hand-written loss).

`loss="dpo+nll"` (default) adds an NLL term on the chosen judgment through TRL's
loss_type=["sigmoid", "sft"]: on a toy run here plain DPO collapsed or did nothing, while DPO plus
NLL improved the judge (see the README). The reference model is a setting of the loop (the SFT
judge, or the previous iteration's).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from selfrat_eval.judges import resolve_model
from selfrat_eval.training._common import (
    Precision,
    launched_on_several_ranks,
    load_tokenizer,
    lora_config,
    save_trained,
    trainer_arguments,
)
from selfrat_eval.training._trainer_run import quiet_libraries, run_trainer, trainer_folder


class DPOSettings(BaseModel):
    """DPO options; TRL's DPOConfig defaults (lr 1e-6, bf16, gradient checkpointing) are overridden
    with values that work for small judges on one device."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    beta: float = Field(0.1, gt=0)
    learning_rate: float = Field(5e-6, gt=0)
    epochs: float = Field(2.0, gt=0)
    batch_size: int = Field(4, ge=1)
    gradient_accumulation: int = Field(1, ge=1)
    loss: Literal["dpo", "dpo+nll"] = "dpo+nll"
    nll_weight: float = Field(1.0, ge=0)
    max_length: int = Field(4096, ge=16)
    precompute_ref_log_probs: bool = Field(True, description="One reference pass before training.")
    launch: list[str] | None = Field(
        None,
        description="Run the DPO stage as a subprocess under this launcher, e.g. "
        "['accelerate', 'launch', '--config_file', 'configs/accelerate/deepspeed-zero3.yaml'].",
    )
    lora: bool = False
    lora_r: int = Field(16, ge=1)
    lora_alpha: int = Field(32, ge=1)
    precision: Precision = "auto"
    gradient_checkpointing: bool = False
    checkpoint_every: int = Field(
        500,
        ge=0,
        description="Optimizer steps between resumable checkpoints in `<out>.trainer/` (the newest kept): "
        "a killed run resumes from it. 0: none, a killed run starts over.",
    )
    seed: int = 0


def dpo_dataset(pairs_file: Path) -> Any:
    import datasets

    rows = [json.loads(line) for line in pairs_file.read_text(encoding="utf-8").splitlines() if line.strip()]
    return datasets.Dataset.from_list(
        [{"prompt": row["prompt"], "chosen": row["chosen"], "rejected": row["rejected"]} for row in rows]
    )


def train_dpo(
    policy: str,
    reference: str,
    pairs_file: Path,
    out: Path,
    settings: DPOSettings | None = None,
    callbacks: Sequence[Any] = (),
) -> Path:
    """Train `policy` on the pairs against a frozen `reference`; the merged checkpoint goes to `out`.
    `callbacks`: transformers `TrainerCallback`s for the trainer."""
    from transformers import AutoModelForCausalLM
    from trl import DPOConfig, DPOTrainer  # type: ignore[attr-defined]

    settings = settings or DPOSettings()
    with quiet_libraries(trainer_folder(out)):
        policy, reference = resolve_model(policy), resolve_model(reference)  # GGUFs: converted folders
        tokenizer = load_tokenizer(policy)
        model = AutoModelForCausalLM.from_pretrained(policy)
        # TRL refuses `ref_model is model`; a separately loaded copy is frozen by the trainer.
        ref_model = None if settings.lora else AutoModelForCausalLM.from_pretrained(reference)
        losses = ["sigmoid", "sft"] if settings.loss == "dpo+nll" else ["sigmoid"]
        args = DPOConfig(
            **trainer_arguments(settings, out),
            beta=settings.beta,
            loss_type=losses,
            loss_weights=[1.0, settings.nll_weight] if settings.loss == "dpo+nll" else None,
            # TRL 1.16's precomputed reference log-probs fail on several ranks (two CPU ranks: a rank's
            # datasets cache file is gone when it flattens the indices), so there the reference model
            # scores each batch instead: the same loss, one more forward pass.
            precompute_ref_log_probs=settings.precompute_ref_log_probs and not launched_on_several_ranks(),
        )
        trainer = DPOTrainer(
            model=model,
            ref_model=ref_model,
            args=args,
            train_dataset=dpo_dataset(pairs_file),
            processing_class=tokenizer,
            peft_config=lora_config(settings.lora_r, settings.lora_alpha) if settings.lora else None,
            callbacks=list(callbacks),
        )
        resumed = run_trainer(trainer, "DPO")
        return save_trained(trainer, tokenizer, out, resumed)

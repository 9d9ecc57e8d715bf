"""SFT with rationales (TRL SFTTrainer): the judge learns to write `Feedback: ... [RESULT] n` for
Feedback-Collection-style items, prompts rendered by the package's own judge prompts, loss on the
judgment only."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from selfrat_eval.judges import resolve_model
from selfrat_eval.training._check import CHECK_FILE, CheckSettings, HeldOutCheck
from selfrat_eval.training._common import (
    Precision,
    gold_result,
    judge_chat,
    judgment_text,
    load_tokenizer,
    lora_config,
    save_trained,
    trainer_arguments,
)
from selfrat_eval.training._data import TrainItem
from selfrat_eval.training._trainer_run import quiet_libraries, run_trainer, trainer_folder


class SFTSettings(BaseModel):
    """SFT options. Defaults suit a small model on one device; raise `epochs` for real runs."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    epochs: float = Field(1.0, gt=0, description="Passes over the training items.")
    max_steps: int | None = Field(None, ge=1, description="Optimizer steps; overrides `epochs` when set.")
    learning_rate: float = Field(2e-5, gt=0)
    scheduler: Literal["linear", "cosine", "constant"] = Field("linear", description="Learning-rate decay.")
    warmup_steps: int = Field(0, ge=0, description="Steps of linear warm-up before the schedule.")
    weight_decay: float = Field(0.0, ge=0, description="AdamW weight decay.")
    batch_size: int = Field(4, ge=1, description="Per-device batch size.")
    gradient_accumulation: int = Field(1, ge=1)
    max_length: int = Field(4096, ge=16, description="Tokens per example (prompt + judgment).")
    with_rationale: bool = Field(True, description="False trains on `[RESULT] n` only (the ablation).")
    use_reference: bool = Field(True, description="False leaves reference answers out of the prompts.")
    lora: bool = Field(False, description="Train LoRA adapters (merged into the saved checkpoint).")
    lora_r: int = Field(16, ge=1)
    lora_alpha: int = Field(32, ge=1)
    precision: Precision = "auto"
    gradient_checkpointing: bool = False
    check: CheckSettings = Field(
        CheckSettings(), description="The held-out check, when `train_sft` is given check items."
    )
    checkpoint_every: int = Field(
        500,
        ge=0,
        description="Optimizer steps between resumable checkpoints in `<out>.trainer/` (the newest kept): "
        "a killed run resumes from it. 0: none, a killed run starts over.",
    )
    seed: int = 0


def sft_dataset(items: list[TrainItem], settings: SFTSettings) -> Any:
    import datasets

    rows = [
        {
            "prompt": judge_chat(item, settings.seed, settings.use_reference),
            "completion": [
                {
                    "role": "assistant",
                    "content": judgment_text(
                        item.feedback, gold_result(item, settings.seed), settings.with_rationale
                    ),
                }
            ],
        }
        for item in items
    ]
    return datasets.Dataset.from_list(rows)


def train_sft(
    model: str,
    items: list[TrainItem],
    out: Path,
    settings: SFTSettings | None = None,
    check_items: list[TrainItem] | None = None,
    callbacks: Sequence[Any] = (),
) -> Path:
    """Fine-tune `model` on `items`; the merged checkpoint goes to `out` (returned). With
    `check_items`, greedy accuracy on them is checked every `settings.check.every` steps and after the
    last (training stops early at `settings.check.stop_at`), and the curve is kept in
    `out/check.json`. `callbacks`: more transformers `TrainerCallback`s for the trainer."""
    from transformers import AutoModelForCausalLM
    from trl import SFTConfig, SFTTrainer  # type: ignore[attr-defined]

    settings = settings or SFTSettings()
    with quiet_libraries(trainer_folder(out)):
        model = resolve_model(model)  # a GGUF starts from its converted folder
        tokenizer = load_tokenizer(model)
        policy = AutoModelForCausalLM.from_pretrained(model)
        args = SFTConfig(
            **trainer_arguments(settings, out),
            max_steps=settings.max_steps or -1,
            # HF's "constant" ignores warm-up; its warm-up variant is what "constant" with warm-up means here
            lr_scheduler_type=(
                "constant_with_warmup"
                if settings.scheduler == "constant" and settings.warmup_steps
                else settings.scheduler
            ),
            warmup_steps=settings.warmup_steps,
            weight_decay=settings.weight_decay,
            completion_only_loss=True,
        )
        check = None
        if check_items:
            check = HeldOutCheck(
                check_items,
                tokenizer,
                settings.check,
                seed=settings.seed,
                use_reference=settings.use_reference,
            )
        trainer = SFTTrainer(
            model=policy,
            args=args,
            train_dataset=sft_dataset(items, settings),
            processing_class=tokenizer,
            peft_config=lora_config(settings.lora_r, settings.lora_alpha) if settings.lora else None,
            callbacks=[*([check.callback()] if check else []), *callbacks],
        )
        resumed = run_trainer(trainer, "SFT")
        save_trained(trainer, tokenizer, out, resumed)
        if check is not None:
            check.write(out / CHECK_FILE)
    return out

"""`selfrat train`: sft, sre, dpo, merge."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from selfrat_eval._errors import InputError
from selfrat_eval._machine import warn_if_busy
from selfrat_eval.cli._app import (
    _checked,
    _user_errors,
    err,
    train_app,
)


@train_app.command("sft")
def train_sft_command(
    model: Annotated[str, typer.Option(help="Base (instruct) model: hub id, folder or GGUF file.")],
    out: Annotated[Path, typer.Option(help="Folder for the trained judge (servable, LoRA merged).")],
    data: Annotated[
        Path | None, typer.Option(help="Feedback-Collection-style file (default: the hub dataset).")
    ] = None,
    limit: Annotated[int | None, typer.Option(help="Train on the first N items.")] = None,
    epochs: Annotated[float, typer.Option()] = 1.0,
    learning_rate: Annotated[float, typer.Option()] = 2e-5,
    batch_size: Annotated[int, typer.Option()] = 4,
    lora: Annotated[bool, typer.Option(help="Train LoRA adapters (merged when saved).")] = False,
    rationale: Annotated[
        bool, typer.Option(help="--no-rationale trains on the score only (ablation).")
    ] = True,
    seed: Annotated[int, typer.Option()] = 0,
) -> None:
    """Fine-tune a judge to write rationale-then-score judgments (TRL SFTTrainer)."""
    with _user_errors():
        from selfrat_eval.training import SFTSettings, load_train_items, train_sft

        _checked(model, "--model")
        items = load_train_items(data)[:limit]
        settings = SFTSettings(
            epochs=epochs,
            learning_rate=learning_rate,
            batch_size=batch_size,
            lora=lora,
            with_rationale=rationale,
            seed=seed,
        )
        warn_if_busy(err, "SFT")
        train_sft(model, items, out, settings)
        err.print(f"wrote the SFT judge to {out}")


@train_app.command("sre")
def train_sre_command(
    config: Annotated[Path, typer.Option(help="Loop config (YAML/JSON); see configs/ for examples.")],
) -> None:
    """Run or resume the Self-Rationalization loop: sample -> curate -> DPO, per iteration."""
    with _user_errors():
        from selfrat_eval.training import LoopConfig, run_loop

        loop = LoopConfig.from_file(config)
        _checked(loop.judge, f"{config}: judge")
        warn_if_busy(err, "the SRE loop")
        summary = run_loop(loop)
        for record in summary["iterations"]:
            stats = record["curation"]
            err.print(
                f"{record['iteration']}: {stats['pairs']} pairs from "
                f"{stats['items_with_pairs']}/{stats['items']} items -> {record['checkpoint']}"
            )


@train_app.command("dpo")
def train_dpo_command(
    policy: Annotated[str, typer.Option(help="The judge to train.")],
    reference: Annotated[str, typer.Option(help="The frozen reference judge.")],
    pairs: Annotated[Path, typer.Option(help="pairs.jsonl from curation (prompt, chosen, rejected).")],
    out: Annotated[Path, typer.Option(help="Folder for the trained judge (servable).")],
    settings: Annotated[Path | None, typer.Option(help="DPO settings as JSON (see DPOSettings).")] = None,
) -> None:
    """One DPO stage on curated pairs (TRL DPOTrainer); runs under `accelerate launch` too."""
    with _user_errors():
        from selfrat_eval.training import DPOSettings, train_dpo

        _checked(policy, "--policy")
        _checked(reference, "--reference")
        chosen = DPOSettings()
        if settings is not None:
            try:
                chosen = DPOSettings.model_validate_json(settings.read_text(encoding="utf-8"))
            except (OSError, ValueError) as error:
                raise InputError(f"bad DPO settings ({error})", source=str(settings)) from None
        train_dpo(policy, reference, pairs, out, chosen)


@train_app.command("merge")
def train_merge_command(
    first: Annotated[str, typer.Argument(help="A judge (e.g. pointwise).")],
    second: Annotated[str, typer.Argument(help="Another judge of the same architecture (e.g. pairwise).")],
    out: Annotated[Path, typer.Option(help="Folder for the merged judge.")],
    weight: Annotated[float, typer.Option(help="Weight of FIRST; SECOND gets 1 - weight.")] = 0.5,
) -> None:
    """Merge two judges' weights linearly (the paper merged a pointwise and a pairwise judge)."""
    with _user_errors():
        from selfrat_eval.training import merge_judges

        merge_judges(_checked(first, "FIRST"), _checked(second, "SECOND"), out, weight)
        err.print(f"wrote the merged judge to {out}")

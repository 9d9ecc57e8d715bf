"""A held-out check during training: the judge's greedy accuracy on items it never trains on, read
with the package's parser, every few steps; training may stop once it reaches a target.

Why: a small judge's SFT can sit on a sharp learning transition whose timing moves with the seed and
the CPU's float path, so a fixed step count leaves some runs far below it and others far past it.
Stopping on the check makes the trained judge's accuracy, not its step count, the thing held fixed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from rich.console import Console

from selfrat_eval.data import PairItem
from selfrat_eval.data._io import write_json
from selfrat_eval.judges._engine import SamplingConfig
from selfrat_eval.judges._transformers import TransformersEngine
from selfrat_eval.parsing import parse_absolute, parse_relative
from selfrat_eval.training._common import gold_result, judge_chat
from selfrat_eval.training._data import TrainItem

_console = Console(stderr=True)

#: The check's curve, in the saved checkpoint (and beside the trainer's checkpoints while it trains).
CHECK_FILE = "check.json"


class CheckSettings(BaseModel):
    """When to check and when to stop; `stop_at=None` only records the curve."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    every: int = Field(64, ge=1, description="Optimizer steps between checks.")
    stop_at: float | None = Field(
        None, gt=0, le=1, description="Stop training at the first check with at least this accuracy."
    )
    max_new_tokens: int = Field(64, ge=1)
    batch_size: int = Field(256, ge=1, description="Prompts per generate call.")


class HeldOutCheck:
    """Greedy judgments of `items` by the model being trained; accuracy = parsed result == gold."""

    def __init__(
        self,
        items: list[TrainItem],
        tokenizer: Any,
        settings: CheckSettings,
        *,
        seed: int = 0,
        use_reference: bool = True,
    ) -> None:
        if not items:
            raise ValueError("a held-out check needs at least one item")
        self.settings, self.tokenizer = settings, tokenizer
        self.chats = [judge_chat(item, seed, use_reference) for item in items]
        self.gold = [gold_result(item, seed) for item in items]
        self.pairwise = [isinstance(item.item, PairItem) for item in items]
        self.history: list[dict[str, float]] = []

    def accuracy(self, model: Any) -> float:
        """Generated as `selfrat eval --strategy single` generates (the same engine code), then parsed."""
        engine = TransformersEngine.around(model, self.tokenizer, self.settings.batch_size)
        was_training, side = model.training, self.tokenizer.padding_side
        model.eval()
        try:
            outputs = engine.generate(self.chats, SamplingConfig(max_new_tokens=self.settings.max_new_tokens))
        finally:
            model.train(was_training)
            self.tokenizer.padding_side = side
        correct = 0
        for [completion], gold, pairwise in zip(outputs, self.gold, self.pairwise, strict=True):
            parsed = (parse_relative if pairwise else parse_absolute)(completion.text)
            correct += parsed.ok and str(parsed.value) == gold
        return correct / len(self.chats)

    def run(self, model: Any, step: int) -> float:
        accuracy = self.accuracy(model)
        self.history.append({"step": step, "accuracy": accuracy})
        target = "" if self.settings.stop_at is None else f" (stops at >= {100 * self.settings.stop_at:.0f}%)"
        _console.print(f"held-out check, step {step}: accuracy {100 * accuracy:.1f}%{target}", markup=False)
        return accuracy

    def callback(self) -> Any:
        """A transformers TrainerCallback running the check every `settings.every` steps."""
        from transformers import TrainerCallback

        check = self

        class _Check(TrainerCallback):  # type: ignore[misc]
            # The curve so far is kept beside the trainer's checkpoints, so a resumed run keeps the
            # checks made before its checkpoint.
            def on_train_begin(self, args: Any, state: Any, control: Any, **_: Any) -> Any:
                kept = Path(args.output_dir) / CHECK_FILE
                if state.global_step and kept.exists():
                    history = json.loads(kept.read_text(encoding="utf-8"))["history"]
                    check.history = [entry for entry in history if entry["step"] <= state.global_step]
                return control

            def on_step_end(self, args: Any, state: Any, control: Any, model: Any = None, **_: Any) -> Any:
                if state.global_step % check.settings.every == 0:
                    stop_at = check.settings.stop_at
                    accuracy = check.run(model, state.global_step)
                    if args is not None and state.is_world_process_zero:
                        check.write(Path(args.output_dir) / CHECK_FILE)
                    if accuracy >= (stop_at if stop_at is not None else 2.0):
                        control.should_training_stop = True
                return control

            def on_train_end(self, args: Any, state: Any, control: Any, model: Any = None, **_: Any) -> Any:
                if not check.history or check.history[-1]["step"] != state.global_step:
                    check.run(model, state.global_step)  # the last entry is always the final model
                return control

        return _Check()

    def write(self, path: Path) -> None:
        """The checks so far (step, accuracy) and the settings, as JSON."""
        write_json(
            path,
            {"items": len(self.chats), "settings": self.settings.model_dump(), "history": self.history},
        )

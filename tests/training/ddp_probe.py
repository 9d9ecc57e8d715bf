"""Run by test_distributed.py under torchrun: one SFT or DPO stage through `train_sft` / `train_dpo`
with a callback that writes, per rank, what data-parallel training must guarantee: the world the rank
is in, the examples it was dealt, and a digest of its weights after every optimizer step.

    torchrun --standalone --nproc_per_node 2 tests/training/ddp_probe.py sft|dpo MODEL DATA OUT PROBES \
        [kill-after-K|resume]

`kill-after-K` and `resume` (SFT only) train 4 steps with a checkpoint every 2: the first has every
rank die (exit 3) once step K's checkpoint is saved, as a killed run would; the second resumes.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path
from typing import Any

from transformers import TrainerCallback

from selfrat_eval.training import DPOSettings, SFTSettings, load_train_items, train_dpo, train_sft


def digest(model: Any) -> str:
    weights = hashlib.sha256()
    for parameter in model.parameters():
        weights.update(parameter.detach().float().cpu().numpy().tobytes())
    return weights.hexdigest()


def examples(batch: dict[str, Any]) -> list[list[int]]:
    """A batch's token rows without padding (whatever the trainer calls its token columns)."""
    key = "input_ids" if "input_ids" in batch else next(k for k in batch if k.endswith("input_ids"))
    mask = batch.get(key.replace("input_ids", "attention_mask"))
    rows = batch[key].tolist()
    if mask is None:
        return rows
    return [
        [t for t, keep in zip(row, keeps, strict=True) if keep]
        for row, keeps in zip(rows, mask.tolist(), strict=True)
    ]


class Probe(TrainerCallback):  # type: ignore[misc]
    def __init__(self, folder: Path, kill_at: int | None = None) -> None:
        self.folder = folder
        self.kill_at = kill_at
        self.record: dict[str, Any] = {}

    def on_train_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        import torch.distributed as dist

        self.record = {
            "rank": args.process_index,
            "world_size": args.world_size,
            "backend": dist.get_backend() if dist.is_initialized() else None,
            # the rank's shard: its sampler is seeded per epoch, so this pass deals what training gets
            "examples": [row for batch in kwargs["train_dataloader"] for row in examples(batch)],
            "initial": digest(kwargs["model"]),
            "steps": [],
        }

    def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        self.record["steps"].append(digest(kwargs["model"]))

    def on_save(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        if state.global_step == self.kill_at:
            import torch.distributed as dist

            dist.barrier()  # every rank has written its part of the checkpoint
            os._exit(3)

    def on_train_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / f"rank-{self.record['rank']}.json").write_text(json.dumps(self.record))


def main() -> None:
    stage, model, data, out, probes = sys.argv[1:6]
    resumable = sys.argv[6] if len(sys.argv) > 6 else ""
    kill_at = int(resumable.removeprefix("kill-after-")) if resumable.startswith("kill-after-") else None
    probe = Probe(Path(probes), kill_at)
    if stage == "sft":
        steps = {"max_steps": 4, "checkpoint_every": 2} if resumable else {"max_steps": 2}
        settings = SFTSettings(batch_size=2, learning_rate=1e-3, **steps)
        train_sft(model, load_train_items(Path(data))[:8], Path(out), settings, callbacks=[probe])
    else:
        settings_dpo = DPOSettings(epochs=1, batch_size=2, learning_rate=1e-4)
        train_dpo(model, model, Path(data), Path(out), settings_dpo, callbacks=[probe])


if __name__ == "__main__":
    main()

"""A TRL trainer run as a long job should run: it resumes from its newest checkpoint, its per-step logs
and the libraries' messages go to files in its trainer folder (`<out>.trainer/`, moved into the saved
checkpoint at the end), and the terminal shows one progress bar with the time left.
`selfrat --verbose` keeps transformers' and TRL's own bars, log dictionaries and warnings instead.
"""

from __future__ import annotations

import json
import logging
import os
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from selfrat_eval._verbosity import library_bars_off, verbose

#: The trainer's log dictionaries (loss, learning rate, rewards ...), one JSON line per logging step.
TRAINER_LOG = "trainer_log.jsonl"
#: What transformers, TRL, datasets and Python warnings said during the run.
LIBRARIES_LOG = "libraries.log"

_LIBRARY_LOGGERS = ("transformers", "trl", "datasets", "accelerate", "peft", "py.warnings")


def trainer_folder(out: Path) -> Path:
    """Where a run keeps its resumable checkpoints and logs until `out` is saved."""
    return out.with_name(out.name + ".trainer")


def _rank() -> int:
    return int(os.environ.get("RANK", "0"))


@contextmanager
def quiet_libraries(folder: Path) -> Iterator[None]:
    """The libraries' log records and warnings go to `folder/libraries.log` (one file per rank), their
    progress bars are off; all as it was afterwards. Does nothing under `selfrat --verbose`."""
    if verbose():
        yield
        return
    folder.mkdir(parents=True, exist_ok=True)
    log_file = folder / (LIBRARIES_LOG if _rank() == 0 else f"libraries.rank{_rank()}.log")
    handler = logging.FileHandler(log_file, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    loggers = [logging.getLogger(name) for name in _LIBRARY_LOGGERS]
    saved = [(logger.handlers[:], logger.propagate) for logger in loggers]
    logging.captureWarnings(True)
    for logger in loggers:
        logger.handlers = [handler]
        logger.propagate = False
    tqdm_disable = os.environ.get("TQDM_DISABLE")
    os.environ["TQDM_DISABLE"] = "1"  # TRL's own bars (reference log-probs) read only this
    try:
        with library_bars_off(), warnings.catch_warnings():
            warnings.simplefilter("default")  # each distinct warning once, into the file
            yield
    finally:
        for logger, (handlers, propagate) in zip(loggers, saved, strict=True):
            logger.handlers, logger.propagate = handlers, propagate
        logging.captureWarnings(False)
        if tqdm_disable is None:
            del os.environ["TQDM_DISABLE"]
        else:
            os.environ["TQDM_DISABLE"] = tqdm_disable
        handler.close()


def run_trainer(trainer: Any, stage: str) -> str | None:
    """`trainer.train()`, resumed from the newest checkpoint in its output folder if there is one
    (a killed run loses at most the steps since it); returns that checkpoint's name, or None."""
    from transformers.trainer_utils import get_last_checkpoint

    folder = Path(trainer.args.output_dir)
    last = get_last_checkpoint(str(folder)) if folder.is_dir() else None  # type: ignore[no-untyped-call]
    if not verbose():
        from transformers import PrinterCallback, ProgressCallback

        trainer.remove_callback(PrinterCallback)
        trainer.remove_callback(ProgressCallback)
    display = _StageProgress(stage, folder / TRAINER_LOG, show=not verbose())
    trainer.add_callback(display.callback())
    try:
        trainer.train(resume_from_checkpoint=last)
    finally:
        display.close()
    return None if last is None else Path(last).name


class _StageProgress:
    """Every log dictionary appended to the trainer log; with `show`, one bar for the stage (steps,
    loss, elapsed, time left). Both on the main rank only."""

    def __init__(self, stage: str, log_file: Path, *, show: bool) -> None:
        self.stage, self.log_file, self.show = stage, log_file, show
        self.progress: Progress | None = None
        self.task: Any = None

    def callback(self) -> Any:
        from transformers import TrainerCallback

        display = self

        class _Callback(TrainerCallback):  # type: ignore[misc]
            def on_train_begin(self, args: Any, state: Any, control: Any, **_: Any) -> Any:
                if state.is_world_process_zero:
                    display.open(state.max_steps, state.global_step)
                return control

            def on_step_end(self, args: Any, state: Any, control: Any, **_: Any) -> Any:
                if display.progress is not None:
                    display.progress.update(display.task, completed=state.global_step)
                return control

            def on_log(self, args: Any, state: Any, control: Any, logs: Any = None, **_: Any) -> Any:
                if state.is_world_process_zero and logs:
                    display.log(state.global_step, logs)
                return control

        return _Callback()

    def open(self, total: int, done: int) -> None:
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        if not self.show:
            return
        self.progress = Progress(
            TextColumn(self.stage),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("steps {task.fields[loss]}"),
            TimeElapsedColumn(),
            TextColumn("left"),
            TimeRemainingColumn(),
            console=Console(stderr=True),
        )
        self.progress.start()
        self.task = self.progress.add_task(self.stage, total=total, completed=done, loss="")

    def log(self, step: int, logs: dict[str, Any]) -> None:
        with self.log_file.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps({"step": step, **logs}) + "\n")
        if self.progress is not None and "loss" in logs:
            self.progress.update(self.task, loss=f"loss {float(logs['loss']):.3f}")

    def close(self) -> None:
        if self.progress is not None:
            self.progress.stop()
            self.progress = None

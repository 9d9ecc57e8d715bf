"""Run a judge over a benchmark: judge unfinished items chunk by chunk, append, then score."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from selfrat_eval._errors import InputError
from selfrat_eval.data._io import write_json
from selfrat_eval.evaluation._benchmarks import BenchmarkTask, Item, ScoringOptions, make_task
from selfrat_eval.evaluation._judgments import Benchmark
from selfrat_eval.evaluation._results import build_results, write_outputs
from selfrat_eval.evaluation._store import JudgmentStore
from selfrat_eval.judges import Backend, Engine, SamplingConfig, load_engine
from selfrat_eval.metrics import TiePolicy
from selfrat_eval.prompts import GradingMode

JUDGMENTS_FILE = "judgments.jsonl"
RESULTS_FILE = "results.json"
RUN_FILE = "run.json"

#: Settings that change what a judgment is: a resumed run must match them exactly.
_IDENTITY_FIELDS = (
    "judge",
    "backend",
    "benchmark",
    "data",
    "mode",
    "use_reference",
    "seed",
    "max_new_tokens",
    "revision",
)


@dataclass(frozen=True)
class EvalConfig:
    """Everything `selfrat eval` needs; see the CLI help for each option."""

    judge: str
    benchmark: Benchmark
    out: Path
    backend: Backend = "hf"
    data: Path | None = None
    revision: str | None = None
    limit: int | None = None
    mode: GradingMode = "absolute"
    use_reference: bool = True
    seed: int = 0
    max_new_tokens: int = 512
    batch_size: int = 8
    chunk_size: int = 32
    dtype: str = "auto"
    device: str = "auto"
    tie_policy: TiePolicy = "official"
    n_resamples: int = 1000
    model_name: str | None = None
    engine_options: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.limit is not None and self.limit < 1:
            raise InputError("--limit must be at least 1", field="limit")
        if self.chunk_size < 1 or self.batch_size < 1:
            raise InputError("--chunk-size and --batch-size must be at least 1")
        if self.mode == "pairwise" and self.benchmark != "rewardbench":
            raise InputError("--mode pairwise applies to rewardbench only", field="mode")

    def identity(self) -> dict[str, Any]:
        settings = asdict(self)
        return {
            name: str(settings[name]) if isinstance(settings[name], Path) else settings[name]
            for name in _IDENTITY_FIELDS
        }

    def task(self) -> BenchmarkTask:
        return make_task(self.benchmark, mode=self.mode, use_reference=self.use_reference, seed=self.seed)


def check_resumable(out: Path, config: EvalConfig) -> None:
    """Refuse to mix judgments made with different settings into one judgments.jsonl."""
    run_file = out / RUN_FILE
    if not run_file.exists():
        return
    previous = json.loads(run_file.read_text(encoding="utf-8")).get("identity", {})
    for name, value in config.identity().items():
        if previous.get(name) != value:
            raise InputError(
                f"holds a run made with {name}={previous.get(name)!r}, not {value!r}: "
                "use another --out (or delete the folder) to start over",
                source=str(out),
            )


def run_eval(config: EvalConfig, engine_factory: Callable[[], Engine] | None = None) -> dict[str, Any]:
    """Judge every unfinished item, append each chunk as it finishes, write results.json."""
    started = time.perf_counter()
    task = config.task()
    items, source = task.load(config.data, config.revision)
    if config.limit is not None:
        items = items[: config.limit]
    config.out.mkdir(parents=True, exist_ok=True)
    check_resumable(config.out, config)
    write_json(config.out / RUN_FILE, {"identity": config.identity(), "data": source.identity})

    store = JudgmentStore(config.out / JUDGMENTS_FILE)
    done = {judgment.key for judgment in store.load()}
    todo = [item for item in items if item.key not in done]
    loaded = time.perf_counter()

    engine_identity: dict[str, Any] = {"backend": config.backend, "model": config.judge}
    judge_seconds = 0.0
    if todo:
        if engine_factory is None:
            engine = load_engine(
                config.backend,
                config.judge,
                revision=config.revision,
                batch_size=config.batch_size,
                dtype=config.dtype,
                device=config.device,
                **config.engine_options,
            )
        else:
            engine = engine_factory()
        engine_identity = engine.identity
        sampling = SamplingConfig(max_new_tokens=config.max_new_tokens, seed=config.seed)
        judge_started = time.perf_counter()
        _judge_items(task, engine, sampling, todo, store, config.chunk_size, already=len(items) - len(todo))
        judge_seconds = time.perf_counter() - judge_started

    judgments = [j for j in store.load() if j.key in {item.key for item in items}]
    options = ScoringOptions(config.tie_policy, config.n_resamples, config.seed)
    results = build_results(
        task,
        judgments,
        options,
        judge=engine_identity,
        data={"source": source.name, **source.identity},
        config={k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(config).items()},
        timings={
            "load_s": loaded - started,
            "judge_s": judge_seconds,
            "items_judged_now": len(todo),
            "items_resumed": len(items) - len(todo),
            "items_per_s": len(todo) / judge_seconds if judge_seconds else None,
        },
    )
    write_outputs(
        config.out, task, judgments, results, model_name=config.model_name or config.judge, options=options
    )
    return results


def _judge_items(
    task: BenchmarkTask,
    engine: Engine,
    sampling: SamplingConfig,
    todo: Sequence[Item],
    store: JudgmentStore,
    chunk_size: int,
    already: int,
) -> None:
    columns = (
        TextColumn(f"judging {task.name}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, transient=False) as progress:
        bar = progress.add_task("judge", total=len(todo) + already, completed=already)
        for start in range(0, len(todo), chunk_size):
            chunk = todo[start : start + chunk_size]
            per_item = [task.requests(item) for item in chunk]
            flat = [chat for chats in per_item for chat in chats]
            completions = engine.generate(flat, sampling)  # one batched call per chunk
            judgments, position = [], 0
            for item, chats in zip(chunk, per_item, strict=True):
                judgments.append(task.judgment(item, completions[position : position + len(chats)]))
                position += len(chats)
            store.append(judgments)
            progress.advance(bar, len(chunk))

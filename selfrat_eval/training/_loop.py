"""The Self-Rationalization loop: for each iteration, sample N judgments per training item with the
current judge, curate preference pairs, train DPO, and carry on with the new judge.

Each iteration lives in `out/iteration-K/`: items.jsonl, samples/ (a `selfrat eval` run folder with
every sample), pairs.jsonl, curation.json, checkpoint/, and eval/ when a held-out evaluation is set.
Every artefact is written atomically and a stage whose artefact exists is skipped, so a killed run
resumes at the stage it stopped (sampling itself resumes item by item).
"""

from __future__ import annotations

import json
import random
import subprocess
import time
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from selfrat_eval._errors import InputError
from selfrat_eval.data._io import atomic_write, write_json
from selfrat_eval.evaluation import EvalConfig, read_judgments, run_eval
from selfrat_eval.judges import Backend, default_backend
from selfrat_eval.training._common import judge_chat
from selfrat_eval.training._curation import CurationSettings, curate, curation_stats
from selfrat_eval.training._data import TrainItem, load_train_items, write_items_file
from selfrat_eval.training._dpo import DPOSettings, train_dpo


class SamplingSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    n: int = Field(8, ge=2, description="Judgments sampled per training item.")
    temperature: float = Field(1.0, gt=0)
    top_p: float = Field(1.0, gt=0, le=1)
    max_new_tokens: int = Field(512, ge=1)
    backend: Backend | None = Field(None, description="Default: vllm where installed, else hf.")
    batch_size: int = Field(8, ge=1)
    replicas: int = Field(
        1, ge=1, description="Engine copies sampling in their own processes (`selfrat eval --replicas`)."
    )
    structured: bool = Field(
        False, description="Sample JSON judgments under each verdict's schema (`selfrat eval --structured`)."
    )
    engine_options: dict[str, Any] = Field(default_factory=dict)
    cache: Path | None = Field(
        None,
        description="A judgment cache file (the one `selfrat eval --cache` uses): a rerun or a second "
        "loop that samples the same items from the same checkpoint generates nothing again.",
    )


class HeldOutEval(BaseModel):
    """An optional `selfrat eval` of each new judge."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    benchmark: str = "rubric"
    data: Path | None = None
    limit: int | None = None
    max_new_tokens: int = 512
    strategy: str = "single"


class LoopConfig(BaseModel):
    """`selfrat train sre --config FILE` (YAML or JSON with these fields)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    judge: str = Field(description="The SFT judge to start from (hub id or folder).")
    out: Path
    train_data: Path | None = Field(None, description="Default: Feedback-Collection from the hub.")
    iterations: int = Field(2, ge=1)
    items_per_iteration: list[int] = Field(default_factory=lambda: [5000, 500], min_length=1)
    reference: Literal["sft", "previous"] = Field("previous", description="DPO reference model.")
    pairwise: bool = Field(
        False, description="Hub data only: Preference-Collection (pairwise) instead of Feedback-Collection."
    )
    use_reference: bool = Field(
        True, description="False leaves reference answers out of every prompt (sampling, pairs, eval)."
    )
    seed: int = 0
    sampling: SamplingSettings = Field(default_factory=SamplingSettings)
    curation: CurationSettings = Field(default_factory=CurationSettings)
    dpo: DPOSettings = Field(default_factory=DPOSettings)
    evaluation: HeldOutEval | None = None

    @classmethod
    def from_file(cls, path: Path) -> LoopConfig:
        try:
            raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as error:
            raise InputError(f"cannot read the config ({error})", source=str(path)) from None
        try:
            return cls.model_validate(raw)
        except ValidationError as error:
            first = error.errors()[0]
            field = ".".join(str(part) for part in first["loc"])
            raise InputError(first["msg"], source=str(path), field=field) from None


def _iteration_items(items: list[TrainItem], config: LoopConfig) -> list[list[TrainItem]]:
    """Disjoint, seeded slices of the training items (wrapping around when they run out)."""
    order = list(items)
    random.Random(config.seed).shuffle(order)
    slices, start = [], 0
    for k in range(config.iterations):
        size = config.items_per_iteration[min(k, len(config.items_per_iteration) - 1)]
        slices.append([order[(start + i) % len(order)] for i in range(min(size, len(order)))])
        start += size
    return slices


def run_loop(config: LoopConfig) -> dict[str, Any]:
    """Run (or resume) every iteration; returns the summary also written to out/loop.json."""
    items = load_train_items(config.train_data, pairwise=config.pairwise)
    config.out.mkdir(parents=True, exist_ok=True)
    write_json(config.out / "config.json", json.loads(config.model_dump_json()))
    judge = config.judge
    summary: dict[str, Any] = {"iterations": []}
    for k, chunk in enumerate(_iteration_items(items, config), start=1):
        folder = config.out / f"iteration-{k}"
        reference = config.judge if config.reference == "sft" else judge
        record = run_iteration(config, folder, judge, reference, chunk)
        summary["iterations"].append(record)
        judge = record["checkpoint"]
        write_json(config.out / "loop.json", summary)
    return summary


def _timed(timings: dict[str, float], stage: str, started: float) -> None:
    timings[stage] = round(time.perf_counter() - started, 3)


def run_iteration(
    config: LoopConfig, folder: Path, judge: str, reference: str, items: list[TrainItem]
) -> dict[str, Any]:
    folder.mkdir(parents=True, exist_ok=True)
    timings: dict[str, float] = {}
    items_file = folder / "items.jsonl"
    if not items_file.exists():
        write_items_file(items_file, items)
    pairwise = items[0].pairwise

    started = time.perf_counter()
    sampling = config.sampling
    meta = config.curation.strategy == "meta-judge"
    backend = sampling.backend or default_backend()
    sampling_config = EvalConfig(
        judge=judge,
        benchmark="pairwise" if pairwise else "rubric",
        data=items_file,
        out=folder / "samples",
        backend=backend,
        strategy=f"{'best-of-n' if meta else 'self-consistency'}:{sampling.n}",
        selector="meta-judge" if meta else "logprob",
        temperature=sampling.temperature,
        top_p=sampling.top_p,
        max_new_tokens=sampling.max_new_tokens,
        batch_size=sampling.batch_size,
        replicas=sampling.replicas,
        # vLLM samples in a process of its own, so the GPU is free when DPO trains
        own_process=backend == "vllm",
        structured=sampling.structured,
        use_reference=config.use_reference,
        seed=config.seed,
        n_resamples=0,
        engine_options=dict(sampling.engine_options),
    )
    # The cache key holds the checkpoint folder's file fingerprint, so a re-trained folder is a new judge.
    samples = run_eval(sampling_config, engine_factory=sampling_config.cached_engine(sampling.cache))
    _timed(timings, "sample", started)

    started = time.perf_counter()
    pairs_file = folder / "pairs.jsonl"
    if not pairs_file.exists():
        judgments = read_judgments(folder / "samples" / "judgments.jsonl")
        pairs = curate(judgments, config.curation)
        chats = {train.item.id: judge_chat(train, config.seed, config.use_reference) for train in items}
        with atomic_write(pairs_file) as handle:
            for pair in pairs:
                row = {
                    "id": pair.item_id,
                    "prompt": chats[pair.item_id],
                    "chosen": [{"role": "assistant", "content": pair.chosen}],
                    "rejected": [{"role": "assistant", "content": pair.rejected}],
                    "chosen_value": pair.chosen_value,
                    "rejected_value": pair.rejected_value,
                    "margin": None if pair.margin == float("inf") else pair.margin,
                }
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
        write_json(
            folder / "curation.json",
            {"strategy": config.curation.strategy, **curation_stats(judgments, pairs)},
        )
    _timed(timings, "curate", started)
    stats = json.loads((folder / "curation.json").read_text())

    started = time.perf_counter()
    checkpoint = folder / "checkpoint"
    if not checkpoint.exists():
        if stats["pairs"] == 0:
            raise InputError(
                "curation kept no pairs: nothing to train on (see curation.json)", source=str(folder)
            )
        if config.dpo.launch:
            _launch_dpo(config.dpo, judge, reference, pairs_file, checkpoint)
        else:
            train_dpo(judge, reference, pairs_file, checkpoint, config.dpo)
    _timed(timings, "dpo", started)

    record: dict[str, Any] = {
        "iteration": folder.name,
        "judge": judge,
        "reference": reference,
        "checkpoint": str(checkpoint),
        "items": len(items),
        "sampling": samples["metrics"],
        "curation": stats,
    }
    if config.evaluation is not None:
        started = time.perf_counter()
        held_out = config.evaluation
        evaluation = run_eval(
            EvalConfig(
                judge=str(checkpoint),
                benchmark=held_out.benchmark,
                data=held_out.data,
                limit=held_out.limit,
                out=folder / "eval",
                backend=sampling.backend or default_backend(),
                strategy=held_out.strategy,
                max_new_tokens=held_out.max_new_tokens,
                use_reference=config.use_reference,
                seed=config.seed,
                engine_options=dict(sampling.engine_options),
            )
        )
        _timed(timings, "eval", started)
        record["evaluation"] = evaluation["metrics"]
    record["timings_s"] = timings
    write_json(folder / "iteration.json", record)
    return record


def _launch_dpo(
    settings: DPOSettings, judge: str, reference: str, pairs_file: Path, checkpoint: Path
) -> None:
    """The DPO stage in a launcher (multi-GPU with `accelerate launch`): `selfrat train dpo`."""
    settings_file = pairs_file.with_name("dpo_settings.json")
    write_json(settings_file, json.loads(settings.model_dump_json(exclude={"launch"})))
    command = [
        *(settings.launch or []),
        "-m",
        "selfrat_eval.cli",
        "train",
        "dpo",
        "--policy",
        judge,
        "--reference",
        reference,
        "--pairs",
        str(pairs_file),
        "--out",
        str(checkpoint),
        "--settings",
        str(settings_file),
    ]
    done = subprocess.run(command, check=False)
    if done.returncode != 0 or not checkpoint.exists():
        raise InputError(f"the launched DPO stage failed (exit {done.returncode}): {' '.join(command)}")

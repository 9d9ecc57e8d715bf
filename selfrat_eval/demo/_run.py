"""`selfrat demo`: Self-Rationalization against its baselines, end to end, on a CPU in minutes.

Per seed (each in `out/seed-K/`): a char-level Llama built from scratch, SFT on gold rationales of the
arithmetic benchmark (and, as an ablation, on scores alone), then the real loop (sample N judgments
per item -> ground-truth pairs -> DPO, twice), and `selfrat eval` runs of every arm on the held-out
split. Every stage writes its artefact atomically and is recorded in `stages.json` with its wall
time once done, so a killed demo resumes at the stage it stopped (the loop and evaluations also
resume item by item). Seeds run one after another: measured here, two seeds in two one-thread
processes train no faster than one after the other with two threads.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field
from rich.console import Console

from selfrat_eval._errors import InputError
from selfrat_eval.data._io import validate, write_json
from selfrat_eval.evaluation import EvalConfig, run_eval
from selfrat_eval.toy import Splits, build_arithmetic_benchmark, build_char_judge
from selfrat_eval.training import (
    CurationSettings,
    DPOSettings,
    HeldOutEval,
    LoopConfig,
    SamplingSettings,
    SFTSettings,
    load_train_items,
    run_loop,
    train_sft,
)

console = Console(stderr=True)

STAGES_FILE = "stages.json"


class DemoConfig(BaseModel):
    """What `selfrat demo` runs; the defaults are the configuration reported in the README."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    out: Path
    seeds: list[int] = Field(default_factory=lambda: [0, 1, 2], min_length=1)
    data_seed: int = Field(0, description="The benchmark is the same for every seed.")
    train_items: int = Field(
        750, ge=1, description="Gold rationales for SFT (few on purpose: an imperfect judge)."
    )
    sampling_items: int = Field(1500, ge=1, description="Items sampled per SRE iteration.")
    heldout_items: int = Field(500, ge=2)
    n: int = Field(8, ge=2, description="Judgments per item: SRE sampling, self-consistency, best-of-N.")
    iterations: int = Field(2, ge=1)
    max_new_tokens: int = Field(40, ge=8)
    generation_batch: int = Field(512, ge=1, description="Sequences per generate call.")
    sft: SFTSettings = SFTSettings(
        max_steps=1024,
        learning_rate=2e-3,
        scheduler="cosine",
        batch_size=64,
        max_length=128,
        use_reference=False,
        precision="fp32",
    )
    curation: CurationSettings = CurationSettings(min_margin=1)
    dpo: DPOSettings = DPOSettings(
        beta=0.1, learning_rate=1e-4, epochs=2, batch_size=32, max_length=128, precision="fp32"
    )

    @classmethod
    def from_options(cls, out: Path, *, seeds: int = 3, config: Path | None = None) -> DemoConfig:
        """Seeds 0..seeds-1, then any fields from a YAML/JSON `config`, then `out`."""
        fields: Any = {}
        if config is not None:
            try:
                fields = yaml.safe_load(config.read_text(encoding="utf-8")) or {}
            except (OSError, yaml.YAMLError) as error:
                raise InputError(f"cannot read the config ({error})", source=str(config)) from None
            if not isinstance(fields, dict):
                raise InputError("expected a mapping of demo settings", source=str(config))
        raw = {"seeds": list(range(seeds)), **fields, "out": out}
        return validate(cls, raw, source=str(config or "selfrat demo options"), record=1)

    def benchmark_dir(self) -> Path:
        return self.out / "benchmark"

    def seed_dir(self, seed: int) -> Path:
        return self.out / f"seed-{seed}"


def run_demo(config: DemoConfig) -> Path:
    """Run (or resume) every seed, then write the report; returns the report's path."""
    from selfrat_eval.demo._report import write_demo_report

    started = time.perf_counter()
    config.out.mkdir(parents=True, exist_ok=True)
    write_json(config.out / "demo.json", json.loads(config.model_dump_json()))
    splits = Splits(config.train_items, config.sampling_items, config.heldout_items)
    build_arithmetic_benchmark(config.benchmark_dir(), splits, seed=config.data_seed)
    for number, seed in enumerate(config.seeds, start=1):
        console.rule(f"seed {seed} ({number} of {len(config.seeds)})")
        run_seed(config, seed)
    report = write_demo_report(config, wall_s=time.perf_counter() - started)
    console.print(f"[bold green]report[/]: {report}")
    return report


def _stage(folder: Path, name: str, seed: int, action: Any) -> None:
    """Run `action` unless its stage is recorded as done; record its wall time."""
    record_file = folder / STAGES_FILE
    stages = json.loads(record_file.read_text()) if record_file.exists() else {}
    if name in stages:
        return
    console.print(f"seed {seed}: {name} ...", markup=False)
    started = time.perf_counter()
    action()
    stages[name] = round(time.perf_counter() - started, 2)
    write_json(record_file, stages)
    console.print(f"seed {seed}: {name} done in {stages[name]:.1f} s", markup=False)


def arm_eval(
    config: DemoConfig, judge: Path, out: Path, strategy: str, seed: int, max_new_tokens: int
) -> None:
    run_eval(
        EvalConfig(
            judge=str(judge),
            benchmark="rubric",
            data=config.benchmark_dir() / "heldout.jsonl",
            out=out,
            backend="hf",
            use_reference=False,
            strategy=strategy,
            temperature=1.0,
            seed=seed,
            max_new_tokens=max_new_tokens,
            batch_size=config.generation_batch,
            chunk_size=config.heldout_items,
            n_resamples=0,
        )
    )


def loop_config(config: DemoConfig, seed: int) -> LoopConfig:
    folder = config.seed_dir(seed)
    return LoopConfig(
        judge=str(folder / "sft"),
        out=folder / "sre",
        train_data=config.benchmark_dir() / "sampling.jsonl",
        iterations=config.iterations,
        items_per_iteration=[config.sampling_items],
        reference="previous",
        use_reference=False,
        seed=seed,
        sampling=SamplingSettings(
            n=config.n,
            temperature=1.0,
            max_new_tokens=config.max_new_tokens,
            backend="hf",
            batch_size=config.generation_batch,
        ),
        curation=config.curation,
        dpo=config.dpo.model_copy(update={"seed": seed}),
        evaluation=HeldOutEval(
            benchmark="rubric",
            data=config.benchmark_dir() / "heldout.jsonl",
            max_new_tokens=config.max_new_tokens,
        ),
    )


def run_seed(config: DemoConfig, seed: int) -> None:
    """Every stage for one seed, skipping those already done."""
    folder = config.seed_dir(seed)
    folder.mkdir(parents=True, exist_ok=True)
    train = config.benchmark_dir() / "train.jsonl"
    sft = config.sft.model_copy(update={"seed": seed})
    _stage(folder, "build judge", seed, lambda: build_char_judge(folder / "base", seed=seed))
    _stage(
        folder,
        "SFT",
        seed,
        lambda: train_sft(str(folder / "base"), load_train_items(train), folder / "sft", sft),
    )
    _stage(
        folder,
        "eval SFT greedy",
        seed,
        lambda: arm_eval(
            config, folder / "sft", folder / "arms" / "sft", "single", seed, config.max_new_tokens
        ),
    )
    _stage(
        folder,
        f"eval SFT x{config.n} samples",
        seed,
        lambda: arm_eval(
            config,
            folder / "sft",
            folder / "arms" / "sft-samples",
            f"self-consistency:{config.n}",
            seed,
            config.max_new_tokens,
        ),
    )
    _stage(folder, "SRE loop", seed, lambda: run_loop(loop_config(config, seed)))
    _stage(
        folder,
        "SFT without rationales",
        seed,
        lambda: train_sft(
            str(folder / "base"),
            load_train_items(train),
            folder / "sft-no-rationale",
            sft.model_copy(update={"with_rationale": False}),
        ),
    )
    _stage(
        folder,
        "eval SFT without rationales",
        seed,
        lambda: arm_eval(
            config,
            folder / "sft-no-rationale",
            folder / "arms" / "no-rationale",
            "single",
            seed,
            config.max_new_tokens,
        ),
    )

"""`selfrat demo`: Self-Rationalization against its baselines, end to end, on a CPU in minutes.

Per seed (each in `out/seed-K/`): a char-level Llama built from scratch, SFT on gold rationales of the
arithmetic benchmark (and, as an ablation, on scores alone), then the real loop (sample N judgments
per item -> ground-truth pairs -> DPO, twice), and `selfrat eval` runs of every arm on the held-out
split. Every stage writes its artefact atomically and is recorded in `stages.json` with its wall
time once done, so a killed demo resumes at the stage it stopped (the loop and evaluations also
resume item by item). After each stage one line says how far the whole demo is and about how long
is left. Seeds run one after another: measured here, two seeds in two one-thread
processes train no faster than one after the other with two threads.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field
from rich.console import Console

from selfrat_eval._errors import InputError
from selfrat_eval.data._io import validate, write_json
from selfrat_eval.evaluation import EvalConfig, RatingJudgment, read_judgments, run_eval
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
    sft_check_items: int = Field(
        200,
        ge=1,
        description="SFT's greedy accuracy is measured on this many sampling-split items (never held-out): "
        "it sits on a sharp learning transition whose timing varies with the CPU's float path.",
    )
    ablation_seeds: int = Field(
        1,
        ge=0,
        description="The first K seeds also train SFT without rationales (the ablation): it costs as "
        "much as SFT and lands far below it, so one seed shows it.",
    )
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
    plan = [(seed, name, action) for seed in config.seeds for name, action in seed_stages(config, seed)]
    progress = _Progress(sum(STAGE_WEIGHTS.get(_kind(name), 1.0) for _seed, name, _ in plan))
    for seed, name, action in plan:
        ran = _stage(config.seed_dir(seed), name, seed, action)
        progress.advance(STAGE_WEIGHTS.get(_kind(name), 1.0), ran)
    report = write_demo_report(config, wall_s=time.perf_counter() - started)
    console.print(f"[bold green]report[/]: {report}")
    return report


#: Seconds each stage took per seed at the default settings (README's measured run): the weights of
#: the overall time-left estimate. Stages repeated with other sizes scale with them, roughly.
STAGE_WEIGHTS = {
    "build judge": 5.0,
    "SFT": 150.0,
    "eval SFT greedy": 1.0,
    "eval SFT samples": 8.0,
    "SRE loop": 56.0,
    "SFT without rationales": 90.0,
    "eval SFT without rationales": 1.0,
}


def _kind(stage: str) -> str:
    return "eval SFT samples" if stage.startswith("eval SFT x") else stage


class _Progress:
    """One line per finished stage: how far the whole demo is and about how long is left."""

    def __init__(self, total: float) -> None:
        self.total, self.done, self.ran, self.ran_s = total, 0.0, 0.0, 0.0
        self.started = time.perf_counter()

    def advance(self, weight: float, ran: float | None) -> None:
        self.done += weight
        if ran is None:  # resumed: done before, costs nothing now
            return
        self.ran += weight
        self.ran_s += ran
        left = (self.total - self.done) * self.ran_s / self.ran if self.ran else math.nan
        elapsed = time.perf_counter() - self.started
        console.print(
            f"demo: {100 * self.done / self.total:.0f}% done, {elapsed / 60:.1f} min elapsed, "
            f"about {left / 60:.1f} min left",
            markup=False,
        )


def _stage(folder: Path, name: str, seed: int, action: Callable[[], Any]) -> float | None:
    """Run `action` unless its stage is recorded as done; record and return its wall time."""
    record_file = folder / STAGES_FILE
    stages = json.loads(record_file.read_text()) if record_file.exists() else {}
    if name in stages:
        return None
    console.print(f"seed {seed}: {name} ...", markup=False)
    started = time.perf_counter()
    action()
    seconds = round(time.perf_counter() - started, 2)
    stages[name] = seconds
    write_json(record_file, stages)
    console.print(f"seed {seed}: {name} done in {seconds:.1f} s", markup=False)
    return seconds


def arm_eval(
    config: DemoConfig,
    judge: Path,
    out: Path,
    strategy: str,
    seed: int,
    max_new_tokens: int,
    *,
    split: str = "heldout",
    limit: int | None = None,
) -> None:
    """`selfrat eval` of a judge on a benchmark split (held-out by default), as every arm is run."""
    run_eval(
        EvalConfig(
            judge=str(judge),
            benchmark="rubric",
            data=config.benchmark_dir() / f"{split}.jsonl",
            limit=limit,
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


def train_checked_sft(config: DemoConfig, seed: int, settings: SFTSettings, out: Path) -> None:
    """SFT, then its greedy accuracy on sampling-split items, kept in `sft_check.json` beside it."""
    folder = config.seed_dir(seed)
    train_sft(str(folder / "base"), load_train_items(config.benchmark_dir() / "train.jsonl"), out, settings)
    accuracy = _greedy_accuracy(config, out, folder / "sft-check", seed)
    write_json(out / "sft_check.json", {"items": config.sft_check_items, "accuracy": accuracy})


def _greedy_accuracy(config: DemoConfig, judge: Path, out: Path, seed: int) -> float:
    """Exact greedy accuracy on the first `sft_check_items` sampling-split items."""
    arm_eval(
        config,
        judge,
        out,
        "single",
        seed,
        config.max_new_tokens,
        split="sampling",
        limit=config.sft_check_items,
    )
    judgments = [j for j in read_judgments(out / "judgments.jsonl") if isinstance(j, RatingJudgment)]
    return sum(j.score == j.label for j in judgments) / len(judgments)


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


def seed_stages(config: DemoConfig, seed: int) -> list[tuple[str, Callable[[], Any]]]:
    """Every stage of one seed, in order, as (name, action); `run_demo` skips those already done."""
    folder = config.seed_dir(seed)
    folder.mkdir(parents=True, exist_ok=True)
    train = config.benchmark_dir() / "train.jsonl"
    sft = config.sft.model_copy(update={"seed": seed})

    def evaluate(judge: str, run: str, strategy: str = "single") -> Callable[[], None]:
        return lambda: arm_eval(config, folder / judge, folder / run, strategy, seed, config.max_new_tokens)

    stages: list[tuple[str, Callable[[], Any]]] = [
        ("build judge", lambda: build_char_judge(folder / "base", seed=seed)),
        ("SFT", lambda: train_checked_sft(config, seed, sft, folder / "sft")),
        ("eval SFT greedy", evaluate("sft", "arms/sft")),
        (
            f"eval SFT x{config.n} samples",
            evaluate("sft", "arms/sft-samples", f"self-consistency:{config.n}"),
        ),
        ("SRE loop", lambda: run_loop(loop_config(config, seed))),
    ]
    if seed in config.seeds[: config.ablation_seeds]:
        no_rationale = sft.model_copy(update={"with_rationale": False})
        stages += [
            (
                "SFT without rationales",
                lambda: train_sft(
                    str(folder / "base"), load_train_items(train), folder / "sft-no-rationale", no_rationale
                ),
            ),
            ("eval SFT without rationales", evaluate("sft-no-rationale", "arms/no-rationale")),
        ]
    return stages

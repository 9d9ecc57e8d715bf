"""`selfrat demo`: Self-Rationalization against its baselines, end to end, on a CPU in minutes.

Per seed (each in `out/seed-K/`): a char-level Llama built from scratch, SFT on gold rationales of the
arithmetic benchmark (and, as an ablation, on scores alone), then the real loop (sample N judgments
per item -> ground-truth pairs -> DPO, twice), and `selfrat eval` runs of every arm on the held-out
split; then the SFT and last SRE judges grade toy answer generators of known quality (does each rank
them as the truth does?). Every stage writes its artefact atomically and is recorded in
`stages.json` with its wall time once done, so a killed demo resumes at the stage it stopped (the
loop and evaluations also resume item by item). After each stage one line says how far the whole
demo is and about how long is left. Seeds run one after another: measured here, two seeds in two
one-thread processes train no faster than one after the other with two threads.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator
from rich.console import Console

from selfrat_eval._errors import InputError
from selfrat_eval.data._io import validate, write_json
from selfrat_eval.evaluation import EvalConfig, run_eval
from selfrat_eval.toy import Splits, build_arithmetic_benchmark, build_char_judge, write_generator_answers
from selfrat_eval.training import (
    CheckSettings,
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

#: The benchmark file of the toy generators' answers, graded by the SFT and last SRE judges.
GENERATORS_SPLIT = "generators"


class DemoConfig(BaseModel):
    """What `selfrat demo` runs; the defaults are the configuration reported in the README."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    out: Path
    seeds: list[int] = Field(default_factory=lambda: [0, 1, 2], min_length=1)
    data_seed: int = Field(0, description="The benchmark is the same for every seed.")
    train_items: int = Field(2000, ge=1, description="Gold rationales for SFT.")
    items_per_iteration: list[int] = Field(
        default_factory=lambda: [1500, 500],
        min_length=1,
        description="Sampling-split items judged N times per SRE iteration (the last size repeats); "
        "fewer in the second, as in the paper (5,000 then 500).",
    )
    heldout_items: int = Field(500, ge=2)
    generator_questions: int = Field(
        100,
        ge=2,
        description="Held-out questions each toy generator answers (at most heldout_items): the SFT and "
        "last SRE judges grade these answers, and the report says how well each ranks the generators.",
    )
    n: int = Field(8, ge=2, description="Judgments per item: SRE sampling, self-consistency, best-of-N.")
    adaptive_confidence: float = Field(
        0.95,
        gt=0.5,
        le=1,
        description="The adaptive self-consistency arm (at most n samples) stops an item at this confidence.",
    )
    iterations: int = Field(2, ge=1)
    sft_check_items: int = Field(
        200,
        ge=1,
        description="SFT stops on its greedy accuracy on this many sampling-split items (never held-out), "
        "checked as `sft.check` says: the task is learnt in a sharp transition whose timing moves with "
        "the seed and the CPU's float path, so the accuracy, not the step count, is held fixed.",
    )
    ablation_seeds: int = Field(
        1,
        ge=0,
        description="The first K seeds also run the two controls: SFT without rationales (as many steps "
        "as that seed's SFT took), and SFT trained on from its stopping point for as many steps, of as "
        "many sequences, as SRE's DPO ran (is the loop's gain more than more training?).",
    )
    max_new_tokens: int = Field(40, ge=8)
    generation_batch: int = Field(512, ge=1, description="Sequences per generate call.")
    sft: SFTSettings = SFTSettings(
        max_steps=1024,
        learning_rate=2e-3,
        # Constant after a short warm-up: a decaying rate slowed the seeds that leave the plateau late
        # (seed 4: 62% at 1,024 steps with cosine, 80% at 576 constant; benchmarks/study_sft_schedule.py).
        scheduler="constant",
        warmup_steps=32,
        batch_size=64,
        max_length=128,
        use_reference=False,
        precision="fp32",
        # An imperfect judge on purpose: SRE learns from the judgments it gets wrong.
        check=CheckSettings(every=32, stop_at=0.65, max_new_tokens=40),
    )
    curation: CurationSettings = CurationSettings(min_margin=1)
    dpo: DPOSettings = DPOSettings(
        beta=0.1, learning_rate=1e-4, epochs=2, batch_size=32, max_length=128, precision="fp32"
    )

    @model_validator(mode="after")
    def _questions_are_heldout(self) -> DemoConfig:
        if self.generator_questions > self.heldout_items:
            raise ValueError(
                "generator_questions must be at most heldout_items (they are held-out questions)"
            )
        return self

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
    splits = Splits(config.train_items, max(config.items_per_iteration), config.heldout_items)
    build_arithmetic_benchmark(config.benchmark_dir(), splits, seed=config.data_seed)
    write_generator_answers(
        config.benchmark_dir() / "heldout.jsonl",
        config.benchmark_dir() / f"{GENERATORS_SPLIT}.jsonl",
        questions=config.generator_questions,
        seed=config.data_seed,
    )
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
    "SFT": 80.0,
    "eval SFT greedy": 1.0,
    "eval SFT samples": 8.0,
    "eval SFT adaptive": 5.0,
    "SRE loop": 80.0,
    "grade toy generators": 2.5,
    "SFT without rationales": 36.0,
    "eval SFT without rationales": 1.0,
    "SFT trained on": 40.0,
    "eval SFT trained on": 1.0,
}


def _kind(stage: str) -> str:
    if stage.startswith("eval SFT x"):
        return "eval SFT samples"
    return "eval SFT adaptive" if stage.startswith("eval SFT adaptive") else stage


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
            confidence=config.adaptive_confidence,
            temperature=1.0,
            seed=seed,
            max_new_tokens=max_new_tokens,
            batch_size=config.generation_batch,
            chunk_size=config.heldout_items,
            n_resamples=0,
        )
    )


def train_checked_sft(config: DemoConfig, seed: int, settings: SFTSettings, out: Path) -> None:
    """SFT, stopped by its check on the first `sft_check_items` sampling-split items (`check.json`)."""
    sampling = load_train_items(config.benchmark_dir() / "sampling.jsonl")
    train_sft(
        str(config.seed_dir(seed) / "base"),
        load_train_items(config.benchmark_dir() / "train.jsonl"),
        out,
        settings,
        check_items=sampling[: config.sft_check_items],
    )


def sft_steps(config: DemoConfig, seed: int) -> int:
    """How many steps this seed's SFT took (its check's last entry)."""
    check = json.loads((config.seed_dir(seed) / "sft" / "check.json").read_text())
    return int(check["history"][-1]["step"])


def dpo_steps(config: DemoConfig, seed: int) -> int:
    """Optimizer steps of every SRE iteration's DPO (each of `dpo.batch_size` pairs: twice as many
    sequences, as many as an SFT step of `sft.batch_size = 2 * dpo.batch_size` holds)."""
    steps = 0
    for k in range(1, config.iterations + 1):
        record = json.loads((config.seed_dir(seed) / "sre" / f"iteration-{k}" / "iteration.json").read_text())
        steps += math.ceil(math.ceil(record["curation"]["pairs"] / config.dpo.batch_size) * config.dpo.epochs)
    return steps


def loop_config(config: DemoConfig, seed: int) -> LoopConfig:
    folder = config.seed_dir(seed)
    return LoopConfig(
        judge=str(folder / "sft"),
        out=folder / "sre",
        train_data=config.benchmark_dir() / "sampling.jsonl",
        iterations=config.iterations,
        items_per_iteration=config.items_per_iteration,
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


#: Run folders (under seed-K) of the judges' gradings of the toy generators' answers.
GRADER_RUNS = {"sft": "arms/generators-sft", "sre": "arms/generators-sre"}


def grade_generators(config: DemoConfig, seed: int) -> None:
    """Greedy gradings of every toy generator's answers by this seed's SFT judge and last SRE judge."""
    folder = config.seed_dir(seed)
    judges = {"sft": folder / "sft", "sre": folder / "sre" / f"iteration-{config.iterations}" / "checkpoint"}
    for key, run in GRADER_RUNS.items():
        arm_eval(
            config, judges[key], folder / run, "single", seed, config.max_new_tokens, split=GENERATORS_SPLIT
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
        (
            f"eval SFT adaptive x{config.n}",
            evaluate("sft", "arms/sft-adaptive", f"self-consistency:adaptive:{config.n}"),
        ),
        ("SRE loop", lambda: run_loop(loop_config(config, seed))),
        ("grade toy generators", lambda: grade_generators(config, seed)),
    ]
    if seed in config.seeds[: config.ablation_seeds]:

        def no_rationale_sft() -> None:
            settings = sft.model_copy(update={"with_rationale": False, "max_steps": sft_steps(config, seed)})
            train_sft(str(folder / "base"), load_train_items(train), folder / "sft-no-rationale", settings)

        def sft_trained_on() -> None:
            settings = sft.model_copy(update={"max_steps": dpo_steps(config, seed)})
            train_sft(str(folder / "sft"), load_train_items(train), folder / "sft-more", settings)

        stages += [
            ("SFT without rationales", no_rationale_sft),
            ("eval SFT without rationales", evaluate("sft-no-rationale", "arms/no-rationale")),
            ("SFT trained on", sft_trained_on),
            ("eval SFT trained on", evaluate("sft-more", "arms/sft-more")),
        ]
    return stages

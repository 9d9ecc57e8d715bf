"""Run a judge over a benchmark: judge unfinished items chunk by chunk, append, then score."""

from __future__ import annotations

import json
import time
import zlib
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
from selfrat_eval.benchmarks import (
    Benchmark,
    Item,
    Judgment,
    ScoringOptions,
    benchmark_class,
    create_benchmark,
)
from selfrat_eval.data._io import write_json
from selfrat_eval.evaluation._cost import JudgingTokens, Prices
from selfrat_eval.evaluation._results import build_results, write_outputs
from selfrat_eval.evaluation._store import JudgmentStore
from selfrat_eval.judges import (
    Aggregate,
    Backend,
    CachingEngine,
    Completion,
    Decoding,
    Engine,
    EngineSettings,
    SamplingConfig,
    Selector,
    Strategy,
    StructuredEngine,
    TokenCount,
    count_tokens,
    load_engine,
)
from selfrat_eval.metrics import TiePolicy
from selfrat_eval.parsing import parse_absolute
from selfrat_eval.prompts import Chat, GradingMode, meta_prompt

JUDGMENTS_FILE = "judgments.jsonl"
RESULTS_FILE = "results.json"
RUN_FILE = "run.json"


@dataclass(frozen=True)
class EvalConfig:
    """Everything `selfrat eval` needs; see the CLI help for each option."""

    judge: str
    #: A registered benchmark's name (`selfrat_eval.benchmarks`).
    benchmark: str
    out: Path
    backend: Backend = "hf"
    data: Path | None = None
    revision: str | None = None
    limit: int | None = None
    mode: GradingMode = "absolute"
    both_orders: bool = False
    use_reference: bool = True
    strategy: str = "single"
    aggregate: Aggregate = "majority"
    selector: Selector = "logprob"
    temperature: float = 1.0
    top_p: float = 1.0
    #: Adaptive strategies: how sure the stopping rule must be that a vote is settled.
    confidence: float = 0.95
    meta_judge: str | None = None
    seed: int = 0
    max_new_tokens: int = 512
    #: End each sample at its first complete verdict line (`judges.Decoding`).
    stop_at_verdict: bool = True
    #: End a sample caught in a degenerate loop (off by default: see `judges.Decoding`).
    loop_guard: bool = False
    repetition_penalty: float = 1.0
    #: Constrain each judgment to its verdict's JSON schema (`judges.StructuredEngine`).
    structured: bool = False
    batch_size: int = 8
    chunk_size: int = 32
    #: Engine copies in their own processes (`judges.ReplicatedEngine`): the judgments do not
    #: depend on it, so it is recorded in results.json but a run resumes with any number.
    replicas: int = 1
    #: The engine in a process of its own even at one replica, so that its memory is free once the
    #: run ends (the SRE loop samples so before it trains); recorded only where set.
    own_process: bool = False
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
        declared = benchmark_class(self.benchmark)
        if len(declared.modes) == 1:  # e.g. pairwise data is always judged A/B
            object.__setattr__(self, "mode", declared.modes[0])
        for option, value in declared.fixed_options.items():  # recorded as run, in results.json
            object.__setattr__(self, option, value)
        if self.both_orders and self.mode != "pairwise":
            raise InputError("--both-orders needs --mode pairwise", field="both_orders")
        self.task()  # validate early
        self.parsed_strategy()

    def parsed_strategy(self) -> Strategy:
        return Strategy.parse(
            self.strategy,
            aggregate=self.aggregate,
            selector=self.selector,
            temperature=self.temperature,
            top_p=self.top_p,
            confidence=self.confidence,
        )

    def identity(self) -> dict[str, Any]:
        """Settings that change what a stored judgment is: a resumed run must match them.

        The aggregate and (except meta-judge) the selector only change how stored samples are
        reduced, so they may change between runs; `selfrat score --strategy` re-reduces offline.
        An adaptive run's confidence decides how many samples an item has, so it is part of it.
        """
        strategy = self.parsed_strategy()
        budget = f"adaptive:{strategy.n}:{strategy.confidence:g}" if strategy.adaptive else strategy.n
        return {
            "judge": self.judge,
            "backend": self.backend,
            "benchmark": self.benchmark,
            "data": str(self.data) if self.data else None,
            "revision": self.revision,
            "mode": self.mode,
            "both_orders": self.both_orders,
            "use_reference": self.use_reference,
            "seed": self.seed,
            "max_new_tokens": self.max_new_tokens,
            **self.decoding().settings(),
            "strategy": f"{strategy.kind}:{budget}",
            "temperature": None if strategy.kind == "single" else self.temperature,
            "top_p": None if strategy.kind == "single" else self.top_p,
            "meta_judge": self.meta_judge or self.judge if self._uses_meta_judge() else None,
        }

    def recorded(self) -> dict[str, Any]:
        """The settings as results.json records them (the confidence only where it decides anything)."""
        settings = {k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(self).items()}
        if not self.parsed_strategy().adaptive:
            del settings["confidence"]
        if not self.own_process:
            del settings["own_process"]
        return settings

    def decoding(self) -> Decoding:
        return Decoding(self.stop_at_verdict, self.loop_guard, self.repetition_penalty, self.structured)

    def _uses_meta_judge(self) -> bool:
        return self.parsed_strategy().kind == "best-of-n" and self.selector == "meta-judge"

    def task(self) -> Benchmark:
        """The benchmark with this run's options (those it takes)."""
        return create_benchmark(
            self.benchmark,
            mode=self.mode,
            use_reference=self.use_reference,
            seed=self.seed,
            both_orders=self.both_orders,
        )

    def load_engine(self, model: str | None = None) -> Engine:
        settings = EngineSettings(
            self.dtype,
            self.device,
            self.revision,
            self.batch_size,
            self.seed,
            self.replicas,
            self.own_process,
        )
        return load_engine(self.backend, model or self.judge, settings, **self.engine_options)

    def cached_engine(self, cache: Path | None) -> Callable[[], Engine] | None:
        """The judge's engine factory with every request served from the judgment cache file
        `cache` where it holds the answer (None without a cache: `run_eval` loads the engine)."""
        if cache is None:
            return None
        return lambda: CachingEngine(self.load_engine(), cache)


#: Settings that runs made before they existed did not record, as those runs had them.
_UNRECORDED: dict[str, Any] = {
    "stop_at_verdict": False,
    "loop_guard": False,
    "repetition_penalty": 1.0,
    "structured": False,
}


def check_resumable(out: Path, config: EvalConfig) -> None:
    """Refuse to mix judgments made with different settings into one judgments.jsonl."""
    run_file = out / RUN_FILE
    if not run_file.exists():
        return
    previous = json.loads(run_file.read_text(encoding="utf-8")).get("identity", {})
    for name, value in config.identity().items():
        before = previous.get(name, _UNRECORDED.get(name))
        if before != value:
            raise InputError(
                f"holds a run made with {name}={before!r}, not {value!r}: "
                "use another --out (or delete the folder) to start over",
                source=str(out),
            )


def request_seed(seed: int, item_key: str, slot: str) -> int:
    """A per-request seed that does not depend on batching, --limit or resuming."""
    return zlib.crc32(f"{seed}:{item_key}:{slot}".encode())


def sample_seed(request: int, index: int) -> int:
    """The seed of sample `index` of a request seeded `request`, when each sample is its own request
    (adaptive strategies): the HTTP engine's convention for servers that ignore `n`, so a fixed-N run
    made that way holds exactly the samples an adaptive run draws, and re-reduces offline to it."""
    return request + index


def run_eval(
    config: EvalConfig,
    engine_factory: Callable[[], Engine] | None = None,
    meta_engine_factory: Callable[[], Engine] | None = None,
    before_judging: Callable[[], object] | None = None,
    prices: Prices | None = None,
) -> dict[str, Any]:
    """Judge every unfinished item, append each chunk as it finishes, write results.json.

    `before_judging` runs once the inputs are validated and there is something to judge (the CLI
    warns there when the machine is busy). `prices` add a `cost` block for the judging done now;
    they are not part of `config`, so they never stop a run from resuming."""
    started = time.perf_counter()
    task = config.task()
    strategy = config.parsed_strategy()
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
    judge_seconds, generated = 0.0, 0
    tokens = JudgingTokens(now=TokenCount())
    cache: dict[str, Any] | None = None
    if todo:
        if before_judging is not None:
            before_judging()
        engine = engine_factory() if engine_factory else config.load_engine()
        engine_identity = engine.identity
        meta_engine = None
        if config._uses_meta_judge():
            if meta_engine_factory:
                meta_engine = meta_engine_factory()
            else:
                meta_engine = config.load_engine(config.meta_judge) if config.meta_judge else engine
        # Cache counters are read as differences: an engine may serve several runs (a suite's).
        caches = {id(e): e for e in (engine, meta_engine) if isinstance(e, CachingEngine)}
        before = {key: cached.stats for key, cached in caches.items()}
        if config.structured:  # outside the cache: its keys hold the JSON prompt and the schema
            engine = StructuredEngine(engine)
            meta_engine = StructuredEngine(meta_engine) if meta_engine is not None else None
        judge_started = time.perf_counter()
        judge = _ChunkJudge(
            task, engine, strategy, config.seed, config.max_new_tokens, config.decoding(), meta_engine
        )
        generated = judge.run(todo, store, config.chunk_size, already=len(items) - len(todo))
        judge_seconds = time.perf_counter() - judge_started
        stats = {key: cached.stats.since(before[key]) for key, cached in caches.items()}
        saved = sum((s.saved for s in stats.values()), TokenCount())
        tokens = JudgingTokens(now=judge.tokens - saved, cached=saved if caches else None)
        if id(engine) in stats:
            cache = asdict(stats[id(engine)])

    wanted = {item.key for item in items}
    judgments = [j for j in store.load() if j.key in wanted]
    options = ScoringOptions(config.tie_policy, config.n_resamples, config.seed)
    results = build_results(
        task,
        judgments,
        options,
        strategy=strategy.label,
        judge=engine_identity,
        data={"source": source.name, **source.identity},
        config=config.recorded(),
        timings={
            "load_s": loaded - started,
            "judge_s": judge_seconds,
            "items_judged_now": len(todo),
            "items_resumed": len(items) - len(todo),
            "judgments_generated_now": generated,
            **tokens.timings(),
            "items_per_s": len(todo) / judge_seconds if judge_seconds else None,
            "cache": cache,
        },
        cost=tokens.cost(prices) if prices is not None else None,
    )
    name = config.model_name or config.judge
    write_outputs(config.out, task, judgments, results, model_name=name, options=options)
    return results


@dataclass
class _ChunkJudge:
    """Judges chunks of items: one batched engine call per chunk (plus one for a meta-judge)."""

    task: Benchmark
    engine: Engine
    strategy: Strategy
    seed: int
    max_new_tokens: int
    decoding: Decoding
    meta_engine: Engine | None = None
    #: The tokens of every answer the engines returned, the meta-judge's included (served from a
    #: cache or not: what the judgments took to make; `run_eval` subtracts what a cache served).
    tokens: TokenCount = field(default_factory=TokenCount)

    def run(self, todo: Sequence[Item], store: JudgmentStore, chunk_size: int, already: int) -> int:
        columns = (
            TextColumn(f"judging {self.task.name} ({self.strategy.label})"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
        )
        generated = 0
        with Progress(*columns) as progress:
            bar = progress.add_task("judge", total=len(todo) + already, completed=already)
            for start in range(0, len(todo), chunk_size):
                chunk = todo[start : start + chunk_size]
                judgments = self.judge_chunk(chunk)
                generated += sum(len(texts) for j in judgments for texts in j.outputs.values())
                store.append(judgments)
                progress.advance(bar, len(chunk))
        return generated

    def judge_chunk(self, chunk: Sequence[Item]) -> list[Judgment]:
        requests = [self.task.requests(item) for item in chunk]
        if self.strategy.adaptive:
            judgments = self.sample_adaptively(chunk, requests)
        else:
            flat = [
                (item.key, slot, chat)
                for item, chats in zip(chunk, requests, strict=True)
                for slot, chat in chats.items()
            ]
            sampling = self.decoding.applied(self.strategy.sampling(self.max_new_tokens, self.seed))
            seeds = [request_seed(self.seed, key, slot) for key, slot, _ in flat]
            generated = self.engine.generate([chat for _, _, chat in flat], sampling, seeds)
            self.tokens += count_tokens(generated)
            completions = iter(generated)
            judgments = [
                self.task.judgment(item, {slot: next(completions) for slot in chats})
                for item, chats in zip(chunk, requests, strict=True)
            ]
        if self.meta_engine is not None:
            judgments = self.rate_rationales(judgments, requests)
        return [judgment.with_strategy(self.strategy) for judgment in judgments]

    def sample_adaptively(self, chunk: Sequence[Item], requests: list[dict[str, Chat]]) -> list[Judgment]:
        """Sample every request in rounds until the adaptive rule stops it: one engine call per round
        for all the chunk's unsettled requests (only those are sent), each sample its own request
        seeded by (run seed, item, slot, sample index), so no batching, round or resume changes it
        on an engine that seeds per request (`Strategy.more` sizes rounds so that the stop is the
        one a per-sample check would make). The transformers engine seeds one random stream per
        batch, so there the samples also depend on the batches: repeatable, but not batch-invariant."""
        outputs: list[dict[str, list[Completion]]] = [{slot: [] for slot in chats} for chats in requests]
        sampling = self.decoding.applied(self.strategy.sampling(self.max_new_tokens, self.seed))
        judgments: list[Judgment] = []
        while True:
            # The chunk's samples so far, parsed by the benchmark (pairwise verdicts in its terms).
            judgments = [self.task.judgment(item, drawn) for item, drawn in zip(chunk, outputs, strict=True)]
            wanted = [
                (n, slot, len(outputs[n][slot]) + extra)
                for n, judgment in enumerate(judgments)
                for slot in requests[n]
                for extra in range(self.strategy.more(judgment.values.get(slot, [])))
            ]
            if not wanted:
                return judgments
            seeds = [
                sample_seed(request_seed(self.seed, chunk[n].key, slot), index) for n, slot, index in wanted
            ]
            generated = self.engine.generate([requests[n][slot] for n, slot, _ in wanted], sampling, seeds)
            self.tokens += count_tokens(generated)
            for (n, slot, _), completions in zip(wanted, generated, strict=True):
                outputs[n][slot] += completions

    def rate_rationales(self, judgments: list[Judgment], requests: list[dict[str, Chat]]) -> list[Judgment]:
        """Best-of-N by meta-judge: the judge model grades every parseable candidate judgment."""
        assert self.meta_engine is not None
        wanted = [
            (n, slot, index, meta_prompt(requests[n][slot], text))
            for n, judgment in enumerate(judgments)
            for slot, texts in judgment.outputs.items()
            for index, text in enumerate(texts)
            if judgment.values[slot][index] is not None
        ]
        greedy = self.decoding.applied(SamplingConfig(max_new_tokens=self.max_new_tokens, seed=self.seed))
        outputs = self.meta_engine.generate([chat for *_, chat in wanted], greedy) if wanted else []
        self.tokens += count_tokens(outputs)
        scores: list[dict[str, list[float | None]]] = [
            {slot: [None] * len(texts) for slot, texts in j.outputs.items()} for j in judgments
        ]
        for (n, slot, index, _), completions in zip(wanted, outputs, strict=True):
            parsed = parse_absolute(completions[0].text)
            scores[n][slot][index] = float(parsed.value) if parsed.ok and parsed.value is not None else None
        return [j.model_copy(update={"meta_scores": s}) for j, s in zip(judgments, scores, strict=True)]

"""The `selfrat` command: thin wrappers that parse options and call the layers below.

Any InputError becomes one line on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, cast, get_args

import typer
from rich.console import Console

from selfrat_eval._errors import InputError
from selfrat_eval._machine import warn_if_busy

if TYPE_CHECKING:  # the commands import the layers below lazily, to keep `selfrat --help` fast
    from selfrat_eval.evaluation import EvalConfig

app = typer.Typer(
    help="Evaluate and train LLM judges (BiGGen-Bench, RewardBench, Self-Rationalization).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
err = Console(stderr=True)

AggregateName = Literal["majority", "mean", "median"]
BackendName = Literal["vllm", "hf", "openai"]
ReducerName = Literal["mean", "median", "strict-majority"]
TiePolicyName = Literal["official", "strict", "ratings"]
TIE_POLICY_HELP = (
    "RewardBench: ties/failures = 0.5 (official) or 0 (strict); ratings: RewardBench 2's 1/k rule on "
    "the two ratings (a response without a readable rating loses, none readable 0.25)."
)
SelectorName = Literal["logprob", "agreement", "meta-judge"]
STRATEGY_HELP = (
    "single (greedy), self-consistency:N, or best-of-n:N; self-consistency:adaptive:MAX, or "
    "best-of-n:adaptive:MAX with --selector agreement, stops sampling a request once its vote is settled "
    "(--confidence)."
)
#: grade and suite reduce by majority and select by log-prob (no --aggregate / --selector), so adaptive
#: best-of-N, which selects by agreement, is not theirs.
GRADE_STRATEGY_HELP = (
    "single (greedy), self-consistency:N (majority), or best-of-n:N (by log-prob); "
    "self-consistency:adaptive:MAX stops sampling a request once its vote is settled (--confidence)."
)
RESCORE_STRATEGY_HELP = (
    "Re-reduce the stored samples: single, self-consistency:N, or best-of-n:N; "
    "self-consistency:adaptive:MAX, or best-of-n:adaptive:MAX with --selector agreement, reduces the "
    "samples an adaptive run would have drawn (--confidence)."
)
CONFIDENCE_HELP = "Adaptive strategies: how sure the stopping rule must be that a vote is settled (0.5-1]."
CacheOption = Annotated[
    Path | None,
    typer.Option(help="SQLite judgment cache shared by runs: a repeated request is never generated twice."),
]
PriceInputOption = Annotated[
    float | None,
    typer.Option(help="USD per million input tokens: results.json gets a cost block (with --price-output)."),
]
PriceOutputOption = Annotated[
    float | None, typer.Option(help="USD per million output tokens (with --price-input).")
]
StopAtVerdictOption = Annotated[
    bool,
    typer.Option(
        help="End each judgment at its first complete verdict line ([RESULT] 4, [[A]], Rating: [[7]]), "
        "the line kept; --no-stop-at-verdict generates to the judge's end or --max-new-tokens."
    ),
]
LoopGuardOption = Annotated[
    bool,
    typer.Option(
        help="End a judgment caught in a loop (one unit of words repeated back to back: README). Off by "
        "default: a judge in a loop might still have written its verdict."
    ),
]
RepetitionPenaltyOption = Annotated[
    float, typer.Option(help="hf/vllm (and vLLM servers): repetition penalty; 1.0 = none.")
]
JudgesOption = Annotated[
    list[str],
    typer.Option(
        help="Judge model: a hub id, a local folder, or a GGUF file (or a folder holding one). Repeat for "
        "a jury of judges (see --reducer); a vllm:, hf: or openai: prefix picks one judge's engine."
    ),
]
ReducerOption = Annotated[
    ReducerName | None,
    typer.Option(
        help="A jury's (several --judge) combination per item: mean / median of scores, or the verdict "
        "more than half of the jury gave. Each judge's run is kept in OUT/jurors/."
    ),
]


def _engine_options(pairs: list[str]) -> dict[str, Any]:
    """KEY=VALUE pairs; values are read as JSON where they parse (numbers, true/false), else text."""
    options: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise InputError(f"--engine-option takes KEY=VALUE, got {pair!r}", field="engine-option")
        try:
            options[key.replace("-", "_")] = json.loads(value)
        except json.JSONDecodeError:
            options[key.replace("-", "_")] = value
    return options


def _jurors(specs: list[str], backend: BackendName | None) -> list[tuple[BackendName, str]]:
    """Each --judge as (engine, model): a `vllm:`, `hf:` or `openai:` prefix picks that judge's
    engine, otherwise --backend (default: vllm where installed)."""
    from selfrat_eval.judges import default_backend

    jurors: list[tuple[BackendName, str]] = []
    for spec in specs:
        prefix, sep, model = spec.partition(":")
        if sep and prefix in get_args(BackendName):
            jurors.append((cast(BackendName, prefix), model))
        else:
            jurors.append((backend or default_backend(), spec))
    return jurors


def _check_jurors(jurors: list[tuple[BackendName, str]]) -> None:
    """Each local judge model checked once the options are (`check_model`), so a judge that cannot be
    loaded stops the command before anything is written."""
    for engine, model in jurors:
        _checked(model, "--judge", engine)


def _checked(model: str, what: str, backend: BackendName = "hf") -> str:
    """`model`, once `check_model` finds it loadable (an openai judge is a served name: not checked)."""
    if backend != "openai":
        from selfrat_eval.judges import check_model

        check_model(model, what)
    return model


def _judged(
    config: EvalConfig,
    jurors: list[tuple[BackendName, str]],
    run: Callable[[EvalConfig], dict[str, Any]],
    reducer: ReducerName | None,
    openai_options: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One judge's run, or with several --judge a jury: each judge's run, then their combination.
    `openai_options` (server, key) go to the jurors on the openai engine only."""
    from selfrat_eval.evaluation import run_jury

    configs = [
        replace(
            config,
            judge=model,
            backend=engine,
            engine_options=config.engine_options | (openai_options or {} if engine == "openai" else {}),
        )
        for engine, model in jurors
    ]
    if len(configs) == 1:
        return run(configs[0])
    if reducer is None:
        raise InputError("a jury (several --judge) needs --reducer: mean, median or strict-majority")
    return run_jury(configs, run, reducer, config.out, n_resamples=config.n_resamples, seed=config.seed)


@contextmanager
def _user_errors() -> Iterator[None]:
    try:
        yield
    except InputError as error:
        err.print(f"[bold red]error:[/] {error}", soft_wrap=True, highlight=False)
        raise typer.Exit(2) from None


@app.command("eval")
def eval_command(
    judge: JudgesOption,
    benchmark: Annotated[
        str,
        typer.Option(
            help="biggen, rewardbench, rewardbench2, your own rubric / pairwise data (--data FILE), or "
            "any registered benchmark (`selfrat benchmarks` lists them)."
        ),
    ],
    out: Annotated[Path, typer.Option(help="Run folder: judgments.jsonl, results.json. Rerun to resume.")],
    backend: Annotated[
        BackendName | None,
        typer.Option(help="Engine: vllm (default where installed), hf (transformers), or openai (HTTP)."),
    ] = None,
    strategy: Annotated[str, typer.Option(help=STRATEGY_HELP)] = "single",
    aggregate: Annotated[AggregateName, typer.Option(help="Self-consistency reduction.")] = "majority",
    selector: Annotated[SelectorName, typer.Option(help="Best-of-N selection rule.")] = "logprob",
    temperature: Annotated[float, typer.Option(help="Sampling temperature for sampled strategies.")] = 1.0,
    top_p: Annotated[float, typer.Option(help="Nucleus sampling for sampled strategies.")] = 1.0,
    confidence: Annotated[float, typer.Option(help=CONFIDENCE_HELP)] = 0.95,
    meta_judge: Annotated[
        str | None, typer.Option(help="Model for best-of-n --selector meta-judge (default: the judge).")
    ] = None,
    both_orders: Annotated[
        bool, typer.Option(help="Pairwise: judge A/B and B/A (reports disagreement).")
    ] = False,
    base_url: Annotated[
        str | None, typer.Option(help="openai backend: server URL, e.g. http://localhost:8000/v1")
    ] = None,
    api_key_env: Annotated[
        str, typer.Option(help="openai backend: environment variable holding the key.")
    ] = "OPENAI_API_KEY",
    max_concurrency: Annotated[int, typer.Option(help="openai backend: requests in flight.")] = 16,
    engine_option: Annotated[
        list[str] | None,
        typer.Option(help="Extra engine setting KEY=VALUE (repeatable), e.g. max_model_len=8192."),
    ] = None,
    data: Annotated[
        Path | None, typer.Option(help="Local data file in the benchmark's schema (offline).")
    ] = None,
    limit: Annotated[int | None, typer.Option(help="Judge only the first N items.")] = None,
    mode: Annotated[
        Literal["absolute", "pairwise", "rankings"],
        typer.Option(
            help="absolute: rate each response alone (RewardBench 2: the ratings protocol); pairwise: "
            "RewardBench A/B; rankings: RewardBench 2's 4-way choice (Ties is always rated)."
        ),
    ] = "absolute",
    reference: Annotated[
        bool, typer.Option(help="Show the reference answer to the judge (rubric benchmarks).")
    ] = True,
    seed: Annotated[int, typer.Option(help="Seeds A/B order, sampling and bootstrap.")] = 0,
    max_new_tokens: Annotated[int, typer.Option(help="Longest judgment to generate.")] = 512,
    stop_at_verdict: StopAtVerdictOption = True,
    loop_guard: LoopGuardOption = False,
    repetition_penalty: RepetitionPenaltyOption = 1.0,
    batch_size: Annotated[int, typer.Option(help="hf: sequences per generate call (prompts x samples).")] = 8,
    chunk_size: Annotated[
        int, typer.Option(help="Items judged between two appends to judgments.jsonl.")
    ] = 32,
    dtype: Annotated[Literal["auto", "float32", "bfloat16", "float16"], typer.Option()] = "auto",
    device: Annotated[str, typer.Option(help="auto, cpu, cuda, cuda:1 ...")] = "auto",
    revision: Annotated[str | None, typer.Option(help="Hub revision for the model and dataset.")] = None,
    tie_policy: Annotated[TiePolicyName, typer.Option(help=TIE_POLICY_HELP)] = "official",
    n_resamples: Annotated[int, typer.Option(help="Bootstrap resamples for the 95% CIs (0 = none).")] = 1000,
    model_name: Annotated[
        str | None, typer.Option(help="Name for leaderboard files (default: --judge).")
    ] = None,
    cache: CacheOption = None,
    price_input: PriceInputOption = None,
    price_output: PriceOutputOption = None,
    reducer: ReducerOption = "strict-majority",
) -> None:
    """Judge a benchmark with a model (or a jury of models) and score it (resumes an interrupted run in
    the same --out)."""
    with _user_errors():
        from selfrat_eval.evaluation import EvalConfig, Prices, print_results, run_eval

        prices = Prices.given(price_input, price_output)
        jurors = _jurors(judge, backend)
        openai_options = {
            "base_url": base_url,
            "api_key_env": api_key_env,
            "max_concurrency": max_concurrency,
        }
        config = EvalConfig(
            judge=jurors[0][1],
            benchmark=benchmark,
            out=out,
            backend=jurors[0][0],
            strategy=strategy,
            aggregate=aggregate,
            selector=selector,
            temperature=temperature,
            top_p=top_p,
            confidence=confidence,
            meta_judge=meta_judge,
            both_orders=both_orders,
            engine_options=_engine_options(engine_option or []),
            data=data,
            limit=limit,
            mode=mode,
            use_reference=reference,
            seed=seed,
            max_new_tokens=max_new_tokens,
            stop_at_verdict=stop_at_verdict,
            loop_guard=loop_guard,
            repetition_penalty=repetition_penalty,
            batch_size=batch_size,
            chunk_size=chunk_size,
            dtype=dtype,
            device=device,
            revision=revision,
            tie_policy=tie_policy,
            n_resamples=n_resamples,
            model_name=model_name,
        )
        _check_jurors(jurors)
        if meta_judge is not None:
            _checked(meta_judge, "--meta-judge", jurors[0][0])
        results = _judged(
            config,
            jurors,
            lambda juror: run_eval(
                juror,
                engine_factory=juror.cached_engine(cache),
                before_judging=lambda: warn_if_busy(err, "the evaluation"),
                prices=prices,
            ),
            reducer,
            openai_options,
        )
        print_results(results)
        err.print(f"wrote {out / 'judgments.jsonl'} and {out / 'results.json'}")


@app.command("generate")
def generate_command(
    model: Annotated[str, typer.Option(help="The model to answer: a hub id, a local folder or a GGUF file.")],
    out: Annotated[Path, typer.Option(help="Folder for responses.json. Rerun to resume.")],
    benchmark: Annotated[Literal["biggen"], typer.Option(help="The instances to answer.")] = "biggen",
    backend: Annotated[BackendName | None, typer.Option(help="Engine.")] = None,
    model_name: Annotated[str | None, typer.Option(help="response_model_name (default: --model).")] = None,
    data: Annotated[
        Path | None, typer.Option(help="Local instances file (default: the hub, or $SELFRAT_DATA_DIR).")
    ] = None,
    multilingual: Annotated[
        bool, typer.Option(help="Also the 70 multilingual instances (765 in all).")
    ] = False,
    limit: Annotated[int | None, typer.Option(help="Only the first N instances.")] = None,
    max_new_tokens: Annotated[int, typer.Option(help="Longest response.")] = 1024,
    temperature: Annotated[float, typer.Option(help="0 = greedy.")] = 0.0,
    batch_size: Annotated[int, typer.Option(help="hf: sequences per generate call.")] = 8,
    seed: Annotated[int, typer.Option()] = 0,
    engine_option: Annotated[list[str] | None, typer.Option(help="Extra engine setting KEY=VALUE.")] = None,
) -> None:
    """A model's responses to BiGGen-Bench (695 English instances), in the official pipeline's files."""
    with _user_errors():
        from selfrat_eval.evaluation import GenerateConfig, generate_responses
        from selfrat_eval.judges import default_backend

        chosen_backend = backend or default_backend()
        config = GenerateConfig(
            model=_checked(model, "--model", chosen_backend),
            out=out,
            backend=chosen_backend,
            model_name=model_name,
            data=data,
            multilingual=multilingual,
            limit=limit,
            max_new_tokens=max_new_tokens,
            temperature=temperature,
            batch_size=batch_size,
            seed=seed,
            engine_options=_engine_options(engine_option or []),
        )
        err.print(f"wrote {generate_responses(config)}")


@app.command("grade")
def grade_command(
    judge: JudgesOption,
    responses: Annotated[
        Path,
        typer.Option(
            help="A responses file (selfrat generate, or the official pipeline's) or a folder of them."
        ),
    ],
    out: Annotated[
        Path, typer.Option(help="Run folder: judgments, results, leaderboard.csv. Rerun to resume.")
    ],
    backend: Annotated[BackendName | None, typer.Option(help="Engine.")] = None,
    strategy: Annotated[str, typer.Option(help=GRADE_STRATEGY_HELP)] = "single",
    confidence: Annotated[float, typer.Option(help=CONFIDENCE_HELP)] = 0.95,
    limit: Annotated[int | None, typer.Option(help="Grade only the first N responses.")] = None,
    max_new_tokens: Annotated[int, typer.Option(help="Longest judgment to generate.")] = 512,
    stop_at_verdict: StopAtVerdictOption = True,
    loop_guard: LoopGuardOption = False,
    repetition_penalty: RepetitionPenaltyOption = 1.0,
    batch_size: Annotated[int, typer.Option(help="hf: sequences per generate call.")] = 8,
    seed: Annotated[int, typer.Option()] = 0,
    n_resamples: Annotated[int, typer.Option(help="Bootstrap resamples for the 95% CIs.")] = 1000,
    engine_option: Annotated[list[str] | None, typer.Option(help="Extra engine setting KEY=VALUE.")] = None,
    cache: CacheOption = None,
    price_input: PriceInputOption = None,
    price_output: PriceOutputOption = None,
    reducer: ReducerOption = "mean",
) -> None:
    """Grade models' BiGGen-Bench responses with a judge (or a jury of judges): per capability and
    Overall with CIs, a ranking when several models are graded, and their rows in the leaderboard's
    CSV format."""
    with _user_errors():
        from selfrat_eval.evaluation import EvalConfig, Prices, grade_responses, print_results

        prices = Prices.given(price_input, price_output)
        jurors = _jurors(judge, backend)
        config = EvalConfig(
            judge=jurors[0][1],
            benchmark="biggen_grading",
            out=out,
            data=responses,
            backend=jurors[0][0],
            strategy=strategy,
            confidence=confidence,
            limit=limit,
            max_new_tokens=max_new_tokens,
            stop_at_verdict=stop_at_verdict,
            loop_guard=loop_guard,
            repetition_penalty=repetition_penalty,
            batch_size=batch_size,
            seed=seed,
            n_resamples=n_resamples,
            engine_options=_engine_options(engine_option or []),
        )
        _check_jurors(jurors)
        warn_if_busy(err, "the grading")
        grade = partial(grade_responses, prices=prices)
        print_results(
            _judged(
                config, jurors, lambda juror: grade(juror, engine_factory=juror.cached_engine(cache)), reducer
            )
        )
        err.print(f"wrote {out / 'results.json'} and {out / 'leaderboard.csv'}")


@app.command("suite")
def suite_command(
    judge: Annotated[str, typer.Option(help="Judge model: a hub id, a local folder or a GGUF file.")],
    out: Annotated[
        Path, typer.Option(help="Folder: one run folder per benchmark, and the card. Rerun to resume.")
    ],
    benchmarks: Annotated[
        str | None, typer.Option(help="Comma-separated benchmarks (default: the whole published panel).")
    ] = None,
    data: Annotated[
        list[str] | None,
        typer.Option(help="BENCHMARK=FILE (repeatable): a local file for that benchmark (offline)."),
    ] = None,
    backend: Annotated[BackendName | None, typer.Option(help="Engine.")] = None,
    strategy: Annotated[str, typer.Option(help=GRADE_STRATEGY_HELP)] = "single",
    confidence: Annotated[float, typer.Option(help=CONFIDENCE_HELP)] = 0.95,
    limit: Annotated[int | None, typer.Option(help="Judge only the first N items of each benchmark.")] = None,
    mode: Annotated[
        Literal["absolute", "pairwise", "rankings"] | None,
        typer.Option(help="Where a benchmark offers it (default: each benchmark's own default)."),
    ] = None,
    both_orders: Annotated[bool, typer.Option(help="Pairwise benchmarks: judge A/B and B/A.")] = False,
    max_new_tokens: Annotated[int, typer.Option(help="Longest judgment to generate.")] = 512,
    stop_at_verdict: StopAtVerdictOption = True,
    loop_guard: LoopGuardOption = False,
    repetition_penalty: RepetitionPenaltyOption = 1.0,
    batch_size: Annotated[int, typer.Option(help="hf: sequences per generate call.")] = 8,
    seed: Annotated[int, typer.Option(help="Seeds orders, sampling and bootstrap.")] = 0,
    n_resamples: Annotated[int, typer.Option(help="Bootstrap resamples for the 95% CIs.")] = 1000,
    engine_option: Annotated[
        list[str] | None, typer.Option(help="Extra engine setting KEY=VALUE (repeatable).")
    ] = None,
    cache: CacheOption = None,
    price_input: PriceInputOption = None,
    price_output: PriceOutputOption = None,
) -> None:
    """One judge on the benchmark panel, then a judge card (card.md, card.html, card.json, plots):
    headlines with CIs beside trivial baselines, bias diagnostics, parse/tie rates, cost."""
    with _user_errors():
        from selfrat_eval.benchmarks import benchmark_class
        from selfrat_eval.evaluation import EvalConfig, Prices, panel, run_suite
        from selfrat_eval.judges import default_backend

        prices = Prices.given(price_input, price_output)
        names = [name.strip() for name in benchmarks.split(",") if name.strip()] if benchmarks else panel()
        for name in names:
            benchmark_class(name)  # an unknown name fails before anything runs
        files = {}
        for pair in data or []:
            name, sep, file = pair.partition("=")
            if not sep or not file:
                raise InputError(f"--data takes BENCHMARK=FILE, got {pair!r}", field="data")
            files[benchmark_class(name).name] = Path(file)
        chosen_backend = backend or default_backend()
        template = EvalConfig(
            judge=judge,
            benchmark=names[0],
            out=out,
            backend=chosen_backend,
            strategy=strategy,
            confidence=confidence,
            limit=limit,
            max_new_tokens=max_new_tokens,
            stop_at_verdict=stop_at_verdict,
            loop_guard=loop_guard,
            repetition_penalty=repetition_penalty,
            batch_size=batch_size,
            seed=seed,
            n_resamples=n_resamples,
            engine_options=_engine_options(engine_option or []),
        )
        _checked(judge, "--judge", chosen_backend)
        warn_if_busy(err, "the suite")
        run_suite(
            template,
            names,
            files,
            template.cached_engine(cache),
            mode=mode,
            both_orders=both_orders,
            prices=prices,
        )
        typer.echo((out / "card.md").read_text(encoding="utf-8"))
        err.print(f"wrote {out / 'card.md'}, card.html, card.json, card.png, bias.png")


@app.command("score")
def score_command(
    path: Annotated[Path, typer.Argument(help="A judgments.jsonl (see README: interchange format).")],
    out: Annotated[
        Path | None, typer.Option(help="Where to write results.json (default: beside PATH).")
    ] = None,
    tie_policy: Annotated[TiePolicyName, typer.Option(help=TIE_POLICY_HELP)] = "official",
    n_resamples: Annotated[int, typer.Option()] = 1000,
    seed: Annotated[int, typer.Option()] = 0,
    model_name: Annotated[
        str | None, typer.Option(help="Name for the RewardBench leaderboard files.")
    ] = None,
    strategy: Annotated[str | None, typer.Option(help=RESCORE_STRATEGY_HELP)] = None,
    aggregate: Annotated[AggregateName, typer.Option(help="Self-consistency reduction.")] = "majority",
    selector: Annotated[SelectorName, typer.Option(help="Best-of-N selection rule.")] = "logprob",
    confidence: Annotated[float, typer.Option(help=CONFIDENCE_HELP)] = 0.95,
) -> None:
    """Recompute results.json (and RewardBench leaderboard files) from a judgments.jsonl."""
    with _user_errors():
        from selfrat_eval.benchmarks import ScoringOptions
        from selfrat_eval.evaluation import print_results, rescore
        from selfrat_eval.judges import Strategy

        chosen = (
            Strategy.parse(strategy, aggregate=aggregate, selector=selector, confidence=confidence)
            if strategy
            else None
        )
        options = ScoringOptions(tie_policy, n_resamples, seed)
        results = rescore(path, out=out, options=options, strategy=chosen, model_name=model_name)
        print_results(results)


train_app = typer.Typer(help="Self-Rationalization training: SFT with rationales, then the SRE loop.")
app.add_typer(train_app, name="train")


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


@app.command("compare")
def compare_command(
    runs: Annotated[
        list[Path],
        typer.Argument(
            help="Two or more `selfrat eval` run folders, or `selfrat suite` folders (judge cards); "
            "the first is the baseline."
        ),
    ],
    out: Annotated[
        Path, typer.Option(help="Folder for compare.md, compare.html, compare.png, compare.json.")
    ],
    n_resamples: Annotated[int, typer.Option(help="Bootstrap resamples and permutations.")] = 1000,
    seed: Annotated[int, typer.Option()] = 0,
) -> None:
    """Runs side by side: headline metrics with CIs, paired differences and p-values on shared items."""
    with _user_errors():
        from selfrat_eval.evaluation import compare_cards, compare_runs, write_cards_report, write_report

        if all((run / "card.json").exists() for run in runs):
            paths = write_cards_report(compare_cards(runs, n_resamples=n_resamples, seed=seed), out)
        else:
            paths = write_report(compare_runs(runs, n_resamples=n_resamples, seed=seed), out)
        for path in paths:
            err.print(f"wrote {path}")
        typer.echo((out / "compare.md").read_text(encoding="utf-8"))


@app.command("jury")
def jury_command(
    runs: Annotated[
        list[Path],
        typer.Argument(help="Two or more runs of different judges on the same items (eval or grade)."),
    ],
    out: Annotated[Path, typer.Option(help="Folder for the jury's judgments.jsonl and results.json.")],
    reducer: Annotated[
        ReducerName,
        typer.Option(help="mean / median of scores, or the verdict more than half of the jury gave."),
    ] = "strict-majority",
    n_resamples: Annotated[int, typer.Option(help="Bootstrap resamples for the 95% CIs.")] = 1000,
    seed: Annotated[int, typer.Option()] = 0,
) -> None:
    """A jury of judges: their runs combined item by item (an unreadable juror still counts in the jury's
    size), scored by the benchmark's metric, with Krippendorff's alpha and pairwise agreement."""
    with _user_errors():
        from selfrat_eval.evaluation import jury, print_results

        results = jury(runs, reducer, out, n_resamples=n_resamples, seed=seed)
        print_results(results)
        agreement = results["jury"]["agreement"]
        for name, entry in agreement.items():
            err.print(f"{name}: Krippendorff's alpha ({entry['level']}) {entry['krippendorff_alpha']}")
        err.print(f"wrote {out / 'judgments.jsonl'} and {out / 'results.json'}")


@app.command("rank-agreement")
def rank_agreement_command(
    a: Annotated[
        Path,
        typer.Argument(
            help="Per-model scores: a leaderboard CSV (the published BiGGen-Bench format, or the "
            "leaderboard.csv of `selfrat grade`), JSON/JSONL rows {model, capability, score}, or a JSON "
            "object {model: {capability: score}}."
        ),
    ],
    b: Annotated[Path, typer.Argument(help="The other per-model scores, in any of the same formats.")],
    out: Annotated[Path, typer.Option(help="Folder for rank_agreement.md, .json and .png.")],
    n_resamples: Annotated[int, typer.Option(help="Bootstrap resamples (models resampled).")] = 1000,
    seed: Annotated[int, typer.Option()] = 0,
) -> None:
    """Do two sets of per-model scores rank the models alike? Spearman and Kendall tau-b over the
    shared models, per capability and overall, with bootstrap 95% CIs over models."""
    with _user_errors():
        from selfrat_eval.evaluation import rank_agreement, write_ranking_report

        paths = write_ranking_report(rank_agreement(a, b, n_resamples=n_resamples, seed=seed), out)
        for path in paths:
            err.print(f"wrote {path}")
        typer.echo((out / "rank_agreement.md").read_text(encoding="utf-8"))


@app.command("demo")
def demo_command(
    out: Annotated[Path, typer.Option(help="Folder for the runs and the report (report.md, .html, PNGs).")],
    seeds: Annotated[int, typer.Option(help="Seeds 0..N-1 (each trains its own judge).")] = 3,
    config: Annotated[
        Path | None, typer.Option(help="YAML/JSON with any DemoConfig field (sizes, N, SFT/DPO settings).")
    ] = None,
    report_only: Annotated[bool, typer.Option(help="Rewrite the report from finished runs.")] = False,
) -> None:
    """Self-Rationalization vs SFT, self-consistency and best-of-N on a toy task, on a CPU in minutes:
    builds the arithmetic benchmark and a judge from scratch, trains, evaluates and reports."""
    with _user_errors():
        from selfrat_eval.demo import DemoConfig, run_demo, write_demo_report

        demo = DemoConfig.from_options(out, seeds=seeds, config=config)
        if not report_only:
            warn_if_busy(err, "the demo")
        report = write_demo_report(demo) if report_only else run_demo(demo)
        typer.echo(report.read_text(encoding="utf-8"))


@app.command("toy-judge")
def toy_judge_command(
    out: Annotated[Path, typer.Argument(help="Folder to write the model and tokenizer to.")],
    seed: Annotated[int, typer.Option()] = 0,
    format_steps: Annotated[
        int, typer.Option(help="Steps teaching the output format (random results); 0 = untrained.")
    ] = 200,
) -> None:
    """Build a tiny judge offline for trying the pipeline: its judgments parse but carry no signal."""
    with _user_errors():
        from selfrat_eval.toy import build_tiny_judge

        build_tiny_judge(out, seed=seed, format_steps=format_steps)
        err.print(f"wrote a tiny judge to {out}")


@app.command("benchmarks")
def benchmarks_command() -> None:
    """List the registered benchmarks: name, modes, options, and what each measures."""
    from dataclasses import fields

    from rich.table import Table

    from selfrat_eval.benchmarks import benchmark_class, benchmark_names

    table = Table("benchmark", "modes", "options", "measures")
    for name in benchmark_names():
        cls = benchmark_class(name)
        options = ", ".join(f.name for f in fields(cls))
        table.add_row(name, ", ".join(cls.modes), options, cls.title)
    Console().print(table)


@app.command("samples")
def samples_command() -> None:
    """Print the paths of the vendored real data samples (see their ATTRIBUTION.md)."""
    from selfrat_eval.data import SAMPLES_DIR

    for path in sorted(SAMPLES_DIR.iterdir()):
        typer.echo(path)


if __name__ == "__main__":
    app()

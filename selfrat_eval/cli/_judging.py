"""Judging commands: eval, generate, grade, suite, score."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Annotated, Literal

import typer

from selfrat_eval._errors import InputError
from selfrat_eval._machine import warn_if_busy
from selfrat_eval.cli._app import (
    CONFIDENCE_HELP,
    GRADE_STRATEGY_HELP,
    RESCORE_STRATEGY_HELP,
    STRATEGY_HELP,
    TIE_POLICY_HELP,
    AggregateName,
    BackendName,
    CacheOption,
    JudgesOption,
    LoopGuardOption,
    PriceInputOption,
    PriceOutputOption,
    ReducerOption,
    RepetitionPenaltyOption,
    ReplicasOption,
    SelectorName,
    StopAtVerdictOption,
    StructuredOption,
    TiePolicyName,
    _check_jurors,
    _checked,
    _engine_options,
    _judged,
    _jurors,
    _user_errors,
    app,
    err,
)


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
    structured: StructuredOption = False,
    batch_size: Annotated[int, typer.Option(help="hf: sequences per generate call (prompts x samples).")] = 8,
    replicas: ReplicasOption = 1,
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
            structured=structured,
            batch_size=batch_size,
            replicas=replicas,
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
    replicas: ReplicasOption = 1,
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
            replicas=replicas,
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
    structured: StructuredOption = False,
    batch_size: Annotated[int, typer.Option(help="hf: sequences per generate call.")] = 8,
    replicas: ReplicasOption = 1,
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
            structured=structured,
            batch_size=batch_size,
            replicas=replicas,
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
    structured: StructuredOption = False,
    batch_size: Annotated[int, typer.Option(help="hf: sequences per generate call.")] = 8,
    replicas: ReplicasOption = 1,
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
            structured=structured,
            batch_size=batch_size,
            replicas=replicas,
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
            on_missing=lambda name, reason: err.print(
                f"skipped {name}: {reason}", markup=False, soft_wrap=True
            ),
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

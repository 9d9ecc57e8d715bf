"""The `selfrat` application, the option types its commands share, and their helpers."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, cast, get_args

import typer
from rich.console import Console

from selfrat_eval._errors import InputError, ReplicaFailed
from selfrat_eval._verbosity import set_verbose

if TYPE_CHECKING:  # the commands import the layers below lazily, to keep `selfrat --help` fast
    from selfrat_eval.evaluation import EvalConfig

app = typer.Typer(
    help="Evaluate and train LLM judges (BiGGen-Bench, RewardBench, Self-Rationalization).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
err = Console(stderr=True)


@app.callback()
def _global_options(
    verbose: Annotated[
        bool,
        typer.Option(
            "--verbose",
            help="Show the libraries' own logs and progress bars (transformers, TRL, datasets) instead of "
            "one progress bar per stage; a trainer otherwise logs to files in its run folder.",
        ),
    ] = False,
) -> None:
    if verbose:
        set_verbose()


train_app = typer.Typer(help="Self-Rationalization training: SFT with rationales, then the SRE loop.")
app.add_typer(train_app, name="train")

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
StructuredOption = Annotated[
    bool,
    typer.Option(
        help="Have the judge write a JSON judgment (rationale first, then score or verdict) under its "
        "verdict's schema, enforced by the engine's constrained decoding (vLLM, an endpoint's "
        "response_format, xgrammar for hf); the rationale is capped to fit --max-new-tokens."
    ),
]
ReplicasOption = Annotated[
    int,
    typer.Option(
        min=1,
        help="hf/vllm: engine copies in their own processes, requests dealt among them (each its own "
        "GPUs, tensor_parallel_size x pipeline_parallel_size each, or its own CPU cores); the "
        "judgments are the same whatever the number.",
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
    except ReplicaFailed as error:
        err.print(
            f"[bold red]error:[/] {error}; what was finished is kept: run the same command to resume",
            soft_wrap=True,
            highlight=False,
        )
        raise typer.Exit(1) from None

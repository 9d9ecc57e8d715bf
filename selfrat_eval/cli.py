"""The `selfrat` command: thin wrappers that parse options and call the layers below.

Any InputError becomes one line on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.console import Console

from selfrat_eval._errors import InputError

app = typer.Typer(
    help="Evaluate and train LLM judges (BiGGen-Bench, RewardBench, Self-Rationalization).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
err = Console(stderr=True)

BenchmarkName = Literal["biggen", "rewardbench", "rubric"]


@contextmanager
def _user_errors() -> Iterator[None]:
    try:
        yield
    except InputError as error:
        err.print(f"[bold red]error:[/] {error}", soft_wrap=True, highlight=False)
        raise typer.Exit(2) from None


@app.command("eval")
def eval_command(
    judge: Annotated[str, typer.Option(help="Judge model: a hub id or a local folder.")],
    benchmark: Annotated[
        BenchmarkName, typer.Option(help="biggen (human_eval split), rewardbench, or rubric (--data FILE).")
    ],
    out: Annotated[Path, typer.Option(help="Run folder: judgments.jsonl, results.json. Rerun to resume.")],
    data: Annotated[
        Path | None, typer.Option(help="Local data file in the benchmark's schema (offline).")
    ] = None,
    limit: Annotated[int | None, typer.Option(help="Judge only the first N items.")] = None,
    mode: Annotated[
        Literal["absolute", "pairwise"], typer.Option(help="RewardBench: rate each response, or compare A/B.")
    ] = "absolute",
    reference: Annotated[
        bool, typer.Option(help="Show the reference answer to the judge (rubric benchmarks).")
    ] = True,
    seed: Annotated[int, typer.Option(help="Seeds A/B order, sampling and bootstrap.")] = 0,
    max_new_tokens: Annotated[int, typer.Option(help="Longest judgment to generate.")] = 512,
    batch_size: Annotated[int, typer.Option(help="Prompts per forward batch.")] = 8,
    chunk_size: Annotated[
        int, typer.Option(help="Items judged between two appends to judgments.jsonl.")
    ] = 32,
    dtype: Annotated[Literal["auto", "float32", "bfloat16", "float16"], typer.Option()] = "auto",
    device: Annotated[str, typer.Option(help="auto, cpu, cuda, cuda:1 ...")] = "auto",
    revision: Annotated[str | None, typer.Option(help="Hub revision for the model and dataset.")] = None,
    tie_policy: Annotated[
        Literal["official", "strict"], typer.Option(help="RewardBench: ties/failures = 0.5 (official) or 0.")
    ] = "official",
    n_resamples: Annotated[int, typer.Option(help="Bootstrap resamples for the 95% CIs (0 = none).")] = 1000,
    model_name: Annotated[
        str | None, typer.Option(help="Name for leaderboard files (default: --judge).")
    ] = None,
) -> None:
    """Judge a benchmark with a model and score it (resumes an interrupted run in the same --out)."""
    with _user_errors():
        from selfrat_eval.evaluation import EvalConfig, print_results, run_eval

        config = EvalConfig(
            judge=judge,
            benchmark=benchmark,
            out=out,
            data=data,
            limit=limit,
            mode=mode,
            use_reference=reference,
            seed=seed,
            max_new_tokens=max_new_tokens,
            batch_size=batch_size,
            chunk_size=chunk_size,
            dtype=dtype,
            device=device,
            revision=revision,
            tie_policy=tie_policy,
            n_resamples=n_resamples,
            model_name=model_name,
        )
        results = run_eval(config)
        print_results(results)
        err.print(f"wrote {out / 'judgments.jsonl'} and {out / 'results.json'}")


@app.command("score")
def score_command(
    path: Annotated[Path, typer.Argument(help="A judgments.jsonl (see README: interchange format).")],
    out: Annotated[
        Path | None, typer.Option(help="Where to write results.json (default: beside PATH).")
    ] = None,
    tie_policy: Annotated[Literal["official", "strict"], typer.Option()] = "official",
    n_resamples: Annotated[int, typer.Option()] = 1000,
    seed: Annotated[int, typer.Option()] = 0,
    model_name: Annotated[
        str | None, typer.Option(help="Name for the RewardBench leaderboard files.")
    ] = None,
) -> None:
    """Recompute results.json (and RewardBench leaderboard files) from a judgments.jsonl."""
    with _user_errors():
        from selfrat_eval.evaluation import ScoringOptions, print_results, rescore

        results = rescore(
            path, out=out, options=ScoringOptions(tie_policy, n_resamples, seed), model_name=model_name
        )
        print_results(results)


@app.command("toy-judge")
def toy_judge_command(
    out: Annotated[Path, typer.Argument(help="Folder to write the model and tokenizer to.")],
    seed: Annotated[int, typer.Option()] = 0,
) -> None:
    """Build a tiny random-init judge offline (for trying the pipeline; it does not judge well)."""
    with _user_errors():
        from selfrat_eval.toy import build_tiny_judge

        build_tiny_judge(out, seed=seed)
        err.print(f"wrote a tiny judge to {out}")


@app.command("samples")
def samples_command() -> None:
    """Print the paths of the vendored real data samples (see their ATTRIBUTION.md)."""
    from selfrat_eval.data import SAMPLES_DIR

    for path in sorted(SAMPLES_DIR.iterdir()):
        typer.echo(path)


if __name__ == "__main__":
    app()

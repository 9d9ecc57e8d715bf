"""`selfrat rationales ...`: the rationale-quality study (pairs, meta-judge, people, results)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import typer

from selfrat_eval._machine import warn_if_busy
from selfrat_eval.cli._app import (
    STRATEGY_HELP,
    BackendName,
    CacheOption,
    LoopGuardOption,
    RepetitionPenaltyOption,
    StopAtVerdictOption,
    StructuredOption,
    _checked,
    _engine_options,
    _jurors,
    _user_errors,
    app,
    err,
)

rationales_app = typer.Typer(
    help="Rationale quality: pair runs' rationales, compare them with a meta-judge or people, report.",
    no_args_is_help=True,
)
app.add_typer(rationales_app, name="rationales")

PairsArgument = Annotated[
    Path, typer.Argument(help="pairs.jsonl from `selfrat rationales pairs` (or its folder).")
]


@rationales_app.command("pairs")
def pairs_command(
    runs: Annotated[
        list[Path], typer.Argument(help="Two or more `selfrat eval` run folders on the same items.")
    ],
    out: Annotated[Path, typer.Option(help="Folder for pairs.jsonl, excluded.jsonl and pairs.json.")],
    name: Annotated[
        list[str] | None, typer.Option(help="A name per run, in order (default: the folder names).")
    ] = None,
    sample: Annotated[
        int | None,
        typer.Option(
            help="Take this sample of each slot (default: the one the run's strategy selected, else 0)."
        ),
    ] = None,
    scores: Annotated[
        Literal["all", "agree", "disagree"],
        typer.Option(help="Keep every pair, only those whose two scores agree, or only those that disagree."),
    ] = "all",
    data: Annotated[
        Path | None, typer.Option(help="The data the runs judged, where their recorded path is not here.")
    ] = None,
    rubric: Annotated[
        Path | None, typer.Option(help="A text file with the meta-judge's rubric (default: the package's).")
    ] = None,
) -> None:
    """Pair the rationales of runs on the same items (what cannot be paired is counted and listed)."""
    with _user_errors():
        from selfrat_eval.benchmarks.rationale_pairs import RATIONALE_RUBRIC
        from selfrat_eval.rationales import pair_runs, write_pairs

        rubric_text = RATIONALE_RUBRIC if rubric is None else _read_text(rubric)
        pair_set = pair_runs(runs, names=name, sample=sample, scores=scores, data=data, rubric=rubric_text)
        settings = {"runs": [str(r) for r in runs], "sample": sample, "scores": scores, "rubric": rubric_text}
        summary = write_pairs(pair_set, out, settings)
        excluded = ", ".join(f"{reason} {count}" for reason, count in summary["excluded"].items()) or "none"
        err.print(f"{summary['n_pairs']} pairs; left out: {excluded}")
        err.print(f"wrote {out / 'pairs.jsonl'}, {out / 'excluded.jsonl'} and {out / 'pairs.json'}")


def _read_text(path: Path) -> str:
    from selfrat_eval._errors import InputError

    try:
        text = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"cannot read the rubric ({error})", source=str(path)) from None
    if not text:
        raise InputError("the rubric file is empty", source=str(path))
    return text


@rationales_app.command("judge")
def judge_command(
    pairs: PairsArgument,
    judge: Annotated[str, typer.Option(help="The meta-judge: a hub id, a local folder or a GGUF file.")],
    out: Annotated[Path, typer.Option(help="Run folder (judgments.jsonl, results.json). Rerun to resume.")],
    backend: Annotated[
        BackendName | None, typer.Option(help="Engine (default: vllm where installed).")
    ] = None,
    strategy: Annotated[str, typer.Option(help=STRATEGY_HELP)] = "single",
    temperature: Annotated[float, typer.Option(help="Sampling temperature for sampled strategies.")] = 1.0,
    base_url: Annotated[str | None, typer.Option(help="openai backend: server URL.")] = None,
    api_key_env: Annotated[
        str, typer.Option(help="openai backend: variable holding the key.")
    ] = "OPENAI_API_KEY",
    limit: Annotated[int | None, typer.Option(help="Judge only the first N pairs.")] = None,
    seed: Annotated[int, typer.Option(help="Seeds the A/B order, sampling and bootstrap.")] = 0,
    max_new_tokens: Annotated[int, typer.Option(help="Longest judgment to generate.")] = 512,
    stop_at_verdict: StopAtVerdictOption = True,
    loop_guard: LoopGuardOption = False,
    repetition_penalty: RepetitionPenaltyOption = 1.0,
    structured: StructuredOption = False,
    batch_size: Annotated[int, typer.Option(help="hf: sequences per generate call.")] = 8,
    n_resamples: Annotated[int, typer.Option(help="Bootstrap resamples for the 95% CIs.")] = 1000,
    engine_option: Annotated[list[str] | None, typer.Option(help="Extra engine setting KEY=VALUE.")] = None,
    cache: CacheOption = None,
) -> None:
    """A meta-judge compares each pair's two rationales, in both orders, a tie allowed. The same run as
    `selfrat eval --benchmark rationale_pairs --data PAIRS` (which takes every eval option)."""
    with _user_errors():
        from selfrat_eval.benchmarks.rationale_pairs import PAIRS_FILE
        from selfrat_eval.evaluation import EvalConfig, print_results, run_eval

        [(engine, model)] = _jurors([judge], backend)
        config = EvalConfig(
            judge=_checked(model, "--judge", engine),
            benchmark="rationale_pairs",
            out=out,
            backend=engine,
            strategy=strategy,
            temperature=temperature,
            data=pairs / PAIRS_FILE if pairs.is_dir() else pairs,
            limit=limit,
            seed=seed,
            max_new_tokens=max_new_tokens,
            stop_at_verdict=stop_at_verdict,
            loop_guard=loop_guard,
            repetition_penalty=repetition_penalty,
            structured=structured,
            batch_size=batch_size,
            n_resamples=n_resamples,
            engine_options=_engine_options(engine_option or [])
            | ({"base_url": base_url, "api_key_env": api_key_env} if engine == "openai" else {}),
        )
        results = run_eval(
            config,
            engine_factory=config.cached_engine(cache),
            before_judging=lambda: warn_if_busy(err, "the meta-judge"),
        )
        print_results(results)
        err.print(f"wrote {out / 'judgments.jsonl'} and {out / 'results.json'}")


@rationales_app.command("study")
def study_command(
    pairs: PairsArgument,
    out: Annotated[Path, typer.Option(help="The study folder (study.sqlite). Rerun to continue the study.")],
    annotator: Annotated[
        list[str] | None, typer.Option(help="An annotator's name (repeatable); each gets a private link.")
    ] = None,
    open_study: Annotated[
        bool, typer.Option("--open/--closed", help="Let anyone join by typing a name (default: open).")
    ] = True,
    host: Annotated[
        str, typer.Option(help="Address to serve on (0.0.0.0: the whole network).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port (0: any free one).")] = 8765,
    seed: Annotated[int, typer.Option(help="Seeds each annotator's pair order and the sides shown.")] = 0,
    serve: Annotated[bool, typer.Option(help="Serve the page (--no-serve: only create the study).")] = True,
) -> None:
    """A blind pairwise annotation page for people: votes are stored as they are made (SQLite), so a
    closed browser or a stopped server loses nothing; stop it with Ctrl-C."""
    with _user_errors():
        from selfrat_eval.benchmarks.rationale_pairs import read_pairs
        from selfrat_eval.rationales import Study, make_server

        study = Study.create(out, read_pairs(pairs), annotator or [], seed=seed, open_=open_study)
        if not serve:
            err.print(f"wrote {study.path}")
            return
        server = make_server(study, host, port)
        address = f"http://{host}:{server.server_address[1]}/"
        err.print(f"annotation page: {address}" + ("  (anyone may join with a name)" if open_study else ""))
        for who, token in study.annotators().items():
            err.print(f"  {who}: {address}?token={token}")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            err.print(f"stopped; every vote is in {study.path}")
        finally:
            server.server_close()


@rationales_app.command("export")
def export_command(
    study: Annotated[Path, typer.Argument(help="The study folder.")],
    out: Annotated[Path, typer.Option(help="votes.jsonl or votes.csv.")],
) -> None:
    """Every vote of a study as JSONL or CSV (one row per vote, the side shown left included)."""
    with _user_errors():
        from selfrat_eval.rationales import open_study, write_votes

        votes = open_study(study).votes()
        write_votes(votes, out)
        err.print(f"wrote {len(votes)} votes to {out}")


@rationales_app.command("import")
def import_command(
    study: Annotated[Path, typer.Argument(help="The study folder.")],
    votes: Annotated[
        Path, typer.Argument(help="Votes from elsewhere (JSONL/JSON/CSV: pair, annotator, winner).")
    ],
) -> None:
    """Add votes collected on another platform to a study (a vote already there is kept)."""
    with _user_errors():
        from selfrat_eval.rationales import open_study, read_votes

        opened = open_study(study)
        added = opened.add_votes(read_votes(votes, opened.pairs()))
        err.print(f"added {added} votes to {opened.path}")


@rationales_app.command("results")
def results_command(
    pairs: PairsArgument,
    out: Annotated[Path, typer.Option(help="Folder for results.json/.md/.html and win_rates.png.")],
    study: Annotated[
        list[Path] | None, typer.Option(help="A study folder whose votes count (repeatable).")
    ] = None,
    votes: Annotated[list[Path] | None, typer.Option(help="A votes file (JSONL/CSV, repeatable).")] = None,
    meta_judge: Annotated[
        list[Path] | None, typer.Option(help="A `selfrat rationales judge` run folder (repeatable).")
    ] = None,
    toy_data: Annotated[
        Path | None,
        typer.Option(
            help="The toy benchmark file the runs judged: check each rationale's arithmetic (truth)."
        ),
    ] = None,
    n_resamples: Annotated[int, typer.Option(help="Bootstrap resamples for the 95% CIs.")] = 1000,
    seed: Annotated[int, typer.Option(help="Seeds the bootstrap.")] = 0,
) -> None:
    """Win rates with CIs per pair of runs and per voter, agreement, truth where known, a ranking."""
    with _user_errors():
        from selfrat_eval._errors import InputError
        from selfrat_eval.benchmarks.rationale_pairs import read_pairs
        from selfrat_eval.rationales import (
            meta_judge_name,
            meta_judge_votes,
            open_study,
            read_votes,
            study_results,
            write_study_report,
        )
        from selfrat_eval.toy import toy_truth

        read = read_pairs(pairs)
        collected = [v for folder in study or [] for v in open_study(folder).votes()]
        collected += [v for path in votes or [] for v in read_votes(path, read)]
        collected += [v for folder in meta_judge or [] for v in meta_judge_votes(folder, read)]
        if not (study or votes or meta_judge):
            raise InputError("no votes: give --study, --votes or --meta-judge")
        runs = {meta_judge_name(folder): _meta_judge_run(folder) for folder in meta_judge or []}
        truth = toy_truth(read, toy_data) if toy_data else None
        report = study_results(
            read, collected, truth=truth, meta_judge_runs=runs, n_resamples=n_resamples, seed=seed
        )
        paths = write_study_report(report, out)
        for row in report["comparisons"]:
            estimate = row["win_rate"]
            value = "n/a" if estimate["value"] is None else f"{100 * estimate['value']:.1f}%"
            line = f"{row['comparison']} ({row['source']}): win rate {value} over {row['n_items']} pairs"
            err.print(line, markup=False, highlight=False)
        err.print(f"wrote {', '.join(str(p) for p in paths)}")


def _meta_judge_run(folder: Path) -> dict[str, object]:
    """What a meta-judge run's results.json says of its readability."""
    import json

    results = folder / "results.json"
    metrics = json.loads(results.read_text(encoding="utf-8"))["metrics"] if results.exists() else {}
    return {"pairs": metrics.get("n_items"), "parse_failure_rate": metrics.get("parse_failure_rate")}

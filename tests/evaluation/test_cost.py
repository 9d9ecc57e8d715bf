"""Tokens in and out of a run and their cost at given prices, with a judge whose every request is billed
a known number of tokens, so that each count and each dollar is computed by hand."""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from typer.testing import CliRunner

from selfrat_eval._errors import InputError
from selfrat_eval.cli import app
from selfrat_eval.data import sample_path
from selfrat_eval.evaluation import (
    EvalConfig,
    GenerateConfig,
    Prices,
    generate_responses,
    grade_responses,
    print_results,
    run_eval,
    run_suite,
)
from selfrat_eval.judges import CachingEngine, Completion, SamplingConfig
from selfrat_eval.prompts import Chat
from tests.conftest import ScriptedEngine, user_text

#: Every request: 100 prompt tokens (on its first sample); every sample: 7 output tokens.
PROMPT, OUTPUT = 100, 7
#: USD per million tokens.
PRICES = Prices(input=2.5, output=10.0)


class Metered(ScriptedEngine):
    def __init__(self) -> None:
        super().__init__(lambda chat: "Feedback: fine. [RESULT] 4")

    def generate(
        self, chats: Sequence[Chat], sampling: SamplingConfig, seeds: Sequence[int] | None = None
    ) -> list[list[Completion]]:
        return [
            [
                replace(c, num_tokens=OUTPUT, prompt_tokens=PROMPT if i == 0 else 0)
                for i, c in enumerate(answer)
            ]
            for answer in super().generate(chats, sampling, seeds)
        ]


def rubric(out: Path, **options: Any) -> EvalConfig:
    settings = {"benchmark": "rubric", "data": sample_path("rubric"), "limit": 4, "n_resamples": 0}
    return EvalConfig(judge="metered", out=out, **(settings | options))


def tokens(results: dict[str, Any]) -> tuple[Any, ...]:
    timings = results["timings"]
    return tuple(
        timings[key]
        for key in ("input_tokens_now", "output_tokens_now", "input_tokens_cached", "output_tokens_cached")
    )


def test_tokens_and_cost_of_a_run_computed_by_hand(tmp_path: Path) -> None:
    # 4 items x 1 request x 3 samples: 400 prompt tokens, 84 output tokens
    config = rubric(tmp_path / "run", strategy="self-consistency:3")
    results = run_eval(config, engine_factory=Metered, prices=PRICES)
    assert tokens(results) == (400, 84, None, None)
    assert results["cost"] == {
        "usd_per_million_tokens": {"input": 2.5, "output": 10.0},
        "now": pytest.approx({"input": 0.001, "output": 0.00084, "total": 0.00184}),
        "saved_by_cache": None,
    }
    assert json.loads((tmp_path / "run" / "results.json").read_text())["cost"] == results["cost"]
    printed = io.StringIO()
    print_results(results, Console(file=printed, width=200))
    assert "judged now: 400 input + 84 output tokens; cost $0.0018 (input $0.0010, output $0.0008)" in (
        printed.getvalue()
    )


def test_without_prices_there_are_tokens_but_no_cost(tmp_path: Path) -> None:
    results = run_eval(rubric(tmp_path / "run"), engine_factory=Metered)
    assert tokens(results) == (400, 28, None, None) and "cost" not in results


def test_a_meta_judge_is_counted_too(tmp_path: Path) -> None:
    # 4 requests x 3 samples, then one greedy meta-judge request per candidate (all 12 parse)
    config = rubric(tmp_path / "run", strategy="best-of-n:3", selector="meta-judge")
    results = run_eval(config, engine_factory=Metered, prices=PRICES)
    assert tokens(results) == (100 * (4 + 12), 7 * (12 + 12), None, None)
    assert results["cost"]["now"]["total"] == pytest.approx((1600 * 2.5 + 168 * 10.0) / 1e6)


def test_what_the_cache_served_is_not_billed_but_saved(tmp_path: Path) -> None:
    store = tmp_path / "cache.sqlite"
    first = run_eval(
        rubric(tmp_path / "a"), engine_factory=lambda: CachingEngine(Metered(), store), prices=PRICES
    )
    assert tokens(first) == (400, 28, 0, 0)
    assert first["cost"]["saved_by_cache"] == {"input": 0.0, "output": 0.0, "total": 0.0}

    # the same items into a fresh folder: 2 served, 2 more judged
    second = run_eval(
        rubric(tmp_path / "b", limit=6), engine_factory=lambda: CachingEngine(Metered(), store), prices=PRICES
    )
    assert tokens(second) == (200, 14, 400, 28)
    assert second["cost"]["now"] == pytest.approx({"input": 0.0005, "output": 0.00014, "total": 0.00064})
    assert second["cost"]["saved_by_cache"] == pytest.approx(
        {"input": 0.001, "output": 0.00028, "total": 0.00128}
    )
    assert second["timings"]["cache"]["hits"] == 4 and second["timings"]["cache"]["misses"] == 2


def test_resuming_with_other_prices_prices_only_what_is_judged_then(tmp_path: Path) -> None:
    run_eval(rubric(tmp_path / "run", limit=2), engine_factory=Metered, prices=PRICES)
    resumed = run_eval(rubric(tmp_path / "run"), engine_factory=Metered, prices=Prices(input=1.0, output=1.0))
    assert resumed["timings"]["items_resumed"] == 2
    assert resumed["cost"]["now"] == pytest.approx({"input": 0.0002, "output": 0.000014, "total": 0.000214})


def test_grading_is_priced_like_an_evaluation(tmp_path: Path) -> None:
    responder = ScriptedEngine(lambda chat: f"gen-a answers: {user_text(chat)[:40]}")
    generated = GenerateConfig(model="gen-a", out=tmp_path / "gen", data=sample_path("biggen-instances"))
    responses = generate_responses(generated, engine_factory=lambda: responder)
    config = EvalConfig(
        judge="metered", benchmark="biggen_grading", out=tmp_path / "graded", data=responses, n_resamples=0
    )
    results = grade_responses(config, engine_factory=Metered, prices=PRICES)
    assert tokens(results) == (1600, 112, None, None)  # 16 responses, one request each
    assert results["cost"]["now"]["total"] == pytest.approx((1600 * 2.5 + 112 * 10.0) / 1e6)


def test_a_suite_sharing_one_cache_reports_each_benchmark_its_own_tokens(tmp_path: Path) -> None:
    data = {"rubric": sample_path("rubric"), "rewardbench": sample_path("rewardbench")}
    store = tmp_path / "cache.sqlite"
    template = EvalConfig(judge="metered", benchmark="rubric", out=tmp_path / "one", limit=3, n_resamples=0)
    card = run_suite(
        template, ["rubric", "rewardbench"], data, lambda: CachingEngine(Metered(), store), prices=PRICES
    )
    # rubric: 3 items, 1 rating each; rewardbench (absolute): 3 pairs, both responses rated
    expected = {"rubric": (300, 21), "rewardbench": (600, 42)}
    for entry in card["benchmarks"]:
        results = json.loads((tmp_path / "one" / entry["benchmark"] / "results.json").read_text())
        assert tokens(results) == (*expected[entry["benchmark"]], 0, 0)
        assert results["timings"]["cache"]["requests"] == expected[entry["benchmark"]][0] // PROMPT
        assert entry["cost"]["input_tokens_now"] == expected[entry["benchmark"]][0]
        assert entry["cost"]["usd_now"] == results["cost"]["now"]["total"]
    summary = (tmp_path / "one" / "card.md").read_text().splitlines()[2]
    assert "judged now: 900 input + 63 output tokens, $0.0029." in summary  # 0.00225 + 0.00063

    again = run_suite(
        replace(template, out=tmp_path / "two"),
        ["rubric", "rewardbench"],
        data,
        lambda: CachingEngine(Metered(), store),
        prices=PRICES,
    )
    assert [entry["cost"]["usd_now"] for entry in again["benchmarks"]] == [0.0, 0.0]
    saved = json.loads((tmp_path / "two" / "rewardbench" / "results.json").read_text())["cost"]
    assert saved["saved_by_cache"]["total"] == pytest.approx((600 * 2.5 + 42 * 10.0) / 1e6)


@pytest.mark.parametrize(
    ("given", "message"),
    [
        (["--price-input", "3"], "give both --price-input and --price-output"),
        (["--price-output", "3"], "give both --price-input and --price-output"),
        (["--price-input", "-1", "--price-output", "3"], "field 'price-input': must be a non-negative"),
        (["--price-input", "1", "--price-output", "nan"], "field 'price-output': must be a non-negative"),
    ],
)
@pytest.mark.parametrize("command", ["eval", "grade", "suite"])
def test_the_commands_refuse_half_or_bad_prices(
    command: str, given: list[str], message: str, tmp_path: Path
) -> None:
    required = {
        "eval": ["--benchmark", "rubric"],
        "grade": ["--responses", str(tmp_path / "responses.json")],
        "suite": [],
    }[command]
    result = CliRunner().invoke(
        app, [command, "--judge", "j", "--out", str(tmp_path / "out"), *required, *given]
    )
    assert result.exit_code == 2 and message in result.stderr
    assert not (tmp_path / "out").exists()


def test_prices_are_not_part_of_a_runs_identity() -> None:
    assert "price" not in json.dumps(rubric(Path("x")).identity())
    with pytest.raises(InputError):
        Prices(input=float("inf"), output=1.0)

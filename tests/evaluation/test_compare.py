"""`selfrat compare` on runs with known differences (scripted judges)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from selfrat_eval.benchmarks.rewardbench import load_rewardbench
from selfrat_eval.cli import app
from selfrat_eval.data import sample_path
from selfrat_eval.evaluation import EvalConfig, compare_runs, run_eval
from tests.conftest import ScriptedEngine, user_text
from tests.data.biggen_fixture import write_human_eval
from tests.evaluation.test_biggen_scoring import respond as biggen_respond

ITEMS, _ = load_rewardbench(sample_path("rewardbench"))
CHOSEN_OF = {(item.prompt, frozenset((item.chosen, item.rejected))): item.chosen for item in ITEMS}


def perfect(chat: list[dict[str, str]]) -> str:
    text = user_text(chat)
    prompt, rest = text.split("###Instruction:\n", 1)[1].split("\n\n###Response A:\n", 1)
    response_a, rest = rest.split("\n\n###Response B:\n", 1)
    response_b = rest.split("\n\n###Score Rubric:", 1)[0]
    return (
        "[RESULT] A"
        if response_a == CHOSEN_OF[(prompt, frozenset((response_a, response_b)))]
        else "[RESULT] B"
    )


def rb_run(out: Path, respond: object) -> Path:
    config = EvalConfig(
        judge="s",
        benchmark="rewardbench",
        data=sample_path("rewardbench"),
        mode="pairwise",
        out=out,
        n_resamples=0,
    )
    run_eval(config, engine_factory=lambda: ScriptedEngine(respond))  # type: ignore[arg-type]
    return out


def test_a_better_judge_wins_with_a_small_p_value(tmp_path: Path) -> None:
    biased = rb_run(tmp_path / "always-a", lambda chat: "[RESULT] A")
    good = rb_run(tmp_path / "perfect", perfect)
    report = compare_runs([biased, good], n_resamples=500)
    assert report["metric"] == "RewardBench score"
    assert report["runs"][1]["value"] == pytest.approx(1.0)
    base = json.loads((biased / "results.json").read_text())["metrics"]["overall"]["value"]
    assert report["runs"][0]["value"] == pytest.approx(base)  # the same official score as selfrat eval
    [difference] = report["differences"]
    assert difference["difference"] == pytest.approx(1.0 - base) and difference["n_shared"] == 46
    assert difference["ci_low"] > 0 and difference["p_value"] < 0.01


def test_identical_runs_differ_by_nothing(tmp_path: Path) -> None:
    first = rb_run(tmp_path / "a", perfect)
    second = rb_run(tmp_path / "b", perfect)
    [difference] = compare_runs([first, second], n_resamples=200)["differences"]
    assert difference["difference"] == 0 and difference["p_value"] == 1.0


def test_cli_writes_markdown_html_and_a_plot(tmp_path: Path) -> None:
    data = tmp_path / "human_eval.jsonl"
    write_human_eval(data)
    folders = []
    for name, respond in (("scripted", biggen_respond), ("constant", lambda chat: "[RESULT] 3")):
        config = EvalConfig(judge=name, benchmark="biggen", data=data, out=tmp_path / name, n_resamples=0)
        run_eval(config, engine_factory=lambda respond=respond: ScriptedEngine(respond))
        folders.append(str(tmp_path / name))
    result = CliRunner().invoke(
        app, ["compare", *folders, "--out", str(tmp_path / "cmp"), "--n-resamples", "200"]
    )
    assert result.exit_code == 0, result.output
    markdown = (tmp_path / "cmp" / "compare.md").read_text()
    assert "Pearson r vs human_score" in markdown and re.search(r"\| scripted \| 0\.\d{3} \|", markdown)
    assert (tmp_path / "cmp" / "compare.png").read_bytes()[:4] == b"\x89PNG"
    assert "<table>" in (tmp_path / "cmp" / "compare.html").read_text()
    report = json.loads((tmp_path / "cmp" / "compare.json").read_text())
    assert report["runs"][1]["value"] is None  # a constant judge has no correlation: reported, not faked


def test_mismatched_benchmarks_are_refused(tmp_path: Path) -> None:
    rb = rb_run(tmp_path / "rb", perfect)
    data = tmp_path / "h.jsonl"
    write_human_eval(data)
    config = EvalConfig(judge="s", benchmark="biggen", data=data, out=tmp_path / "bgb", n_resamples=0)
    run_eval(config, engine_factory=lambda: ScriptedEngine(biggen_respond))
    result = CliRunner().invoke(
        app, ["compare", str(rb), str(tmp_path / "bgb"), "--out", str(tmp_path / "x")]
    )
    assert result.exit_code == 2 and "different benchmarks" in result.stderr

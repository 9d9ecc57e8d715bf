"""A meta-judge compares the rationales of two runs in both orders (scripted, so every rate is known)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from selfrat_eval.benchmarks.rationale_pairs import read_pairs
from selfrat_eval.cli import app
from selfrat_eval.evaluation import EvalConfig, run_eval
from selfrat_eval.rationales import meta_judge_votes, pair_runs, study_results, write_pairs
from selfrat_eval.toy import check_toy_rationale, toy_truth
from tests.conftest import ScriptedEngine, user_text
from tests.rationales.scripted import question, right_judge, sloppy_judge, toy_data, toy_run

_SIDES = re.compile(r"###Response A:\n(.*?)\n\n###Response B:\n(.*?)\n\n###Score Rubric", re.DOTALL)


def truthful(chat: list[dict[str, str]]) -> str:
    """Prefers the rationale whose arithmetic checks out (a tie when both or neither do)."""
    a, b, answer = question(chat)
    first, second = _SIDES.search(user_text(chat)).groups()  # type: ignore[union-attr]
    score = lambda text: float(text.rsplit("[RESULT] ", 1)[1])  # noqa: E731
    ok = [check_toy_rationale(t, a + b, answer, score(t)).correct for t in (first, second)]
    verdict = "A" if ok == [True, False] else "B" if ok == [False, True] else "tie"
    return f"Feedback: checked the sums. [RESULT] {verdict}"


@pytest.fixture
def pairs(tmp_path: Path) -> tuple[Path, Path]:
    data = toy_data(tmp_path / "toy")
    good = toy_run(tmp_path / "good", data, right_judge)
    sloppy = toy_run(tmp_path / "sloppy", data, sloppy_judge)
    write_pairs(pair_runs([good, sloppy]), tmp_path / "pairs", {})
    return tmp_path / "pairs" / "pairs.jsonl", data


def meta_run(out: Path, pairs: Path, respond: object) -> dict:
    config = EvalConfig(judge="meta", benchmark="rationale_pairs", data=pairs, out=out, n_resamples=200)
    return run_eval(config, engine_factory=lambda: ScriptedEngine(respond))  # type: ignore[arg-type]


def test_a_truthful_meta_judge_prefers_the_right_rationale_in_both_orders(
    tmp_path: Path, pairs: tuple[Path, Path]
) -> None:
    file, data = pairs
    n = len(read_pairs(file))
    metrics = meta_run(tmp_path / "meta", file, truthful)["metrics"]
    result = metrics["comparisons"]["good vs sloppy"]
    assert (
        result["win_rate"]["value"] == 1.0 and result["n_items"] == n and result["p_value"] == 0.5 ** (n - 1)
    )
    assert metrics["order_consistency"] == 1.0 and metrics["parse_failure_rate"] == 0.0
    # the right one is shown first in half the orders: exactly so, over both orders of every pair
    assert metrics["first_pick_rate"] == 0.5
    judgments = [
        json.loads(line) for line in (tmp_path / "meta" / "judgments.jsonl").read_text().splitlines()
    ]
    assert all(set(j["outputs"]) == {"pair", "pair_swapped"} for j in judgments)

    truth = toy_truth(read_pairs(file), data)
    assert set(truth.values()) == {"a"}  # every pair: the good run is right, the sloppy one is not
    report = study_results(
        read_pairs(file), meta_judge_votes(tmp_path / "meta", read_pairs(file)), truth=truth
    )
    assert report["truth"]["sources"]["meta-judge:meta"]["agrees_with_truth"] == 1.0


def test_a_position_biased_meta_judge_ties_every_pair(tmp_path: Path, pairs: tuple[Path, Path]) -> None:
    file, _ = pairs
    metrics = meta_run(tmp_path / "meta", file, lambda chat: "Feedback: first. [RESULT] A")["metrics"]
    result = metrics["comparisons"]["good vs sloppy"]
    # A in both orders: one vote each way, net 0 -> every pair a tie -> win rate 1/2, no sign test
    assert result["win_rate"]["value"] == 0.5 and result["ties"] == 1.0 and result["p_value"] is None
    assert metrics["order_consistency"] == 0.0 and metrics["first_pick_rate"] == 1.0
    assert metrics["tie_rate"] == 1.0


def test_ties_and_unreadable_verdicts(tmp_path: Path, pairs: tuple[Path, Path]) -> None:
    file, _ = pairs
    n = len(read_pairs(file))
    ties = meta_run(tmp_path / "ties", file, lambda chat: "Feedback: both fine. [RESULT] tie")["metrics"]
    assert ties["comparisons"]["good vs sloppy"]["ties"] == 1.0 and ties["first_pick_rate"] is None
    unreadable = meta_run(tmp_path / "none", file, lambda chat: "Both are fine.")["metrics"]
    none = unreadable["comparisons"]["good vs sloppy"]
    assert (
        unreadable["parse_failure_rate"] == 1.0 and none["n_items"] == 0 and none["win_rate"]["value"] is None
    )
    assert meta_judge_votes(tmp_path / "none", read_pairs(file)) == [] and unreadable["n_items"] == n


def test_the_judge_command_runs_the_same_benchmark(tmp_path: Path, pairs: tuple[Path, Path]) -> None:
    file, _ = pairs
    missing = CliRunner().invoke(
        app,
        ["rationales", "judge", str(file), "--judge", str(tmp_path / "nope"), "--out", str(tmp_path / "m")],
    )
    assert missing.exit_code == 2 and "--judge" in missing.output and not (tmp_path / "m").exists()

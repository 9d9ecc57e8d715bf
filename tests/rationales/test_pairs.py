"""Pairing runs' rationales: what is paired, what is left out and why."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from selfrat_eval.benchmarks.rationale_pairs import read_pairs
from selfrat_eval.benchmarks.rubric import load_rubric_file
from selfrat_eval.cli import app
from selfrat_eval.rationales import pair_runs
from tests.rationales.scripted import right_judge, sloppy_judge, toy_data, toy_run


def _kinds(data: Path) -> tuple[set[str], set[str], set[str]]:
    """Item keys where the sloppy judge is right, wrong, or unreadable."""
    right, wrong, unreadable = set(), set(), set()
    for item in load_rubric_file(data)[0]:
        a = int(item.instruction.removeprefix("Compute ").split("+")[0])
        (unreadable if a % 10 == 5 else right if a % 2 else wrong).add(item.key)
    return right, wrong, unreadable


def test_pairs_list_every_item_left_out_and_why(tmp_path: Path) -> None:
    data = toy_data(tmp_path / "toy")
    good = toy_run(tmp_path / "good", data, right_judge)
    sloppy = toy_run(tmp_path / "sloppy", data, sloppy_judge)
    right, wrong, unreadable = _kinds(data)
    assert wrong and unreadable and right

    pair_set = pair_runs([good, sloppy])
    assert {p.item for p in pair_set.pairs} == wrong  # identical texts are nothing to prefer
    reasons = {(row["item"], row["reason"]) for row in pair_set.excluded}
    assert reasons == {(k, "no_result") for k in unreadable} | {(k, "identical") for k in right}
    pair = pair_set.pairs[0]
    assert (pair.run_a, pair.run_b, pair.group) == ("good", "sloppy", "good vs sloppy")
    assert "###Response to evaluate:" in pair.prompt and pair.rationale_a.startswith("Feedback: ans")
    assert pair.score_a != pair.score_b or pair.rationale_a != pair.rationale_b

    agreeing = pair_runs([good, sloppy], scores="agree")
    disagreeing = pair_runs([good, sloppy], scores="disagree")
    assert {p.item for p in agreeing.pairs} | {p.item for p in disagreeing.pairs} == wrong
    assert not {p.item for p in agreeing.pairs} & {p.item for p in disagreeing.pairs}
    assert all(p.score_a == p.score_b for p in agreeing.pairs)


def test_a_run_missing_items_and_three_runs(tmp_path: Path) -> None:
    data = toy_data(tmp_path / "toy")
    good = toy_run(tmp_path / "good", data, right_judge)
    sloppy = toy_run(tmp_path / "sloppy", data, sloppy_judge)
    lines = (sloppy / "judgments.jsonl").read_text().splitlines()
    (sloppy / "judgments.jsonl").write_text("\n".join(lines[:-3]) + "\n")  # a run that judged fewer items
    missing = {json.loads(line)["group"] + "/" + json.loads(line)["id"] for line in lines[-3:]}
    third = toy_run(
        tmp_path / "third", data, lambda chat: sloppy_judge(chat).replace("Feedback:", "Feedback: so")
    )
    pair_set = pair_runs([good, sloppy, third], names=["G", "S", "T"])
    assert {p.group for p in pair_set.pairs} == {"G vs S", "G vs T", "S vs T"}
    assert {row["item"] for row in pair_set.excluded if row["reason"] == "missing"} == missing
    assert all(row["run"] == "S" for row in pair_set.excluded if row["reason"] == "missing")


def test_the_cli_writes_pairs_whole_and_refuses_bad_input(tmp_path: Path) -> None:
    data = toy_data(tmp_path / "toy")
    good = toy_run(tmp_path / "good", data, right_judge)
    sloppy = toy_run(tmp_path / "sloppy", data, sloppy_judge)
    runner = CliRunner()
    result = runner.invoke(app, ["rationales", "pairs", str(good), str(sloppy), "--out", str(tmp_path / "p")])
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "p" / "pairs.json").read_text())
    assert summary["n_pairs"] == len(read_pairs(tmp_path / "p")) and summary["excluded"]["no_result"] > 0
    lonely = runner.invoke(app, ["rationales", "pairs", str(good), "--out", str(tmp_path / "q")])
    assert lonely.exit_code == 2 and "at least two run folders" in lonely.output
    not_a_run = runner.invoke(
        app, ["rationales", "pairs", str(good), str(tmp_path), "--out", str(tmp_path / "q")]
    )
    assert not_a_run.exit_code == 2 and "no judgments.jsonl" in not_a_run.output
    assert not (tmp_path / "q").exists()
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"id": "x", "group": "g"}) + "\n")
    scored = runner.invoke(
        app, ["rationales", "results", str(bad), "--out", str(tmp_path / "r"), "--votes", str(bad)]
    )
    assert scored.exit_code == 2 and "bad.jsonl, record 1, field 'item': missing" in scored.output

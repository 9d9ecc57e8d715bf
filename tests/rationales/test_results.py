"""`selfrat rationales results` over people's and a meta-judge's votes, three runs, the toy's truth."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from selfrat_eval.benchmarks.rationale_pairs import read_pairs
from selfrat_eval.cli import app
from selfrat_eval.rationales import Vote, pair_runs, write_pairs, write_votes
from tests.rationales.scripted import right_judge, sloppy_judge, toy_data, toy_run
from tests.rationales.test_meta_judge import meta_run, truthful


def test_results_rank_three_runs_and_compare_the_meta_judge_with_people(tmp_path: Path) -> None:
    data = toy_data(tmp_path / "toy")
    runs = [
        toy_run(tmp_path / "right", data, right_judge),
        toy_run(tmp_path / "sloppy", data, sloppy_judge),
        # wrong everywhere: off by 30 in every sum
        toy_run(tmp_path / "wrong", data, lambda chat: sloppy_judge(chat).replace("ans 1", "ans 4")),
    ]
    write_pairs(pair_runs(runs), tmp_path / "pairs", {})
    pairs = read_pairs(tmp_path / "pairs")
    meta_run(tmp_path / "meta", tmp_path / "pairs" / "pairs.jsonl", truthful)
    # two people: ann always prefers the first run's rationale, bob agrees except on the first 2 pairs
    votes = [Vote(pair=p.key, annotator="ann", winner="a") for p in pairs]
    votes += [Vote(pair=p.key, annotator="bob", winner="b" if k < 2 else "a") for k, p in enumerate(pairs)]
    write_votes(votes, tmp_path / "votes.csv")

    result = CliRunner().invoke(
        app,
        [
            "rationales", "results", str(tmp_path / "pairs"), "--out", str(tmp_path / "report"),
            "--votes", str(tmp_path / "votes.csv"), "--meta-judge", str(tmp_path / "meta"),
            "--toy-data", str(data), "--n-resamples", "100",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "report" / "results.json").read_text())
    assert report["annotators"] == ["ann", "bob"] and report["meta_judges"] == ["meta-judge:meta"]
    assert report["meta_judge_runs"]["meta-judge:meta"] == {"pairs": len(pairs), "parse_failure_rate": 0.0}
    assert report["agreement"]["raw"] == pytest.approx((len(pairs) - 2) / len(pairs))
    pooled = [r for r in report["comparisons"] if r["source"] == "people (pooled)"]
    assert {r["comparison"] for r in pooled} == {p.group for p in pairs}
    # the meta-judge always prefers the right rationale: the right run ranks first
    ranking = report["bradley_terry"]["meta-judge:meta"]["ranking"]
    assert ranking[0]["system"] == "right"
    [checked] = [
        r
        for r in report["comparisons"]
        if (r["comparison"], r["source"]) == ("right vs sloppy", "truth (checked)")
    ]
    assert checked["win_rate"]["value"] == 1.0  # where the two differ, the sloppy run's working is wrong
    truth = report["truth"]["sources"]
    assert truth["meta-judge:meta"]["agrees_with_truth"] == 1.0
    assert report["meta_judge_vs_people"]["meta-judge:meta"]["n_items"] == len(pairs)
    for name in ("results.md", "results.html", "win_rates.png"):
        assert (tmp_path / "report" / name).stat().st_size > 0
    assert "Bradley-Terry" in (tmp_path / "report" / "results.md").read_text()

    none = CliRunner().invoke(
        app, ["rationales", "results", str(tmp_path / "pairs"), "--out", str(tmp_path / "x")]
    )
    assert none.exit_code == 2 and "no votes" in none.output and not (tmp_path / "x").exists()

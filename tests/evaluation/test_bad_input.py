"""Malformed inputs: one-line error naming file, record and field; exit code 2; nothing written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from selfrat_eval.cli import app
from selfrat_eval.data import sample_path

RUBRIC_ROW = {"instruction": "Add 2 and 2.", "response": "4", "rubric": "Is it correct?", "label": 5}


def write_jsonl(path: Path, rows: list[object]) -> Path:
    path.write_text("".join((row if isinstance(row, str) else json.dumps(row)) + "\n" for row in rows))
    return path


CASES = {
    "missing rubric": (
        [RUBRIC_ROW, {k: v for k, v in RUBRIC_ROW.items() if k != "rubric"}],
        "record 2",
        "rubric",
    ),
    "empty response": ([RUBRIC_ROW, RUBRIC_ROW, {**RUBRIC_ROW, "response": ""}], "record 3", "response"),
    "wrong type": ([{**RUBRIC_ROW, "label": "excellent"}], "record 1", "label"),
    "label out of range": ([{**RUBRIC_ROW, "label": 9}], "record 1", "label"),
    "bad JSON line": ([RUBRIC_ROW, '{"instruction": "x", "response": '], "record 2", "invalid JSON"),
    "not an object": (["[1, 2]"], "record 1", "JSON object"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_malformed_rubric_file(case: str, tmp_path: Path) -> None:
    rows, record, field = CASES[case]
    data = write_jsonl(tmp_path / "bad.jsonl", rows)
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app, ["eval", "--judge", "unused", "--benchmark", "rubric", "--data", str(data), "--out", str(out)]
    )
    assert result.exit_code == 2
    message = result.stderr.strip()
    assert len(message.splitlines()) == 1 and "Traceback" not in result.output
    assert str(data) in message and record in message and field in message
    assert not out.exists()


def test_malformed_rewardbench_row(tmp_path: Path) -> None:
    rows = [json.loads(line) for line in sample_path("rewardbench").read_text().splitlines()[:3]]
    del rows[2]["subset"]
    data = write_jsonl(tmp_path / "rb.jsonl", rows)
    result = CliRunner().invoke(
        app,
        [
            "eval",
            "--judge",
            "x",
            "--benchmark",
            "rewardbench",
            "--data",
            str(data),
            "--out",
            str(tmp_path / "o"),
        ],
    )
    assert result.exit_code == 2
    assert "record 3" in result.stderr and "'subset'" in result.stderr and "missing" in result.stderr


def test_malformed_judgments_file_leaves_no_results(tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "judgments.jsonl",
        [
            {
                "benchmark": "rewardbench",
                "id": "1",
                "group": "hep-go",
                "score_chosen": 4,
                "score_rejected": 2,
            },
            {
                "benchmark": "rewardbench",
                "id": "2",
                "group": "hep-go",
                "score_chosen": 9,
                "score_rejected": 2,
            },
        ],
    )
    result = CliRunner().invoke(app, ["score", str(path)])
    assert result.exit_code == 2
    assert "record 2" in result.stderr and "score_chosen" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["judgments.jsonl"]


def test_duplicate_item_in_judgments_file(tmp_path: Path) -> None:
    row = {"benchmark": "biggen", "id": "a", "group": "reasoning", "score": 3, "human_score": 3}
    path = write_jsonl(tmp_path / "judgments.jsonl", [row, row])
    result = CliRunner().invoke(app, ["score", str(path)])
    assert result.exit_code == 2 and "appears twice" in result.stderr


def test_missing_file(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["score", str(tmp_path / "nope.jsonl")])
    assert result.exit_code == 2 and "file not found" in result.stderr

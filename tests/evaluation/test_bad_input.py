"""Malformed inputs: one-line error naming file, record and field; exit code 2; nothing written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from selfrat_eval.cli import app
from selfrat_eval.data import sample_path

#: The data is refused before any judge is needed; an openai judge is a served name, never looked for.
UNUSED_JUDGE = ["eval", "--judge", "unused", "--backend", "openai"]
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
        app, [*UNUSED_JUDGE, "--benchmark", "rubric", "--data", str(data), "--out", str(out)]
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
        [*UNUSED_JUDGE, "--benchmark", "rewardbench", "--data", str(data), "--out", str(tmp_path / "o")],
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


def run_cli(args: list[str]) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, args)
    return result.exit_code, result.stderr.strip(), result.output


def eval_args(benchmark: str, data: Path, out: Path) -> list[str]:
    return [*UNUSED_JUDGE, "--benchmark", benchmark, "--data", str(data), "--out", str(out)]


def assert_refused(code: int, message: str, output: str, *expected: str) -> None:
    assert code == 2
    assert len(message.splitlines()) == 1 and "Traceback" not in output
    for text in expected:
        assert text in message, (text, message)


def biggen_row(**changes: object) -> dict[str, object]:
    from tests.data.biggen_fixture import human_eval_rows

    return {**human_eval_rows()[0], **changes}


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("invalid UTF-8", b'{"instruction": "caf\xe9"}\n', ("byte 20", "record 1", "UTF-8")),
        ("binary", bytes(range(256)) * 4, ("UTF-8", "byte 128")),
        ("UTF-8 on line 3", b"{}\n{}\n\xff\n", ("record 3", "byte 6")),
        ("empty", b"", ("no items",)),
        ("whitespace only", b"  \n\n \t\n", ("no items",)),
    ],
)
def test_unreadable_or_empty_data_file(
    name: str, content: bytes, expected: tuple[str, ...], tmp_path: Path
) -> None:
    data = tmp_path / "data.jsonl"
    data.write_bytes(content)
    out = tmp_path / "out"
    assert_refused(*run_cli(eval_args("rubric", data, out)), str(data), *expected)
    assert not out.exists()


@pytest.mark.parametrize("suffix", [".json", ".csv"])
def test_empty_json_and_csv_files(suffix: str, tmp_path: Path) -> None:
    data = tmp_path / f"data{suffix}"
    data.write_text("\n" if suffix == ".json" else "instruction,response,rubric\n")
    out = tmp_path / "out"
    assert_refused(*run_cli(eval_args("rubric", data, out)), str(data), "no items")
    assert not out.exists()


def test_duplicate_keys_in_the_input_are_refused_before_judging(tmp_path: Path) -> None:
    rows = [{**RUBRIC_ROW, "id": "q1"}, {**RUBRIC_ROW, "id": "q2"}, {**RUBRIC_ROW, "id": "q1"}]
    data = write_jsonl(tmp_path / "data.jsonl", rows)
    out = tmp_path / "out"
    assert_refused(
        *run_cli(eval_args("rubric", data, out)), str(data), "record 3", "'id'", "all/q1", "record 1"
    )
    assert not out.exists()


def test_duplicate_rewardbench_pair_is_refused_but_a_reused_id_in_another_subset_is_not(
    tmp_path: Path,
) -> None:
    rows = [json.loads(line) for line in sample_path("rewardbench").read_text().splitlines()[:2]]
    other_subset = {**rows[0], "subset": "hep-go" if rows[0]["subset"] != "hep-go" else "hep-js"}
    data = write_jsonl(tmp_path / "rb.jsonl", [rows[0], rows[1], other_subset, rows[0]])
    out = tmp_path / "out"
    assert_refused(*run_cli(eval_args("rewardbench", data, out)), str(data), "record 4", "duplicate")
    assert not out.exists()


@pytest.mark.parametrize(("field", "value"), [("human_score", 9), ("gpt4_score", 0), ("human_score", -2)])
def test_biggen_scores_outside_1_to_5_are_refused(field: str, value: int, tmp_path: Path) -> None:
    data = write_jsonl(tmp_path / "human_eval.jsonl", [biggen_row(), biggen_row(**{field: value})])
    out = tmp_path / "out"
    assert_refused(*run_cli(eval_args("biggen", data, out)), str(data), "record 2", field)
    assert not out.exists()


def test_biggen_missing_score_minus_one_is_accepted(tmp_path: Path) -> None:
    from selfrat_eval.benchmarks.biggen import load_biggen_human_eval

    data = write_jsonl(tmp_path / "human_eval.jsonl", [biggen_row(human_score=-1)])
    items, _source = load_biggen_human_eval(data)
    assert "human_score" not in items[0].labels


JUDGMENT = {"benchmark": "biggen", "id": "a", "group": "reasoning", "score": 3, "human_score": 3}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"parse_status": {"response": ["okay"]}}, "parse_status"),
        ({"benchmark": "rewardbench3"}, "benchmark"),
        ({"benchmark": "rewardbench", "mode": "ranking", "score_chosen": 4, "score_rejected": 2}, "mode"),
        ({"strengths": {"pair": ["huge"]}}, "strengths"),
    ],
)
def test_unknown_enum_values_in_a_judgments_file(
    changes: dict[str, object], field: str, tmp_path: Path
) -> None:
    path = write_jsonl(tmp_path / "judgments.jsonl", [JUDGMENT, {**JUDGMENT, "id": "b", **changes}])
    assert_refused(*run_cli(["score", str(path)]), str(path), "record 2", field)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["judgments.jsonl"]


def test_undecodable_judgments_file(tmp_path: Path) -> None:
    path = tmp_path / "judgments.jsonl"
    path.write_bytes(json.dumps(JUDGMENT).encode() + b"\n\x00\x9f\x92\x96\n")
    assert_refused(*run_cli(["score", str(path)]), str(path), "record 2", "UTF-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["judgments.jsonl"]


def test_bom_and_integer_ids_are_accepted(tmp_path: Path) -> None:
    rows = [{**JUDGMENT, "id": 1}, {**JUDGMENT, "id": 2, "score": 4, "human_score": 5}]
    path = tmp_path / "judgments.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + "".join(json.dumps(r) + "\n" for r in rows).encode())
    code, message, _output = run_cli(["score", str(path), "--out", str(tmp_path / "scored")])
    assert code == 0, message
    results = json.loads((tmp_path / "scored" / "results.json").read_text())
    assert results["metrics"]["n_items"] == 2

    data = tmp_path / "rubric.csv"
    data.write_bytes(b"\xef\xbb\xbfinstruction,response,rubric,id\nAdd 2 and 2.,4,Is it correct?,7\n")
    from selfrat_eval.benchmarks.rubric import load_rubric_file

    items, _source = load_rubric_file(data)
    assert [item.id for item in items] == ["7"]

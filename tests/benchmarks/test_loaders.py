"""Loaders: vendored samples, the local mirror folder, the hub path offline, CSV rubric files."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from selfrat_eval._errors import InputError
from selfrat_eval.benchmarks.biggen import load_biggen_instances
from selfrat_eval.benchmarks.rewardbench import load_rewardbench
from selfrat_eval.benchmarks.rubric import load_rubric_file
from selfrat_eval.data import DATA_DIR_ENV, Rubric, sample_path
from selfrat_eval.metrics import SUBSETS


def test_rewardbench_sample_covers_every_subset() -> None:
    items, source = load_rewardbench(sample_path("rewardbench"))
    assert {item.group for item in items} == set(SUBSETS)
    assert len({item.key for item in items}) == len(items)
    assert source.identity["sha256"]


def test_biggen_instances_sample() -> None:
    instances, _ = load_biggen_instances(sample_path("biggen-instances"))
    assert len({i.capability for i in instances}) == 9
    assert all(isinstance(i.score_rubric, Rubric) for i in instances)
    assert instances[0].score_rubric.render().startswith("[")


def test_mirror_folder_is_used_when_no_file_is_given(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "reward-bench").mkdir()
    shutil.copy(sample_path("rewardbench"), tmp_path / "reward-bench" / "filtered.jsonl")
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path))
    items, source = load_rewardbench()
    assert len(items) == 46 and source.name.endswith("filtered.jsonl")
    with pytest.raises(InputError, match=r"has no biggen-bench/test\.jsonl"):
        load_biggen_instances()


def test_hub_failure_offline_is_a_clear_input_error(tmp_path: Path) -> None:
    code = "from selfrat_eval.benchmarks.rewardbench import load_rewardbench; load_rewardbench()"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "HF_HOME": str(tmp_path)}
    env.pop(DATA_DIR_ENV, None)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False)
    assert done.returncode != 0
    assert "hub:allenai/reward-bench[filtered]" in done.stderr and "--data FILE" in done.stderr


def test_rubric_csv_with_json_rubric_and_empty_cells(tmp_path: Path) -> None:
    rubric = {"criteria": "Correct?", **{f"score{i}_description": f"level {i}" for i in range(1, 6)}}
    path = tmp_path / "mine.csv"
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(
            handle, ["id", "instruction", "response", "rubric", "reference_answer", "label"]
        )
        writer.writeheader()
        writer.writerow(
            {
                "id": "q1",
                "instruction": "2+2?",
                "response": "4",
                "rubric": json.dumps(rubric),
                "reference_answer": "",
                "label": "5",
            }
        )
        writer.writerow(
            {
                "id": "q2",
                "instruction": "3+3?",
                "response": "7",
                "rubric": "Is it right?",
                "reference_answer": "6",
                "label": "",
            }
        )
    items, _ = load_rubric_file(path)
    assert items[0].rubric_text().startswith("[Correct?]\nScore 1: level 1")
    assert items[0].reference_answer is None and items[0].labels == {"label": 5.0}
    assert items[1].rubric_text() == "Is it right?" and items[1].labels == {}


def test_rubric_sample_has_every_label() -> None:
    items, _ = load_rubric_file(sample_path("rubric"))
    assert sorted({item.labels["label"] for item in items}) == [1, 2, 3, 4, 5]

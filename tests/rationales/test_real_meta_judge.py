"""SmolLM2-135M-Instruct (a real pretrained GGUF judge) as the meta-judge through the whole flow: pairs,
`selfrat rationales judge`, results. Nothing asserts what it prefers; the flow must keep every pair."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from selfrat_eval.rationales import pair_runs, write_pairs
from tests.rationales.scripted import right_judge, sloppy_judge, toy_data, toy_run
from tests.tasks.test_harness_plugins import run

pytestmark = pytest.mark.slow

PAIRS = 2


def test_a_real_meta_judge_runs_the_whole_flow(smollm2: tuple[Path, Path], tmp_path: Path) -> None:
    gguf, _ = smollm2
    data = toy_data(tmp_path / "toy")
    runs = [toy_run(tmp_path / "sft", data, right_judge), toy_run(tmp_path / "sre", data, sloppy_judge)]
    write_pairs(pair_runs(runs), tmp_path / "pairs", {})
    cli = [sys.executable, "-m", "selfrat_eval.cli", "rationales"]
    options = ["--judge", str(gguf), "--backend", "hf", "--limit", str(PAIRS), "--max-new-tokens", "48"]
    options += ["--loop-guard", "--n-resamples", "0", "--out", str(tmp_path / "meta")]
    judged = run([*cli, "judge", str(tmp_path / "pairs"), *options], tmp_path)
    assert judged.returncode == 0, judged.stderr[-3000:]
    results = json.loads((tmp_path / "meta" / "results.json").read_text())
    assert results["judge"]["gguf"] == gguf.name and results["metrics"]["n_items"] == PAIRS
    lines = (tmp_path / "meta" / "judgments.jsonl").read_text().splitlines()
    assert len(lines) == PAIRS and all(len(json.loads(line)["outputs"]) == 2 for line in lines)  # both orders
    options = [
        "--meta-judge",
        str(tmp_path / "meta"),
        "--toy-data",
        str(data),
        "--out",
        str(tmp_path / "report"),
    ]
    reported = run([*cli, "results", str(tmp_path / "pairs"), *options], tmp_path)
    assert reported.returncode == 0, reported.stderr[-3000:]
    report = json.loads((tmp_path / "report" / "results.json").read_text())
    name = f"meta-judge:{gguf.name}"
    assert report["meta_judges"] == [name]  # listed, whether or not it stated a readable verdict
    assert report["meta_judge_runs"][name] == {
        "pairs": PAIRS,
        "parse_failure_rate": results["metrics"]["parse_failure_rate"],
    }

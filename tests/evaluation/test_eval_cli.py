"""`selfrat eval` end to end in a subprocess, on vendored real samples, with a tiny local judge."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from selfrat_eval.data import sample_path

pytestmark = pytest.mark.slow


def selfrat(*args: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    return subprocess.run(
        [sys.executable, "-m", "selfrat_eval.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        **kwargs,  # type: ignore[call-overload]
    )


def lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.mark.parametrize(
    ("benchmark", "extra"),
    [
        ("rewardbench", ["--data", str(sample_path("rewardbench")), "--limit", "6"]),
        ("rewardbench", ["--data", str(sample_path("rewardbench")), "--limit", "6", "--mode", "pairwise"]),
        ("rubric", ["--data", str(sample_path("rubric")), "--limit", "5"]),
        ("rewardbench2", ["--data", str(sample_path("rewardbench2")), "--limit", "14"]),
        ("rewardbench2", ["--data", str(sample_path("rewardbench2")), "--limit", "14", "--mode", "rankings"]),
    ],
)
def test_eval_runs_end_to_end_with_a_real_model(
    tiny_judge: Path, tmp_path: Path, benchmark: str, extra: list[str]
) -> None:
    out = tmp_path / "run"
    done = selfrat(
        "eval",
        "--backend",
        "hf",
        "--judge",
        str(tiny_judge),
        "--benchmark",
        benchmark,
        "--out",
        str(out),
        "--max-new-tokens",
        "32",
        "--n-resamples",
        "50",
        *extra,
    )
    assert done.returncode == 0, done.stderr
    judgments = lines(out / "judgments.jsonl")
    assert len(judgments) == int(extra[extra.index("--limit") + 1])
    assert all(j["benchmark"] == benchmark and j["outputs"] for j in judgments)
    results = json.loads((out / "results.json").read_text())
    assert results["judge"]["backend"] == "hf" and results["judge"]["model"] == str(tiny_judge.resolve())
    assert results["data"]["sha256"] and results["versions"]["transformers"]
    assert results["timings"]["items_judged_now"] == len(judgments)
    # the tiny judge was taught the output format: prompt, template, generation and parser line up
    assert results["metrics"]["parse_failure_rate"] < 0.5
    assert "parse-failure rate" in done.stdout


def test_killed_run_resumes_without_judging_any_item_twice(tiny_judge: Path, tmp_path: Path) -> None:
    args = [
        "eval",
        "--backend",
        "hf",
        "--judge",
        str(tiny_judge),
        "--benchmark",
        "rewardbench",
        "--data",
        str(sample_path("rewardbench")),
        "--max-new-tokens",
        "24",
        "--batch-size",
        "1",
        "--chunk-size",
        "1",
        "--n-resamples",
        "50",
        "--limit",
        "20",
    ]
    reference = selfrat(*args, "--out", str(tmp_path / "reference"))
    assert reference.returncode == 0, reference.stderr

    out = tmp_path / "interrupted"
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "selfrat_eval.cli", *args, "--out", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    judgments = out / "judgments.jsonl"
    deadline = time.monotonic() + 600  # a guard against a hang, not a timing
    while time.monotonic() < deadline and (
        not judgments.exists() or len(judgments.read_text().splitlines()) < 5
    ):
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    killed_at = len(judgments.read_text().splitlines())
    assert 5 <= killed_at < 20, "the run must be killed part-way"
    assert not (out / "results.json").exists()

    resumed = selfrat(*args, "--out", str(out))
    assert resumed.returncode == 0, resumed.stderr
    results = json.loads((out / "results.json").read_text())
    assert results["timings"]["items_resumed"] >= killed_at
    assert results["timings"]["items_judged_now"] == 20 - results["timings"]["items_resumed"]
    final = lines(judgments)
    keys = [(j["group"], j["id"]) for j in final]
    assert len(keys) == len(set(keys)) == 20
    expected = {
        (j["group"], j["id"]): j["outputs"] for j in lines(tmp_path / "reference" / "judgments.jsonl")
    }
    assert {(j["group"], j["id"]): j["outputs"] for j in final} == expected
    reference_metrics = json.loads((tmp_path / "reference" / "results.json").read_text())["metrics"]
    assert results["metrics"] == reference_metrics


def test_resume_with_different_settings_is_refused(tiny_judge: Path, tmp_path: Path) -> None:
    base = [
        "eval",
        "--backend",
        "hf",
        "--judge",
        str(tiny_judge),
        "--benchmark",
        "rewardbench",
        "--data",
        str(sample_path("rewardbench")),
        "--limit",
        "2",
        "--max-new-tokens",
        "4",
        "--n-resamples",
        "0",
        "--out",
        str(tmp_path),
    ]
    assert selfrat(*base).returncode == 0
    refused = selfrat(*base, "--seed", "1")
    assert refused.returncode == 2
    assert "seed=0" in refused.stderr and "Traceback" not in refused.stderr


@pytest.mark.parametrize("backend", ["hf", "vllm"])
def test_a_response_longer_than_the_context_is_not_sent(
    tiny_judge: Path, tmp_path: Path, backend: str
) -> None:
    """A 1M-character response against a judge with an 8,192-token context: one `too_long` item, the
    others judged, the run finishes (it used to hang on the hf engine)."""
    if backend == "vllm":
        pytest.importorskip("vllm", reason="the vLLM CPU build is installed by scripts/setup.sh")
    rows = [json.loads(line) for line in sample_path("rubric").read_text().splitlines()[:3]]
    rows[1] = {**rows[1], "response": "All work and no play. " * 45_455}  # 1,000,010 characters
    data = tmp_path / "long.jsonl"
    data.write_text("".join(json.dumps(row) + "\n" for row in rows))
    out = tmp_path / "run"
    engine = ["--engine-option", "max_model_len=4096"] if backend == "vllm" else []
    args = ["--backend", backend, "--judge", str(tiny_judge), "--benchmark", "rubric", "--data", str(data)]
    done = selfrat("eval", *args, *engine, "--out", str(out), "--max-new-tokens", "16", "--n-resamples", "0")
    assert done.returncode == 0, done.stderr
    assert "did not fit the judge's context" in done.stdout + done.stderr
    judgments = lines(out / "judgments.jsonl")
    statuses = [j["parse_status"]["response"] for j in judgments]  # type: ignore[index]
    assert statuses[1] == ["too_long"] and all(s != ["too_long"] for k, s in enumerate(statuses) if k != 1)
    assert judgments[1]["score"] is None and judgments[1]["outputs"] == {"response": [""]}
    results = json.loads((out / "results.json").read_text())
    assert results["sample_statuses"]["too_long"] == 1
    assert results["metrics"]["parse_failure_rate"] >= 1 / 3

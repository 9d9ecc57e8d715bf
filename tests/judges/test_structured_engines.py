"""`--structured` on the real engines with the real pretrained judge (SmolLM2-135M-Instruct, which
writes no readable verdict unconstrained): every judgment, a score or an A/B verdict, is a complete
JSON object the parser reads, by construction. Nothing here asserts what the model decides."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from tests.tasks.test_harness_plugins import RB_SAMPLE, run

pytestmark = pytest.mark.slow

TOKENS = 48  # a short rationale: the cap, not the model, ends most of them


# One verdict kind per engine keeps the suite short; the schemas of both are pinned in test_structured.
@pytest.mark.parametrize(("backend", "mode"), [("hf", "absolute"), ("vllm", "pairwise")])
def test_every_structured_judgment_is_read(
    smollm2: tuple[Path, Path], tmp_path: Path, backend: str, mode: str
) -> None:
    if backend == "vllm":
        pytest.importorskip("vllm", reason="the vLLM CPU build is installed by scripts/setup.sh")
    gguf, _folder = smollm2
    out = tmp_path / "run"
    args = [sys.executable, "-m", "selfrat_eval.cli", "eval", "--backend", backend, "--judge", str(gguf)]
    args += [
        "--benchmark",
        "rewardbench",
        "--mode",
        mode,
        "--data",
        RB_SAMPLE,
        "--limit",
        "2",
        "--structured",
    ]
    args += ["--max-new-tokens", str(TOKENS), "--n-resamples", "0", "--out", str(out)]
    done = run(args, tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    judgments = [json.loads(line) for line in (out / "judgments.jsonl").read_text().splitlines()]
    statuses = [status for j in judgments for slot in j["parse_status"].values() for status in slot]
    assert statuses == ["ok"] * (4 if mode == "absolute" else 2)
    for judgment in judgments:
        for texts in judgment["outputs"].values():
            assert list(json.loads(texts[0])) == ["rationale", "score" if mode == "absolute" else "verdict"]
    results = json.loads((out / "results.json").read_text())
    assert results["config"]["structured"] is True and results["metrics"]["parse_failure_rate"] == 0
    assert set(results["sample_finishes"]) == {"end"}  # the object ended it, never the token limit

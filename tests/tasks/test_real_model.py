"""A real pretrained judge through every path: SmolLM2-135M-Instruct (a GGUF file) judged by `selfrat
eval` on the transformers and vLLM engines, by `lm_eval` and by `inspect eval`, greedy, on a few items of
the vendored RewardBench sample. Nothing here asserts what the model answers: the paths must give the
same texts (each cut where a judgment ends), the same metrics, and record the GGUF's identity."""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.tasks.test_harness_plugins import RB_SAMPLE, inspect_eval, lm_eval, lm_eval_samples, run

pytestmark = pytest.mark.slow

ITEMS = 2  # RewardBench absolute: two requests (chosen, rejected) each
TOKENS = 96  # enough for SmolLM2 to fall into a loop the guard cuts, now and then


def selfrat_eval(gguf: Path, backend: str, out: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    args = [sys.executable, "-m", "selfrat_eval.cli", "eval", "--backend", backend, "--judge", str(gguf)]
    args += ["--benchmark", "rewardbench", "--data", RB_SAMPLE, "--limit", str(ITEMS), "--loop-guard"]
    args += ["--max-new-tokens", str(TOKENS), "--n-resamples", "0", "--out", str(out)]
    done = run(args, out.parent)
    assert done.returncode == 0, done.stderr[-3000:]
    judgments = [json.loads(line) for line in (out / "judgments.jsonl").read_text().splitlines()]
    texts = {f"{j['id']}#{slot}": outputs[0] for j in judgments for slot, outputs in j["outputs"].items()}
    return texts, json.loads((out / "results.json").read_text())


def test_a_gguf_judge_gives_the_same_judgments_on_every_path(
    smollm2: tuple[Path, Path], tmp_path: Path
) -> None:
    from selfrat_eval.judges import Decoding, SamplingConfig, finish

    gguf, folder = smollm2
    hf_texts, hf_results = selfrat_eval(gguf, "hf", tmp_path / "hf")
    vllm_texts, vllm_results = selfrat_eval(gguf, "vllm", tmp_path / "vllm")
    assert len(hf_texts) == 2 * ITEMS and hf_texts == vllm_texts

    sha = hashlib.sha256(gguf.read_bytes()).hexdigest()
    for results in (hf_results, vllm_results):
        assert results["judge"]["gguf"] == gguf.name and results["judge"]["gguf_sha256"] == sha
        assert results["config"]["loop_guard"] is True and results["config"]["stop_at_verdict"] is True
        assert sum(results["sample_finishes"].values()) == 2 * ITEMS

    # The harnesses generate to their token limit; their texts, cut as selfrat eval cuts, are ours.
    cut = Decoding(loop_guard=True).applied(SamplingConfig())
    metadata = {"loop_guard": True}
    lm = lm_eval(
        tmp_path,
        "hf",
        f"pretrained={folder}",
        "rewardbench_selfrat",
        RB_SAMPLE,
        2 * ITEMS,
        metadata,
        tokens=TOKENS,
    )
    lm_texts = {
        s["doc"]["id"]: finish(s["resps"][0][0], cut, False)[0]
        for s in lm_eval_samples(tmp_path, "rewardbench_selfrat")
    }
    log = inspect_eval(
        tmp_path,
        "selfrat_eval/rewardbench",
        folder,
        "-T",
        f"data={RB_SAMPLE}",
        "-T",
        f"limit={ITEMS}",
        "-T",
        "loop_guard=true",
        tokens=TOKENS,
    )
    inspect_texts = {s.metadata["id"]: finish(s.output.completion, cut, False)[0] for s in log.samples}
    assert lm_texts == inspect_texts == hf_texts

    ours = hf_results["metrics"]
    lm_metrics = lm["results"]["rewardbench_selfrat"]
    inspect_metrics = log.results.scores[0].metrics
    assert (
        lm_metrics["parse_failure_rate,none"]
        == inspect_metrics["parse_failure_rate"].value
        == pytest.approx(ours["parse_failure_rate"])
    )
    assert lm_metrics["rewardbench_score,none"] == pytest.approx(ours["overall"]["value"], nan_ok=True)
    assert inspect_metrics["rewardbench_score"].value == pytest.approx(ours["overall"]["value"], nan_ok=True)

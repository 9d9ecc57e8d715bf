"""The real vLLM engine (CPU build, in-process) on the tiny local judge: single, self-consistency and
best-of-N, with per-request seeds that make sampled judgments reproducible."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from selfrat_eval.data import sample_path
from selfrat_eval.evaluation import EvalConfig, read_judgments, run_eval
from selfrat_eval.judges import Engine, SamplingConfig, load_engine
from selfrat_eval.prompts import AbsoluteRequest, absolute_prompt
from tests.judges.stopping import assert_stops_are_the_cut_of_full_texts

pytestmark = pytest.mark.slow
pytest.importorskip("vllm", reason="the vLLM CPU build is installed by scripts/setup.sh")


@pytest.fixture(scope="module")
def engine(tiny_judge: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    os.environ.setdefault("VLLM_CACHE_ROOT", str(tmp_path_factory.mktemp("vllm-cache")))
    yield load_engine("vllm", str(tiny_judge), max_model_len=4096)


def config(out: Path, **options: object) -> EvalConfig:
    settings: dict[str, object] = {
        "judge": "tiny",
        "backend": "vllm",
        "benchmark": "rubric",
        "data": sample_path("rubric"),
        "max_new_tokens": 32,
        "n_resamples": 0,
        "out": out,
    }
    return EvalConfig(**(settings | options))  # type: ignore[arg-type]


def test_n_samples_per_prompt_in_one_call(engine: Engine) -> None:
    chats = [absolute_prompt(AbsoluteRequest(f"Task {i}", "An answer.", "Is it right?")) for i in range(3)]
    sampled = engine.generate(
        chats, SamplingConfig(n=4, temperature=1.0, max_new_tokens=24, logprobs=True), [1, 2, 3]
    )
    assert [len(samples) for samples in sampled] == [4, 4, 4]
    assert all(c.mean_logprob is not None and c.mean_logprob < 0 for cs in sampled for c in cs)
    assert len({c.text for c in sampled[0]}) > 1  # temperature 1 gives different judgments
    again = engine.generate(
        chats[::-1], SamplingConfig(n=4, temperature=1.0, max_new_tokens=24, logprobs=True), [3, 2, 1]
    )
    assert [c.text for c in again[2]] == [c.text for c in sampled[0]]  # same seed, same samples


def test_prompt_and_output_tokens_are_the_tokenizers_counts(engine: Engine) -> None:
    """A request's first sample carries its prompt's length as the tokenizer counts the chat (vLLM
    prefills it once for its n samples); a sample's output tokens are its text and its end token."""
    tokenizer = engine.llm.get_tokenizer()  # type: ignore[attr-defined]
    chats = [absolute_prompt(AbsoluteRequest("Q" * (7 * i + 1), "Answer", "Rubric")) for i in range(3)]
    lengths = [
        len(tokenizer.apply_chat_template(chat, add_generation_prompt=True, return_dict=True)["input_ids"])
        for chat in chats
    ]
    assert lengths[0] < lengths[1] < lengths[2]
    sampled = engine.generate(chats, SamplingConfig(n=2, temperature=1.0, max_new_tokens=48), [1, 2, 3])
    assert [[c.prompt_tokens for c in samples] for samples in sampled] == [[n, 0] for n in lengths]
    assert [[c.num_tokens for c in samples] for samples in sampled] == [
        [len(tokenizer(c.text + tokenizer.eos_token, add_special_tokens=False)["input_ids"]) for c in samples]
        for samples in sampled
    ]


@pytest.mark.parametrize("strategy", ["single", "self-consistency:4", "best-of-n:4"])
def test_strategies_on_the_real_engine(engine: Engine, tmp_path: Path, strategy: str) -> None:
    results = run_eval(config(tmp_path / "full", strategy=strategy, limit=8), engine_factory=lambda: engine)
    judgments = read_judgments(tmp_path / "full" / "judgments.jsonl")
    n = 1 if strategy == "single" else 4
    assert all(len(j.outputs["response"]) == n for j in judgments)
    assert results["strategy"].startswith(strategy.split(":")[0])
    assert results["metrics"]["parse_failure_rate"] < 0.5  # the tiny judge writes the format
    if strategy == "best-of-n:4":
        for j in judgments:
            if "score" in j.selected:
                slot, index = j.selected["score"]
                parseable = [i for i, v in enumerate(j.values[slot]) if v is not None]
                best = max(parseable, key=lambda i: j.logprobs[slot][i] or float("-inf"))
                assert index == best and j.score == j.values[slot][index]
    # per-request seeds: judging a prefix of the items alone gives the same samples
    run_eval(config(tmp_path / "prefix", strategy=strategy, limit=3), engine_factory=lambda: engine)
    prefix = read_judgments(tmp_path / "prefix" / "judgments.jsonl")
    assert [j.outputs for j in prefix] == [j.outputs for j in judgments[:3]]


def test_cli_defaults_to_vllm_where_installed(tiny_judge: Path, tmp_path: Path) -> None:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "VLLM_CACHE_ROOT": str(tmp_path / "cache")}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "selfrat_eval.cli",
            "eval",
            "--judge",
            str(tiny_judge),
            "--benchmark",
            "rewardbench",
            "--data",
            str(sample_path("rewardbench")),
            "--limit",
            "6",
            "--strategy",
            "best-of-n:3",
            "--max-new-tokens",
            "32",
            "--n-resamples",
            "50",
            "--out",
            str(tmp_path / "run"),
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    results = json.loads((tmp_path / "run" / "results.json").read_text())
    assert results["judge"]["backend"] == "vllm" and results["strategy"] == "best-of-n:3:logprob"
    assert results["timings"]["judgments_generated_now"] == 6 * 2 * 3


def test_adaptive_sampling_at_a_tiny_temperature_is_greedy_on_both_engines(
    engine: Engine, tiny_judge: Path, tmp_path: Path
) -> None:
    """T -> 0 is greedy decoding: an adaptive run at temperature 1e-4 draws the greedy text for every
    sample of every request, so its verdicts are the greedy `single` run's, on vLLM and on
    transformers alike; and the two engines give the same verdicts."""
    verdicts = {}
    for backend in ("vllm", "hf"):
        factory = (lambda: engine) if backend == "vllm" else None
        common: dict[str, object] = {"judge": str(tiny_judge), "backend": backend, "limit": 4}
        run_eval(config(tmp_path / backend / "single", **common), engine_factory=factory)
        adaptive = {"strategy": "self-consistency:adaptive:6", "temperature": 1e-4}
        run_eval(config(tmp_path / backend / "adaptive", **common, **adaptive), engine_factory=factory)
        greedy = read_judgments(tmp_path / backend / "single" / "judgments.jsonl")
        sampled = read_judgments(tmp_path / backend / "adaptive" / "judgments.jsonl")
        for one, many in zip(greedy, sampled, strict=True):
            assert set(many.outputs["response"]) == set(one.outputs["response"])  # every sample greedy
            assert many.score == one.score  # type: ignore[attr-defined]
        verdicts[backend] = [one.score for one in greedy]  # type: ignore[attr-defined]
    assert verdicts["vllm"] == verdicts["hf"]
    assert any(verdict is not None for verdict in verdicts["vllm"])  # the verdicts compared were read


def test_offline_rereduction_of_a_fixed_run_equals_the_online_adaptive_run(
    engine: Engine, tmp_path: Path
) -> None:
    """vLLM seeds the k-th of a request's n samples as its seed + k, as adaptive sampling seeds its k-th
    single-sample request: a fixed SC@6 run re-reduced offline is the online adaptive run, sample for
    sample (what `selfrat score --strategy self-consistency:adaptive:6` shows before paying for it)."""
    from selfrat_eval.evaluation import rereduce
    from selfrat_eval.judges import Strategy

    sampled = {"temperature": 1.0, "limit": 8}
    run_eval(
        config(tmp_path / "fixed", strategy="self-consistency:6", **sampled), engine_factory=lambda: engine
    )
    adaptive = "self-consistency:adaptive:6"
    run_eval(
        config(tmp_path / "adaptive", strategy=adaptive, confidence=0.8, **sampled),
        engine_factory=lambda: engine,
    )
    offline = rereduce(
        read_judgments(tmp_path / "fixed" / "judgments.jsonl"), Strategy.parse(adaptive, confidence=0.8)
    )
    online = read_judgments(tmp_path / "adaptive" / "judgments.jsonl")
    for fixed, drawn in zip(offline, online, strict=True):
        assert drawn.outputs["response"] == fixed.outputs["response"][: len(drawn.outputs["response"])]
        assert drawn.stopped == fixed.stopped and drawn.score == fixed.score  # type: ignore[attr-defined]
    assert any(len(j.outputs["response"]) < 6 for j in online)  # some requests stopped early


def test_stops_and_the_loop_guard_end_samples_where_the_cut_does(engine: Engine) -> None:
    assert_stops_are_the_cut_of_full_texts(engine)


def test_replicas_give_the_in_process_engines_judgments_and_resume_at_another_count(
    engine: Engine, tiny_judge: Path, tmp_path: Path
) -> None:
    """`selfrat eval --replicas`: 2 vLLM replicas judge a prefix, one engine resumes the rest; the sampled
    judgments are those of the one in-process engine (per-request seeds): the same texts, verdicts
    and scores, and the same log-probs but for float32 rounding, which vLLM's kernels change with
    the batch's composition (as between two chunk sizes of one engine)."""
    sampled: dict[str, object] = {"strategy": "self-consistency:4", "temperature": 1.0, "limit": 6}
    run_eval(config(tmp_path / "one", **sampled), engine_factory=lambda: engine)
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    command = [sys.executable, "-m", "selfrat_eval.cli", "eval", "--judge", str(tiny_judge)]
    command += ["--backend", "vllm", "--benchmark", "rubric", "--data", str(sample_path("rubric"))]
    command += ["--strategy", "self-consistency:4", "--max-new-tokens", "32", "--n-resamples", "0"]
    command += ["--engine-option", "max_model_len=4096", "--out", str(tmp_path / "replicated")]
    for replicas, limit in ((2, 3), (1, 6)):
        done = subprocess.run(
            [*command, "--replicas", str(replicas), "--limit", str(limit)],
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
        assert done.returncode == 0, done.stderr[-2000:]
    results = json.loads((tmp_path / "replicated" / "results.json").read_text())
    assert results["config"]["replicas"] == 1 and results["timings"]["items_resumed"] == 3
    one = [json.loads(line) for line in (tmp_path / "one" / "judgments.jsonl").read_text().splitlines()]
    lines = (tmp_path / "replicated" / "judgments.jsonl").read_text().splitlines()
    replicated = [json.loads(line) for line in lines]
    for alone, dealt in zip(one, replicated, strict=True):
        assert alone["logprobs"]["response"] == pytest.approx(dealt.pop("logprobs")["response"], rel=1e-5)
        assert {k: v for k, v in alone.items() if k != "logprobs"} == dealt
    assert len(replicated) == 6

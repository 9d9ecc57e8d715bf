"""The OpenAI-compatible engine against a real local server (vLLM's own, CPU build), directly and
through a proxy that fails or stalls part of the requests."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from selfrat_eval.benchmarks.rubric import load_rubric_file
from selfrat_eval.data import sample_path
from selfrat_eval.evaluation import EvalConfig, read_judgments, run_eval
from selfrat_eval.judges import load_engine
from tests.conftest import SERVED_NAME
from tests.judges.flaky_proxy import FlakyProxy
from tests.judges.stopping import assert_stops_are_the_cut_of_full_texts

pytestmark = pytest.mark.slow
pytest.importorskip("vllm", reason="the vLLM CPU build is installed by scripts/setup.sh")


@pytest.fixture(scope="module")
def server(vllm_server: str) -> str:
    return vllm_server


def config(out: Path, base_url: str, **options: object) -> EvalConfig:
    engine_options = {"base_url": base_url, "timeout_s": 2.0, "max_retries": 8, "max_concurrency": 4}
    settings: dict[str, object] = {
        "judge": SERVED_NAME,
        "backend": "openai",
        "benchmark": "rubric",
        "data": sample_path("rubric"),
        "limit": 10,
        "max_new_tokens": 32,
        "n_resamples": 0,
        "out": out,
        "engine_options": engine_options,
    }
    return EvalConfig(**(settings | options))  # type: ignore[arg-type]


def test_self_consistency_over_http(server: str, tmp_path: Path) -> None:
    results = run_eval(config(tmp_path, server, strategy="self-consistency:3"))
    judgments = read_judgments(tmp_path / "judgments.jsonl")
    assert len(judgments) == 10 and all(len(j.outputs["response"]) == 3 for j in judgments)
    assert all(v is None or 1 <= v <= 5 for j in judgments for v in j.values["response"])  # type: ignore[operator]
    assert all(lp is not None for j in judgments for lp in j.logprobs["response"])
    assert results["judge"] == {"backend": "openai", "model": SERVED_NAME, "base_url": server}
    assert results["metrics"]["parse_failure_rate"] < 0.5


def test_a_flaky_server_loses_no_item(server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-secret-never-logged")
    with FlakyProxy(server.removesuffix("/v1"), fail_every=3, stall_every=5, stall_s=4.0) as proxy:
        results = run_eval(config(tmp_path, proxy.url + "/v1", strategy="self-consistency:2"))
    assert proxy.failed > 0 and proxy.stalled > 0  # the failures really happened ...
    judgments = read_judgments(tmp_path / "judgments.jsonl")
    expected = [item.id for item in load_rubric_file(sample_path("rubric"))[0][:10]]
    assert sorted(j.id for j in judgments) == sorted(expected)
    assert all(len(j.outputs["response"]) == 2 for j in judgments)  # ... and every item was judged once
    assert results["timings"]["items_judged_now"] == 10
    written = (tmp_path / "results.json").read_text() + (tmp_path / "run.json").read_text()
    assert "sk-test-secret" not in written


def test_servers_without_n_get_one_request_per_sample(server: str, tiny_judge: Path) -> None:
    from transformers import AutoTokenizer

    from selfrat_eval.judges import SamplingConfig
    from selfrat_eval.prompts import AbsoluteRequest, absolute_prompt

    engine = load_engine("openai", SERVED_NAME, base_url=server, server_supports_n=False)
    chat = absolute_prompt(AbsoluteRequest("Task", "Answer", "Is it right?"))
    [samples] = engine.generate([chat], SamplingConfig(n=3, temperature=1.0, max_new_tokens=16), [7])
    assert len(samples) == 3
    # each sample was its own request, so each was billed the whole prompt, as the tokenizer counts it
    tokenizer = AutoTokenizer.from_pretrained(tiny_judge)
    prompt = tokenizer.apply_chat_template(chat, add_generation_prompt=True, return_dict=True)["input_ids"]
    assert [c.prompt_tokens for c in samples] == [len(prompt)] * 3


def test_cli_over_http(server: str, tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "selfrat_eval.cli",
            "eval",
            "--backend",
            "openai",
            "--judge",
            SERVED_NAME,
            "--base-url",
            server,
            "--benchmark",
            "rewardbench",
            "--data",
            str(sample_path("rewardbench")),
            "--mode",
            "pairwise",
            "--both-orders",
            "--limit",
            "5",
            "--max-new-tokens",
            "32",
            "--n-resamples",
            "0",
            "--out",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    metrics = json.loads((tmp_path / "results.json").read_text())["metrics"]
    assert "order_disagreement_rate" in metrics and metrics["n_items"] == 5


def test_a_prompt_the_server_refuses_for_length_is_too_long(server: str) -> None:
    from selfrat_eval.judges import SamplingConfig
    from selfrat_eval.prompts import AbsoluteRequest, absolute_prompt

    engine = load_engine("openai", SERVED_NAME, base_url=server, max_retries=0)
    chats = [
        absolute_prompt(AbsoluteRequest("Say hi.", "Hi.", "Is it polite?")),
        absolute_prompt(AbsoluteRequest("Say hi.", "Hi! " * 20_000, "Is it polite?")),  # > 4,096 tokens
    ]
    short, long = engine.generate(chats, SamplingConfig(max_new_tokens=8))
    assert not short[0].too_long and long[0].too_long and long[0].text == ""


@pytest.mark.parametrize("server_stops", [True, False])
def test_stops_over_http_end_samples_where_the_cut_does(server: str, server_stops: bool) -> None:
    """With `server_stops` the vLLM server stops generating there; without, the texts are cut here."""
    assert_stops_are_the_cut_of_full_texts(
        load_engine("openai", SERVED_NAME, base_url=server, server_stops=server_stops)
    )


def test_structured_judgments_over_http(server: str, tmp_path: Path) -> None:
    """The endpoint's `response_format` holds each judgment to its schema: every one is read."""
    results = run_eval(config(tmp_path, server, structured=True, max_new_tokens=48, limit=4))
    judgments = read_judgments(tmp_path / "judgments.jsonl")
    assert [j.parse_status for j in judgments] == [{"response": ["ok"]}] * 4
    assert all(list(json.loads(j.outputs["response"][0])) == ["rationale", "score"] for j in judgments)
    assert results["config"]["structured"] is True and set(results["sample_finishes"]) == {"end"}

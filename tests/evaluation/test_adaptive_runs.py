"""Adaptive self-consistency through the runner: the same judgments whatever the batching, rounds or
resumes; only unsettled requests sent; and `selfrat score` re-reducing a fixed-N run offline gives
exactly the online adaptive run on the same seeds."""

from __future__ import annotations

import json
import shutil
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from selfrat_eval._errors import InputError
from selfrat_eval.benchmarks import ScoringOptions
from selfrat_eval.data import sample_path
from selfrat_eval.evaluation import EvalConfig, read_judgments, rescore, run_eval
from selfrat_eval.judges import Completion, SamplingConfig, Strategy
from selfrat_eval.prompts import Chat
from tests.conftest import user_text

#: The sample fields of a judgment: an adaptive run stores fewer samples than a fixed-N run.
SAMPLES = {"outputs", "parse_status", "values", "strengths", "logprobs", "meta_scores"}


def answer(chat: Chat, seed: int) -> str:
    """A judge that mostly agrees with itself, more on some prompts than others, sometimes unreadable."""
    text = user_text(chat)
    bias = zlib.crc32(text.encode()) % 4  # 0: always the same answer ... 3: a coin flip
    code = zlib.crc32(f"{seed}:{text}".encode()) % 12
    if code == 11:
        return "Feedback: I cannot decide."
    split = code < 10 - 2 * bias
    if "###Response D:" in text:
        return f"Feedback: ranked. [[{'A' if split else 'ABCD'[code % 4]}]]"
    if "###Response A:" in text:
        return f"Feedback: compared. [RESULT] {'A' if split else 'B' if code % 3 else 'tie'}"
    return f"Feedback: graded. [RESULT] {4 if split else 1 + code % 5}"


class SeededEngine:
    """Seeds per request as vLLM and HTTP engines do: sample j of a request seeded s depends on the
    prompt and s + j alone (the HTTP engine's one-request-per-sample convention), never on the batch."""

    def __init__(self) -> None:
        self.calls: list[int] = []

    @property
    def identity(self) -> dict[str, Any]:
        return {"backend": "seeded", "model": "seeded"}

    def generate(
        self, chats: Sequence[Chat], sampling: SamplingConfig, seeds: Sequence[int] | None = None
    ) -> list[list[Completion]]:
        assert seeds is not None
        self.calls.append(len(chats))
        return [
            [Completion(answer(chat, seed + j), 1, -0.5, prompt_tokens=10) for j in range(sampling.n)]
            for chat, seed in zip(chats, seeds, strict=True)
        ]


RUNS: dict[str, dict[str, Any]] = {
    "absolute": {"benchmark": "rewardbench", "strategy": "self-consistency:adaptive:8"},
    "pairwise": {
        "benchmark": "rewardbench",
        "mode": "pairwise",
        "both_orders": True,
        "strategy": "best-of-n:adaptive:6",
        "selector": "agreement",
        "confidence": 0.9,
    },
    "rankings": {"benchmark": "rewardbench2", "mode": "rankings", "strategy": "self-consistency:adaptive:8"},
}


def run(out: Path, engine: SeededEngine | None = None, **options: Any) -> dict[str, Any]:
    data = sample_path("rewardbench2" if options["benchmark"] == "rewardbench2" else "rewardbench")
    config = EvalConfig(judge="seeded", out=out, data=data, n_resamples=20, **options)
    return run_eval(config, engine_factory=lambda: engine or SeededEngine())


@pytest.mark.parametrize("name", sorted(RUNS))
def test_batching_and_resuming_change_nothing(name: str, tmp_path: Path) -> None:
    run(tmp_path / "one", chunk_size=64, **RUNS[name])
    run(tmp_path / "many", chunk_size=1, **RUNS[name])
    run(tmp_path / "resumed", chunk_size=3, limit=4, **RUNS[name])
    run(tmp_path / "resumed", chunk_size=5, **RUNS[name])
    expected = (tmp_path / "one" / "judgments.jsonl").read_text()
    assert "settled" in expected
    for folder in ("many", "resumed"):
        assert (tmp_path / folder / "judgments.jsonl").read_text() == expected


@pytest.mark.parametrize("name", sorted(RUNS))
def test_offline_rereduction_of_a_fixed_run_is_the_online_adaptive_run(name: str, tmp_path: Path) -> None:
    options = RUNS[name]
    online = run(tmp_path / "adaptive", **options)
    fixed_strategy = options["strategy"].replace("adaptive:", "")
    run(tmp_path / "fixed", **{**options, "strategy": fixed_strategy})
    strategy = Strategy.parse(
        options["strategy"],
        selector=options.get("selector", "logprob"),
        confidence=options.get("confidence", 0.95),
    )
    offline = rescore(
        tmp_path / "fixed" / "judgments.jsonl",
        out=tmp_path / "offline",
        options=ScoringOptions(n_resamples=20),
        strategy=strategy,
    )
    assert offline["metrics"] == online["metrics"] and offline["samples"] == online["samples"]
    assert offline["strategy"] == online["strategy"]
    adaptive = read_judgments(tmp_path / "adaptive" / "judgments.jsonl")
    rereduced = read_judgments(tmp_path / "fixed" / "judgments.jsonl")
    for a, f in zip(adaptive, rereduced, strict=True):
        assert a.stopped is not None and a.stopped == f.with_strategy(strategy).stopped
        for slot, stop in a.stopped.items():
            assert a.values[slot] == f.values[slot][: stop.samples]  # the same samples, in order


def test_rounds_send_only_unsettled_requests_and_the_cost_is_reported(tmp_path: Path) -> None:
    engine = SeededEngine()
    results = run(tmp_path, engine, **RUNS["absolute"], chunk_size=64)
    judgments = read_judgments(tmp_path / "judgments.jsonl")
    drawn = sum(j.samples() for j in judgments)
    assert results["timings"]["judgments_generated_now"] == sum(engine.calls) == drawn
    first_round = 2 * len(judgments) * 4  # two slots, four unanimous votes settle at 0.95
    assert engine.calls[0] == first_round and all(c < first_round for c in engine.calls[1:])
    samples = results["samples"]
    assert samples["judgments_per_item"] == drawn / len(judgments) < 2 * 8
    assert set(samples["stop_reasons"]) <= {"settled", "max"} and samples["stop_reasons"]["settled"] > 0
    line = json.loads((tmp_path / "judgments.jsonl").read_text().splitlines()[0])
    assert set(line["stopped"]) == {"chosen", "rejected"}
    assert all(len(line["outputs"][slot]) == stop["samples"] for slot, stop in line["stopped"].items())


def test_at_confidence_one_adaptive_equals_fixed_n_majority(tmp_path: Path) -> None:
    options = {**RUNS["absolute"], "confidence": 1.0}
    adaptive = run(tmp_path / "adaptive", **options)
    fixed = run(tmp_path / "fixed", **{**options, "strategy": "self-consistency:8"})
    assert adaptive["metrics"] == fixed["metrics"]
    assert adaptive["samples"]["judgments_per_item"] < 2 * 8


def test_a_resumed_run_keeps_its_confidence(tmp_path: Path) -> None:
    run(tmp_path, limit=2, **RUNS["absolute"])
    with pytest.raises(InputError, match="strategy"):
        run(tmp_path, **RUNS["absolute"], confidence=0.8)


@pytest.mark.slow
def test_a_real_model_run_is_repeatable_and_rereduces_offline_to_itself(
    tiny_judge: Path, tmp_path: Path
) -> None:
    options: dict[str, Any] = {
        "judge": str(tiny_judge),
        "backend": "hf",
        "benchmark": "rewardbench",
        "data": sample_path("rewardbench"),
        "strategy": "self-consistency:adaptive:6",
        "confidence": 0.8,
        "limit": 3,
        "max_new_tokens": 32,
        "n_resamples": 20,
    }
    online = run_eval(EvalConfig(out=tmp_path / "a", **options))
    run_eval(EvalConfig(out=tmp_path / "b", **options))
    judgments = (tmp_path / "a" / "judgments.jsonl").read_text()
    assert (tmp_path / "b" / "judgments.jsonl").read_text() == judgments
    strategy = Strategy.parse(options["strategy"], confidence=options["confidence"])
    offline = rescore(
        tmp_path / "a" / "judgments.jsonl",
        out=tmp_path / "offline",
        options=ScoringOptions(n_resamples=20),
        strategy=strategy,
    )
    assert offline["metrics"] == online["metrics"] and offline["samples"] == online["samples"]
    assert online["timings"]["judgments_generated_now"] == 3 * online["samples"]["judgments_per_item"]


@pytest.mark.parametrize("command", ["grade", "suite"])
def test_grade_and_suite_pass_their_confidence_on(
    command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """grade and suite sample adaptively at the --confidence given, and refuse one outside (0.5, 1]
    before anything runs, as eval does."""
    from typer.testing import CliRunner

    import selfrat_eval.evaluation as evaluation
    from selfrat_eval.cli import app

    configs: list[EvalConfig] = []

    def record(config: EvalConfig, *_: Any, **__: Any) -> dict[str, Any]:
        configs.append(config)
        (tmp_path / "out").mkdir()
        (tmp_path / "out" / "card.md").write_text("card")  # what the suite command prints
        return {}

    monkeypatch.setattr(evaluation, "grade_responses" if command == "grade" else "run_suite", record)
    monkeypatch.setattr(evaluation, "print_results", lambda results: None)
    required = ["--responses", str(tmp_path / "responses.json")] if command == "grade" else []
    # an openai judge is a served name, so the command does not look for a model "j"
    args = [command, "--judge", "j", "--backend", "openai", "--out", str(tmp_path / "out"), *required]
    args += ["--strategy", "self-consistency:adaptive:6"]
    ran = CliRunner().invoke(app, [*args, "--confidence", "0.8"])
    assert ran.exit_code == 0, ran.output
    [config] = configs
    strategy = config.parsed_strategy()
    assert strategy.adaptive and strategy.n == 6 and strategy.confidence == 0.8
    shutil.rmtree(tmp_path / "out")
    refused = CliRunner().invoke(app, [*args, "--confidence", "0.4"])
    assert refused.exit_code == 2 and "--confidence must be in (0.5, 1]" in refused.stderr
    assert len(configs) == 1 and not (tmp_path / "out").exists()

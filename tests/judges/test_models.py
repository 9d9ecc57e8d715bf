"""Every model argument of every command is checked before anything is written: a judge or policy that
cannot be loaded is one line naming it and what is wrong, exit code 2, and no output folder."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from selfrat_eval._errors import InputError
from selfrat_eval.cli import app
from selfrat_eval.judges import check_model, resolve_model
from selfrat_eval.judges._models import cache_dir, gguf_file

gguf = pytest.importorskip("gguf", reason="installed with the hf extra")


def write_gguf(path: Path, architecture: str) -> Path:
    writer = gguf.GGUFWriter(str(path), arch=architecture)
    writer.add_tensor("weight", np.zeros((4, 4), dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


def complete_folder(folder: Path) -> Path:
    """A complete (if unloadable: the files are empty) model folder: config, weights, tokenizer."""
    folder.mkdir(exist_ok=True)
    (folder / "config.json").write_text(json.dumps({"model_type": "llama"}))
    (folder / "model.safetensors").write_bytes(b"")
    (folder / "tokenizer.json").write_text("{}")
    return folder


def missing(tmp: Path) -> str:
    return str(tmp / "no-such-model")


def empty_folder(tmp: Path) -> str:
    (tmp / "empty").mkdir()
    return str(tmp / "empty")


def incomplete_folder(tmp: Path) -> str:
    folder = tmp / "incomplete"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps({"model_type": "llama"}))
    return str(folder)


def not_gguf(tmp: Path) -> str:
    (tmp / "model.gguf").write_text("not a model")
    return str(tmp / "model.gguf")


def truncated_gguf(tmp: Path) -> str:
    whole = write_gguf(tmp / "whole.gguf", "llama").read_bytes()
    (tmp / "cut.gguf").write_bytes(whole[: len(whole) - 20])
    return str(tmp / "cut.gguf")


def unknown_architecture(tmp: Path) -> str:
    return str(write_gguf(tmp / "foo.gguf", "foo"))


def offline_hub_id(tmp: Path) -> str:
    return "no-such-org/no-such-judge"


#: (how to make the bad argument, what the one line says)
BAD_MODELS: dict[str, tuple[Callable[[Path], str], str]] = {
    "missing path": (missing, "does not exist"),
    "empty folder": (empty_folder, "is an empty folder"),
    "incomplete folder": (incomplete_folder, "has no weights"),
    "not GGUF": (not_gguf, "is not a GGUF file"),
    "truncated GGUF": (truncated_gguf, "is truncated or damaged"),
    "unknown architecture": (unknown_architecture, "has architecture 'foo'"),
    "offline hub id": (offline_hub_id, "nor a hub id in the local cache (HF_HUB_OFFLINE=1)"),
}


def commands(model: str, tmp: Path) -> dict[str, list[str]]:
    out, good = str(tmp / "out"), str(complete_folder(tmp / "good"))
    sre = tmp / "sre.json"
    sre.write_text(json.dumps({"judge": model, "out": out}))
    return {
        "eval": ["eval", "--judge", model, "--backend", "hf", "--benchmark", "rewardbench", "--out", out],
        "eval --meta-judge": [
            *("eval", "--judge", good, "--backend", "hf", "--benchmark", "rewardbench", "--out", out),
            *("--strategy", "best-of-n:2", "--selector", "meta-judge", "--meta-judge", model),
        ],
        "jury member": [
            "eval",
            "--judge",
            "openai:served",
            "--judge",
            f"hf:{model}",
            "--out",
            out,
            "--benchmark",
            "rewardbench",
        ],
        "suite": ["suite", "--judge", model, "--backend", "hf", "--out", out],
        "grade": [
            "grade",
            "--judge",
            model,
            "--backend",
            "hf",
            "--responses",
            str(tmp / "r.json"),
            "--out",
            out,
        ],
        "generate": ["generate", "--model", model, "--backend", "hf", "--out", out],
        "train sft": ["train", "sft", "--model", model, "--out", out],
        "train dpo": [
            *("train", "dpo", "--policy", model, "--reference", model),
            *("--pairs", str(tmp / "pairs.jsonl"), "--out", out),
        ],
        "train merge": ["train", "merge", model, model, "--out", out],
        "train sre": ["train", "sre", "--config", str(sre)],
    }


@pytest.mark.parametrize("bad", sorted(BAD_MODELS))
def test_every_command_refuses_a_model_it_cannot_load(
    bad: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    make, problem = BAD_MODELS[bad]
    model = make(tmp_path)
    for name, args in commands(model, tmp_path).items():
        ran = CliRunner().invoke(app, args)
        lines = ran.stderr.strip().splitlines()
        assert ran.exit_code == 2, (name, ran.output)
        assert len(lines) == 1 and model in lines[0] and problem in lines[0], (name, ran.stderr)
        assert not (tmp_path / "out").exists(), name


def test_a_folder_with_several_ggufs_asks_which(tmp_path: Path) -> None:
    write_gguf(tmp_path / "a.gguf", "llama")
    write_gguf(tmp_path / "b.gguf", "llama")
    with pytest.raises(InputError, match=r"several GGUF files \(a.gguf, b.gguf\)"):
        check_model(str(tmp_path))


def test_hub_ids_and_folders_pass_through_resolve_unchanged(tmp_path: Path) -> None:
    folder = str(complete_folder(tmp_path / "model"))
    assert resolve_model("org/judge") == "org/judge"
    assert resolve_model(folder) == folder
    assert gguf_file(folder) is None
    check_model(folder)  # a complete folder passes


def test_the_cache_folder_is_the_users_choice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SELFRAT_CACHE_DIR", str(tmp_path))
    assert cache_dir() == tmp_path
    monkeypatch.delenv("SELFRAT_CACHE_DIR")
    assert cache_dir() == Path.home() / ".cache" / "selfrat"

"""RewardBench, RewardBench 2, BiGGen, rubric and pairwise runs pinned byte for byte: a refactor of
how benchmarks are declared must not change a judgments file or a score.

The scripted judge answers from a hash of what it is shown, with some unparseable and some tied
answers and varied samples, so every branch of the parsing, strategies and scoring is exercised.
Regenerate the pinned files only for an intended change: SELFRAT_UPDATE_PINNED=1 pytest this file.
"""

from __future__ import annotations

import json
import os
import zlib
from pathlib import Path
from typing import Any

import pytest

from selfrat_eval.data import sample_path
from selfrat_eval.evaluation import EvalConfig, run_eval
from tests.conftest import REPO, ScriptedEngine, user_text
from tests.data.biggen_fixture import write_human_eval

PINNED = Path(__file__).parent / "pinned"
#: results.json fields that describe the machine, the moment or the checkout rather than the run.
VOLATILE = ("versions", "machine", "timings", "created", "command")


def respond(chat: list[dict[str, str]]) -> list[str]:
    """Three samples per request, chosen by a hash of the prompt: ratings 1-5, A/B/ties, failures."""
    text = user_text(chat)
    answers = []
    for sample in range(3):
        code = zlib.crc32(f"{sample}:{text}".encode()) % 9
        if code == 0:
            answers.append("Feedback: I cannot decide.")
        elif "###Response D:" in text:
            answers.append(f"Feedback: ranked. [[{'ABCD'[code % 4]}]]")
        elif "###Response A:" in text:
            answers.append(f"Feedback: compared. [RESULT] {'AB'[code % 2] if code != 8 else 'tie'}")
        else:
            answers.append(f"Feedback: graded. [RESULT] {1 + code % (10 if 'Score 10:' in text else 5)}")
    return answers


def pairwise_rows(path: Path) -> Path:
    rows = [
        {"id": f"p{i}", "instruction": f"Question {i}?", "response_a": f"Answer {i} one.",
         "response_b": f"Answer {i} two.", "label": "a" if i % 3 else "b", "group": f"g{i % 2}"}
        for i in range(12)
    ]  # fmt: skip
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return path


RUNS: dict[str, dict[str, Any]] = {
    "rewardbench-absolute": {"benchmark": "rewardbench", "strategy": "self-consistency:3"},
    "rewardbench-pairwise": {
        "benchmark": "rewardbench",
        "mode": "pairwise",
        "both_orders": True,
        "seed": 3,
        "strategy": "best-of-n:3",
        "selector": "agreement",
    },
    "rewardbench-ratings": {
        "benchmark": "rewardbench",
        "tie_policy": "ratings",
        "strategy": "best-of-n:3",
        "selector": "agreement",
    },
    "biggen": {"benchmark": "biggen", "strategy": "self-consistency:3", "aggregate": "mean"},
    "rewardbench2-ratings": {"benchmark": "rewardbench2", "strategy": "self-consistency:3"},
    "rewardbench2-rankings": {
        "benchmark": "rewardbench2",
        "mode": "rankings",
        "seed": 5,
        "strategy": "self-consistency:3",
    },
    "rubric": {
        "benchmark": "rubric",
        "use_reference": False,
        "strategy": "self-consistency:3",
        "aggregate": "median",
    },
    "pairwise": {"benchmark": "pairwise", "strategy": "self-consistency:3"},
}


def _data(name: str, tmp_path: Path) -> Path:
    if name == "biggen":
        path = tmp_path / "human_eval.jsonl"
        write_human_eval(path)
        return path
    if name == "pairwise":
        return pairwise_rows(tmp_path / "pairs.jsonl")
    return sample_path(name if name in ("rubric", "rewardbench2") else "rewardbench")


def _rounded(value: Any) -> Any:
    """Floats to 10 significant digits: a BLAS or numpy build may move a correlation's last bit."""
    if isinstance(value, float):
        return float(f"{value:.10g}")
    if isinstance(value, dict):
        return {key: _rounded(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_rounded(item) for item in value]
    return value


def _portable(results: dict[str, Any], tmp_path: Path) -> str:
    """results.json without the machine-dependent fields, with paths made relative (key order kept)
    and floats rounded (`_rounded`)."""
    kept = {key: _rounded(value) for key, value in results.items() if key not in VOLATILE}
    text = json.dumps(kept, indent=2)
    return text.replace(str(tmp_path), "<tmp>").replace(str(REPO), "<repo>") + "\n"


@pytest.mark.parametrize("name", sorted(RUNS))
def test_run_outputs_are_unchanged(name: str, tmp_path: Path) -> None:
    options = RUNS[name]
    data = _data(options["benchmark"], tmp_path)
    config = EvalConfig(judge="scripted", out=tmp_path / "run", data=data, n_resamples=50, **options)
    run_eval(config, engine_factory=lambda: ScriptedEngine(respond))
    results = json.loads((tmp_path / "run" / "results.json").read_text())
    produced = {
        "judgments.jsonl": (tmp_path / "run" / "judgments.jsonl").read_text(),
        "results.json": _portable(results, tmp_path),
    }
    for file, text in produced.items():
        pinned = PINNED / name / file
        if os.environ.get("SELFRAT_UPDATE_PINNED") == "1":
            pinned.parent.mkdir(parents=True, exist_ok=True)
            pinned.write_text(text)
        assert text == pinned.read_text(), f"{name}/{file} changed"

"""Toy runs whose rationales are known exactly, and meta-judges that decide by rule (tests only)."""

from __future__ import annotations

import re
from pathlib import Path

from selfrat_eval.evaluation import EvalConfig, run_eval
from selfrat_eval.toy import Splits, build_arithmetic_benchmark, label_for
from tests.conftest import ScriptedEngine, user_text

_QUESTION = re.compile(r"Compute (\d+)\+(\d+)\.\n\n###Response to evaluate:\n(\d+)")


def question(chat: list[dict[str, str]]) -> tuple[int, int, int]:
    """(a, b, answer) of a toy grading prompt."""
    a, b, answer = (int(g) for g in _QUESTION.search(user_text(chat)).groups())  # type: ignore[union-attr]
    return a, b, answer


def gold(a: int, b: int, answer: int, *, total: int | None = None) -> str:
    total = a + b if total is None else total
    distance = abs(total - answer)
    return (
        f"Feedback: ans {total:03d}, resp {answer:03d}, diff {distance:03d}. [RESULT] {label_for(distance)}"
    )


def right_judge(chat: list[dict[str, str]]) -> str:
    return gold(*question(chat))


def sloppy_judge(chat: list[dict[str, str]]) -> str:
    """Right where a is odd; off by 10 in its sum where a is even; no verdict where a ends in 5."""
    a, b, answer = question(chat)
    if a % 10 == 5:
        return "I am not sure about this one."
    return gold(a, b, answer) if a % 2 else gold(a, b, answer, total=a + b + 10)


def toy_data(folder: Path, heldout: int = 24) -> Path:
    return build_arithmetic_benchmark(folder, Splits(train=1, sampling=1, heldout=heldout), seed=3)["heldout"]


def toy_run(out: Path, data: Path, respond: object) -> Path:
    config = EvalConfig(judge="scripted", benchmark="rubric", data=data, out=out, n_resamples=0)
    run_eval(config, engine_factory=lambda: ScriptedEngine(respond))  # type: ignore[arg-type]
    return out

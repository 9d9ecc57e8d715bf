"""Where judgments end (stop at the verdict, the loop guard, the repetition penalty) is part of what a
judgment is: recorded in the run's settings, and a resume with other values is refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from selfrat_eval._errors import InputError
from selfrat_eval.data import sample_path
from selfrat_eval.evaluation import EvalConfig, read_judgments, run_eval
from tests.conftest import ScriptedEngine

#: A verdict line, then more text: stopping at the verdict keeps the first line only.
ANSWER = "Feedback: fine.\n[RESULT] 4\nOn second thought [RESULT] 2"


def config(out: Path, **options: object) -> EvalConfig:
    settings: dict[str, object] = {"judge": "scripted", "benchmark": "rubric", "data": sample_path("rubric")}
    return EvalConfig(out=out, limit=3, n_resamples=0, **(settings | options))  # type: ignore[arg-type]


def judged(out: Path, **options: object) -> list[str]:
    run_eval(config(out, **options), engine_factory=lambda: ScriptedEngine(lambda chat: ANSWER))
    return [j.outputs["response"][0] for j in read_judgments(out / "judgments.jsonl")]


def test_the_stop_keeps_the_first_verdict_line_and_is_recorded(tmp_path: Path) -> None:
    assert judged(tmp_path / "stop") == ["Feedback: fine.\n[RESULT] 4\n"] * 3
    assert judged(tmp_path / "full", stop_at_verdict=False) == [ANSWER] * 3  # two verdicts: invalid
    results = json.loads((tmp_path / "stop" / "results.json").read_text())
    assert results["sample_finishes"] == {"verdict": 3}
    assert results["config"]["stop_at_verdict"] is True and results["config"]["loop_guard"] is False
    [judgment] = read_judgments(tmp_path / "full" / "judgments.jsonl")[:1]
    assert judgment.finish == {"response": ["end"]} and judgment.parse_status == {
        "response": ["invalid_result"]
    }


@pytest.mark.parametrize(
    "changed", [{"stop_at_verdict": False}, {"loop_guard": True}, {"repetition_penalty": 1.2}]
)
def test_a_resume_with_other_decoding_settings_is_refused(tmp_path: Path, changed: dict[str, object]) -> None:
    judged(tmp_path / "run")
    [name] = changed
    with pytest.raises(InputError, match=f"holds a run made with {name}="):
        judged(tmp_path / "run", **changed)


def test_a_run_made_before_these_settings_resumes_as_it_was_made(tmp_path: Path) -> None:
    out = tmp_path / "run"
    judged(out, stop_at_verdict=False)
    run_file = out / "run.json"
    recorded = json.loads(run_file.read_text())
    for name in ("stop_at_verdict", "loop_guard", "repetition_penalty"):
        del recorded["identity"][name]
    run_file.write_text(json.dumps(recorded))
    assert judged(out, stop_at_verdict=False) == [ANSWER] * 3  # resumes: nothing judged again
    with pytest.raises(InputError, match="stop_at_verdict=False, not True"):
        judged(out)

"""The held-out check's stopping rule, driven by scripted accuracies (the real check runs in
test_training_real.py)."""

from __future__ import annotations

from typing import Any

import pytest

from selfrat_eval.training import CheckSettings, HeldOutCheck

pytest.importorskip("transformers", reason="installed by scripts/setup.sh (extra: hf)")


class ScriptedCheck(HeldOutCheck):
    """Accuracies from a list, so when training stops is known exactly."""

    def __init__(self, settings: CheckSettings, accuracies: list[float]) -> None:
        self.settings, self.history, self.chats = settings, [], []
        self.accuracies = iter(accuracies)

    def accuracy(self, model: Any) -> float:
        return next(self.accuracies)


def drive(check: HeldOutCheck, steps: int) -> int:
    """Step a trainer's callback loop as transformers does; returns the step training stopped at."""
    from transformers import TrainerControl, TrainerState

    callback, state, control = check.callback(), TrainerState(), TrainerControl()
    for step in range(1, steps + 1):
        state.global_step = step
        callback.on_step_end(None, state, control, model=None)
        if control.should_training_stop:
            break
    callback.on_train_end(None, state, control, model=None)
    return state.global_step


def test_training_stops_at_the_first_check_reaching_the_target() -> None:
    check = ScriptedCheck(CheckSettings(every=10, stop_at=0.65), [0.2, 0.64, 0.65, 0.9])
    assert drive(check, 100) == 30
    assert check.history == [
        {"step": 10, "accuracy": 0.2},
        {"step": 20, "accuracy": 0.64},
        {"step": 30, "accuracy": 0.65},
    ]


def test_without_a_target_every_check_and_the_final_model_are_recorded() -> None:
    check = ScriptedCheck(CheckSettings(every=10), [0.2, 0.99, 0.5])
    assert drive(check, 25) == 25
    assert [entry["step"] for entry in check.history] == [10, 20, 25]
    assert check.history[-1]["accuracy"] == 0.5


def test_a_final_step_on_a_check_is_not_checked_twice() -> None:
    check = ScriptedCheck(CheckSettings(every=10), [0.1, 0.2])
    drive(check, 20)
    assert [entry["step"] for entry in check.history] == [10, 20]

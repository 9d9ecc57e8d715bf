"""The judge card's calibration from stored judgments, on a scripted judge whose numbers are known."""

from __future__ import annotations

from pathlib import Path

import pytest

from selfrat_eval.evaluation import EvalConfig, read_judgments, run_eval
from selfrat_eval.evaluation._calibration import judge_calibration
from selfrat_eval.toy import label_for
from tests.conftest import ScriptedEngine
from tests.rationales.scripted import gold, question, toy_data


def test_vote_shares_and_score_distributions_of_a_sampled_judge(tmp_path: Path) -> None:
    data = toy_data(tmp_path / "toy", heldout=20)

    def three_right_one_off(chat: list[dict[str, str]]) -> list[str]:
        a, b, answer = question(chat)
        right = gold(a, b, answer)
        wrong_label = 1 if label_for(abs(a + b - answer)) != 1 else 2
        return [right, right, right, f"Feedback: guess. [RESULT] {wrong_label}"]

    config = EvalConfig(
        judge="s", benchmark="rubric", data=data, out=tmp_path / "run", strategy="self-consistency:4",
        n_resamples=0,
    )  # fmt: skip
    run_eval(config, engine_factory=lambda: ScriptedEngine(three_right_one_off))  # type: ignore[arg-type]
    judgments = read_judgments(tmp_path / "run" / "judgments.jsonl")
    result = judge_calibration(judgments, n_resamples=50)
    reliability = result["self_consistency"]
    # every item: the majority (3 of 4) is right -> confidence 0.75, accuracy 1: ECE 0.25
    assert reliability["n"] == 20 and reliability["ece"]["value"] == pytest.approx(0.25)
    assert [(b["n"], b["confidence"], b["accuracy"]) for b in reliability["bins"]] == [(20, 0.75, 1.0)]
    # the majority score is the label on every item: the same distribution, divergence 0
    assert result["score_distributions"]["jensen_shannon"]["value"] == pytest.approx(0.0)
    greedy = [j.with_strategy(config.parsed_strategy()) for j in judgments]
    assert judge_calibration([j.model_copy(update={"values": {"response": v["response"][:1]}}) for j, v in
                              ((j, j.values) for j in greedy)])["self_consistency"] is None  # fmt: skip

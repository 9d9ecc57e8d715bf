"""RewardBench through the runner with scripted judges whose accuracy is known exactly."""

from __future__ import annotations

from pathlib import Path

import pytest

from selfrat_eval.benchmarks.rewardbench import RewardBench, load_rewardbench
from selfrat_eval.data import sample_path
from selfrat_eval.evaluation import EvalConfig, read_judgments, run_eval
from tests.conftest import ScriptedEngine, user_text

ITEMS, _ = load_rewardbench(sample_path("rewardbench"))
CHOSEN_OF = {(item.prompt, frozenset((item.chosen, item.rejected))): item.chosen for item in ITEMS}


def run(tmp_path: Path, engine: ScriptedEngine, **options: object) -> dict[str, object]:
    options = {"benchmark": "rewardbench", "data": sample_path("rewardbench"), **options}
    config = EvalConfig(
        judge="scripted",
        out=tmp_path,
        n_resamples=100,
        **options,  # type: ignore[arg-type]
    )
    return run_eval(config, engine_factory=lambda: engine)


def test_pairwise_judge_that_finds_the_chosen_response_scores_100(tmp_path: Path) -> None:
    def respond(chat: list[dict[str, str]]) -> str:
        text = user_text(chat)
        prompt, rest = text.split("###Instruction:\n", 1)[1].split("\n\n###Response A:\n", 1)
        response_a, rest = rest.split("\n\n###Response B:\n", 1)
        response_b = rest.split("\n\n###Score Rubric:", 1)[0]
        chosen = CHOSEN_OF[(prompt, frozenset((response_a, response_b)))]
        return "Feedback: x [RESULT] A" if response_a == chosen else "Feedback: x [RESULT] B"

    metrics = run(tmp_path, ScriptedEngine(respond), mode="pairwise")["metrics"]
    assert metrics["overall"]["value"] == 1.0 and metrics["tie_rate"] == 0


def test_position_biased_judge_scores_the_share_of_chosen_in_position_a(tmp_path: Path) -> None:
    metrics = run(tmp_path, ScriptedEngine(lambda chat: "Feedback: x [RESULT] A"), mode="pairwise", seed=3)[
        "metrics"
    ]
    judgments = read_judgments(tmp_path / "judgments.jsonl")
    a_is_chosen = {j.key: j.a_is_chosen for j in judgments}
    task = RewardBench(mode="pairwise", seed=3)
    assert all(a_is_chosen[item.key] == task.a_is_chosen(item) for item in ITEMS)
    assert 0.3 < sum(a_is_chosen.values()) / len(ITEMS) < 0.7  # the seeded shuffle is balanced
    for subset, estimate in metrics["subsets"].items():
        share = [a_is_chosen[j.key] for j in judgments if j.group == subset]
        assert estimate["value"] == pytest.approx(sum(share) / len(share))


def test_absolute_ties_and_failures_get_half_credit(tmp_path: Path) -> None:
    def respond(chat: list[dict[str, str]]) -> str:
        response = (
            user_text(chat).split("###Response to evaluate:\n", 1)[1].split("\n\n###Score Rubrics:", 1)[0]
        )
        if len(response) % 2:
            return "Feedback: cannot tell"  # unparseable
        return "[RESULT] 3"  # every pair a tie

    metrics = run(tmp_path, ScriptedEngine(respond))["metrics"]
    assert metrics["overall"]["value"] == pytest.approx(0.5)
    assert metrics["tie_rate"] + metrics["parse_failure_rate"] == pytest.approx(1.0)
    assert metrics["parse_failure_rate"] > 0


def test_limit_judges_the_first_items_in_one_batched_call_per_chunk(tmp_path: Path) -> None:
    engine = ScriptedEngine(lambda chat: "[RESULT] 4")
    run(tmp_path, engine, limit=10, chunk_size=4)
    assert engine.calls == [8, 8, 4]  # two prompts per item (absolute), one call per chunk
    assert [j.key for j in read_judgments(tmp_path / "judgments.jsonl")] == [item.key for item in ITEMS[:10]]


def test_pairwise_rubric_data_scores_accuracy_against_the_label(tmp_path: Path) -> None:
    import json

    rows = [
        {
            "id": str(n),
            "group": "even" if n % 2 == 0 else "odd",
            "instruction": item.prompt,
            "response_a": item.chosen if n % 3 else item.rejected,
            "response_b": item.rejected if n % 3 else item.chosen,
            "label": "a" if n % 3 else "B",
            "rubric": "Which is better?",
        }
        for n, item in enumerate(ITEMS[:12])
    ]
    data = tmp_path / "pairs.jsonl"
    data.write_text("".join(json.dumps(row) + "\n" for row in rows))
    engine = ScriptedEngine(lambda chat: "[RESULT] A")
    metrics = run(tmp_path / "run", engine, benchmark="pairwise", data=data)["metrics"]
    judgments = read_judgments(tmp_path / "run" / "judgments.jsonl")
    expected = sum(j.a_is_chosen for j in judgments) / 12  # always "A": right exactly when A is preferred
    assert metrics["accuracy"]["value"] == pytest.approx(expected) and metrics["n_items"] == 12
    assert set(metrics["groups"]) == {"even", "odd"}
    assert all("Which is better?" in user_text(chat) for chat in engine.prompts)  # the file's rubric


@pytest.mark.parametrize("policy", ["official", "strict", "ratings"])
def test_ratings_policy_applies_the_one_over_k_rule_to_both_ratings(tmp_path: Path, policy: str) -> None:
    """Only chosen responses are rated (3), and not those of the first pair; whichever rating is
    unreadable, the credit follows the policy: official 0.5 for any failure, strict 0, and the 1/k
    rule a win for the one rated response, a loss for the unrated chosen, 0.25 for neither."""
    rated = {item.chosen for item in ITEMS[1:]}

    def respond(chat: list[dict[str, str]]) -> str:
        response = (
            user_text(chat).split("###Response to evaluate:\n", 1)[1].split("\n\n###Score Rubrics:", 1)[0]
        )
        return "Feedback: x [RESULT] 3" if response in rated else "Feedback: cannot say"

    def credit(chosen: bool, rejected: bool) -> float:
        if chosen and rejected:
            return {"official": 0.5, "strict": 0.0, "ratings": 0.5}[policy]
        if policy != "ratings":
            return {"official": 0.5, "strict": 0.0}[policy]
        return 1.0 if chosen else 0.0 if rejected else 0.25

    metrics = run(tmp_path, ScriptedEngine(respond), tie_policy=policy)["metrics"]
    for subset, estimate in metrics["subsets"].items():  # type: ignore[union-attr]
        credits = [credit(i.chosen in rated, i.rejected in rated) for i in ITEMS if i.group == subset]
        assert estimate["value"] == pytest.approx(sum(credits) / len(credits)), subset
    if policy == "ratings":  # the rule matters here: some pairs have only their chosen response rated
        assert any(i.chosen in rated and i.rejected not in rated for i in ITEMS)

"""Aggregation and selection, against hand-computed expectations (pure functions and scripted runs)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from selfrat_eval._errors import InputError
from selfrat_eval.benchmarks import ScoringOptions
from selfrat_eval.data import sample_path
from selfrat_eval.evaluation import EvalConfig, read_judgments, rescore, run_eval
from selfrat_eval.judges import (
    Strategy,
    combine,
    majority_score,
    majority_winner,
    mean_score,
    median_score,
    select,
)
from tests.conftest import ScriptedEngine, user_text


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([4, 4, 2, None], 4),
        ([2, 2, 4, 4], 2),  # modes equidistant from the mean 3: the lower
        ([2, 2, 5, 5, 4], 5),  # mean 3.6: 5 is closer than 2
        ([5, 5, 1, 1, 1, 5], 1),  # mean 3.0: both modes 2 away, so the lower
        ([None, None], None),
        ([3], 3),
    ],
)
def test_majority_score(values: list[float | None], expected: float | None) -> None:
    assert majority_score(values) == expected


def test_majority_does_not_depend_on_order() -> None:
    assert majority_score([2, 4, 2, 4]) == majority_score([4, 2, 4, 2]) == 2


def test_mean_and_median_skip_unparseable() -> None:
    assert mean_score([4, None, 1, 2]) == pytest.approx(7 / 3)
    assert median_score([4, None, 1, 2, 5]) == 3.0
    assert mean_score([None]) is None and median_score([]) is None


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["chosen", "rejected", "tie", "chosen"], "chosen"),
        (["chosen", "rejected"], "tie"),
        (["tie", "tie", "rejected"], "rejected"),
        (["tie", None], "tie"),
        ([None, None], None),
    ],
)
def test_majority_winner(values: list[str | None], expected: str | None) -> None:
    assert majority_winner(values) == expected


def test_best_of_n_selectors() -> None:
    values = [5, None, 2, 3, 3]
    logprobs = [-0.9, -0.1, -0.5, -0.7, -0.6]
    meta = [4.0, 5.0, 2.0, 4.0, None]
    assert select(values, logprobs, meta, "logprob") == 2  # -0.1 belongs to an unparseable sample
    assert select(values, logprobs, meta, "agreement") == 4  # |3-5|+|3-2|+|3-3| = 3 is least; tie -> logprob
    assert select(values, logprobs, meta, "meta-judge") == 3  # meta 4 for 0 and 3: higher logprob wins
    assert select([None, None], [-1.0, -2.0], [], "logprob") is None
    assert select([1, 1], [None, None], [], "logprob") == 0  # all ties: the earlier sample


def test_strategy_parsing() -> None:
    assert Strategy.parse("single") == Strategy()
    assert Strategy.parse("self-consistency:8").n == 8
    assert Strategy.parse("best-of-N:4", selector="agreement").label == "best-of-n:4:agreement"
    assert Strategy.parse("sc:3", aggregate="median").label == "self-consistency:3:median"
    for bad in ("self-consistency", "best-of-n:x", "vote:3"):
        with pytest.raises(InputError):
            Strategy.parse(bad)
    sampling = Strategy.parse("self-consistency:5", temperature=0.7).sampling(64, seed=3)
    assert (sampling.n, sampling.temperature, sampling.logprobs, sampling.seed) == (5, 0.7, True, 3)
    assert Strategy().sampling(64, seed=3).greedy


def test_combine_reads_winners_and_scores() -> None:
    assert combine(["chosen", "tie"], Strategy()) == ("chosen", None)
    assert combine([None, 3], Strategy()) == (3, None)
    value, index = combine([2, 4], Strategy.parse("best-of-n:2"), logprobs=[-1.0, -0.5])
    assert (value, index) == (4, 1)


# -- through the runner, with a scripted judge -------------------------------------------------------


def scripted_samples(chat: list[dict[str, str]]) -> list[tuple[str, float]]:
    """Four sampled judgments (text, mean log-prob) for every item: 4, 4, 1, unparseable."""
    return [("[RESULT] 4", -0.5), ("[RESULT] 4", -0.9), ("[RESULT] 1", -0.1), ("garbled", -0.05)]


def test_self_consistency_and_best_of_n_runs(tmp_path: Path) -> None:
    common = {"benchmark": "rubric", "data": sample_path("rubric"), "limit": 6, "n_resamples": 0}
    runs = {}
    for name, strategy, extra in (
        ("sc-majority", "self-consistency:4", {}),
        ("sc-mean", "self-consistency:4", {"aggregate": "mean"}),
        ("bon-logprob", "best-of-n:4", {}),
        ("bon-agreement", "best-of-n:4", {"selector": "agreement"}),
    ):
        config = EvalConfig(judge="scripted", out=tmp_path / name, strategy=strategy, **common, **extra)  # type: ignore[arg-type]
        run_eval(config, engine_factory=lambda: ScriptedEngine(scripted_samples))
        runs[name] = read_judgments(tmp_path / name / "judgments.jsonl")
    # samples 4, 4, 1, unparseable
    assert {j.score for j in runs["sc-majority"]} == {4}
    assert {j.score for j in runs["sc-mean"]} == {3.0}
    assert {j.score for j in runs["bon-logprob"]} == {1}  # -0.1 is the best parseable log-prob
    assert {tuple(j.selected["score"]) for j in runs["bon-logprob"]} == {("response", 2)}
    assert {j.score for j in runs["bon-agreement"]} == {4}  # a 4 is closest to the others
    stored = runs["sc-majority"][0]
    assert stored.values["response"] == [4, 4, 1, None]
    assert stored.parse_status["response"][3] == "no_result"
    assert stored.logprobs["response"] == [-0.5, -0.9, -0.1, -0.05]


def test_rescoring_with_another_strategy_matches_running_it(tmp_path: Path) -> None:
    common = {"benchmark": "rubric", "data": sample_path("rubric"), "limit": 6, "n_resamples": 50}
    sc = EvalConfig(judge="s", out=tmp_path / "sc", strategy="self-consistency:4", **common)  # type: ignore[arg-type]
    run_eval(sc, engine_factory=lambda: ScriptedEngine(scripted_samples))
    bon = EvalConfig(judge="s", out=tmp_path / "bon", strategy="best-of-n:4", **common)  # type: ignore[arg-type]
    direct = run_eval(bon, engine_factory=lambda: ScriptedEngine(scripted_samples))
    offline = rescore(
        tmp_path / "sc" / "judgments.jsonl",
        out=tmp_path / "re",
        options=ScoringOptions(n_resamples=50),
        strategy=Strategy.parse("best-of-n:4"),
    )
    assert offline["metrics"] == direct["metrics"] and offline["strategy"] == "best-of-n:4:logprob"
    fewer = rescore(
        tmp_path / "sc" / "judgments.jsonl", out=tmp_path / "re2", strategy=Strategy.parse("sc:2")
    )
    assert fewer["metrics"]["score_counts"]["4"] == 6  # the first two samples are both 4


def test_meta_judge_picks_the_rationale_it_rates_highest(tmp_path: Path) -> None:
    judge_samples = [
        ("Feedback: thin. [RESULT] 2", -0.1),
        ("Feedback: careful. [RESULT] 5", -0.9),
        ("no verdict", -0.2),
    ]

    def meta(chat: list[dict[str, str]]) -> str:
        return "[RESULT] 5" if "careful" in user_text(chat) else "[RESULT] 1"

    meta_engine = ScriptedEngine(meta)
    config = EvalConfig(
        judge="s",
        benchmark="rubric",
        data=sample_path("rubric"),
        limit=3,
        n_resamples=0,
        out=tmp_path,
        strategy="best-of-n:3",
        selector="meta-judge",
    )
    run_eval(
        config,
        engine_factory=lambda: ScriptedEngine(lambda chat: judge_samples),
        meta_engine_factory=lambda: meta_engine,
    )
    judgments = read_judgments(tmp_path / "judgments.jsonl")
    assert {j.score for j in judgments} == {5}
    assert judgments[0].meta_scores["response"] == [1.0, 5.0, None]  # the unparseable one is not rated
    assert meta_engine.calls == [6]  # 3 items x 2 parseable candidates, one batched call


def test_both_orders_cancel_position_bias_and_report_disagreement(tmp_path: Path) -> None:
    config = EvalConfig(
        judge="s",
        benchmark="rewardbench",
        data=sample_path("rewardbench"),
        mode="pairwise",
        both_orders=True,
        out=tmp_path,
        n_resamples=0,
    )
    results = run_eval(config, engine_factory=lambda: ScriptedEngine(lambda chat: "[RESULT] A"))
    metrics = results["metrics"]
    assert metrics["order_disagreement_rate"] == 1.0  # always "A": the orders always disagree
    assert metrics["tie_rate"] == 1.0 and metrics["overall"]["value"] == 0.5
    line = json.loads((tmp_path / "judgments.jsonl").read_text().splitlines()[0])
    assert sorted(line["outputs"]) == ["pair", "pair_swapped"] and line["winner"] == "tie"
    assert not math.isnan(metrics["overall"]["value"])

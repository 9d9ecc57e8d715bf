"""RMB: the published ArmoRM result reproduced exactly from its rewards, and the official definitions
re-derived here from what the judge was shown (Zhou-Zoey/RMB-Reward-Model-Benchmark
`eval/scripts/my_run_rm.py`: a pair is right when `chosen_reward > reject_reward`, a tie is wrong,
accuracy is pooled over the pairs evaluated; the paper's BoN rule: the best answer must beat every
loser; its leaderboard averages the goals), on synthetic scenario files laid out as upstream's."""

from __future__ import annotations

import csv
import json
import zlib
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from selfrat_eval._errors import InputError
from selfrat_eval.benchmarks import ScoringOptions, create_benchmark
from selfrat_eval.benchmarks.rmb import RMB, RMBBoN, RMBPairJudgment, load_rmb, pair_correct
from selfrat_eval.data import DATA_DIR_ENV
from selfrat_eval.evaluation import EvalConfig, rescore, run_eval
from selfrat_eval.evaluation._baselines import baseline_scores
from selfrat_eval.evaluation._bias import bias_diagnostics
from selfrat_eval.evaluation._store import judgment_line, read_judgments
from selfrat_eval.judges import Strategy
from tests.conftest import ScriptedEngine, user_text

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "rmb"
ARMORM = SAMPLE / "ArmoRM-Llama3-8B-v0.1_result.csv"
IDEAS = "Helpfulness/Brainstorming/Idea Development"
#: Synthetic scenarios of both goals, nested as upstream's folders are.
SCENARIOS = (
    "Harmlessness/S1",
    "Harmlessness/multi",
    "Helpfulness/Chat/Discussion",
    "Helpfulness/Code/Documentation",
)
RESULT = "[RESULT]"


# -- the published result ------------------------------------------------------------------------


def armorm_judgments() -> tuple[list[RMBPairJudgment], list[bool]]:
    """The published rewards as this package's absolute judgments (each reward the answer's rating)."""
    with ARMORM.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    judgments = [
        RMBPairJudgment(
            id=row["pair_uid"],
            group=row["category_path"].removeprefix("Pairwise_set/"),
            mode="absolute",
            values={"chosen": [float(row["chosen_reward"])], "rejected": [float(row["reject_reward"])]},
        ).with_strategy(Strategy())
        for row in rows
    ]
    return judgments, [row["is_correct"] == "1" for row in rows]


def test_the_published_armorm_accuracy_is_reproduced_exactly(tmp_path: Path) -> None:
    judgments, published = armorm_judgments()
    assert len(judgments) == 849 and sum(published) == 675
    assert [pair_correct(j) for j in judgments] == published  # item by item, its 12 ties wrong
    metrics = RMB().score(judgments, ScoringOptions(n_resamples=0))
    for estimate in (metrics["scenarios"][IDEAS], metrics["goals"]["Helpfulness"], metrics["overall"]):
        assert estimate["value"] == 675 / 849
    assert metrics["scenarios"][IDEAS]["n"] == 849 and metrics["tie_rate"] == 12 / 849
    assert len(RMB().report(metrics)) == 2  # the table and the rates line
    # the same through judgments.jsonl and `selfrat score`: raw rewards are kept as they are
    path = tmp_path / "judgments.jsonl"
    path.write_text("".join(judgment_line(j) + "\n" for j in judgments), encoding="utf-8")
    rescored = rescore(path, out=tmp_path / "rescored", options=ScoringOptions(n_resamples=0))
    assert rescored["metrics"]["overall"]["value"] == 675 / 849


# -- loading -------------------------------------------------------------------------------------


def test_the_vendored_sample_loads_from_every_layout(monkeypatch: pytest.MonkeyPatch) -> None:
    pairs, source = load_rmb("Pairwise_set", SAMPLE)  # the RMB_dataset root: its Pairwise_set
    assert len(pairs) == 11 and len(source.identity["sha256"]) == 4
    assert {p.group for p in pairs} == {
        "Harmlessness/S1",
        "Harmlessness/S10",
        "Helpfulness/Chat/Casual Conversation",
        "Helpfulness/Rewrite/Paraphrasing",
    }
    assert [p.id for p in load_rmb("Pairwise_set", SAMPLE / "Pairwise_set")[0]] == [p.id for p in pairs]
    one_file = load_rmb("Pairwise_set", SAMPLE / "Pairwise_set" / "Harmlessness" / "S10.json")[0]
    assert [p.id for p in one_file] == ["11261", "11374"]  # file order
    bon = RMBBoN().load(SAMPLE, None)[0]
    assert len(bon) == 9 and all(2 <= len(item.incorrect) <= 5 for item in bon)
    monkeypatch.setenv(DATA_DIR_ENV, str(SAMPLE.parent))  # the mirror: $SELFRAT_DATA_DIR/rmb/BoN_set
    assert [item.key for item in RMBBoN().load(None, None)[0]] == [item.key for item in bon]


def test_several_turns_are_shown_in_order_with_the_answered_message_marked() -> None:
    rows = json.loads((SAMPLE / "Pairwise_set/Helpfulness/Rewrite/Paraphrasing.json").read_text("utf-8"))
    row = next(r for r in rows if len(r["conversation_input"]) == 5)
    item = next(p for p in load_rmb("Pairwise_set", SAMPLE)[0] if p.id == row["pair_uid"])
    turns = row["conversation_input"]
    positions = [item.prompt.index(turn["content"]) for turn in turns]
    assert positions == sorted(positions)
    assert item.prompt.endswith(f"(judge the reply to this one):\n{turns[-1]['content']}")
    assert item.prompt.count("[User]") == 2 and item.prompt.count("[Assistant]") == 2
    [first, *_] = json.loads((SAMPLE / "Pairwise_set/Harmlessness/S10.json").read_text("utf-8"))
    single = next(p for p in load_rmb("Pairwise_set", SAMPLE)[0] if p.id == first["pair_uid"])
    assert single.prompt == first["conversation_input"][0]["content"]  # one turn: as it is


def test_no_data_names_the_github_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(DATA_DIR_ENV, raising=False)
    with pytest.raises(InputError, match=r"Zhou-Zoey/RMB-Reward-Model-Benchmark RMB_dataset/BoN_set"):
        RMBBoN().load(None, None)
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path))
    with pytest.raises(InputError, match=r"has no rmb/Pairwise_set"):
        RMB().load(None, None)


def pair_row(uid: str, path: str = "Pairwise_set/Harmlessness/S1") -> dict[str, Any]:
    return {
        "pair_uid": uid,
        "conversation_input": [{"content": f"Question {uid}?", "language": "English", "role": "user"}],
        "chosen": {"llm_name": "m1", "answer": f"Good answer {uid}."},
        "reject": {"llm_name": "m2", "answer": f"Bad answer {uid}."},
        "category_path": path,
    }


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        (lambda r: r.pop("chosen"), "chosen", "missing"),
        (lambda r: r["reject"].pop("answer"), "reject.answer", "missing"),
        (lambda r: r.update(category_path="BoN_set/Harmlessness/S1"), "category_path", "--benchmark rmb_bon"),
        (lambda r: r.update(category_path="Pairwise_set/Honesty/S1"), "category_path", "Helpfulness or"),
        (
            lambda r: r["conversation_input"].append({"role": "assistant", "content": "Hi"}),
            "conversation_input",
            "last turn",
        ),
    ],
)
def test_a_bad_row_names_file_record_and_field(tmp_path: Path, change: Any, field: str, message: str) -> None:
    rows = [pair_row("1"), pair_row("2")]
    change(rows[1])
    (tmp_path / "Harmlessness").mkdir()
    (tmp_path / "Harmlessness" / "S1.json").write_text(json.dumps(rows))
    with pytest.raises(InputError, match=message) as error:
        load_rmb("Pairwise_set", tmp_path)
    assert (error.value.source, error.value.record, error.value.field) == (
        str(tmp_path / "Harmlessness" / "S1.json"),
        2,
        field,
    )


def test_a_bon_row_needs_its_losers_and_uids_are_unique_across_files(tmp_path: Path) -> None:
    row = {
        "bon_uid": "7",
        "conversation_input": [{"role": "user", "content": "Hi?"}],
        "category_path": "BoN_set/Helpfulness/Chat/Discussion",
    }
    (tmp_path / "a.json").write_text(json.dumps([{**row, "bon_best": {"answer": "Hello!"}}]))
    with pytest.raises(InputError, match=r"a\.json, record 1, field 'loser_list': missing"):
        load_rmb("BoN_set", tmp_path)
    (tmp_path / "a.json").write_text(json.dumps([pair_row("5")]))
    (tmp_path / "b.json").write_text(json.dumps([pair_row("5")]))  # a copy of a scenario file
    with pytest.raises(
        InputError, match=r"b\.json, record 1, field 'pair_uid': duplicate .*a\.json record 1"
    ):
        load_rmb("Pairwise_set", tmp_path)


# -- parity with the official definitions, on scripted judgments ------------------------------------


def write_set(root: Path, set_name: str, per_scenario: int = 9) -> list[dict[str, Any]]:
    """Scenario files under `root/<set>/<goal>/...json`; every third conversation has three turns."""
    rows = []
    for s, scenario in enumerate(SCENARIOS):
        scenario_rows = []
        for k in range(per_scenario + 4 * s):  # goals of different sizes: mean of goals != pooled
            uid = f"{s}{k:02d}"
            turns = [{"role": "user", "content": f"Ask {uid}?", "language": "English"}]
            if k % 3 == 0:
                turns = [
                    turns[0],
                    {"role": "assistant", "content": f"Said {uid}."},
                    {"role": "user", "content": f"More {uid}?"},
                ]
            row: dict[str, Any] = {"conversation_input": turns, "category_path": f"{set_name}/{scenario}"}
            if set_name == "Pairwise_set":
                row |= {
                    "pair_uid": uid,
                    "chosen": {"answer": f"good {uid}"},
                    "reject": {"answer": f"bad {uid}"},
                }
            else:
                losers = [{"answer": f"bad {uid} {n}"} for n in range(2 + k % 4)]
                row |= {"bon_uid": uid, "bon_best": {"answer": f"good {uid}"}, "loser_list": losers}
            scenario_rows.append(row)
        path = root / set_name / f"{scenario}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(scenario_rows))
        rows += scenario_rows
    return rows


def answers(row: dict[str, Any]) -> tuple[str, list[str]]:
    if "chosen" in row:
        return row["chosen"]["answer"], [row["reject"]["answer"]]
    return row["bon_best"]["answer"], [loser["answer"] for loser in row["loser_list"]]


def official(rows: list[dict[str, Any]], right: list[bool]) -> dict[str, Any]:
    """Accuracy pooled per scenario and per goal; overall the mean of the goals; pooled over all."""
    by: dict[str, list[bool]] = {}
    for row, ok in zip(rows, right, strict=True):
        _set, goal, scenario = row["category_path"].split("/", 2)
        by.setdefault(f"{goal}/{scenario}", []).append(ok)
        by.setdefault(goal, []).append(ok)
    goals = {g: float(np.mean(by[g])) for g in ("Helpfulness", "Harmlessness")}
    return {
        "scenarios": {s: float(np.mean(by[s])) for s in SCENARIOS},
        "goals": goals,
        "overall": float(np.mean(list(goals.values()))),
        "pooled": float(np.mean(right)),
    }


def check(metrics: dict[str, Any], expected: dict[str, Any]) -> None:
    assert metrics["overall"]["value"] == pytest.approx(expected["overall"])
    assert metrics["pooled"]["value"] == pytest.approx(expected["pooled"])
    assert {g: e["value"] for g, e in metrics["goals"].items()} == pytest.approx(expected["goals"])
    assert {s: e["value"] for s, e in metrics["scenarios"].items()} == pytest.approx(expected["scenarios"])


def section(text: str, header: str) -> str:
    return text.split(f"###{header}\n", 1)[1].split("\n\n###", 1)[0]


def scripted_rating(text: str) -> int | None:
    """Fixed by the response: ten ratings, so ties are common, and some unreadable."""
    code = zlib.crc32(text.encode()) % 7
    return None if code == 6 else 4 + code


def rate(chat: list[dict[str, str]]) -> str:
    rating = scripted_rating(section(user_text(chat), "Response to evaluate:"))
    return "Feedback: hm." if rating is None else f"Feedback: ok. {RESULT} {rating}"


def beats_by_rating(best: str, loser: str) -> bool:
    """Upstream's `>`: an unreadable rating never wins, and never loses to the best answer."""
    b, r = scripted_rating(best), scripted_rating(loser)
    return b is not None and r is not None and b > r


@pytest.mark.parametrize("set_name", ["Pairwise_set", "BoN_set"])
def test_ratings_score_as_the_official_rule(tmp_path: Path, set_name: str) -> None:
    rows = write_set(tmp_path, set_name)
    name = "rmb" if set_name == "Pairwise_set" else "rmb_bon"
    config = EvalConfig(judge="s", benchmark=name, out=tmp_path / "run", data=tmp_path)
    results = run_eval(config, engine_factory=lambda: ScriptedEngine(rate))
    right = [all(beats_by_rating(best, loser) for loser in losers) for best, losers in map(answers, rows)]
    assert 0 < sum(right) < len(right)
    check(results["metrics"], official(rows, right))
    assert (
        rescore(tmp_path / "run" / "judgments.jsonl", out=tmp_path / "again")["metrics"] == results["metrics"]
    )


@pytest.mark.parametrize("set_name", ["Pairwise_set", "BoN_set"])
def test_comparisons_score_as_the_official_rule(tmp_path: Path, set_name: str) -> None:
    rows = write_set(tmp_path, set_name)
    verdicts: dict[tuple[str, str], str | None] = {}  # (best, loser) -> the answer the judge preferred

    def compare(chat: list[dict[str, str]]) -> str:
        text = user_text(chat)
        first, second = section(text, "Response A:"), section(text, "Response B:")
        code = zlib.crc32(text.encode()) % 5  # A, B, B, tie, unreadable
        pair = (first, second) if first.startswith("good") else (second, first)
        verdicts[pair] = [first, second, second, "tie", None][code]
        return ["[RESULT] A", "[RESULT] B", "[RESULT] B", "[RESULT] tie", "no verdict"][code]

    name = "rmb" if set_name == "Pairwise_set" else "rmb_bon"
    config = EvalConfig(judge="s", benchmark=name, mode="pairwise", out=tmp_path / "run", data=tmp_path)
    results = run_eval(config, engine_factory=lambda: ScriptedEngine(compare))
    right = [all(verdicts[best, loser] == best for loser in losers) for best, losers in map(answers, rows)]
    assert len(verdicts) == sum(len(answers(row)[1]) for row in rows) and 0 < sum(right) < len(right)
    check(results["metrics"], official(rows, right))
    assert 0 < results["metrics"]["parse_failure_rate"] < 1


# -- baselines, bias diagnostics, harness tasks -----------------------------------------------------


def test_always_first_is_right_exactly_where_the_best_was_shown_first(tmp_path: Path) -> None:
    rows = write_set(tmp_path, "BoN_set")
    benchmark = RMBBoN(mode="pairwise", seed=3)
    items, _ = benchmark.load(tmp_path, None)
    first = [
        all(benchmark.shown(i, slot)[0] == i.correct[0] for slot in benchmark.requests(i)) for i in items
    ]
    scores = baseline_scores(benchmark, items, ScoringOptions(n_resamples=0))
    assert scores["always-first"]["pooled"]["value"] == pytest.approx(np.mean(first))
    assert scores["prefer-longer"]["pooled"]["value"] == 0.0  # every loser here is longer than the best
    pairs, _ = RMB(mode="pairwise").load(SAMPLE, None)
    assert (
        0 <= baseline_scores(RMB(), pairs, ScoringOptions(n_resamples=0))["random"]["overall"]["value"] <= 1
    )
    assert len(rows) == len(items)


def test_picked_is_the_position_of_the_preferred_answer(tmp_path: Path) -> None:
    write_set(tmp_path, "BoN_set", per_scenario=3)
    config = EvalConfig(judge="s", benchmark="rmb_bon", mode="pairwise", out=tmp_path / "run", data=tmp_path)
    run_eval(config, engine_factory=lambda: ScriptedEngine(lambda chat: "[RESULT] A"))
    benchmark = RMBBoN(mode="pairwise")
    items, _ = benchmark.load(tmp_path, None)
    judgments = read_judgments(tmp_path / "run" / "judgments.jsonl")
    assert bias_diagnostics(benchmark, items, judgments)["first_pick_rate"] == 1.0
    item = items[0]
    for slot in benchmark.requests(item):
        shown = benchmark.shown(item, slot)
        assert shown[benchmark.picked(item, slot, "chosen") or 0] == item.correct[0]
        assert benchmark.picked(item, slot, "tie") is None


@pytest.mark.parametrize(
    ("name", "mode"),
    [("rmb", "absolute"), ("rmb", "pairwise"), ("rmb_bon", "absolute"), ("rmb_bon", "pairwise")],
)
def test_harness_adapters_score_as_selfrat_eval(name: str, mode: str, tmp_path: Path) -> None:
    from selfrat_eval.tasks._docs import answer, benchmark_rows, benchmark_scores

    def respond(chat: list[dict[str, str]]) -> str:
        code = zlib.crc32(user_text(chat).encode()) % 11
        if "###Response A:" in user_text(chat):
            return ["[RESULT] A", "[RESULT] B", "[RESULT] tie"][code % 3]
        return f"{RESULT} {code}" if code else "no rating"

    config = EvalConfig(
        judge="s", benchmark=name, mode=mode, out=tmp_path / "run", data=SAMPLE, n_resamples=0
    )
    metrics = run_eval(config, engine_factory=lambda: ScriptedEngine(respond))["metrics"]
    rows = benchmark_rows(name, SAMPLE, mode=mode)
    answered = [answer(row, [respond([{"role": "user", "content": row["prompt"]}])]) for row in rows]
    assert benchmark_scores(answered) == metrics
    assert create_benchmark(name).harness_metrics[0].name == f"{name}_accuracy"

"""PPE Preference and PPE Correctness, re-derived here from the definitions (see the module docstring
of selfrat_eval/benchmarks/ppe.py): Preference is accuracy against the human winner over non-tie votes
(a judge's tie or unreadable verdict 0.5, a rating tie 0 in absolute mode), overall and per flag and
language; Correctness is, per set, the share of sampled conflict pairs whose correct response is rated
strictly higher (pairs pooled over the set), averaged over the sets, with the best-of-K end score."""

from __future__ import annotations

import json
import zlib
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from selfrat_eval._errors import InputError
from selfrat_eval.benchmarks import create_benchmark
from selfrat_eval.benchmarks.ppe import load_ppe_correctness, load_ppe_preference
from selfrat_eval.evaluation import EvalConfig, rescore, run_eval
from tests.conftest import ScriptedEngine, user_text

FIXTURES = Path(__file__).parent.parent / "data" / "ppe"
FLAGS = {
    "hard_prompt": "hard_prompt",
    "easy_prompt": "easy_prompt",
    "instruction_following": "if_prompt",
    "math": "math_prompt",
    "coding": "is_code",
    "refusal": "is_refusal",
}
SETS = ("mmlu_pro", "math", "gpqa", "ifeval", "mbpp_plus")


def between(text: str, start: str, end: str) -> str:
    return text.split(start, 1)[1].split(end, 1)[0]


def preference_rows(path: Path, n: int = 48) -> list[dict[str, Any]]:
    winners = ("model_a", "model_b", "model_a", "model_b", "tie", "tie (bothbad)")
    rows = []
    for k in range(n):
        row: dict[str, Any] = {
            "question_id": f"q{k}",
            "prompt": f"Question {k}?",
            "response_1": f"Answer one to {k}.",
            "response_2": f"Answer two to {k}.",
            "model_a": "a",
            "model_b": "b",
            "winner": winners[k % len(winners)],
            "language": ("English", "Chinese", "German")[k % 3],
        }
        row |= {flag: zlib.crc32(f"{k}{flag}".encode()) % 3 == 0 for flag in FLAGS.values()}
        rows.append(row)
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return rows


def official_preference(rows: list[dict[str, Any]], credit: dict[str, float]) -> dict[str, Any]:
    """Accuracy over the votes with a human winner; `credit` per question id."""
    votes = [row for row in rows if row["winner"] in ("model_a", "model_b")]
    by_flag = {name: [credit[r["question_id"]] for r in votes if r[flag]] for name, flag in FLAGS.items()}
    by_language = defaultdict(list)
    for row in votes:
        by_language[row["language"]].append(credit[row["question_id"]])
    return {
        "overall": np.mean([credit[r["question_id"]] for r in votes]),
        "categories": {name: np.mean(v) for name, v in by_flag.items() if v},
        "languages": {lang: np.mean(v) for lang, v in by_language.items()},
    }


def check_preference(metrics: dict[str, Any], expected: dict[str, Any]) -> None:
    assert metrics["overall"]["value"] == pytest.approx(expected["overall"])
    got = {name: e["value"] for name, e in metrics["categories"].items()}
    assert got == pytest.approx(expected["categories"])
    assert {k: e["value"] for k, e in metrics["languages"].items()} == pytest.approx(expected["languages"])


def test_preference_pairwise_matches_the_official_accuracy(tmp_path: Path) -> None:
    rows = preference_rows(tmp_path / "ppe.jsonl")
    by_prompt = {row["prompt"]: row for row in rows}
    credit: dict[str, float] = {}

    def respond(chat: list[dict[str, str]]) -> str:
        text = user_text(chat)
        row = by_prompt[between(text, "###Instruction:\n", "\n\n###")]
        first = between(text, "###Response A:\n", "\n\n###Response B:\n")
        code = zlib.crc32(text.encode()) % 4  # A, B, tie, unreadable
        human = row["response_1"] if row["winner"] == "model_a" else row["response_2"]
        credit[row["question_id"]] = [float(first == human), float(first != human), 0.5, 0.5][code]
        return ["[RESULT] A", "[RESULT] B", "[RESULT] tie", "no verdict"][code]

    config = EvalConfig(
        judge="s",
        benchmark="ppe_preference",
        mode="pairwise",
        out=tmp_path / "run",
        data=tmp_path / "ppe.jsonl",
    )
    results = run_eval(config, engine_factory=lambda: ScriptedEngine(respond))
    metrics = results["metrics"]
    assert metrics["n_items"] == len(credit) == 32  # the 16 human ties are not judged
    check_preference(metrics, official_preference(rows, credit))
    assert 0 < metrics["tie_rate"] < 1 and 0 < metrics["parse_failure_rate"] < 1
    assert rescore(tmp_path / "run" / "judgments.jsonl", out=tmp_path / "again")["metrics"] == metrics


def test_preference_absolute_needs_a_strictly_higher_rating(tmp_path: Path) -> None:
    rows = preference_rows(tmp_path / "ppe.jsonl", n=36)
    rating: dict[str, int | None] = {}

    def respond(chat: list[dict[str, str]]) -> str:
        response = between(user_text(chat), "###Response to evaluate:\n", "\n\n###")
        code = zlib.crc32(response.encode()) % 4  # ratings 1-3 (many ties), or unreadable
        rating[response] = None if code == 3 else code + 1
        return "no rating" if code == 3 else f"Feedback: ok. [RESULT] {code + 1}"

    config = EvalConfig(
        judge="s",
        benchmark="ppe_preference",
        mode="absolute",
        out=tmp_path / "run",
        data=tmp_path / "ppe.jsonl",
    )
    metrics = run_eval(config, engine_factory=lambda: ScriptedEngine(respond))["metrics"]
    credit = {}
    for row in rows:
        if row["winner"] in ("model_a", "model_b"):
            human, other = (row["response_1"], row["response_2"])
            if row["winner"] == "model_b":
                human, other = other, human
            h, o = rating[human], rating[other]
            credit[row["question_id"]] = float(h is not None and o is not None and h > o)
    check_preference(metrics, official_preference(rows, credit))
    assert metrics["parse_failure_rate"] == pytest.approx(
        sum(r is None for r in rating.values()) / len(rating)
    )


def correctness_rows(path: Path, per_set: int = 6, k: int = 6) -> list[dict[str, Any]]:
    rows = []
    for s, subset in enumerate(SETS):
        for n in range(per_set):
            scores = [zlib.crc32(f"{subset}{n}{i}".encode()) % 2 == 0 for i in range(k)]
            scores[0], scores[1] = True, False  # at least one of each
            pairs = [[i, j] for i in range(k) for j in range(k) if i < j and scores[i] != scores[j]][
                : 3 + n % 3
            ]
            pairs.append([2, 3] if scores[2] == scores[3] else [0, 1])  # a non-conflict pair is skipped
            row: dict[str, Any] = {
                "question_id": f"{s}-{n}",
                "model_name": "m",
                "subset": subset,
                "prompt": f"Problem {subset} {n}?",
                "scores": scores,
                "sampled_conflict_pairs": pairs if n != per_set - 1 else [],  # a row without pairs
            }
            row |= {f"response_{i + 1}": f"Solution {i} of {subset} {n}." for i in range(k)}
            rows.append(row)
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return rows


def test_correctness_matches_the_official_conflict_pair_accuracy(tmp_path: Path) -> None:
    rows = correctness_rows(tmp_path / "ppe-correctness.jsonl")
    rating: dict[str, int | None] = {}

    def respond(chat: list[dict[str, str]]) -> str:
        response = between(user_text(chat), "###Response to evaluate:\n", "\n\n###")
        code = zlib.crc32(response.encode()) % 5  # ratings 6-9 (ties), or unreadable
        rating[response] = None if code == 4 else code + 6
        return "unsure" if code == 4 else f"Feedback: checked. [RESULT] {code + 6}"

    config = EvalConfig(
        judge="s", benchmark="ppe_correctness", out=tmp_path / "run", data=tmp_path / "ppe-correctness.jsonl"
    )
    metrics = run_eval(config, engine_factory=lambda: ScriptedEngine(respond))["metrics"]
    right: dict[str, int] = defaultdict(int)
    total: dict[str, int] = defaultdict(int)
    best: dict[str, list[float]] = defaultdict(list)
    for row in rows:
        ratings = [rating[row[f"response_{i + 1}"]] for i in range(len(row["scores"]))]
        for i, j in row["sampled_conflict_pairs"]:
            if row["scores"][i] == row["scores"][j]:
                continue
            good, bad = (ratings[i], ratings[j]) if row["scores"][i] else (ratings[j], ratings[i])
            right[row["subset"]] += good is not None and bad is not None and good > bad
            total[row["subset"]] += 1
        top = max((r for r in ratings if r is not None), default=None)
        picked = [s for r, s in zip(ratings, row["scores"], strict=True) if r == top] or row["scores"]
        best[row["subset"]].append(np.mean(picked))
    accuracy = {s: right[s] / total[s] for s in SETS}
    assert {s: e["accuracy"]["value"] for s, e in metrics["sets"].items()} == pytest.approx(accuracy)
    assert {s: e["n_pairs"] for s, e in metrics["sets"].items()} == total
    assert metrics["overall"]["value"] == pytest.approx(np.mean(list(accuracy.values())))
    assert {s: e["best_of_k"]["value"] for s, e in metrics["sets"].items()} == pytest.approx(
        {s: np.mean(v) for s, v in best.items()}
    )
    assert metrics["best_of_k"]["value"] == pytest.approx(np.mean([np.mean(v) for v in best.values()]))
    assert metrics["parse_failure_rate"] == pytest.approx(
        sum(r is None for r in rating.values()) / len(rating)
    )
    assert rescore(tmp_path / "run" / "judgments.jsonl", out=tmp_path / "again")["metrics"] == metrics


def test_loaders_read_the_published_schema() -> None:
    votes, source = load_ppe_preference(FIXTURES / "human-preference-v1.jsonl")
    assert [v.id for v in votes] == ["q-001", "q-002", "q-004", "q-006"]  # ties dropped
    assert [number for number, _ in source.rows] == [1, 2, 4, 6]
    first, second = votes[0], votes[1]
    assert first.chosen.startswith("First") and second.chosen.startswith("Second")  # model_b won
    assert first.group == "English" and first.categories == ("hard_prompt", "instruction_following")
    assert votes[2].categories == ("hard_prompt", "math") and votes[3].categories == ("refusal",)

    rows, _ = load_ppe_correctness(FIXTURES / "mmlu-pro-best-of-k.jsonl")
    assert [(r.group, r.id) for r in rows] == [
        ("mmlu_pro", "mmlu-0@gpt-4o-mini-2024-07-18"),
        ("mmlu_pro", "mmlu-1@gpt-4o-mini-2024-07-18"),
    ]
    assert rows[0].labels == (True, False, False, True) and len(rows[0].candidates) == 4
    assert rows[0].pairs == ((0, 1), (3, 2), (3, 1)) and rows[1].pairs == ((1, 0), (2, 3), (2, 0))
    assert rows[0].candidates == rows[0].responses and len(rows[0].correct) == 2


def test_bad_input_names_source_record_and_field(tmp_path: Path) -> None:
    lines = (FIXTURES / "human-preference-v1.jsonl").read_text().splitlines()
    broken = json.loads(lines[1])
    del broken["response_2"]
    bad = tmp_path / "votes.jsonl"
    bad.write_text("\n".join([lines[0], json.dumps(broken)]) + "\n")
    with pytest.raises(InputError) as error:
        load_ppe_preference(bad)
    assert (error.value.source, error.value.record, error.value.field) == (str(bad), 2, "response_2")

    row = json.loads((FIXTURES / "mmlu-pro-best-of-k.jsonl").read_text().splitlines()[0])
    del row["response_3"]
    bad = tmp_path / "mmlu-pro.jsonl"
    bad.write_text(json.dumps(row) + "\n")
    with pytest.raises(InputError) as error:
        load_ppe_correctness(bad)
    assert (error.value.source, error.value.record, error.value.field) == (str(bad), 1, "response_3")
    row["response_3"], row["sampled_conflict_pairs"] = "x", [[0, 9]]
    bad.write_text(json.dumps(row) + "\n")
    with pytest.raises(InputError, match=r"outside 0\.\.3"):
        load_ppe_correctness(bad)
    unnamed = tmp_path / "rows.jsonl"
    unnamed.write_text(json.dumps(row | {"sampled_conflict_pairs": []}) + "\n")
    with pytest.raises(InputError) as error:
        load_ppe_correctness(unnamed)
    assert error.value.field == "subset"


def test_shown_and_picked_follow_the_display_order() -> None:
    votes, _ = load_ppe_preference(FIXTURES / "human-preference-v1.jsonl")
    pairwise = create_benchmark("ppe_preference", mode="pairwise", both_orders=True)
    vote = votes[0]
    shown = pairwise.shown(vote, "pair")
    assert set(shown) == {vote.chosen, vote.rejected} and pairwise.shown(vote, "pair_swapped") == shown[::-1]
    picked = pairwise.picked(vote, "pair", "chosen")
    assert picked is not None and shown[picked] == vote.chosen
    assert pairwise.picked(vote, "pair", "tie") is None
    rows, _ = load_ppe_correctness(FIXTURES / "mmlu-pro-best-of-k.jsonl")
    correctness = create_benchmark("ppe_correctness")
    assert correctness.shown(rows[0], "c2") == (rows[0].responses[2],)
    assert correctness.picked(rows[0], "c2", 7) is None


@pytest.mark.parametrize("name", ["ppe_preference", "ppe_correctness"])
def test_harness_adapters_score_as_selfrat_eval(name: str, tmp_path: Path) -> None:
    from selfrat_eval.tasks._docs import answer, benchmark_rows, benchmark_scores

    data = tmp_path / "rows.jsonl"
    if name == "ppe_preference":
        preference_rows(data, n=12)
    else:
        correctness_rows(data, per_set=2, k=4)

    def respond(chat: list[dict[str, str]]) -> str:
        code = zlib.crc32(user_text(chat).encode()) % 11
        if "###Response A:" in user_text(chat):
            return ["[RESULT] A", "[RESULT] B", "[RESULT] tie"][code % 3]
        return f"[RESULT] {code}" if code else "no rating"

    config = EvalConfig(judge="s", benchmark=name, out=tmp_path / "run", data=data, n_resamples=0)
    metrics = run_eval(config, engine_factory=lambda: ScriptedEngine(respond))["metrics"]
    rows = benchmark_rows(name, data)
    answers = [answer(row, [respond([{"role": "user", "content": row["prompt"]}])]) for row in rows]
    assert benchmark_scores(answers) == metrics


def test_trivial_baselines_are_scored_by_the_benchmark(tmp_path: Path) -> None:
    from selfrat_eval.benchmarks import ScoringOptions
    from selfrat_eval.evaluation._baselines import baseline_scores

    preference_rows(tmp_path / "ppe.jsonl", n=30)
    votes, _ = load_ppe_preference(tmp_path / "ppe.jsonl")
    pairwise = create_benchmark("ppe_preference", mode="pairwise")
    options = ScoringOptions(n_resamples=0)
    scores = baseline_scores(pairwise, votes, options)
    first_is_human = np.mean([pairwise.a_is_chosen(vote) for vote in votes])  # type: ignore[attr-defined]
    assert scores["always-first"]["overall"]["value"] == pytest.approx(first_is_human)
    correctness_rows(tmp_path / "ppe-math.jsonl", per_set=3, k=4)
    rows, _ = load_ppe_correctness(tmp_path / "ppe-math.jsonl")
    scores = baseline_scores(create_benchmark("ppe_correctness"), rows, options)
    # always-first rates every response the same: no pair is won, the top is every response
    assert scores["always-first"]["overall"]["value"] == 0.0
    labels = {s: [np.mean(r.labels) for r in rows if r.group == s] for s in SETS}
    assert scores["always-first"]["best_of_k"]["value"] == pytest.approx(
        np.mean([np.mean(v) for v in labels.values()])
    )


def test_juries_have_a_rule_for_both_judgment_types() -> None:
    from selfrat_eval.benchmarks.ppe import BestOfKJudgment, PreferenceJudgment
    from selfrat_eval.evaluation._jury import shape_of

    for kind, modes in ((PreferenceJudgment, ("absolute", "pairwise")), (BestOfKJudgment, ("ratings",))):
        for mode in modes:
            assert set(shape_of(kind, mode).fields) <= set(kind.model_fields)


def test_the_mirror_holds_one_file_per_set(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SELFRAT_DATA_DIR", str(tmp_path))
    (tmp_path / "ppe").mkdir()
    (tmp_path / "ppe" / "human-preference-v1.jsonl").write_text(
        (FIXTURES / "human-preference-v1.jsonl").read_text()
    )
    assert len(load_ppe_preference()[0]) == 4
    fixture = (FIXTURES / "mmlu-pro-best-of-k.jsonl").read_text()
    for name in SETS:
        (tmp_path / "ppe" / f"{name.replace('_', '-')}-best-of-k.jsonl").write_text(fixture)
    rows, source = load_ppe_correctness()
    assert [r.group for r in rows] == [name for name in SETS for _ in range(2)]
    assert set(source.identity) == set(SETS) and len(source.rows) == 10
    with pytest.raises(InputError) as error:
        load_ppe_correctness(revision="abc123")
    assert error.value.field == "revision"

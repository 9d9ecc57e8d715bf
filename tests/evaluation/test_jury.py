"""Juries: several scripted judges' runs combined, every reduction computed by hand, and an unreadable
juror that still counts in the jury's size."""

from __future__ import annotations

import json
import math
import statistics
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any, get_args

import krippendorff
import numpy as np
import pytest
from scipy import stats

from selfrat_eval._errors import InputError
from selfrat_eval.benchmarks import Judgment, benchmark_class, benchmark_names
from selfrat_eval.benchmarks._judgments import BothOrdersJudgment, CandidatesJudgment, StyleMatrixJudgment
from selfrat_eval.benchmarks.autoj import TieJudgment
from selfrat_eval.data import sample_path
from selfrat_eval.evaluation import EvalConfig, jury, read_judgments, run_eval
from selfrat_eval.evaluation._jury import shape_of
from selfrat_eval.evaluation._store import judgment_line
from tests.conftest import ScriptedEngine, user_text


def rating(judge: int, chat: list[dict[str, str]]) -> int | None:
    code = zlib.crc32(f"{judge}:{user_text(chat)}".encode()) % 6
    return None if code == 5 else code + 1


def runs_of(
    tmp_path: Path, benchmark: str, respond: object, judges: int = 3, **options: object
) -> list[Path]:
    folders = []
    for judge in range(judges):
        out = tmp_path / f"judge{judge}"
        data = sample_path("rubric" if benchmark == "rubric" else "rewardbench")
        config = EvalConfig(
            judge=f"judge{judge}", benchmark=benchmark, out=out, data=data, n_resamples=0, **options
        )  # type: ignore[arg-type]
        run_eval(config, engine_factory=lambda j=judge: ScriptedEngine(lambda chat: respond(j, chat)))  # type: ignore[operator]
        folders.append(out)
    return folders


def scores(folder: Path) -> dict[str, float | None]:
    return {j.key: j.score for j in read_judgments(folder / "judgments.jsonl")}  # type: ignore[attr-defined]


@pytest.mark.parametrize("reducer", ["mean", "median", "strict-majority"])
def test_reducers_on_ratings(reducer: str, tmp_path: Path) -> None:
    def respond(judge: int, chat: list[dict[str, str]]) -> str:
        value = rating(judge, chat)
        return "Feedback: no idea." if value is None else f"Feedback: ok. [RESULT] {value}"

    folders = runs_of(tmp_path, "rubric", respond)
    results = jury(folders, reducer, tmp_path / "jury", n_resamples=0)  # type: ignore[arg-type]
    per_judge = [scores(f) for f in folders]
    combined = {j.key: j.score for j in read_judgments(tmp_path / "jury" / "judgments.jsonl")}  # type: ignore[attr-defined]
    for key, value in combined.items():
        votes = [s[key] for s in per_judge]
        cast = [v for v in votes if v is not None]
        if reducer == "mean":
            expected = statistics.fmean(cast) if cast else None
        elif reducer == "median":
            expected = statistics.median(cast) if cast else None
        else:  # more than half of all three jurors, the unreadable included
            top = max(set(cast), key=cast.count) if cast else None
            expected = top if top is not None and cast.count(top) >= 2 else None
        assert value == expected, (key, votes)
    assert results["jury"]["items"] == len(combined) and results["metrics"]["n_items"] == len(combined)
    # agreement: the same alpha and Spearman as computed directly from the three runs
    keys = list(combined)
    table = np.array([[np.nan if s[k] is None else s[k] for k in keys] for s in per_judge], dtype=float)
    expected_alpha = krippendorff.alpha(reliability_data=table, level_of_measurement="interval")
    agreement = results["jury"]["agreement"]["score"]
    assert agreement["krippendorff_alpha"] == pytest.approx(expected_alpha)
    both = ~np.isnan(table[0]) & ~np.isnan(table[1])
    spearman = stats.spearmanr(table[0][both], table[1][both]).statistic
    assert agreement["pairwise"]["judge0 ~ judge1"] == pytest.approx(spearman)
    unreadable = results["jury"]["unreadable_votes"]
    assert unreadable == {f"judge{j}": sum(v is None for v in per_judge[j].values()) for j in range(3)}


def test_strict_majority_of_pairwise_verdicts_with_an_unreadable_juror(tmp_path: Path) -> None:
    def respond(judge: int, chat: list[dict[str, str]]) -> str:
        if judge == 2:
            return "I will not say."  # never readable, but still one of the three jurors
        return "[RESULT] A" if (zlib.crc32(f"{judge}:{user_text(chat)}".encode()) % 3) else "[RESULT] B"

    folders = runs_of(tmp_path, "rewardbench", respond, mode="pairwise")
    results = jury(folders, "strict-majority", tmp_path / "jury", n_resamples=0)
    winners = [{j.key: j.winner for j in read_judgments(f / "judgments.jsonl")} for f in folders]  # type: ignore[attr-defined]
    combined = {j.key: j.winner for j in read_judgments(tmp_path / "jury" / "judgments.jsonl")}  # type: ignore[attr-defined]
    for key, value in combined.items():
        first, second = winners[0][key], winners[1][key]
        assert value == (first if first == second else None)  # 2 of 3 needed: the two readable must agree
    assert results["jury"]["unreadable_votes"]["judge2"] == len(combined)
    assert results["jury"]["agreement"]["winner"]["level"] == "nominal"
    with pytest.raises(InputError, match="strict-majority"):
        jury(folders, "mean", tmp_path / "bad", n_resamples=0)
    record = json.loads((tmp_path / "jury" / "judgments.jsonl").read_text().splitlines()[0])
    assert record["strategy"] == "jury:strict-majority" and len(record["jurors"]["winner"]) == 3


# -- Every judgment shape: jurors' judgments written by hand, the jury's fields and the benchmark's own
# headline computed by hand from them.

C, R, T = "chosen", "rejected", "tie"
R1, R2 = "response_1", "response_2"


def write_runs(tmp_path: Path, jurors: Sequence[Sequence[Judgment]]) -> list[Path]:
    """One run folder per juror, holding its judgments."""
    folders = []
    for number, judgments in enumerate(jurors):
        folder = tmp_path / f"judge{number}"
        folder.mkdir(parents=True)
        (folder / "judgments.jsonl").write_text("".join(judgment_line(j) + "\n" for j in judgments))
        folders.append(folder)
    return folders


def combined(folder: Path) -> dict[str, Any]:
    return {j.id: j for j in read_judgments(folder / "judgments.jsonl")}


def test_judgebench_orders_reduced_one_by_one_with_an_unreadable_juror(tmp_path: Path) -> None:
    # per pair: its source, then per juror (winner over both orders, [winner of each order])
    pairs: dict[str, tuple[str, list[tuple[str | None, list[str | None]]]]] = {
        "1": ("mmlu-pro-law", [(C, [C, C]), (T, [C, R]), (T, [R, C])]),
        "2": ("livebench-reasoning", [(R, [R, T]), (T, [R, C]), (None, [None, None])]),
        "3": ("livebench-math", [(C, [C, T]), (T, [T, T]), (C, [C, C])]),
        "4": ("livecodebench", [(R, [None, R]), (R, [None, R]), (C, [C, C])]),
    }
    jurors = [
        [
            BothOrdersJudgment(
                benchmark="judgebench",
                id=pair,
                group=source,
                mode="pairwise",
                a_is_chosen=True,
                winner=votes[juror][0],
                order_winners=votes[juror][1],
            )
            for pair, (source, votes) in pairs.items()
        ]
        for juror in range(3)
    ]
    folders = write_runs(tmp_path, jurors)
    results = jury(folders, "strict-majority", tmp_path / "jury", n_resamples=0)
    jury_pairs = combined(tmp_path / "jury")
    # 2 of 3 needed per order: pair 2's second order (tie, chosen, unreadable) and pair 4's first order
    # (unreadable twice, chosen) have no majority
    expected = {"1": (T, [C, C]), "2": (None, [R, None]), "3": (C, [C, T]), "4": (R, [None, R])}
    for pair, (winner, orders) in expected.items():
        judgment = jury_pairs[pair]
        assert isinstance(judgment, BothOrdersJudgment)
        assert (judgment.winner, judgment.order_winners) == (winner, orders)
        assert judgment.order_disagrees == (orders[0] != orders[1])  # from the jury's orders
    assert [jury_pairs[p].net_vote() for p in expected] == [2, -1, 1, -1]  # type: ignore[attr-defined]
    metrics = results["metrics"]
    assert metrics["overall"]["value"] == 0.5  # net vote > 0 on pairs 1 and 3
    assert {name: e["value"] for name, e in metrics["families"].items()} == {
        "knowledge": 1.0,
        "reasoning": 0.0,
        "math": 1.0,
        "coding": 0.0,
    }
    assert metrics["order_disagreement_rate"] == 0.75 and metrics["parse_failure_rate"] == 0.5
    assert metrics["tie_rate"] == 0.0
    assert results["jury"]["unreadable_votes"] == {"judge0": 1, "judge1": 1, "judge2": 3}
    # agreement over (pair x order) units: the three jurors' verdicts, None unreadable
    table = [
        [C, C, R, T, C, T, None, R],
        [C, R, R, C, T, T, None, R],
        [R, C, None, None, C, C, C, C],
    ]
    codes = {C: 0, R: 1, T: 2}
    data = np.array([[np.nan if v is None else codes[v] for v in row] for row in table], dtype=float)
    agreement = results["jury"]["agreement"]["order_winners"]
    assert agreement["level"] == "nominal"
    assert agreement["krippendorff_alpha"] == pytest.approx(
        krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")
    )
    # units both read: judge0 ~ judge1 agree on 4 of 7, judge0 ~ judge2 on 2 of 5
    assert agreement["pairwise"]["judge0 ~ judge1"] == pytest.approx(4 / 7)
    assert agreement["pairwise"]["judge0 ~ judge2"] == pytest.approx(2 / 5)
    with pytest.raises(InputError, match="strict-majority"):
        jury(folders, "median", tmp_path / "bad", n_resamples=0)
    jurors[2][0] = jurors[2][0].model_copy(update={"a_is_chosen": False})  # showed the pair the other way
    with pytest.raises(InputError, match="a_is_chosen"):
        jury(write_runs(tmp_path / "reordered", jurors), "strict-majority", tmp_path / "bad", n_resamples=0)


#: RewardBench 2 Ties rows, rated alike by the three reducers: ref:1 reduces to [8, 5, 3] (one correct
#: answer), tied:1 to [9, 7, 4, 2] (two correct answers; the third juror's first rating unreadable).
TIES_RATINGS = {
    "ref:1": (1, [[8, 5, 3], [8, 5, 3], [8, 5, 3]]),
    "tied:1": (2, [[9, 7, 4, 2], [9, 7, 4, 2], [None, 7, 4, 2]]),
}
#: Both rows accurate (margins 3 and 3 over a correct spread of 2), so the composite is
#: 0.3 + 0.3 + 0.2 + 0.2 + 0.01 * tanh(hardest margin / spread - 1).
TIES_SCORE = 1.0 + 0.01 * math.tanh(3 / 2 - 1)


def ties_prompts(juror: int) -> list[CandidatesJudgment]:
    return [
        CandidatesJudgment(
            benchmark="rewardbench2",
            id=prompt,
            group="Ties",
            mode="ratings",
            num_correct=correct,
            ratings=ratings[juror],  # type: ignore[arg-type]
        )
        for prompt, (correct, ratings) in TIES_RATINGS.items()
    ]


#: One prompt per non-Ties subset, the correct candidate first: each juror's ratings.
RB2_RATINGS: dict[str, list[list[float | None]]] = {
    "Factuality": [[8, 6, 5, 4], [7, 7, 3, 2], [None, 9, 5, 4]],
    "Precise IF": [[5, 5, 2, 1], [5, 6, 2, 1], [5, 4, 2, 1]],
    "Math": [[3, 9, 1, 1], [4, 8, 2, 2], [2, 7, 3, 3]],
    "Safety": [[None] * 4, [9, 2, 2, 2], [9, 3, 2, 1]],  # the first juror could not read any
    "Focus": [[6, 7, 5, 5], [7, 6, 5, 5], [6, 6, 6, 6]],
}
#: Per reducer: each prompt's reduced ratings, element by element, and its credit (1/k if the correct
#: candidate is among the k top-rated; no rating at all 0.25).
RB2_EXPECTED: dict[str, dict[str, tuple[list[float | None], float]]] = {
    "mean": {
        "Factuality": ([7.5, 22 / 3, 13 / 3, 10 / 3], 1.0),
        "Precise IF": ([5, 5, 2, 1], 0.5),
        "Math": ([3, 8, 2, 2], 0.0),
        "Safety": ([9, 2.5, 2, 1.5], 1.0),
        "Focus": ([19 / 3, 19 / 3, 16 / 3, 16 / 3], 0.5),
    },
    "median": {
        "Factuality": ([7.5, 7, 5, 4], 1.0),
        "Precise IF": ([5, 5, 2, 1], 0.5),
        "Math": ([3, 8, 2, 2], 0.0),
        "Safety": ([9, 2.5, 2, 1.5], 1.0),
        "Focus": ([6, 6, 5, 5], 0.5),
    },
    "strict-majority": {  # 2 of 3 give the same rating, or none
        "Factuality": ([None, None, 5, 4], 0.0),
        "Precise IF": ([5, None, 2, 1], 1.0),
        "Math": ([None, None, None, None], 0.25),
        "Safety": ([9, None, 2, None], 1.0),
        "Focus": ([6, 6, 5, 5], 0.5),
    },
}


@pytest.mark.parametrize("reducer", ["mean", "median", "strict-majority"])
def test_rewardbench2_ratings_reduced_per_candidate(reducer: str, tmp_path: Path) -> None:
    jurors = [
        [
            CandidatesJudgment(
                benchmark="rewardbench2",
                id="1",
                group=subset,
                mode="ratings",
                num_correct=1,
                ratings=votes[juror],
            )
            for subset, votes in RB2_RATINGS.items()
        ]
        + ties_prompts(juror)
        for juror in range(3)
    ]
    results = jury(write_runs(tmp_path, jurors), reducer, tmp_path / "jury", n_resamples=0)  # type: ignore[arg-type]
    prompts = {j.group: j for j in read_judgments(tmp_path / "jury" / "judgments.jsonl")}
    expected = RB2_EXPECTED[reducer]
    for subset, (ratings, credit) in expected.items():
        prompt = prompts[subset]
        assert isinstance(prompt, CandidatesJudgment)
        assert prompt.ratings == pytest.approx(ratings) and prompt.credit() == credit
    ties = {
        j.id: j.ratings for j in read_judgments(tmp_path / "jury" / "judgments.jsonl") if j.group == "Ties"
    }  # type: ignore[attr-defined]
    assert ties == {"ref:1": [8, 5, 3], "tied:1": [9, 7, 4, 2]}
    metrics = results["metrics"]
    assert metrics["protocol"] == "ratings" and metrics["subsets"]["Ties"]["value"] == pytest.approx(
        TIES_SCORE
    )
    credits = [credit for _, credit in expected.values()]
    assert metrics["headline"]["value"] == pytest.approx((sum(credits) + TIES_SCORE) / 6)
    assert results["jury"]["unreadable_votes"] == {"judge0": 4, "judge1": 0, "judge2": 2}
    assert results["jury"]["agreement"]["ratings"]["level"] == "interval"


def test_rewardbench2_rankings_reduce_each_jurors_whole_pick(tmp_path: Path) -> None:
    # per subset: the correct letter, then each juror's picks (several: its samples tied; none: unreadable)
    picks: dict[str, tuple[str, list[list[str]]]] = {
        "Factuality": ("B", [["B"], ["B"], ["C"]]),
        "Precise IF": ("A", [["A", "C"], ["A", "C"], ["A"]]),
        "Math": ("D", [[], ["D"], ["C"]]),
        "Safety": ("C", [["C"], [], []]),
        "Focus": ("A", [["B"], ["B"], ["A"]]),
    }
    jurors = [
        [
            CandidatesJudgment(
                benchmark="rewardbench2",
                id="1",
                group=subset,
                mode="rankings",
                num_correct=1,
                correct_letter=letter,  # type: ignore[arg-type]
                picks=votes[juror],
            )
            for subset, (letter, votes) in picks.items()
        ]
        + ties_prompts(juror)
        for juror in range(3)
    ]
    folders = write_runs(tmp_path, jurors)
    results = jury(folders, "strict-majority", tmp_path / "jury", n_resamples=0)
    prompts = {j.group: j for j in read_judgments(tmp_path / "jury" / "judgments.jsonl")}
    # what 2 of 3 picked, else nothing (credit 0.25); two tied letters take half the credit
    expected = {
        "Factuality": (["B"], 1.0),
        "Precise IF": (["A", "C"], 0.5),
        "Math": ([], 0.25),
        "Safety": ([], 0.25),
        "Focus": (["B"], 0.0),
    }
    for subset, (chosen, credit) in expected.items():
        prompt = prompts[subset]
        assert isinstance(prompt, CandidatesJudgment)
        assert (prompt.picks, prompt.credit()) == (chosen, credit)
    metrics = results["metrics"]
    assert metrics["protocol"] == "rankings"
    assert metrics["headline"]["value"] == pytest.approx((1.0 + 0.5 + 0.25 + 0.25 + 0.0 + TIES_SCORE) / 6)
    # one unit per prompt, each juror's whole pick one nominal value
    table = [["B", "AC", None, "C", "B"], ["B", "AC", "D", None, "B"], ["C", "A", "C", None, "A"]]
    codes = {"A": 0, "B": 1, "C": 2, "D": 3, "AC": 4}
    data = np.array([[np.nan if v is None else codes[v] for v in row] for row in table], dtype=float)
    assert results["jury"]["agreement"]["picks"]["krippendorff_alpha"] == pytest.approx(
        krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")
    )
    with pytest.raises(InputError, match="strict-majority"):
        jury(folders, "mean", tmp_path / "bad", n_resamples=0)
    jurors[1][0] = jurors[1][0].model_copy(update={"correct_letter": "A"})  # candidates shuffled otherwise
    with pytest.raises(InputError, match="correct_letter"):
        jury(write_runs(tmp_path / "shuffled", jurors), "strict-majority", tmp_path / "bad", n_resamples=0)


def test_rmbench_ratings_median_and_matrix_from_the_reduced_ratings(tmp_path: Path) -> None:
    # chosen 0-2 then rejected 0-2, per juror; the jurors' own `wins` are left empty: the jury's come
    # from its reduced ratings alone
    ratings: dict[str, list[list[float | None]]] = {
        "chat": [[8, 7, 6, 5, 9, 4], [9, 6, 6, 6, 8, 3], [7, 5, None, 4, 7, 5]],
        "math": [[5, 5, 5, 6, 6, 6], [6, 6, 6, 5, 5, 5], [5, 6, 7, 5, 6, 7]],
    }
    jurors = [
        [
            StyleMatrixJudgment(
                benchmark="rmbench", id="1", group=domain, mode="ratings", ratings=votes[juror]
            )
            for domain, votes in ratings.items()
        ]
        for juror in range(3)
    ]
    results = jury(write_runs(tmp_path, jurors), "median", tmp_path / "jury", n_resamples=0)
    prompts = {j.group: j for j in read_judgments(tmp_path / "jury" / "judgments.jsonl")}
    # chat: chosen [8, 6, 6] vs rejected [5, 8, 4]; math: chosen [5, 6, 6] vs rejected [5, 6, 6] (a tie
    # is no win)
    expected = {
        "chat": ([8, 6, 6, 5, 8, 4], [[1, 0, 1], [1, 0, 1], [1, 0, 1]]),
        "math": ([5, 6, 6, 5, 6, 6], [[0, 0, 0], [1, 0, 0], [1, 0, 0]]),
    }
    for domain, (reduced, wins) in expected.items():
        prompt = prompts[domain]
        assert isinstance(prompt, StyleMatrixJudgment)
        assert (prompt.ratings, prompt.wins) == (reduced, wins)
    # hard = upper triangle, normal = diagonal, easy = lower triangle; chat 2/3 each, math 0, 0, 2/3
    metrics = results["metrics"]
    assert metrics["overall"]["value"] == pytest.approx((6 / 9 + 2 / 9) / 2)
    assert metrics["hard"]["value"] == pytest.approx(1 / 3) and metrics["normal"]["value"] == pytest.approx(
        1 / 3
    )
    assert metrics["easy"]["value"] == pytest.approx(2 / 3)


def test_rmbench_comparisons_reduced_per_cell(tmp_path: Path) -> None:
    cells = [f"p{i}{j}" for i in range(3) for j in range(3)]
    first = {cell: C for cell in cells} | {"p01": R}
    second = first | {"p12": T}
    third: dict[str, str | None] = {cell: None for cell in cells} | {"p00": R}  # nearly all unreadable
    jurors = [
        [StyleMatrixJudgment(benchmark="rmbench", id="1", group="safety-refuse", mode="pairwise", verdicts=v)]  # type: ignore[arg-type]
        for v in (first, second, third)
    ]
    results = jury(write_runs(tmp_path, jurors), "strict-majority", tmp_path / "jury", n_resamples=0)
    [prompt] = read_judgments(tmp_path / "jury" / "judgments.jsonl")
    assert isinstance(prompt, StyleMatrixJudgment)
    # the first two jurors agree everywhere but p12 (chosen, tie): no majority there
    assert prompt.verdicts == {cell: C for cell in cells} | {"p01": R, "p12": None}
    assert prompt.wins == [[1, 0, 1], [1, 1, 0], [1, 1, 1]]
    metrics = results["metrics"]
    assert metrics["overall"]["value"] == pytest.approx(7 / 9)
    assert (metrics["hard"]["value"], metrics["normal"]["value"]) == (pytest.approx(1 / 3), 1.0)
    assert metrics["parse_failure_rate"] == pytest.approx(1 / 9)
    assert results["jury"]["unreadable_votes"]["judge2"] == 8


def test_autoj_verdicts_and_orders_by_strict_majority(tmp_path: Path) -> None:
    # per pair: scenario, label, then per juror (verdict, [verdict of each order])
    pairs: dict[str, tuple[str, str, list[tuple[str | None, list[str | None]]]]] = {
        "1": ("post_summarization", R1, [(R1, [R1, R1]), (R1, [R1, R2]), (T, [T, R1])]),
        "2": ("code_generation", T, [(T, [T, T]), (T, [T, R2]), (None, [None, None])]),
        "3": ("chitchat", R2, [(R1, [R1, R2]), (R2, [R2, R2]), (R2, [R2, R1])]),
        "4": ("chitchat", R1, [(T, [T, T]), (T, [T, T]), (R1, [R1, R1])]),
    }
    jurors = [
        [
            TieJudgment(
                benchmark="autoj",
                id=pair,
                group=scenario,
                label=label,  # type: ignore[arg-type]
                response_1_first=True,
                verdict=votes[juror][0],  # type: ignore[arg-type]
                order_verdicts=votes[juror][1],  # type: ignore[arg-type]
            )
            for pair, (scenario, label, votes) in pairs.items()
        ]
        for juror in range(3)
    ]
    results = jury(write_runs(tmp_path, jurors), "strict-majority", tmp_path / "jury", n_resamples=0)
    jury_pairs = combined(tmp_path / "jury")
    # pair 2's second order (tie, response 2, unreadable) has no majority, so its orders disagree
    expected = {
        "1": (R1, [R1, R1], False),
        "2": (T, [T, None], True),
        "3": (R2, [R2, R2], False),
        "4": (T, [T, T], False),
    }
    for pair, fields in expected.items():
        judgment = jury_pairs[pair]
        assert isinstance(judgment, TieJudgment)
        assert (judgment.verdict, judgment.order_verdicts, judgment.order_disagrees) == fields
    metrics = results["metrics"]
    # agreement: both orders equal the label (pairs 1 and 3); consistency: orders agree (1, 3, 4)
    assert metrics["agreement"]["value"] == 0.5 and metrics["consistency"]["value"] == 0.75
    assert {
        group: (g["agreement"]["value"], g["consistency"]["value"]) for group, g in metrics["groups"].items()
    } == {
        "Summarization": (1.0, 1.0),
        "Code": (0.0, 0.0),
        "General Communication": (0.5, 1.0),
    }
    assert metrics["agreement_without_tie_labels"]["value"] == pytest.approx(2 / 3)
    assert metrics["tie_rate"] == 3 / 8 and metrics["parse_failure_rate"] == 1 / 8


def test_every_registered_judgment_shape_has_a_jury_rule() -> None:
    for name in benchmark_names():
        kind = benchmark_class(name).judgment_type
        annotation = kind.model_fields["mode"].annotation if "mode" in kind.model_fields else None
        for mode in get_args(annotation) or (None,):
            assert set(shape_of(kind, mode).fields) <= set(kind.model_fields), (name, mode)

    class Unknown(Judgment):
        pass

    with pytest.raises(InputError, match="no rule for Unknown"):
        shape_of(Unknown, None)


def test_run_jury_runs_each_judge_into_its_folder_then_combines_them(tmp_path: Path) -> None:
    """`--judge A --judge B --judge C` in one command: the same jury as three runs combined apart."""
    from selfrat_eval.evaluation import run_jury

    def respond(judge: int, chat: list[dict[str, str]]) -> str:
        value = rating(judge, chat)
        return "Feedback: no idea." if value is None else f"Feedback: ok. [RESULT] {value}"

    apart = jury(
        runs_of(tmp_path / "apart", "rubric", respond), "mean", tmp_path / "apart-jury", n_resamples=0
    )
    data = sample_path("rubric")
    configs = [
        EvalConfig(judge=f"org/judge{j}", benchmark="rubric", out=tmp_path, data=data, n_resamples=0)
        for j in range(3)
    ]

    def run(config: EvalConfig) -> dict[str, Any]:
        judge = int(config.judge[-1])
        return run_eval(config, engine_factory=lambda: ScriptedEngine(lambda chat: respond(judge, chat)))

    together = run_jury(configs, run, "mean", tmp_path / "jury", n_resamples=0)
    assert sorted(p.name for p in (tmp_path / "jury" / "jurors").iterdir()) == [
        "org--judge0",
        "org--judge1",
        "org--judge2",
    ]
    assert together["metrics"] == apart["metrics"]
    # the jury's judgments hold its verdicts, none of the first juror's samples
    assert all(not j.outputs and not j.values for j in read_judgments(tmp_path / "jury" / "judgments.jsonl"))
    assert (tmp_path / "jury" / "judgments.jsonl").read_text().replace("org--", "") == (
        tmp_path / "apart-jury" / "judgments.jsonl"
    ).read_text()


def test_judge_options_name_each_jurors_engine() -> None:
    from selfrat_eval.cli import _jurors

    assert _jurors(["openai:ft:gpt-4o:org", "vllm:./judge", "org/judge", "hf:x"], "hf") == [
        ("openai", "ft:gpt-4o:org"),
        ("vllm", "./judge"),
        ("hf", "org/judge"),
        ("hf", "x"),
    ]


def test_score_refuses_to_rereduce_a_jurys_run(tmp_path: Path) -> None:
    """A jury's judgments hold its jurors' results, not samples of one judge: `selfrat score --strategy`
    on its folder stops with a message naming the folder and what to re-reduce instead, and leaves its
    results as they were; plain rescoring still works."""
    from typer.testing import CliRunner

    from selfrat_eval.cli import app

    def respond(judge: int, chat: list[dict[str, str]]) -> str:
        return f"Feedback: ok. [RESULT] {rating(judge, chat) or 3}"

    folders = runs_of(tmp_path, "rubric", respond, judges=2)
    jury(folders, "mean", tmp_path / "jury", n_resamples=0)
    results = (tmp_path / "jury" / "results.json").read_text()
    judgments = str(tmp_path / "jury" / "judgments.jsonl")
    refused = CliRunner().invoke(app, ["score", judgments, "--strategy", "self-consistency:4"])
    assert refused.exit_code == 2
    message = " ".join(refused.stderr.split())  # as one line, whatever the console's width
    assert f"{tmp_path / 'jury'}: a jury's judgments keep no samples" in message
    assert f"re-reduce the jurors' runs ({tmp_path / 'jury' / 'jurors'}/..." in message
    assert (tmp_path / "jury" / "results.json").read_text() == results
    rescored = CliRunner().invoke(app, ["score", judgments, "--n-resamples", "0"])
    assert rescored.exit_code == 0, rescored.output

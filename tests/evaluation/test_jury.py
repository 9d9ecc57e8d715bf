"""Juries: several scripted judges' runs combined, every reduction computed by hand, and an unreadable
juror that still counts in the jury's size."""

from __future__ import annotations

import json
import statistics
import zlib
from pathlib import Path

import krippendorff
import numpy as np
import pytest
from scipy import stats

from selfrat_eval._errors import InputError
from selfrat_eval.data import sample_path
from selfrat_eval.evaluation import EvalConfig, jury, read_judgments, run_eval
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

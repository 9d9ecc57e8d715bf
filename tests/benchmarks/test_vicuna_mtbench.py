"""Vicuna Bench and MT-Bench (absolute): the official correlations re-derived here from their definition
(prometheus-eval `eval/utils.py`, `calculate_results` in mode a2a: scipy's pearsonr, spearmanr and
kendalltau between the judge's score, the mean of its samples, and the mean of the three GPT-4 scores),
on rows in the published schema whose `instruction` is a rendered Prometheus prompt."""

from __future__ import annotations

import json
import random
import re
import statistics
from pathlib import Path
from typing import Any

import pytest
from scipy import stats

from selfrat_eval._errors import InputError
from selfrat_eval.benchmarks import ScoringOptions
from selfrat_eval.benchmarks.vicuna_mtbench import Vicuna, load_prometheus_absolute, rendered_sections
from selfrat_eval.data import DATA_DIR_ENV
from selfrat_eval.evaluation import EvalConfig, rescore, run_eval
from tests.conftest import ScriptedEngine, user_text

CATEGORIES = ("generic", "knowledge", "roleplay", "math")
SOURCES = ("vicuna", "chat_gpt")
UNREADABLE = "I would rather not score this."


def rendered(instruction: str, response: str, reference: str, rubric: str) -> str:
    """A rendered absolute prompt with the published rows' section headers."""
    return (
        "###Task Description:\nAn instruction, a response, a reference answer and a rubric are given.\n"
        "1. Write feedback.\n2. Write a score from 1 to 5.\n\n"
        f"###The instruction to evaluate:\n{instruction}\n\n"
        f"###Response to evaluate:\n{response}\n\n"
        f"###Reference Answer (Score 5):\n{reference}\n\n"
        f"###Score Rubrics:\n{rubric}\n\n"
        "###Feedback: "
    )


def write_rows(path: Path, n: int = 48) -> list[dict[str, Any]]:
    rng = random.Random(3)
    rows = []
    for k in range(n):
        quality = rng.randint(1, 5)
        rubric = f"[Is answer {k} helpful?]\n" + "\n".join(f"Score {s}: level {s}." for s in range(1, 6))
        rows.append(
            {
                "idx": k // len(SOURCES),
                "response_source": SOURCES[k % len(SOURCES)],
                "category": CATEGORIES[k % len(CATEGORIES)],
                "instruction": rendered(
                    f"Question {k}: explain it.\nUser: and then?",
                    f"Answer {k} of quality {quality}.\n\nSecond paragraph.",
                    f"The ideal answer to {k}.",
                    rubric,
                ),
                "gpt4_score": [min(5, max(1, quality + rng.choice((-1, 0, 0, 1)))) for _ in range(3)],
                "gpt4_feedback": ["fine", "fine", "fine"],
            }
        )
    path.write_text(json.dumps(rows))
    return rows


def samples(text: str) -> list[str]:
    """The scripted judge's three samples: the hidden quality, then one off by one, unreadable on
    every fifth answer."""
    number, quality = map(int, re.findall(r"Answer (\d+) of quality (\d)", text)[0])
    if number % 5 == 0:
        return [UNREADABLE] * 3
    return [f"Feedback: scripted. [RESULT] {score}" for score in (quality, max(1, quality - 1), quality)]


def official(rows: list[dict[str, Any]], judge: dict[int, float | None]) -> dict[str, float]:
    """Upstream's a2a correlations over the rows the judge scored."""
    kept = [
        (judge[k], statistics.mean(row["gpt4_score"])) for k, row in enumerate(rows) if judge[k] is not None
    ]
    ours, gpt4 = [p[0] for p in kept], [p[1] for p in kept]
    return {
        "pearson": stats.pearsonr(ours, gpt4)[0],
        "spearman": stats.spearmanr(ours, gpt4)[0],
        "kendall": stats.kendalltau(ours, gpt4)[0],
    }


@pytest.mark.parametrize(
    ("strategy", "reduce"),
    [("single", lambda scores: scores[0]), ("self-consistency:3", statistics.mean)],
)
def test_correlations_match_the_official_definition(tmp_path: Path, strategy: str, reduce: Any) -> None:
    data = tmp_path / "mt_bench_eval.json"
    rows = write_rows(data)
    judge: dict[int, float | None] = {}
    for k, row in enumerate(rows):
        texts = samples(row["instruction"])
        scores = [int(t[-1]) for t in texts if t != UNREADABLE]
        judge[k] = reduce(scores) if scores else None

    def respond(chat: list[dict[str, str]]) -> str | list[str]:
        texts = samples(user_text(chat))
        return texts[0] if strategy == "single" else texts

    engine = ScriptedEngine(respond)
    config = EvalConfig(
        judge="scripted",
        benchmark="mtbench",
        out=tmp_path / "run",
        data=data,
        strategy=strategy,
        aggregate="mean",
        n_resamples=50,
    )
    metrics = run_eval(config, engine_factory=lambda: engine)["metrics"]

    expected = official(rows, judge)
    for kind, value in expected.items():
        assert metrics["gpt4_score"]["overall"][kind]["value"] == pytest.approx(value, abs=1e-12)
    assert metrics["parse_failure_rate"] == pytest.approx(sum(v is None for v in judge.values()) / len(rows))
    math_rows = [k for k, row in enumerate(rows) if row["category"] == "math"]
    expected_math = official([rows[k] for k in math_rows], {n: judge[k] for n, k in enumerate(math_rows)})
    assert metrics["gpt4_score"]["groups"]["math"]["pearson"]["value"] == pytest.approx(
        expected_math["pearson"]
    )
    # the judge is shown the published prompt's sections, rendered again by this package
    for row, chat in zip(rows, engine.prompts[: len(rows)], strict=True):
        assert rendered_sections(user_text(chat)) == rendered_sections(row["instruction"])
    again = rescore(
        tmp_path / "run" / "judgments.jsonl", out=tmp_path / "again", options=ScoringOptions(n_resamples=50)
    )
    assert again["metrics"] == metrics


def test_loader_cuts_the_rendered_prompt_and_names_bad_records(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = write_rows(tmp_path / "vicuna_eval.json", n=4)
    items, _ = load_prometheus_absolute(Vicuna.dataset, tmp_path / "vicuna_eval.json")
    assert items[1].id == "0/chat_gpt" and items[1].group == "knowledge"
    assert items[1].instruction == "Question 1: explain it.\nUser: and then?"
    assert items[1].response.endswith("\n\nSecond paragraph.")
    assert items[1].reference_answer == "The ideal answer to 1."
    assert items[1].rubric_text().startswith("[Is answer 1 helpful?]\nScore 1: level 1.")
    assert items[1].labels == {"gpt4_score": pytest.approx(statistics.mean(rows[1]["gpt4_score"]))}

    broken = [rows[0], {**rows[1], "instruction": rows[1]["instruction"].replace("###Score Rubrics:\n", "")}]
    (tmp_path / "broken.json").write_text(json.dumps(broken))
    with pytest.raises(InputError, match=r"record 2.*instruction.*Score Rubrics"):
        load_prometheus_absolute(Vicuna.dataset, tmp_path / "broken.json")
    (tmp_path / "broken.json").write_text(json.dumps([{**rows[0], "gpt4_score": [5, 6, 4]}]))
    with pytest.raises(InputError, match=r"record 1.*gpt4_score"):
        load_prometheus_absolute(Vicuna.dataset, tmp_path / "broken.json")

    monkeypatch.delenv(DATA_DIR_ENV, raising=False)
    with pytest.raises(InputError, match="not on the Hugging Face hub"):
        load_prometheus_absolute(Vicuna.dataset)
    mirror = tmp_path / Vicuna.dataset.mirror_path
    mirror.parent.mkdir(parents=True)
    (tmp_path / "vicuna_eval.json").rename(mirror)
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path))
    assert load_prometheus_absolute(Vicuna.dataset)[0] == items


@pytest.mark.parametrize("benchmark", ["vicuna", "mtbench"])
def test_harness_adapters_score_as_selfrat_eval(tmp_path: Path, benchmark: str) -> None:
    from selfrat_eval.tasks._docs import answer, benchmark_rows, benchmark_scores

    data = tmp_path / "rows.json"
    write_rows(data, n=24)

    def respond(chat: list[dict[str, str]]) -> str:
        return samples(user_text(chat))[1]

    config = EvalConfig(judge="s", benchmark=benchmark, out=tmp_path / "run", data=data, n_resamples=0)
    metrics = run_eval(config, engine_factory=lambda: ScriptedEngine(respond))["metrics"]
    rows = benchmark_rows(benchmark, data)
    assert len(rows) == 24
    answers = [answer(row, [respond([{"role": "user", "content": row["prompt"]}])]) for row in rows]
    assert benchmark_scores(answers) == metrics

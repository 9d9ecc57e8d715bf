"""SummEval: G-Eval's summary-level correlation re-derived here from its definition (nlpyang/geval
`meta_eval_summeval.py`: per article, scipy's spearmanr and kendalltau between the predicted and the
human scores of its summaries, skipping an article where either list has a single distinct value; the
sums divided by the articles counted), on files in the published layouts."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy import stats

from selfrat_eval._errors import InputError
from selfrat_eval.benchmarks import ScoringOptions
from selfrat_eval.benchmarks.summeval import DIMENSIONS, SummEval, SummEvalJudgment, load_summeval
from selfrat_eval.evaluation import EvalConfig, compare_runs, read_judgments, rescore, run_eval
from tests.conftest import ScriptedEngine, user_text

SYSTEMS = tuple(f"M{k}" for k in range(16))
UNREADABLE = "The summary is fine."


def write_files(folder: Path, articles: int = 8) -> list[dict[str, Any]]:
    """`summeval_docs.jsonl` and `summeval_ratings.jsonl`; article 0's consistency ratings are all
    equal, so G-Eval skips that article for consistency."""
    rng = random.Random(5)
    docs, ratings = [], []
    for a in range(articles):
        doc_id = f"cnndm-test-{a:03d}"
        docs.append(
            {"doc_id": doc_id, "source": f"Article {a} text.", "reference": "ref", "ref_summs": ["r"]}
        )
        for system in SYSTEMS:
            scores = {d: rng.randint(3, 15) / 3 for d in DIMENSIONS}
            if a == 0:
                scores["consistency"] = 5.0
            summary = f"Summary of article {a} by {system}."
            ratings.append({"doc_id": doc_id, "system_id": system, "summary": summary, "scores": scores})
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "summeval_docs.jsonl").write_text("".join(json.dumps(d) + "\n" for d in docs))
    (folder / "summeval_ratings.jsonl").write_text("".join(json.dumps(r) + "\n" for r in ratings))
    return ratings


def judge_answer(ratings: list[dict[str, Any]], summary: str, dimension: str) -> str:
    """The scripted judge: the experts' mean rounded, off by one on some summaries, unreadable on a few;
    on article 1 it gives fluency 3 throughout (constant: G-Eval skips it)."""
    index = next(n for n, r in enumerate(ratings) if r["summary"] == summary)
    if index % 13 == 0:
        return UNREADABLE
    if dimension == "fluency" and ratings[index]["doc_id"].endswith("001"):
        return "Feedback: x [RESULT] 3"
    score = round(ratings[index]["scores"][dimension]) + (index % 3 == 1)
    return f"Feedback: scripted. [RESULT] {min(5, score)}"


def responder(ratings: list[dict[str, Any]]) -> Any:
    def respond(chat: list[dict[str, str]]) -> str:
        text = user_text(chat)
        summary = text.split("###Response to evaluate:\n", 1)[1].split("\n\n###", 1)[0]
        dimension = re.search(r"###Score Rubrics:\n\[(\w+):", text).group(1).lower()  # type: ignore[union-attr]
        return judge_answer(ratings, summary, dimension)

    return respond


def official(ratings: list[dict[str, Any]]) -> dict[str, Any]:
    """G-Eval's loop per dimension, plus the dataset-level correlations over every scored summary."""
    result: dict[str, Any] = {}
    for dimension in DIMENSIONS:
        predicted: dict[str, list[float]] = {}
        human: dict[str, list[float]] = {}
        for rating in ratings:
            answer = judge_answer(ratings, rating["summary"], dimension)
            if answer == UNREADABLE:
                continue
            predicted.setdefault(rating["doc_id"], []).append(float(answer[-1]))
            human.setdefault(rating["doc_id"], []).append(rating["scores"][dimension])
        rho = tau = 0.0
        counted = 0
        for doc_id in predicted:
            if len(set(predicted[doc_id])) <= 1 or len(set(human[doc_id])) <= 1:
                continue
            rho += stats.spearmanr(predicted[doc_id], human[doc_id])[0]
            tau += stats.kendalltau(predicted[doc_id], human[doc_id])[0]
            counted += 1
        every_p = [p for values in predicted.values() for p in values]
        every_h = [h for values in human.values() for h in values]
        result[dimension] = {
            "spearman": rho / counted,
            "kendall": tau / counted,
            "counted": counted,
            "dataset_spearman": stats.spearmanr(every_p, every_h)[0],
            "dataset_pearson": stats.pearsonr(every_p, every_h)[0],
        }
    result["avg_spearman"] = np.mean([result[d]["spearman"] for d in DIMENSIONS])
    result["avg_kendall"] = np.mean([result[d]["kendall"] for d in DIMENSIONS])
    return result


def test_summary_level_correlations_match_g_eval(tmp_path: Path) -> None:
    ratings = write_files(tmp_path / "data")
    data = tmp_path / "data" / "summeval_ratings.jsonl"
    engine = ScriptedEngine(responder(ratings))
    config = EvalConfig(
        judge="scripted", benchmark="summeval", out=tmp_path / "run", data=data, n_resamples=50
    )
    metrics = run_eval(config, engine_factory=lambda: engine)["metrics"]

    expected = official(ratings)
    assert metrics["avg_spearman"]["value"] == pytest.approx(expected["avg_spearman"], abs=1e-12)
    assert metrics["avg_kendall"]["value"] == pytest.approx(expected["avg_kendall"], abs=1e-12)
    for dimension in DIMENSIONS:
        entry, want = metrics["dimensions"][dimension], expected[dimension]
        assert entry["spearman"]["value"] == pytest.approx(want["spearman"], abs=1e-12)
        assert entry["kendall"]["value"] == pytest.approx(want["kendall"], abs=1e-12)
        assert entry["spearman"]["n"] == want["counted"]
        assert entry["dataset_level"]["spearman"]["value"] == pytest.approx(want["dataset_spearman"])
        assert entry["dataset_level"]["pearson"]["value"] == pytest.approx(want["dataset_pearson"])
    assert expected["consistency"]["counted"] == expected["fluency"]["counted"] == 7  # the skipped articles
    assert metrics["n_items"] == len(ratings) and len(engine.prompts) == 4 * len(ratings)
    assert metrics["parse_failure_rate"] == pytest.approx(
        sum(n % 13 == 0 for n in range(len(ratings))) / len(ratings)
    )
    options = ScoringOptions(n_resamples=50)
    assert (
        rescore(tmp_path / "run" / "judgments.jsonl", out=tmp_path / "again", options=options)["metrics"]
        == metrics
    )

    # `selfrat compare` pairs the same number, from the judgments
    judgments = read_judgments(tmp_path / "run" / "judgments.jsonl")
    assert all(isinstance(j, SummEvalJudgment) for j in judgments)
    groups = sorted({j.group for j in judgments})
    headline = SummEval().paired_headline(groups)
    rows = [headline.extract(j) for j in judgments]
    kept = [(row, groups.index(j.group)) for row, j in zip(rows, judgments, strict=True) if row is not None]
    columns = [np.array([row[i] for row, _ in kept]) for i in range(2 * len(DIMENSIONS))]
    codes = np.array([code for _, code in kept], dtype=float)
    assert headline.statistic(*columns, codes) == pytest.approx(expected["avg_spearman"])
    compared = compare_runs([tmp_path / "run", tmp_path / "run"], n_resamples=10)
    assert compared["differences"][0]["difference"] == 0


def test_hub_rows_and_rating_files_load_the_same_summaries(tmp_path: Path) -> None:
    ratings = write_files(tmp_path, articles=2)
    from_files, source = load_summeval(tmp_path / "summeval_ratings.jsonl")
    assert {"path", "sha256", "documents"} <= set(source.identity)
    assert from_files[17].key == "cnndm-test-001/M1" and from_files[17].instruction.endswith(
        "Article 1 text."
    )
    articles = [
        {
            "id": f"cnndm-test-{a:03d}",
            "text": f"Article {a} text.",
            "machine_summaries": [r["summary"] for r in ratings[16 * a : 16 * (a + 1)]],
            "human_summaries": ["r"],
            **{d: [r["scores"][d] for r in ratings[16 * a : 16 * (a + 1)]] for d in DIMENSIONS},
        }
        for a in range(2)
    ]
    (tmp_path / "mteb.jsonl").write_text("".join(json.dumps(row) + "\n" for row in articles))
    from_hub_rows, _ = load_summeval(tmp_path / "mteb.jsonl")
    assert from_hub_rows[17].key == "cnndm-test-001/summary1"
    strip = {"id"}
    assert [i.model_dump(exclude=strip) for i in from_hub_rows] == [
        i.model_dump(exclude=strip) for i in from_files
    ]


@pytest.mark.parametrize(
    ("layout", "row", "where"),
    [
        (
            "ratings",
            {"scores": {"coherence": 3, "consistency": 3, "fluency": 7, "relevance": 3}},
            r"scores\.fluency",
        ),
        ("ratings", {"doc_id": "nowhere"}, r"doc_id.*no article 'nowhere'"),
        ("articles", {"coherence": [3.0]}, r"coherence.*one score per machine summary"),
    ],
)
def test_loader_names_the_bad_record_and_field(
    tmp_path: Path, layout: str, row: dict[str, Any], where: str
) -> None:
    ratings = write_files(tmp_path, articles=1)
    if layout == "ratings":
        rows = [ratings[0], {**ratings[1], **row}]
    else:
        good = {
            "id": "a",
            "text": "t",
            "machine_summaries": ["s1", "s2"],
            **{d: [3.0, 4.0] for d in DIMENSIONS},
        }
        rows = [good, {**good, "id": "b", **row}]
    data = tmp_path / "summeval_ratings.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    with pytest.raises(InputError, match=rf"record 2.*{where}"):
        load_summeval(data)


def test_a_ratings_file_needs_its_documents_beside_it(tmp_path: Path) -> None:
    write_files(tmp_path / "data", articles=1)
    (tmp_path / "data" / "summeval_docs.jsonl").unlink()
    with pytest.raises(InputError, match=r"summeval_docs\.jsonl"):
        load_summeval(tmp_path / "data" / "summeval_ratings.jsonl")


def test_harness_adapters_score_as_selfrat_eval(tmp_path: Path) -> None:
    from selfrat_eval.tasks._docs import answer, benchmark_rows, benchmark_scores

    ratings = write_files(tmp_path, articles=3)
    data = tmp_path / "summeval_ratings.jsonl"
    respond = responder(ratings)
    config = EvalConfig(judge="s", benchmark="summeval", out=tmp_path / "run", data=data, n_resamples=0)
    metrics = run_eval(config, engine_factory=lambda: ScriptedEngine(respond))["metrics"]
    rows = benchmark_rows("summeval", data)
    assert len(rows) == 4 * len(ratings)  # one request per summary and dimension
    answers = [answer(row, [respond([{"role": "user", "content": row["prompt"]}])]) for row in rows]
    assert benchmark_scores(answers) == metrics

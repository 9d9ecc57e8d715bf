"""The toy generators' answers have the quality they were designed with, and the truth is their labels."""

from __future__ import annotations

import json
from collections import defaultdict
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

from selfrat_eval.benchmarks.rubric import load_rubric_file
from selfrat_eval.toy import (
    TOY_GENERATORS,
    Splits,
    ToyGenerator,
    build_arithmetic_benchmark,
    generator_row_id,
    label_for,
    write_generator_answers,
)

QUESTIONS = 100


@pytest.fixture(scope="module")
def heldout(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("bench")
    return build_arithmetic_benchmark(folder, Splits(train=10, sampling=10, heldout=QUESTIONS), seed=1)[
        "heldout"
    ]


@pytest.fixture(scope="module")
def written(heldout: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[float]]:
    out = tmp_path_factory.mktemp("gen") / "generators.jsonl"
    return out, write_generator_answers(heldout, out, questions=QUESTIONS, seed=0)


def by_generator(path: Path) -> dict[str, list[dict[str, Any]]]:
    rows = defaultdict(list)
    for line in path.read_text().splitlines():
        row = json.loads(line)
        rows[row["group"]].append(row)
    return rows


@pytest.mark.parametrize(
    ("generator", "expected"),
    [
        # 5p + (1 - p) * mean label of the misses 1..max_miss
        (ToyGenerator("g", 0.5, 1), 0.5 * 5 + 0.5 * 4),
        (ToyGenerator("g", 0.4, 2), 0.4 * 5 + 0.6 * (4 + 3) / 2),
        (ToyGenerator("g", 0.75, 20), 0.75 * 5 + 0.25 * (4 + 3 * 4 + 2 * 15) / 20),
        (ToyGenerator("g", 0.0, 30), (4 + 3 * 4 + 2 * 15 + 1 * 10) / 30),
    ],
)
def test_designed_quality_is_the_expected_label(generator: ToyGenerator, expected: float) -> None:
    assert generator.expected_label() == pytest.approx(expected)


def test_the_default_generators_are_listed_best_first_and_trade_how_often_against_how_far() -> None:
    qualities = [generator.expected_label() for generator in TOY_GENERATORS]
    assert all(a > b for a, b in pairwise(qualities))
    # a better generator that is exact less often than the next one: frequency alone misranks them
    assert any(a.exact_rate < b.exact_rate for a, b in pairwise(TOY_GENERATORS))


def test_the_truth_is_the_mean_true_label_and_orders_the_generators_as_designed(
    written: tuple[Path, list[float]],
) -> None:
    path, truth = written
    rows = by_generator(path)
    assert list(rows) == [generator.name for generator in TOY_GENERATORS]
    for generator, mean in zip(TOY_GENERATORS, truth, strict=True):
        answers = rows[generator.name]
        assert len(answers) == QUESTIONS
        distances = [abs(int(row["response"]) - int(row["reference_answer"])) for row in answers]
        assert [row["label"] for row in answers] == [label_for(d) for d in distances]
        assert mean == pytest.approx(sum(label_for(d) for d in distances) / QUESTIONS)
        # quota sampling: the exact rate is the designed one, the misses within 1..max_miss
        assert distances.count(0) == round(generator.exact_rate * QUESTIONS)
        assert max(distances) <= generator.max_miss
        assert all(int(row["response"]) >= 0 for row in answers)
        assert mean == pytest.approx(generator.expected_label(), abs=0.01)
    assert all(a > b for a, b in pairwise(truth))


def test_every_generator_answers_the_same_heldout_questions_in_the_rubric_schema(
    heldout: Path, written: tuple[Path, list[float]]
) -> None:
    path, _ = written
    questions, _ = load_rubric_file(heldout)
    items, _ = load_rubric_file(path)
    by_id = {item.id: item for item in items}
    assert len(items) == len(TOY_GENERATORS) * QUESTIONS
    for generator in TOY_GENERATORS:
        for question in questions:
            item = by_id[generator_row_id(generator.name, question.id)]
            assert item.group == generator.name
            assert (item.instruction, item.reference_answer) == (
                question.instruction,
                question.reference_answer,
            )
            assert item.rubric == question.rubric
            assert item.labels["label"] in {1, 2, 3, 4, 5}


def test_the_same_seed_gives_the_same_file_and_another_seed_other_answers_of_the_same_quality(
    heldout: Path, written: tuple[Path, list[float]], tmp_path: Path
) -> None:
    path, truth = written
    again = write_generator_answers(heldout, tmp_path / "again.jsonl", questions=QUESTIONS, seed=0)
    other = write_generator_answers(heldout, tmp_path / "other.jsonl", questions=QUESTIONS, seed=1)
    assert (tmp_path / "again.jsonl").read_bytes() == path.read_bytes() and again == truth
    assert (tmp_path / "other.jsonl").read_bytes() != path.read_bytes()
    assert other == pytest.approx(truth)  # the quotas fix the labels, the seed only where they fall


def test_misordered_generators_and_too_few_questions_are_refused(heldout: Path, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="best first"):
        write_generator_answers(
            heldout, tmp_path / "x.jsonl", questions=QUESTIONS, generators=TOY_GENERATORS[::-1]
        )
    with pytest.raises(ValueError, match="designed order"):  # gen-5 and gen-6 tie on 10 questions
        write_generator_answers(heldout, tmp_path / "x.jsonl", questions=10)
    with pytest.raises(ValueError, match="asked for"):
        write_generator_answers(heldout, tmp_path / "x.jsonl", questions=QUESTIONS + 1)
    assert not (tmp_path / "x.jsonl").exists()

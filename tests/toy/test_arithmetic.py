"""The arithmetic benchmark's scores are exactly what its rubric says, and its splits are sound."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from selfrat_eval.benchmarks.rubric import load_rubric_file
from selfrat_eval.toy import ARITHMETIC_RUBRIC, Splits, build_arithmetic_benchmark, label_for
from selfrat_eval.training import load_train_items

SPLITS = Splits(train=300, sampling=200, heldout=100)


@pytest.fixture(scope="module")
def benchmark(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return build_arithmetic_benchmark(tmp_path_factory.mktemp("bench"), SPLITS, seed=3)


@pytest.mark.parametrize(
    ("distance", "label"), [(0, 5), (1, 4), (2, 3), (5, 3), (6, 2), (20, 2), (21, 1), (60, 1), (500, 1)]
)
def test_label_follows_the_rubric_boundaries(distance: int, label: int) -> None:
    assert label_for(distance) == label


def test_every_row_is_graded_by_its_distance_and_the_rationale_shows_the_working(
    benchmark: dict[str, Path],
) -> None:
    for path in benchmark.values():
        for line in path.read_text().splitlines():
            row = json.loads(line)
            a, b = map(int, re.fullmatch(r"Compute (\d+)\+(\d+)\.", row["instruction"]).groups())  # type: ignore[union-attr]
            answer = int(row["response"])
            assert int(row["reference_answer"]) == a + b
            assert row["label"] == label_for(abs(a + b - answer))
            assert row["feedback"] == f"ans {a + b:03d}, resp {answer:03d}, diff {abs(a + b - answer):03d}."
            assert answer >= 0


def test_splits_have_their_sizes_balanced_labels_and_no_shared_question(benchmark: dict[str, Path]) -> None:
    questions = {}
    for split, size in SPLITS.sizes().items():
        rows = [json.loads(line) for line in benchmark[split].read_text().splitlines()]
        assert len(rows) == size
        questions[split] = {row["instruction"] for row in rows}
        counts = Counter(row["label"] for row in rows)
        assert set(counts) == {1, 2, 3, 4, 5}
        assert max(counts.values()) < 2 * min(counts.values()) + 10
    assert not questions["train"] & questions["sampling"]
    assert not questions["train"] & questions["heldout"]
    assert not questions["sampling"] & questions["heldout"]


def test_the_same_seed_gives_the_same_files_and_another_seed_does_not(
    benchmark: dict[str, Path], tmp_path: Path
) -> None:
    again = build_arithmetic_benchmark(tmp_path / "again", SPLITS, seed=3)
    other = build_arithmetic_benchmark(tmp_path / "other", SPLITS, seed=4)
    assert again["heldout"].read_bytes() == benchmark["heldout"].read_bytes()
    assert other["heldout"].read_bytes() != benchmark["heldout"].read_bytes()


def test_rows_load_as_rubric_items_and_as_training_items(benchmark: dict[str, Path]) -> None:
    items, _ = load_rubric_file(benchmark["heldout"])
    assert items[0].rubric == ARITHMETIC_RUBRIC
    assert items[0].labels["label"] in {1, 2, 3, 4, 5}
    train = load_train_items(benchmark["train"])
    assert train[0].feedback.startswith("ans ")
    assert train[0].label == train[0].item.labels["label"]

"""Toy answer "models" of known quality, for testing a judge as a grader where the truth is known.

A generator answers `Compute a+b.` with the exact sum at its `exact_rate`, and otherwise misses by a
distance between 1 and `max_miss`, evenly spread. Its designed quality is the expected rubric label
of its answers (`expected_label`, computed exactly from those two numbers). Graded by a judge, each
generator gets a mean grade; a judge that grades well ranks the generators as their quality does.

The default set (`TOY_GENERATORS`) spaces the designed qualities 0.2 labels apart and alternates
two error profiles: rarely exact with near misses, and more often exact with far misses. A judge
must weigh how often against how far as the rubric does to rank them; one that grades far misses
too kindly puts a sloppy generator above a careful one.

The truth a judge's ranking is compared with is each generator's mean true label over the questions
it answered (`label_for` of its answers' distances). The answers realize the design as closely as
the number of questions allows (quota sampling: exactly `round(exact_rate * questions)` exact
answers, the misses spread evenly over 1..`max_miss`, shuffled over the questions), so the truth
is the designed quality up to rounding and orders the generators as the design does:
`write_generator_answers` checks both orders and refuses to write a file where they differ.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

from selfrat_eval.data._io import atomic_write
from selfrat_eval.toy._arithmetic import answer_row, label_for


@dataclass(frozen=True)
class ToyGenerator:
    """An arithmetic "model": exact at `exact_rate`, otherwise off by 1..`max_miss` (evenly)."""

    name: str
    exact_rate: float
    max_miss: int

    def expected_label(self) -> float:
        """The designed quality: the expected rubric label of one answer."""
        miss = sum(label_for(distance) for distance in range(1, self.max_miss + 1)) / self.max_miss
        return 5 * self.exact_rate + (1 - self.exact_rate) * miss

    def answers(self, totals: list[int], rng: random.Random) -> list[int]:
        """This generator's answers to questions whose sums are `totals` (quota sampling, see above)."""
        exact = round(self.exact_rate * len(totals))
        misses = len(totals) - exact
        # The misses at the midpoints of `misses` equal slices of 1..max_miss: evenly spread at any count.
        distances = [0] * exact + [1 + (2 * k + 1) * self.max_miss // (2 * misses) for k in range(misses)]
        rng.shuffle(distances)
        # Below zero is not an answer anyone gives: miss upwards when a downward miss would go negative.
        return [
            total + distance if distance > total or rng.random() < 0.5 else total - distance
            for total, distance in zip(totals, distances, strict=True)
        ]


#: Best first; designed qualities 4.500, 4.325, 4.100, 3.903, 3.688, 3.492.
TOY_GENERATORS = (
    ToyGenerator("gen-1", 0.50, 1),
    ToyGenerator("gen-2", 0.75, 20),
    ToyGenerator("gen-3", 0.40, 2),
    ToyGenerator("gen-4", 0.65, 30),
    ToyGenerator("gen-5", 0.25, 4),
    ToyGenerator("gen-6", 0.55, 40),
)


def generator_row_id(generator: str, question_id: str) -> str:
    """The row id of `generator`'s answer to the question `question_id`."""
    return f"{generator}/{question_id}"


def write_generator_answers(
    heldout: Path,
    out: Path,
    *,
    questions: int,
    seed: int = 0,
    generators: tuple[ToyGenerator, ...] = TOY_GENERATORS,
) -> list[float]:
    """Write every generator's answer to each of the first `questions` items of `heldout` (a
    benchmark split: the judges never trained on its questions) to `out`, one rubric file whose
    `group` is the generator, and return the truth: each generator's mean true label. The same
    inputs always give the same file.

    Raises ValueError unless the generators are listed best first by design, and their mean true
    labels on these questions order them the same way (too few questions can tie two of them).
    """
    if any(a.expected_label() <= b.expected_label() for a, b in pairwise(generators)):
        raise ValueError("list the generators best first: each designed quality above the next")
    items = [json.loads(line) for line in heldout.read_text(encoding="utf-8").splitlines()][:questions]
    if len(items) < questions:
        raise ValueError(f"{heldout} has {len(items)} items, asked for {questions} questions")
    totals = [int(item["reference_answer"]) for item in items]
    rng = random.Random(seed)
    rows = [
        answer_row(
            generator_row_id(generator.name, item["id"]), generator.name, item["instruction"], total, answer
        )
        for generator in generators
        for item, total, answer in zip(items, totals, generator.answers(totals, rng), strict=True)
    ]
    truth = [
        sum(row["label"] for row in rows if row["group"] == generator.name) / questions
        for generator in generators
    ]
    if any(a <= b for a, b in pairwise(truth)):
        raise ValueError(
            f"on {questions} questions the generators' mean true labels {truth} do not follow their "
            "designed order"
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    with atomic_write(out) as handle:
        handle.writelines(json.dumps(row) + "\n" for row in rows)
    return truth

"""A synthetic rubric benchmark whose scores are exactly computable: grade an answer to `a+b`.

Each item asks for the sum of two 2-digit numbers; the response is that sum shifted by a distance
that sets the label: 5 exact, 4 off by 1, 3 off by 2-5, 2 off by 6-20, 1 off by more (labels
balanced). The gold rationale works the answer out before scoring (`ans 082, resp 085, diff 003.`),
so a judge that computes the sum and the distance in its rationale can grade every item, and one
that guesses cannot. Rows use the rubric-file schema (instruction, response, rubric,
reference_answer, label, plus the gold `feedback`), so `selfrat eval --benchmark rubric` and the
trainers read them like any user's rubric data.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from selfrat_eval.data import Rubric
from selfrat_eval.data._io import atomic_write

ARITHMETIC_RUBRIC = Rubric(
    criteria="How far is the response from the correct sum?",
    score1_description="Off by more than 20.",
    score2_description="Off by 6 to 20.",
    score3_description="Off by 2 to 5.",
    score4_description="Off by exactly 1.",
    score5_description="Exactly the correct sum.",
)

#: The fixed words of every gold rationale (the toy judge's tokenizer reads each as one token).
RATIONALE_WORDS = ("ans ", ", resp ", ", diff ")

#: Distance ranges (inclusive) per label.
_DISTANCES = {5: (0, 0), 4: (1, 1), 3: (2, 5), 2: (6, 20), 1: (21, 60)}


def label_for(distance: int) -> int:
    """The rubric's score for an answer `distance` away from the correct sum."""
    for label, (low, high) in _DISTANCES.items():
        if low <= distance <= high:
            return label
    return 1


def gold_rationale(total: int, answer: int) -> str:
    """Fixed-width working: the correct sum, the response's number, their distance."""
    numbers = (f"{total:03d}", f"{answer:03d}", f"{abs(total - answer):03d}")
    return "".join(word + number for word, number in zip(RATIONALE_WORDS, numbers, strict=True)) + "."


@dataclass(frozen=True)
class Splits:
    """Item counts per split; the splits never share a question."""

    train: int = 1000
    sampling: int = 1500
    heldout: int = 500

    def sizes(self) -> dict[str, int]:
        return {"train": self.train, "sampling": self.sampling, "heldout": self.heldout}


def answer_row(row_id: str, group: str, instruction: str, total: int, answer: int) -> dict[str, Any]:
    """One rubric-file row: `answer` to the question `instruction` whose sum is `total`, labelled by
    its distance, with the gold rationale (the benchmark's items and the toy generators' answers)."""
    return {
        "id": row_id,
        "group": group,
        "instruction": instruction,
        "response": str(answer),
        "rubric": ARITHMETIC_RUBRIC.model_dump(),
        "reference_answer": str(total),
        "label": label_for(abs(total - answer)),
        "feedback": gold_rationale(total, answer),
    }


def _row(number: int, split: str, a: int, b: int, rng: random.Random) -> dict[str, Any]:
    total = a + b
    label = rng.randint(1, 5)
    low, high = _DISTANCES[label]
    distance = rng.randint(low, high)
    # Below zero is not an answer anyone gives: shift upwards when a downward miss would go negative.
    answer = total + distance if distance > total or rng.random() < 0.5 else total - distance
    row = answer_row(f"{split}-{number:05d}", "arithmetic", f"Compute {a}+{b}.", total, answer)
    assert row["label"] == label
    return row


def build_arithmetic_benchmark(out: Path, splits: Splits | None = None, *, seed: int = 0) -> dict[str, Path]:
    """Write `train.jsonl`, `sampling.jsonl` and `heldout.jsonl` into `out`; return their paths.

    The same seed always gives the same files.
    """
    splits = splits or Splits()
    rng = random.Random(seed)
    questions = [(a, b) for a in range(10, 100) for b in range(10, 100)]
    total = sum(splits.sizes().values())
    if total > len(questions):
        raise ValueError(f"at most {len(questions)} items in all, asked for {total}")
    chosen = rng.sample(questions, total)
    out.mkdir(parents=True, exist_ok=True)
    paths, start = {}, 0
    for split, size in splits.sizes().items():
        rows = [_row(n, split, a, b, rng) for n, (a, b) in enumerate(chosen[start : start + size])]
        start += size
        paths[split] = out / f"{split}.jsonl"
        with atomic_write(paths[split]) as handle:
            handle.writelines(json.dumps(row) + "\n" for row in rows)
    return paths

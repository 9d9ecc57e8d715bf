"""The toy's rationales can be checked exactly: `ans 082, resp 085, diff 003.` states the correct sum,
the response's number and their distance, and the score must be the rubric's for that distance.

A rationale is *right* when all three numbers are (the sum is a+b, the response is what was answered,
the distance is theirs), *consistent* when the judgment's score is the rubric's score for the distance
the rationale itself states, and *correct* when both: the verifiable analogue of a person preferring
one rationale over another.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from selfrat_eval.benchmarks.rationale_pairs import RationalePair
from selfrat_eval.benchmarks.rubric import load_rubric_file
from selfrat_eval.metrics import Preference
from selfrat_eval.toy._arithmetic import label_for

_WORKING = re.compile(r"ans (\d+), resp (\d+), diff (\d+)\.")


@dataclass(frozen=True)
class RationaleCheck:
    """What a toy rationale gets right; every field False when its working cannot be read."""

    readable: bool
    sum_right: bool
    response_right: bool
    diff_right: bool
    consistent: bool

    @property
    def right(self) -> bool:
        return self.sum_right and self.response_right and self.diff_right

    @property
    def correct(self) -> bool:
        return self.right and self.consistent

    def to_dict(self) -> dict[str, Any]:
        return asdict(self) | {"right": self.right, "correct": self.correct}


def check_toy_rationale(text: str, total: int, answer: int, score: float | None) -> RationaleCheck:
    """Check the first working in `text` against the question's sum `total`, the response's `answer`
    and the judgment's `score` (None: no readable score, so never consistent)."""
    match = _WORKING.search(text)
    if match is None:
        return RationaleCheck(False, False, False, False, False)
    stated_sum, stated_answer, stated_diff = (int(group) for group in match.groups())
    return RationaleCheck(
        readable=True,
        sum_right=stated_sum == total,
        response_right=stated_answer == answer,
        diff_right=stated_diff == abs(stated_sum - stated_answer) == abs(total - answer),
        consistent=score is not None and score == label_for(stated_diff),
    )


def _number(score: object) -> float | None:
    return float(score) if isinstance(score, int | float) else None


def toy_truth(pairs: Sequence[RationalePair], data: Path) -> dict[str, Preference | None]:
    """For pairs of the toy's arithmetic items (`data`: the benchmark file the runs judged): the side
    whose rationale is correct (`toy.check_toy_rationale`) when exactly one is, else None."""
    items, _ = load_rubric_file(data)
    by_key = {item.key: item for item in items}
    truth: dict[str, Preference | None] = {}
    for pair in pairs:
        item = by_key.get(pair.item)
        if item is None or item.reference_answer is None:
            truth[pair.key] = None
            continue
        total, answer = int(item.reference_answer), int(item.response)
        a, b = (
            check_toy_rationale(text, total, answer, _number(score)).correct
            for text, score in ((pair.rationale_a, pair.score_a), (pair.rationale_b, pair.score_b))
        )
        truth[pair.key] = "a" if a and not b else "b" if b and not a else None
    return truth

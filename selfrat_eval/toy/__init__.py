"""Toy models and data built offline: the arithmetic benchmark and the exact checker of its rationales,
the toy answer generators of known quality and the char-level judge of `selfrat demo`, and the tiny
format-only judge of the quick tests."""

from selfrat_eval.toy._arithmetic import ARITHMETIC_RUBRIC, Splits, build_arithmetic_benchmark, label_for
from selfrat_eval.toy._char_judge import build_char_judge
from selfrat_eval.toy._generators import (
    TOY_GENERATORS,
    ToyGenerator,
    generator_row_id,
    write_generator_answers,
)
from selfrat_eval.toy._rationale_check import RationaleCheck, check_toy_rationale, toy_truth
from selfrat_eval.toy._tiny_judge import build_tiny_judge

__all__ = [
    "ARITHMETIC_RUBRIC",
    "TOY_GENERATORS",
    "RationaleCheck",
    "Splits",
    "ToyGenerator",
    "build_arithmetic_benchmark",
    "build_char_judge",
    "build_tiny_judge",
    "check_toy_rationale",
    "generator_row_id",
    "label_for",
    "toy_truth",
    "write_generator_answers",
]

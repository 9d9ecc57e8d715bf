"""Toy models and data built offline, for the quick start and the tests."""

from selfrat_eval.toy._tiny_judge import build_tiny_judge

__all__ = ["build_tiny_judge"]

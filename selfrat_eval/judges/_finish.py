"""Where a judgment sample ends: at its verdict, in a loop, at the token limit, or where the judge ended.

Engines stop generating early (vLLM and OpenAI-compatible servers at `stop` texts, transformers at
its stop strings, both at the loop guard) to save the tokens; every engine, and both harness plugins,
then pass the text through `finish`, which cuts it exactly where the rule first holds. So a sample's
text does not depend on where an engine happened to notice (a token can hold more than the stop
text), and a text generated without stops, cut afterwards, is the text a stopping engine returns.

The loop guard's rule (`loop_end`): the text is split into words at whitespace, digits count as one
digit (so "The score is 1. The score is 2." repeats its unit); the text is caught in a loop once its
last complete words are one unit of 1 to `LOOP_MAX_UNIT` (200) words written `LOOP_MIN_REPEATS` (2)
or more times back to back, over at least `LOOP_MIN_WORDS` (32) words: "The score is 1." eight times,
a 16-word sentence twice, an echoed 100-word rubric twice. The sample ends after the word that
completes the loop; a word counts once whitespace follows it, so a cut never splits one. A judge
rarely writes 32 words that repeat like this and then a verdict, but it may: the guard is off by
default.
"""

from __future__ import annotations

import re

from selfrat_eval.judges._engine import FinishReason, SamplingConfig
from selfrat_eval.parsing import stop_end

LOOP_MAX_UNIT = 200
LOOP_MIN_REPEATS = 2
LOOP_MIN_WORDS = 32

_WORD = re.compile(r"\S+(?=\s)")
_DIGITS = re.compile(r"\d+")


def finish(text: str, sampling: SamplingConfig, ran_to_limit: bool) -> tuple[str, FinishReason]:
    """The sample's kept text and why it ended (`ran_to_limit`: it used all `max_new_tokens`)."""
    verdict = stop_end(text, sampling.stop) if sampling.stop else None
    loop = loop_end(text) if sampling.loop_guard else None
    if verdict is not None and (loop is None or verdict <= loop):
        return text[:verdict], "verdict"
    if loop is not None:
        return text[:loop], "loop"
    return text, "length" if ran_to_limit else "end"


class LoopWatch:
    """`loop_end` for a text that grows (one per sample being generated): each call reads only the
    words completed since the last one."""

    def __init__(self) -> None:
        self._units: list[str] = []
        self._position = 0

    def update(self, text: str) -> int | None:
        """Where `text` is first caught in a loop (as `loop_end`), None while it is not."""
        for match in _WORD.finditer(text, self._position):
            self._units.append(_DIGITS.sub("0", match.group()))
            self._position = match.end()
            if _in_loop(self._units):
                return match.end()
        return None


def loop_end(text: str) -> int | None:
    """The end of the word at which `text` is first caught in a loop (module docstring); None if never."""
    return LoopWatch().update(text)


def _in_loop(words: list[str]) -> bool:
    """Whether `words` end with one unit repeated as the rule asks."""
    count, last = len(words), words[-1]
    for unit in range(1, min(LOOP_MAX_UNIT, count // LOOP_MIN_REPEATS) + 1):
        if words[-1 - unit] != last:
            continue  # the common case, checked first: the last word does not recur `unit` back
        span = max(unit * LOOP_MIN_REPEATS, LOOP_MIN_WORDS)
        span += -span % unit  # whole copies of the unit
        if span <= count and all(words[i] == words[i - unit] for i in range(count - span + unit, count)):
            return True
    return False

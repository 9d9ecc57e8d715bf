"""Where a sample ends (`judges.finish`): at its verdict line, at a loop, at the token limit. The cut
is a pure function of the text, so a stopping engine and a cut full text give the same judgment."""

from __future__ import annotations

import pytest

from selfrat_eval.judges import Decoding, SamplingConfig, finish, loop_end
from selfrat_eval.judges._finish import LOOP_MIN_WORDS, LoopWatch

STOPS = Decoding(stop_at_verdict=True).applied(SamplingConfig())
GUARD = Decoding(stop_at_verdict=True, loop_guard=True).applied(SamplingConfig())
NEITHER = Decoding(stop_at_verdict=False).applied(SamplingConfig())
#: Loops SmolLM2-135M-Instruct wrote as a judge (the first words of real outputs).
COUNTING = "The response is not helpful, and the score is 1. " + " ".join(
    f"The score is {n % 5 + 1}." for n in range(1, 40)
)
ECHO = "A giant spider blocks your path.\n\n###Feedback: \n" * 8


def test_a_sample_ends_at_its_verdict_line_which_it_keeps() -> None:
    text = "Feedback: good.\n[RESULT] 4\n\nFeedback: again [RESULT] 5"
    assert finish(text, STOPS, ran_to_limit=True) == ("Feedback: good.\n[RESULT] 4\n", "verdict")
    assert finish(text, NEITHER, ran_to_limit=True) == (text, "length")
    assert finish("Feedback: good. [RESULT] 4", STOPS, ran_to_limit=False) == (
        "Feedback: good. [RESULT] 4",
        "end",
    )


@pytest.mark.parametrize("text", [COUNTING, ECHO])
def test_the_loop_guard_ends_real_loops_after_a_whole_word(text: str) -> None:
    end = loop_end(text)
    assert end is not None and end < len(text)
    assert text[end].isspace() and not text[end - 1].isspace()  # never inside a word
    assert len(text[:end].split()) >= LOOP_MIN_WORDS
    assert finish(text, GUARD, ran_to_limit=True) == (text[:end], "loop")
    assert finish(text, STOPS, ran_to_limit=True) == (text, "length")  # off unless asked


def test_ordinary_rationales_are_not_loops() -> None:
    rationale = (
        "The response answers the question and gives the correct total. The response explains each "
        "step, although the second step is terse. The response does not use the reference's method, "
        "but the method it uses is valid. The response is correct, clear and complete enough for a "
        "reader who knows the basics; a beginner would want one more sentence on the carry. "
    )
    assert loop_end(rationale * 1) is None
    assert loop_end("Score 1: wrong.\nScore 2: mostly wrong.\nScore 3: half right.\n" * 1) is None


def test_a_verdict_before_the_loop_ends_the_sample_there() -> None:
    text = "Feedback: fine.\n[RESULT] 3\n" + ECHO
    assert finish(text, GUARD, ran_to_limit=True) == ("Feedback: fine.\n[RESULT] 3\n", "verdict")


def test_watching_a_growing_text_finds_the_loop_where_the_whole_text_does() -> None:
    for text in (COUNTING, ECHO):
        watch, found = LoopWatch(), None
        for size in range(1, len(text) + 1, 3):  # as an engine sees it, a few characters a token
            found = watch.update(text[:size])
            if found is not None:
                break
        assert found == loop_end(text)

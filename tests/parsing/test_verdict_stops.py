"""Rule 4: the lines that complete a verdict, where engines stop generating. Each one, written by a
judge, is read as the verdict it states, so stopping there keeps what the parser reads."""

from __future__ import annotations

import pytest

from selfrat_eval.parsing import (
    RATING_10,
    VERDICT_STOPS,
    parse_absolute,
    parse_ranking,
    parse_relative,
    stop_end,
)


@pytest.mark.parametrize("stop", VERDICT_STOPS)
def test_every_stop_line_is_read_as_the_verdict_it_states(stop: str) -> None:
    text = f"Feedback: the response is fine.\n{stop}"
    value = stop.strip().removeprefix("[RESULT]").lstrip(":").strip().strip("[]")
    if value.isdigit():
        assert parse_absolute(text, scale=RATING_10).value == int(value)
    elif value in "ABCD":
        assert parse_ranking(text).value == value
        if value in "AB":
            assert parse_relative(text).value == value
    else:  # Arena-Hard strengths and ties
        parsed = parse_relative(text)
        assert parsed.ok
        assert parsed.value == (
            "tie" if "=" in value or value.lower() == "tie" else value[0 if ">" in value else -1]
        )


def test_a_stop_line_ends_with_its_line_so_a_value_is_settled() -> None:
    # "[RESULT] 1" may still become 10, or "1 or 2": only the line end settles it
    assert stop_end("Feedback: x [RESULT] 1", VERDICT_STOPS) is None
    assert stop_end("Feedback: x [RESULT] 1 or 2\n", VERDICT_STOPS) is None
    text = "Feedback: x [RESULT] 10\nmore"
    assert text[: stop_end(text, VERDICT_STOPS)] == "Feedback: x [RESULT] 10\n"


def test_the_first_completed_verdict_decides_where_the_text_ends() -> None:
    text = "Feedback: ok. Rating: [[7]]\nOn reflection [RESULT] 4\n"
    end = stop_end(text, VERDICT_STOPS)
    assert text[:end] == "Feedback: ok. Rating: [[7]]\n"
    assert parse_absolute(text[:end], scale=RATING_10).value == 7


def test_templates_and_prose_do_not_stop_a_judgment() -> None:
    assert stop_end('Use this format: "[RESULT] (an integer from 1 to 5)"\n', VERDICT_STOPS) is None
    assert stop_end("The score is 4.\nSo the result is 4\n", VERDICT_STOPS) is None

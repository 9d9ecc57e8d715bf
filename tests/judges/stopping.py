"""One check for every engine: where it stops a sample (at a stop text, at a loop) its text is the
full generation cut by `judges.finish`, never more, never less."""

from __future__ import annotations

from selfrat_eval.judges import Engine, SamplingConfig, finish
from selfrat_eval.prompts import AbsoluteRequest, absolute_prompt

CHATS = [
    absolute_prompt(AbsoluteRequest(f"Task {i}: add {i} and 2.", "An answer.", "Is it right?"))
    for i in range(3)
]


def assert_stops_are_the_cut_of_full_texts(engine: Engine, max_new_tokens: int = 48) -> None:
    full = [c[0] for c in engine.generate(CHATS, SamplingConfig(max_new_tokens=max_new_tokens))]
    # Stop texts taken from the judge's own words (past its first characters, so that every one of
    # them shortens a text), so they occur whatever the judge learned to write.
    stops = tuple(sorted({c.text[4:9] for c in full if len(c.text) >= 12}))
    assert stops, [c.text for c in full]
    at_stops = SamplingConfig(max_new_tokens=max_new_tokens, stop=stops)
    at_loops = SamplingConfig(max_new_tokens=max_new_tokens, loop_guard=True)
    for sampling in (at_stops, at_loops):
        stopped = [c[0] for c in engine.generate(CHATS, sampling)]
        for whole, cut in zip(full, stopped, strict=True):
            text, reason = finish(whole.text, sampling, ran_to_limit=whole.finish == "length")
            assert (cut.text, cut.finish) == (text, reason)
            assert cut.num_tokens <= whole.num_tokens
            if sampling is at_stops and len(whole.text) >= 12:
                assert reason == "verdict" and len(cut.text) < len(whole.text)

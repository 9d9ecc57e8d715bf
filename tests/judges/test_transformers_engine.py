from __future__ import annotations

from pathlib import Path

import pytest

from selfrat_eval.judges import SamplingConfig, load_engine
from selfrat_eval.prompts import AbsoluteRequest, absolute_prompt
from tests.judges.stopping import assert_stops_are_the_cut_of_full_texts

pytestmark = pytest.mark.slow


def test_batched_generation_keeps_order_and_samples_n(tiny_judge: Path) -> None:
    engine = load_engine("hf", str(tiny_judge), batch_size=2)
    chats = [
        absolute_prompt(AbsoluteRequest(f"Question {i}" * (i + 1), "Answer", "Rubric")) for i in range(3)
    ]
    greedy = engine.generate(chats, SamplingConfig(max_new_tokens=6))
    one_by_one = [engine.generate([chat], SamplingConfig(max_new_tokens=6))[0] for chat in chats]
    assert [c[0].text for c in greedy] == [c[0].text for c in one_by_one]
    sampled = engine.generate(
        chats, SamplingConfig(n=3, temperature=1.0, max_new_tokens=6, logprobs=True, seed=1)
    )
    assert [len(c) for c in sampled] == [3, 3, 3]
    assert all(c.mean_logprob is not None and c.mean_logprob <= 0 for cs in sampled for c in cs)
    again = engine.generate(
        chats, SamplingConfig(n=3, temperature=1.0, max_new_tokens=6, logprobs=True, seed=1)
    )
    assert [[c.text for c in cs] for cs in sampled] == [[c.text for c in cs] for cs in again]


def test_invalid_sampling_is_refused() -> None:
    from selfrat_eval._errors import InputError

    with pytest.raises(InputError):
        SamplingConfig(n=4, temperature=0)


def test_shared_prefill_sampling_matches_greedy_at_near_zero_temperature(tiny_judge: Path) -> None:
    """The N samples reuse one prefilled KV cache: with a near-zero temperature every sample must be
    the greedy judgment, which fails if the shared cache or positions were wrong (left padding)."""
    engine = load_engine("hf", str(tiny_judge), batch_size=6)
    chats = [absolute_prompt(AbsoluteRequest("Q" * (5 * i + 1), "Answer", "Rubric")) for i in range(3)]
    greedy = engine.generate(chats, SamplingConfig(max_new_tokens=12))
    cold = engine.generate(chats, SamplingConfig(n=3, temperature=1e-6, max_new_tokens=12, logprobs=True))
    assert [[c.text for c in samples] for samples in cold] == [[g[0].text] * 3 for g in greedy]


def test_prompt_and_output_tokens_are_the_tokenizers_counts(tiny_judge: Path) -> None:
    """A request's first sample carries its prompt's length as the tokenizer counts the chat (the prompt
    is prefilled once for all its samples); a sample's output tokens are its text and its end token."""
    engine = load_engine("hf", str(tiny_judge), batch_size=4)
    tokenizer = engine.tokenizer  # type: ignore[attr-defined]
    chats = [absolute_prompt(AbsoluteRequest("Q" * (7 * i + 1), "Answer", "Rubric")) for i in range(3)]
    lengths = [
        len(tokenizer.apply_chat_template(chat, add_generation_prompt=True, return_dict=True)["input_ids"])
        for chat in chats
    ]
    assert lengths[0] < lengths[1] < lengths[2]
    sampled = engine.generate(chats, SamplingConfig(n=2, temperature=1.0, max_new_tokens=8, seed=1))
    assert [[c.prompt_tokens for c in samples] for samples in sampled] == [[n, 0] for n in lengths]
    greedy = engine.generate(chats, SamplingConfig(max_new_tokens=48))  # every judgment ends before 48
    assert [samples[0].prompt_tokens for samples in greedy] == lengths
    assert [samples[0].num_tokens for samples in greedy] == [
        len(tokenizer(samples[0].text + tokenizer.eos_token, add_special_tokens=False)["input_ids"])
        for samples in greedy
    ]


def test_stops_and_the_loop_guard_end_samples_where_the_cut_does(tiny_judge: Path) -> None:
    assert_stops_are_the_cut_of_full_texts(load_engine("hf", str(tiny_judge), batch_size=2))

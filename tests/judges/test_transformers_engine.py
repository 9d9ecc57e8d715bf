from __future__ import annotations

from pathlib import Path

import pytest

from selfrat_eval.judges import SamplingConfig, load_engine
from selfrat_eval.prompts import AbsoluteRequest, absolute_prompt

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

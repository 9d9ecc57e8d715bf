"""The from-scratch judge loads like a hub model and reads the judge prompt's fixed parts as tokens."""

from __future__ import annotations

from pathlib import Path

import pytest

from selfrat_eval.prompts import AbsoluteRequest, absolute_prompt
from selfrat_eval.toy import ARITHMETIC_RUBRIC, build_char_judge


@pytest.fixture(scope="module")
def char_judge(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_char_judge(tmp_path_factory.mktemp("char") / "judge", seed=0)


def test_prompt_is_short_and_round_trips(char_judge: Path) -> None:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(char_judge)
    chat = absolute_prompt(AbsoluteRequest("Compute 12+34.", "47", ARITHMETIC_RUBRIC.render()))
    text = tokenizer.apply_chat_template(chat, tokenize=False, add_generation_prompt=True)
    ids = tokenizer(text, add_special_tokens=False)["input_ids"]
    # BOS, 4 fixed pieces between the special tokens, 14 + 2 characters of the item, EOS x2, assistant tag
    assert len(ids) == 1 + 1 + 1 + 1 + 14 + 1 + 2 + 1 + 1 + 1
    assert tokenizer.decode(ids) == text
    judgment = "Feedback: ans 046, resp 047, diff 001. [RESULT] 4"
    assert tokenizer.decode(tokenizer(judgment, add_special_tokens=False)["input_ids"]) == judgment
    any_text = "Ünïcode & digits 0123 — still one token per byte"
    assert tokenizer.decode(tokenizer(any_text, add_special_tokens=False)["input_ids"]) == any_text
    model = AutoModelForCausalLM.from_pretrained(char_judge)
    assert 700_000 < sum(p.numel() for p in model.parameters()) < 900_000
    assert model.config.model_type == "llama"

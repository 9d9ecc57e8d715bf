"""A judge to train from scratch on a CPU: a randomly initialised Llama (0.8M parameters) and a
character-level tokenizer, saved with save_pretrained so every engine and trainer loads it like a
hub model.

The tokenizer reads every fixed part of the package's judge prompt for the arithmetic benchmark (the
system message, task description, section headers and rubric) as one token each, likewise the output
format's markers and the gold rationale's fixed words, and every other character as itself. A full
Prometheus-format prompt is then about 20 tokens and a judgment about 17, so the model can learn
the task in minutes on two cores while being prompted exactly as `selfrat eval` prompts any judge.
"""

from __future__ import annotations

import re
from pathlib import Path

from selfrat_eval.judges._deps import require
from selfrat_eval.prompts import AbsoluteRequest, absolute_prompt
from selfrat_eval.toy._arithmetic import ARITHMETIC_RUBRIC, RATIONALE_WORDS
from selfrat_eval.toy._llama import SPECIAL_TOKENS, random_llama, save_judge, wrap_tokenizer

_INSTRUCTION, _RESPONSE = "\x00instruction\x00", "\x00response\x00"
#: Pieces of every judgment (the output format and the rationale's fixed words), one token each.
_OUTPUT_PIECES = ("Feedback: ", " [RESULT] ", "[RESULT] ", *RATIONALE_WORDS)


def build_char_judge(
    path: Path, *, seed: int = 0, hidden_size: int = 128, num_layers: int = 3, intermediate_size: int = 512
) -> Path:
    """Write a random-init causal LM and its tokenizer (with a chat template) to `path`."""
    require("transformers", "hf")
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers

    # Byte-level BPE without merges: one token per byte, so no character is ever unknown.
    alphabet = pre_tokenizers.ByteLevel.alphabet()
    vocab = {token: index for index, token in enumerate([*SPECIAL_TOKENS, *sorted(alphabet)])}
    tokenizer = Tokenizer(models.BPE(vocab=vocab, merges=[]))
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)
    tokenizer.decoder = decoders.ByteLevel()
    fast = wrap_tokenizer(tokenizer)
    fast.add_tokens([*_prompt_pieces(fast), *_OUTPUT_PIECES])
    model = random_llama(
        fast,
        seed=seed,
        hidden_size=hidden_size,
        intermediate_size=intermediate_size,
        num_layers=num_layers,
        max_positions=512,
    )
    return save_judge(model, fast, path)


def _prompt_pieces(tokenizer: object) -> list[str]:
    """The rendered judge prompt (chat template applied) split around the item's own text and the
    special tokens, which are tokens already."""
    chat = absolute_prompt(AbsoluteRequest(_INSTRUCTION, _RESPONSE, ARITHMETIC_RUBRIC.render()))
    rendered: str = tokenizer.apply_chat_template(  # type: ignore[attr-defined]
        chat, tokenize=False, add_generation_prompt=True
    )
    separators = "|".join(re.escape(text) for text in (_INSTRUCTION, _RESPONSE, *SPECIAL_TOKENS))
    return [piece for piece in re.split(separators, rendered) if piece]

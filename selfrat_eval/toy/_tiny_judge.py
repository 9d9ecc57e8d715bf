"""A tiny random-init judge built offline: a real Llama-architecture checkpoint plus a byte-level BPE
tokenizer trained on the vendored samples, saved with save_pretrained so every engine loads it like a
hub model. Untrained: it exercises the pipeline, it does not judge well."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from selfrat_eval.data import SAMPLES_DIR
from selfrat_eval.judges._deps import require
from selfrat_eval.prompts import SYSTEM_ABSOLUTE, SYSTEM_RELATIVE

#: A minimal chat template: role tags, then an assistant turn to generate into.
CHAT_TEMPLATE = (
    "{{ bos_token }}{% for message in messages %}<|{{ message['role'] }}|>\n{{ message['content'] }}\n"
    "{% endfor %}{% if add_generation_prompt %}<|assistant|>\n{% endif %}"
)
SPECIAL_TOKENS = ["<|pad|>", "<|bos|>", "<|eos|>"]


def _corpus() -> Iterator[str]:
    yield from (SYSTEM_ABSOLUTE, SYSTEM_RELATIVE, "Feedback: [RESULT] 1 2 3 4 5 A B")
    for path in sorted(SAMPLES_DIR.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            yield from (str(value) for value in json.loads(line).values())


def build_tiny_judge(
    path: Path, *, seed: int = 0, vocab_size: int = 512, hidden_size: int = 64, num_layers: int = 2
) -> Path:
    """Write a tiny causal LM and its tokenizer (with a chat template) to `path`; return `path`."""
    require("transformers", "hf")
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator(_corpus(), trainer=trainer)
    fast = PreTrainedTokenizerFast(  # type: ignore[no-untyped-call]
        tokenizer_object=tokenizer, pad_token="<|pad|>", bos_token="<|bos|>", eos_token="<|eos|>"
    )
    fast.chat_template = CHAT_TEMPLATE

    torch.manual_seed(seed)
    config = LlamaConfig(
        vocab_size=len(fast),
        hidden_size=hidden_size,
        intermediate_size=hidden_size * 2,
        num_hidden_layers=num_layers,
        num_attention_heads=4,
        num_key_value_heads=4,
        max_position_embeddings=8192,
        tie_word_embeddings=True,
        bos_token_id=fast.bos_token_id,
        eos_token_id=fast.eos_token_id,
        pad_token_id=fast.pad_token_id,
    )
    model = LlamaForCausalLM(config)
    path = Path(path)
    model.save_pretrained(path)
    fast.save_pretrained(path)
    return path

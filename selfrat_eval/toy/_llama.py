"""What every toy judge shares: special tokens, a chat template, the HF tokenizer wrapper, a
randomly initialised Llama sized for vLLM's CPU kernels, and saving both like a hub checkpoint."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from selfrat_eval._verbosity import library_bars_off

#: A minimal chat template: role tags, each turn ended by EOS (so a fine-tuned judge learns to stop),
#: then an assistant turn to generate into.
CHAT_TEMPLATE = (
    "{{ bos_token }}{% for message in messages %}<|{{ message['role'] }}|>\n{{ message['content'] }}"
    "{{ eos_token }}{% endfor %}{% if add_generation_prompt %}<|assistant|>\n{% endif %}"
)
SPECIAL_TOKENS = ["<|pad|>", "<|bos|>", "<|eos|>"]


def wrap_tokenizer(tokenizer: Any) -> Any:
    """A `tokenizers.Tokenizer` as a transformers fast tokenizer with our special tokens and template."""
    from transformers import PreTrainedTokenizerFast

    fast = PreTrainedTokenizerFast(  # type: ignore[no-untyped-call]
        tokenizer_object=tokenizer, pad_token="<|pad|>", bos_token="<|bos|>", eos_token="<|eos|>"
    )
    fast.chat_template = CHAT_TEMPLATE
    return fast


def random_llama(
    tokenizer: Any,
    *,
    seed: int,
    hidden_size: int,
    intermediate_size: int,
    num_layers: int,
    max_positions: int,
) -> Any:
    """A randomly initialised LlamaForCausalLM (tied embeddings) for `tokenizer`'s vocabulary."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(seed)
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=hidden_size,
        intermediate_size=intermediate_size,
        num_hidden_layers=num_layers,
        num_attention_heads=hidden_size // 32,  # head_dim 32: vLLM's CPU kernels do not support 16
        num_key_value_heads=hidden_size // 32,
        max_position_embeddings=max_positions,
        tie_word_embeddings=True,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    return LlamaForCausalLM(config)  # type: ignore[no-untyped-call]


def save_judge(model: Any, tokenizer: Any, path: Path) -> Path:
    path = Path(path)
    with library_bars_off():  # no bar for one tiny shard
        model.save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path

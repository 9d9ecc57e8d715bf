"""A tiny judge built offline: a real Llama-architecture checkpoint plus a byte-level BPE tokenizer
trained on the vendored samples, saved with save_pretrained so every engine loads it like a hub model.

With `format_steps` > 0 it is briefly taught the judge *output format* on the vendored samples, with
random scores and winners: its judgments parse, vary when sampled, and carry no information about the
items. It exercises every engine and strategy; it does not judge.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from selfrat_eval.data import SAMPLES_DIR
from selfrat_eval.judges._deps import require
from selfrat_eval.prompts import (
    REWARDBENCH_RUBRIC_ABSOLUTE,
    REWARDBENCH_RUBRIC_RELATIVE,
    SYSTEM_ABSOLUTE,
    SYSTEM_RELATIVE,
    AbsoluteRequest,
    Chat,
    RelativeRequest,
    absolute_prompt,
    meta_prompt,
    relative_prompt,
)
from selfrat_eval.toy._llama import SPECIAL_TOKENS, random_llama, save_judge, wrap_tokenizer


def _corpus() -> Iterator[str]:
    yield from (SYSTEM_ABSOLUTE, SYSTEM_RELATIVE, "Feedback: [RESULT] 1 2 3 4 5 A B")
    for path in sorted(SAMPLES_DIR.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            yield from (str(value) for value in json.loads(line).values())


def build_tiny_judge(
    path: Path,
    *,
    seed: int = 0,
    format_steps: int = 0,
    vocab_size: int = 512,
    hidden_size: int = 64,
    num_layers: int = 2,
) -> Path:
    """Write a tiny causal LM and its tokenizer (with a chat template) to `path`; return `path`."""
    require("transformers", "hf")
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

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
    fast = wrap_tokenizer(tokenizer)
    model = random_llama(
        fast,
        seed=seed,
        hidden_size=hidden_size,
        intermediate_size=hidden_size * 2,
        num_layers=num_layers,
        max_positions=8192,
    )
    if format_steps:
        teach_format(model, fast, steps=format_steps, seed=seed)
    return save_judge(model, fast, path)


_ADJECTIVES = ("clear", "weak", "partly right", "accurate", "vague", "complete")


def _format_examples(rng: random.Random) -> Iterator[tuple[Chat, str]]:
    """(grading prompt, well-formed judgment with a random result) over the vendored samples."""
    from selfrat_eval.data import load_rewardbench, load_rubric_file, sample_path

    items, _ = load_rubric_file(sample_path("rubric"))
    pairs, _ = load_rewardbench(sample_path("rewardbench"))
    while True:
        kind = rng.random()
        if kind >= 0.85:  # a meta-judge prompt: grade a judgment of a grading task
            item = rng.choice(items)
            request = AbsoluteRequest(
                item.instruction, item.response, item.rubric_text(), item.reference_answer
            )
            judgment = f"Feedback: The response is {rng.choice(_ADJECTIVES)}. [RESULT] {rng.randint(1, 5)}"
            feedback = f"The judgment is {rng.choice(_ADJECTIVES)}."
            yield (
                meta_prompt(absolute_prompt(request), judgment),
                f"Feedback: {feedback} [RESULT] {rng.randint(1, 5)}",
            )
        elif kind < 0.6:
            if kind < 0.3:
                item = rng.choice(items)
                request = AbsoluteRequest(
                    item.instruction, item.response, item.rubric_text(), item.reference_answer
                )
            else:
                pair = rng.choice(pairs)
                response = rng.choice((pair.chosen, pair.rejected))
                request = AbsoluteRequest(pair.prompt, response, REWARDBENCH_RUBRIC_ABSOLUTE)
            feedback = f"The response is {rng.choice(_ADJECTIVES)}."
            yield absolute_prompt(request), f"Feedback: {feedback} [RESULT] {rng.randint(1, 5)}"
        else:
            pair = rng.choice(pairs)  # a pairwise prompt
            pairwise = RelativeRequest(pair.prompt, pair.chosen, pair.rejected, REWARDBENCH_RUBRIC_RELATIVE)
            feedback = f"Response {rng.choice('AB')} is {rng.choice(_ADJECTIVES)}."
            yield relative_prompt(pairwise), f"Feedback: {feedback} [RESULT] {rng.choice('AB')}"


def teach_format(model: Any, tokenizer: Any, *, steps: int, seed: int = 0, batch_size: int = 4) -> None:
    """A few hundred steps of next-token loss on the judgment only (not the prompt)."""
    import torch

    rng = random.Random(seed)
    examples = _format_examples(rng)
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3)
    model.train()
    for _ in range(steps):
        rows = []
        for chat, target in (next(examples) for _ in range(batch_size)):
            prompt = tokenizer.apply_chat_template(chat, tokenize=False, add_generation_prompt=True)
            prompt_ids = tokenizer(prompt, add_special_tokens=False)["input_ids"]
            target_ids = [*tokenizer(target, add_special_tokens=False)["input_ids"], tokenizer.eos_token_id]
            rows.append((prompt_ids, target_ids))
        width = max(len(p) + len(t) for p, t in rows)
        input_ids = torch.full((len(rows), width), tokenizer.pad_token_id)
        labels = torch.full((len(rows), width), -100)
        attention = torch.zeros((len(rows), width), dtype=torch.long)
        for row, (prompt_ids, target_ids) in enumerate(rows):
            sequence = prompt_ids + target_ids
            input_ids[row, : len(sequence)] = torch.tensor(sequence)
            labels[row, len(prompt_ids) : len(sequence)] = torch.tensor(target_ids)
            attention[row, : len(sequence)] = 1
        loss = model(input_ids=input_ids, attention_mask=attention, labels=labels).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
    model.eval()

"""A tiny judge built offline: a real Llama-architecture checkpoint plus a byte-level BPE tokenizer
trained on the vendored samples, saved with save_pretrained so every engine loads it like a hub model.

With `format_steps` > 0 it is taught the judge *output format* on the vendored samples, with random
scores and winners, until a check says the format is certain (every greedy judgment of the check
prompts parses, and 95% of sampled ones): its judgments parse, vary when sampled, and carry no
information about the items. It exercises every engine and strategy; it does not judge.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from selfrat_eval.data import SAMPLES_DIR
from selfrat_eval.judges._deps import require
from selfrat_eval.parsing import ParsedJudgment, parse_absolute, parse_relative
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

#: Pairwise prompts come with the RewardBench criterion or a user's own (pairwise rubric files): the
#: judge must answer A or B whatever the criterion says.
_RELATIVE_RUBRICS = (
    REWARDBENCH_RUBRIC_RELATIVE,
    "Which response is more helpful and correct?",
    "Which response follows the instruction more closely?",
    "Is one response more accurate than the other?",
)
_ADJECTIVES = ("clear", "weak", "partly right", "accurate", "vague", "complete")


def _corpus() -> Iterator[str]:
    yield from (SYSTEM_ABSOLUTE, SYSTEM_RELATIVE)
    for path in sorted(SAMPLES_DIR.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            yield from (str(value) for value in json.loads(line).values())
    # The judgments' own words, often enough to become tokens: a judgment is ~12 tokens, so it fits
    # in any generation budget the tests give (16 and up), whatever the adjective.
    for adjective in _ADJECTIVES:
        for subject in ("The response", "The judgment", "Response A", "Response B"):
            for result in "12345AB":
                yield from [f"Feedback: {subject} is {adjective}. [RESULT] {result}"] * 20


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
        check = teach_format(model, fast, steps=format_steps, seed=seed)
        path.mkdir(parents=True, exist_ok=True)
        (path / "format_check.json").write_text(json.dumps(asdict(check) | {"passed": check.passed}) + "\n")
    return save_judge(model, fast, path)


#: Tokens the format check lets a judgment have: the least the tests give a judgment that must parse.
CHECK_NEW_TOKENS = 16
CHECK_PROMPTS = 36
CHECK_SAMPLES = 4


@dataclass(frozen=True)
class FormatCheck:
    """How well a tiny judge writes the format: shares of its judgments of the check prompts that
    parse, greedy and sampled (temperature 1), after `steps` training steps."""

    steps: int
    greedy_parsed: float
    sampled_parsed: float

    @property
    def passed(self) -> bool:
        return self.greedy_parsed == 1.0 and self.sampled_parsed >= 0.95


def _format_examples(rng: random.Random) -> Iterator[tuple[Chat, str, Callable[[str], ParsedJudgment]]]:
    """(grading prompt, well-formed judgment with a random result, its parser) over the vendored samples."""
    from selfrat_eval.benchmarks.rewardbench import load_rewardbench
    from selfrat_eval.benchmarks.rubric import load_rubric_file
    from selfrat_eval.data import sample_path

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
                parse_absolute,
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
            yield (
                absolute_prompt(request),
                f"Feedback: {feedback} [RESULT] {rng.randint(1, 5)}",
                parse_absolute,
            )
        else:
            pair = rng.choice(pairs)  # a pairwise prompt, in either order
            first, second = (
                (pair.chosen, pair.rejected) if rng.random() < 0.5 else (pair.rejected, pair.chosen)
            )
            pairwise = RelativeRequest(pair.prompt, first, second, rng.choice(_RELATIVE_RUBRICS))
            feedback = f"Response {rng.choice('AB')} is {rng.choice(_ADJECTIVES)}."
            yield (
                relative_prompt(pairwise),
                f"Feedback: {feedback} [RESULT] {rng.choice('AB')}",
                parse_relative,
            )


def teach_format(
    model: Any,
    tokenizer: Any,
    *,
    steps: int,
    seed: int = 0,
    batch_size: int = 4,
    max_steps: int | None = None,
) -> FormatCheck:
    """Teach the format until it is certain: `steps` steps of next-token loss on the judgment only,
    then more rounds of `steps // 2` until `check_format` passes (at most `max_steps`, default 8 x
    `steps`; past that it raises). How fast a model learns differs between CPUs; the result must not."""
    import torch

    limit = max_steps or 8 * steps
    rng = random.Random(seed)
    examples = _format_examples(rng)
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3)
    done, round_steps = 0, steps
    while True:
        model.train()
        for _ in range(round_steps):
            rows = []
            for chat, target, _parse in (next(examples) for _ in range(batch_size)):
                prompt = tokenizer.apply_chat_template(chat, tokenize=False, add_generation_prompt=True)
                prompt_ids = tokenizer(prompt, add_special_tokens=False)["input_ids"]
                target_ids = [
                    *tokenizer(target, add_special_tokens=False)["input_ids"],
                    tokenizer.eos_token_id,
                ]
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
        done += round_steps
        model.eval()
        check = check_format(model, tokenizer, steps=done, seed=seed)
        if check.passed:
            return check
        if done >= limit:
            raise RuntimeError(f"the tiny judge did not learn the output format in {done} steps: {check}")
        round_steps = max(1, steps // 2)


def check_format(model: Any, tokenizer: Any, *, steps: int, seed: int = 0) -> FormatCheck:
    """Greedy and sampled judgments of fixed check prompts (drawn like the training ones, from
    another seed), parsed by the package's own parser."""
    examples = _format_examples(random.Random(f"check:{seed}"))
    checks = [next(examples) for _ in range(CHECK_PROMPTS)]
    greedy = _generate(model, tokenizer, [chat for chat, _, _ in checks], samples=1, seed=seed)
    sampled = _generate(model, tokenizer, [chat for chat, _, _ in checks], samples=CHECK_SAMPLES, seed=seed)

    def share(texts: list[list[str]]) -> float:
        parsed = [
            parse(text).ok
            for (_chat, _target, parse), outs in zip(checks, texts, strict=True)
            for text in outs
        ]
        return sum(parsed) / len(parsed)

    return FormatCheck(steps, share(greedy), share(sampled))


def _generate(model: Any, tokenizer: Any, chats: list[Chat], *, samples: int, seed: int) -> list[list[str]]:
    import torch

    texts: list[list[str]] = []
    for chat in chats:  # one prompt at a time: prompts differ a lot in length
        prompt = tokenizer.apply_chat_template(chat, tokenize=False, add_generation_prompt=True)
        encoded = tokenizer([prompt], return_tensors="pt", add_special_tokens=False)
        options: dict[str, Any] = {
            "max_new_tokens": CHECK_NEW_TOKENS,
            "pad_token_id": tokenizer.pad_token_id,
        }
        if samples > 1:
            torch.manual_seed(seed)
            options |= {
                "do_sample": True,
                "temperature": 1.0,
                "top_k": 0,
                "num_return_sequences": samples,
            }
        else:
            options |= {"do_sample": False}
        with torch.inference_mode():
            output = model.generate(**encoded, **options)
        new = output[:, encoded["input_ids"].shape[1] :]
        texts.append([tokenizer.decode(row, skip_special_tokens=True) for row in new])
    return texts

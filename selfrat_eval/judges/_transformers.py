"""The transformers engine: batched `generate` on CPU or GPU, chat template applied by the tokenizer."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from selfrat_eval.judges._deps import require
from selfrat_eval.judges._engine import Completion, SamplingConfig, fits, too_long
from selfrat_eval.judges._finish import LoopWatch, finish
from selfrat_eval.judges._models import model_provenance
from selfrat_eval.prompts import Chat

log = logging.getLogger(__name__)

DType = Literal["auto", "float32", "bfloat16", "float16"]


@dataclass(frozen=True)
class TransformersConfig:
    """Options of the transformers engine."""

    model: str
    #: Sequences per generate call: with N samples per prompt, batch_size // N prompts.
    batch_size: int = 8
    dtype: DType = "auto"
    device: str = "auto"
    revision: str | None = None
    trust_remote_code: bool = False


class TransformersEngine:
    """Left-padded batched generation; prompts are sorted by length so batches pad little."""

    def __init__(self, config: TransformersConfig) -> None:
        require("transformers", "hf")
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]  # our own progress bar is the one to watch

        device = config.device
        if device == "auto":
            device = "cuda" if torch.cuda.is_available() else "cpu"
        dtype: Any = "auto" if config.dtype == "auto" else getattr(torch, config.dtype)
        if config.dtype == "auto" and device == "cpu":
            dtype = torch.float32  # bf16 matmuls are slow on most CPUs
        tokenizer = AutoTokenizer.from_pretrained(
            config.model, revision=config.revision, trust_remote_code=config.trust_remote_code
        )
        model = AutoModelForCausalLM.from_pretrained(
            config.model, revision=config.revision, dtype=dtype, trust_remote_code=config.trust_remote_code
        ).to(device)  # type: ignore[arg-type]
        model.eval()
        self._attach(config, model, tokenizer)
        if self.tokenizer.chat_template is None:
            log.warning("%s has no chat template: prompts are sent as plain text", config.model)

    @classmethod
    def around(cls, model: Any, tokenizer: Any, batch_size: int) -> TransformersEngine:
        """An engine over a model already in memory (one being trained, say) that generates exactly as
        `selfrat eval` does; the caller owns the model's train/eval mode and the tokenizer's padding
        side (set to left here)."""
        require("transformers", "hf")
        engine = cls.__new__(cls)
        engine._attach(TransformersConfig(model=model.name_or_path, batch_size=batch_size), model, tokenizer)
        return engine

    def _attach(self, config: TransformersConfig, model: Any, tokenizer: Any) -> None:
        import torch

        self.config, self.model, self.tokenizer, self._torch = config, model, tokenizer, torch
        self.device = str(model.device)
        self.tokenizer.padding_side = "left"
        if self.tokenizer.pad_token is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        self.context_length: int | None = getattr(model.config, "max_position_embeddings", None)
        self._compiler: Any = None  # xgrammar's, built on the first structured request

    @property
    def identity(self) -> dict[str, Any]:
        path = Path(self.config.model)
        return {
            "backend": "hf",
            "model": str(path.resolve()) if path.exists() else self.config.model,
            **model_provenance(path),
            "revision": self.config.revision,
            "dtype": str(self.model.dtype).removeprefix("torch."),
            "device": self.device,
        }

    def render(self, chat: Chat) -> str:
        if self.tokenizer.chat_template is None:
            return "\n\n".join(message["content"] for message in chat)
        text = self.tokenizer.apply_chat_template(chat, tokenize=False, add_generation_prompt=True)
        return str(text)

    def generate(
        self, chats: Sequence[Chat], sampling: SamplingConfig, seeds: Sequence[int] | None = None
    ) -> list[list[Completion]]:
        prompts = [self.render(chat) for chat in chats]
        token_ids = self.tokenizer(prompts, add_special_tokens=False)["input_ids"]
        lengths = [len(ids) for ids in token_ids]
        results: dict[int, list[Completion]] = {
            i: too_long(sampling.n)
            for i, length in enumerate(lengths)
            if not fits(length, sampling.max_new_tokens, self.context_length)
        }
        order = sorted((i for i in range(len(prompts)) if i not in results), key=lambda i: lengths[i])
        per_batch = max(1, self.config.batch_size // sampling.n)  # batch_size counts sequences
        for start in range(0, len(order), per_batch):
            batch = order[start : start + per_batch]
            # transformers draws one random stream per batch: seed it from the batch's request seeds
            batch_seed = hash(tuple(seeds[i] for i in batch)) % 2**31 if seeds is not None else sampling.seed
            for index, completions in zip(
                batch, self._generate_batch([token_ids[i] for i in batch], sampling, batch_seed), strict=True
            ):
                results[index] = completions
        return [results[i] for i in range(len(prompts))]

    def _generate_batch(
        self, prompts: list[list[int]], sampling: SamplingConfig, seed: int
    ) -> list[list[Completion]]:
        torch = self._torch
        # Tokenized once in `generate` (the length check needs the ids): only padded here.
        encoded = self.tokenizer.pad({"input_ids": prompts}, return_tensors="pt").to(self.device)
        input_ids, attention_mask = encoded["input_ids"], encoded["attention_mask"]
        options: dict[str, Any] = {
            "max_new_tokens": sampling.max_new_tokens,
            "pad_token_id": self.tokenizer.pad_token_id,
            "return_dict_in_generate": True,
            "output_scores": sampling.logprobs,
        }
        if sampling.stop:
            options |= {"stop_strings": list(sampling.stop), "tokenizer": self.tokenizer}
        if sampling.repetition_penalty != 1.0:
            options["repetition_penalty"] = sampling.repetition_penalty
        if sampling.loop_guard:
            options["stopping_criteria"] = [_LoopGuard(self.tokenizer, input_ids.shape[1])]
        if sampling.json_schema is not None:
            options["logits_processor"] = [self._grammar(sampling.json_schema)]
        if sampling.greedy:
            options |= {"do_sample": False, "temperature": None, "top_p": None, "top_k": None}
        else:
            options |= {
                "do_sample": True,
                "temperature": sampling.temperature,
                "top_p": sampling.top_p,
                "top_k": 0,
            }
            torch.manual_seed(seed)
        with torch.inference_mode():
            if sampling.n > 1:
                # Prefill each prompt once and let its N samples share the KV cache (generate's own
                # num_return_sequences would prefill every copy).
                positions = (attention_mask.cumsum(-1) - 1).clamp(min=0)
                prefix = self.model(
                    input_ids=input_ids[:, :-1],
                    attention_mask=attention_mask[:, :-1],
                    position_ids=positions[:, :-1],
                    use_cache=True,
                )
                cache = prefix.past_key_values
                cache.batch_repeat_interleave(sampling.n)
                input_ids = input_ids.repeat_interleave(sampling.n, dim=0)
                attention_mask = attention_mask.repeat_interleave(sampling.n, dim=0)
                options["past_key_values"] = cache
            output = self.model.generate(input_ids=input_ids, attention_mask=attention_mask, **options)
        new_tokens = output.sequences[:, input_ids.shape[1] :]
        logprobs = None
        if sampling.logprobs:
            logprobs = self.model.compute_transition_scores(
                output.sequences, output.scores, normalize_logits=True
            )
        completions: list[list[Completion]] = [[] for _ in prompts]
        for row, tokens in enumerate(new_tokens):
            keep = tokens != self.tokenizer.pad_token_id
            count = int(keep.sum())
            mean = float(logprobs[row][keep].float().mean()) if logprobs is not None and count else None
            text, reason = finish(
                str(self.tokenizer.decode(tokens[keep], skip_special_tokens=True)),
                sampling,
                ran_to_limit=count >= sampling.max_new_tokens,
            )
            prompt, sample = divmod(row, sampling.n)
            completions[prompt].append(
                Completion(
                    text=text,
                    finish=reason,
                    num_tokens=count,
                    mean_logprob=mean,
                    prompt_tokens=len(prompts[prompt]) if sample == 0 else 0,  # prefilled once for n samples
                )
            )
        return completions

    def _grammar(self, schema: str) -> Any:
        """xgrammar's logits processor holding every row to `schema` (a new one per generate call:
        it keeps each row's matcher state). The compiler, which indexes the vocabulary, is built once."""
        require("xgrammar", "hf")
        import xgrammar

        if self._compiler is None:
            # The model's logits may be wider than the tokenizer's vocabulary (padded embeddings).
            info = xgrammar.TokenizerInfo.from_huggingface(
                self.tokenizer, vocab_size=self.model.get_output_embeddings().weight.shape[0]
            )
            self._compiler = xgrammar.GrammarCompiler(info)
        grammar = self._compiler.compile_json_schema(schema, any_whitespace=False)
        return xgrammar.contrib.hf.LogitsProcessor(grammar)


class _LoopGuard:
    """A stopping criterion: ends each row once its text is caught in a loop (`judges._finish`)."""

    def __init__(self, tokenizer: Any, prompt_length: int) -> None:
        self._tokenizer, self._start = tokenizer, prompt_length
        self._watches: dict[int, LoopWatch] = {}
        self._looping: set[int] = set()

    def __call__(self, input_ids: Any, scores: Any, **kwargs: Any) -> Any:
        import torch

        for row in range(input_ids.shape[0]):
            if row in self._looping:
                continue
            text = self._tokenizer.decode(input_ids[row, self._start :], skip_special_tokens=True)
            if self._watches.setdefault(row, LoopWatch()).update(text) is not None:
                self._looping.add(row)
        done = torch.zeros(input_ids.shape[0], dtype=torch.bool, device=input_ids.device)
        done[list(self._looping)] = True
        return done

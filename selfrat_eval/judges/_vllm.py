"""The vLLM engine: one offline `LLM.chat` call per chunk, `n` samples per prompt so each prompt is
prefilled once, prefix caching on (judge prompts share long instructions)."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from selfrat_eval.judges._deps import require
from selfrat_eval.judges._engine import Completion, SamplingConfig, fits, too_long
from selfrat_eval.judges._finish import finish
from selfrat_eval.judges._models import model_provenance
from selfrat_eval.prompts import Chat


@dataclass(frozen=True)
class VLLMConfig:
    """Options of the vLLM engine (any other `LLM(...)` argument goes through `extra`)."""

    model: str
    dtype: str = "auto"
    revision: str | None = None
    max_model_len: int | None = None
    gpu_memory_utilization: float = 0.9
    enable_prefix_caching: bool = True
    trust_remote_code: bool = False
    seed: int = 0
    extra: tuple[tuple[str, Any], ...] = ()


def _render(tokenizer: Any, chat: Chat) -> str:
    return str(tokenizer.apply_chat_template(chat, tokenize=False, add_generation_prompt=True))


def _on_cpu() -> bool:
    import torch

    return not torch.cuda.is_available()


class VLLMEngine:
    def __init__(self, config: VLLMConfig) -> None:
        require("vllm", "vllm")
        os.environ.setdefault("VLLM_LOGGING_LEVEL", "WARNING")  # our progress bar reports progress
        cpu = _on_cpu()
        if cpu:
            # The CPU build: in-process engine and a modest KV cache, or vLLM's memory check fails
            # on small machines (see vLLM's CPU docs); users can still override both.
            os.environ.setdefault("VLLM_ENABLE_V1_MULTIPROCESSING", "0")
            os.environ.setdefault("VLLM_CPU_KVCACHE_SPACE", "1")
        from vllm import LLM

        from selfrat_eval.judges._vllm_loop_guard import LoopGuardProcessor

        self.config = config
        options: dict[str, Any] = {
            "model": config.model,
            "dtype": ("float32" if cpu else "auto") if config.dtype == "auto" else config.dtype,
            "revision": config.revision,
            "enable_prefix_caching": config.enable_prefix_caching,
            "trust_remote_code": config.trust_remote_code,
            "seed": config.seed,
        }
        if config.max_model_len is not None:
            options["max_model_len"] = config.max_model_len
        if cpu:
            # Seeded requests crash the CPU build when a prompt's prefill is chunked
            # ("CPU Generator does not use offset"), so prompts are prefilled whole there.
            options |= {"enforce_eager": True, "enable_chunked_prefill": False}
        else:
            options["gpu_memory_utilization"] = config.gpu_memory_utilization
        options["logits_processors"] = [LoopGuardProcessor]
        # Structured judgments without optional whitespace (an engine-wide vLLM setting, which needs
        # a named backend: guidance, the one that keeps string lengths), so a
        # judgment's length is bounded by its schema (`judges._structured`).
        options["structured_outputs_config"] = {"backend": "guidance", "disable_any_whitespace": True}
        options |= dict(config.extra)
        self.llm = LLM(**options)
        self._dtype = str(options["dtype"])

    @property
    def identity(self) -> dict[str, Any]:
        path = Path(self.config.model)
        return {
            "backend": "vllm",
            "model": str(path.resolve()) if path.exists() else self.config.model,
            **model_provenance(path),
            "revision": self.config.revision,
            "dtype": self._dtype,
        }

    def generate(
        self, chats: Sequence[Chat], sampling: SamplingConfig, seeds: Sequence[int] | None = None
    ) -> list[list[Completion]]:
        from vllm import SamplingParams
        from vllm.sampling_params import StructuredOutputsParams

        from selfrat_eval.judges._vllm_loop_guard import LOOP_GUARD_ARG

        structured = (
            None
            if sampling.json_schema is None
            else StructuredOutputsParams(json=json.loads(sampling.json_schema))
        )

        def params(seed: int) -> SamplingParams:
            return SamplingParams(
                n=sampling.n,
                temperature=sampling.temperature,
                top_p=sampling.top_p,
                max_tokens=sampling.max_new_tokens,
                seed=None if sampling.greedy else seed,
                logprobs=0 if sampling.logprobs else None,  # 0 = only the sampled token's log-prob
                stop=list(sampling.stop) or None,
                include_stop_str_in_output=True,
                repetition_penalty=sampling.repetition_penalty,
                extra_args={LOOP_GUARD_ARG: True} if sampling.loop_guard else None,
                structured_outputs=structured,
            )

        context = self.llm.model_config.max_model_len
        tokenizer = self.llm.get_tokenizer()
        sendable = [
            i
            for i, chat in enumerate(chats)
            if fits(
                len(tokenizer.encode(_render(tokenizer, chat), add_special_tokens=False)),
                sampling.max_new_tokens,
                context,
            )
        ]
        results = {i: too_long(sampling.n) for i in range(len(chats))}
        if sendable:
            seeds = list(seeds) if seeds is not None else [sampling.seed] * len(chats)
            per_prompt = [params(seeds[i]) for i in sendable]
            outputs = self.llm.chat([chats[i] for i in sendable], per_prompt, use_tqdm=False)  # type: ignore[arg-type]
            results |= dict(zip(sendable, self._completions(outputs, sampling), strict=True))
        return [results[i] for i in range(len(chats))]

    @staticmethod
    def _completions(outputs: list[Any], sampling: SamplingConfig) -> list[list[Completion]]:
        return [[_completion(output, k, sampling) for k in range(len(output.outputs))] for output in outputs]


def _completion(output: Any, sample: int, sampling: SamplingConfig) -> Completion:
    choice = output.outputs[sample]
    text, reason = finish(choice.text, sampling, choice.finish_reason == "length")
    return Completion(
        text=text,
        finish=reason,
        num_tokens=len(choice.token_ids),
        mean_logprob=(
            choice.cumulative_logprob / len(choice.token_ids)
            if sampling.logprobs and choice.cumulative_logprob is not None and choice.token_ids
            else None
        ),
        # the prompt as vLLM tokenized it (its chat template), prefilled once for n samples
        prompt_tokens=len(output.prompt_token_ids or ()) if sample == 0 else 0,
    )

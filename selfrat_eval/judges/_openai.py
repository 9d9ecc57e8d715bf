"""An OpenAI-compatible chat-completions engine (a hosted model, or your own `vllm serve`).

Requests run concurrently under a limit; failed or timed-out requests are retried with exponential
backoff by the official `openai` client. The API key is read from the environment and never logged.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from selfrat_eval._errors import InputError
from selfrat_eval.judges._deps import require
from selfrat_eval.judges._engine import Completion, SamplingConfig, too_long
from selfrat_eval.judges._finish import finish
from selfrat_eval.prompts import Chat

#: How OpenAI and vLLM servers word a prompt that does not fit the model's context.
_CONTEXT_ERROR = re.compile(r"context length|maximum context|too long|max_model_len|context window", re.I)


@dataclass(frozen=True)
class OpenAIConfig:
    """Options of the HTTP engine. `model` is the served model name."""

    model: str
    base_url: str | None = None
    api_key_env: str = "OPENAI_API_KEY"
    max_concurrency: int = 16
    timeout_s: float = 120.0
    max_retries: int = 6
    server_supports_n: bool = True
    #: Send the stop texts and vLLM's `include_stop_str_in_output` (and `repetition_penalty`) so a
    #: vLLM server stops at the verdict. Off by default: hosted APIs take at most 4 stop texts, drop
    #: the stop text from the output and refuse unknown fields. Texts are cut here either way
    #: (`judges._finish`), so only the tokens generated differ.
    server_stops: bool = False

    def __post_init__(self) -> None:
        if self.max_concurrency < 1:
            raise InputError("max_concurrency must be at least 1", field="max_concurrency")


class OpenAIEngine:
    def __init__(self, config: OpenAIConfig) -> None:
        require("openai", "openai")
        self.config = config
        self._base_url = config.base_url or os.environ.get("OPENAI_BASE_URL")

    def _client(self) -> Any:
        from openai import AsyncOpenAI

        # Local servers accept any key; a hosted endpoint needs the real one, read from the
        # environment at call time and kept out of identity, logs and results.
        return AsyncOpenAI(
            base_url=self._base_url,
            api_key=os.environ.get(self.config.api_key_env) or "EMPTY",
            timeout=self.config.timeout_s,
            max_retries=self.config.max_retries,
        )

    @property
    def identity(self) -> dict[str, Any]:
        return {"backend": "openai", "model": self.config.model, "base_url": self._base_url}

    def generate(
        self, chats: Sequence[Chat], sampling: SamplingConfig, seeds: Sequence[int] | None = None
    ) -> list[list[Completion]]:
        seeds = list(seeds) if seeds is not None else [sampling.seed] * len(chats)
        return asyncio.run(self._generate_all(chats, sampling, seeds))

    async def _generate_all(
        self, chats: Sequence[Chat], sampling: SamplingConfig, seeds: list[int]
    ) -> list[list[Completion]]:
        client = self._client()
        limit = asyncio.Semaphore(self.config.max_concurrency)
        try:
            if self.config.server_supports_n or sampling.n == 1:
                jobs = [
                    self._request(client, limit, chat, sampling, sampling.n, seed)
                    for chat, seed in zip(chats, seeds, strict=True)
                ]
                return list(await asyncio.gather(*jobs))
            # One request per sample, each with its own seed, for servers that ignore `n`.
            jobs = [
                self._request(client, limit, chat, sampling, 1, seed + sample)
                for chat, seed in zip(chats, seeds, strict=True)
                for sample in range(sampling.n)
            ]
            flat = await asyncio.gather(*jobs)
            return [
                [c for part in flat[i * sampling.n : (i + 1) * sampling.n] for c in part]
                for i in range(len(chats))
            ]
        finally:
            await client.close()

    async def _request(
        self, client: Any, limit: asyncio.Semaphore, chat: Chat, sampling: SamplingConfig, n: int, seed: int
    ) -> list[Completion]:
        from openai import BadRequestError

        extra: dict[str, Any] = {}
        if self.config.server_stops and sampling.stop:
            extra |= {"stop": list(sampling.stop), "extra_body": {"include_stop_str_in_output": True}}
        if sampling.repetition_penalty != 1.0:
            body = extra.setdefault("extra_body", {})
            body["repetition_penalty"] = sampling.repetition_penalty
        if sampling.json_schema is not None:
            schema = json.loads(sampling.json_schema)
            extra["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": "judgment", "schema": schema, "strict": True},
            }
        async with limit:
            try:
                response = await client.chat.completions.create(
                    model=self.config.model,
                    messages=chat,
                    n=n,
                    temperature=sampling.temperature,
                    top_p=sampling.top_p,
                    max_tokens=sampling.max_new_tokens,
                    seed=seed,
                    logprobs=sampling.logprobs or None,
                    **extra,
                )
            except BadRequestError as error:
                # The server counts tokens, not us: a prompt it refuses for length is `too_long`.
                if _CONTEXT_ERROR.search(str(error)):
                    return too_long(n)
                raise
        choices = sorted(response.choices, key=lambda c: c.index)
        logprobs = [choice.logprobs.content if choice.logprobs else None for choice in choices]
        usage = response.usage
        outputs = _output_tokens(
            [len(tokens) if tokens is not None else None for tokens in logprobs],
            usage.completion_tokens if usage is not None else None,
        )
        finished = [finish(c.message.content or "", sampling, c.finish_reason == "length") for c in choices]
        return [
            Completion(
                text=text,
                finish=reason,
                num_tokens=count,
                mean_logprob=sum(t.logprob for t in tokens) / len(tokens) if tokens else None,
                # billed once per request, however many choices (`n`) it returns
                prompt_tokens=(usage.prompt_tokens or 0) if usage is not None and index == 0 else 0,
            )
            for index, ((text, reason), tokens, count) in enumerate(
                zip(finished, logprobs, outputs, strict=True)
            )
        ]


def _output_tokens(counted: list[int | None], billed: int | None) -> list[int]:
    """Each choice's output tokens. The server reports (and bills) only the request's total,
    `usage.completion_tokens`; a choice's own count is seen only in its log-probs, which may also
    miss tokens the total includes (a reasoning model's hidden ones). So the log-prob counts are used
    where they add up to the total, else the total is split evenly: the sum is what was billed."""
    if billed is None:  # a server that reports no usage: only the log-probs tell
        return [count or 0 for count in counted]
    known = [count for count in counted if count is not None]
    if len(known) == len(counted) and sum(known) == billed:
        return known
    share, left = divmod(billed, max(1, len(counted)))
    return [share + (index < left) for index in range(len(counted))]

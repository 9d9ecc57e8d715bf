"""The engine interface: chat prompts in, N completions per prompt (with optional log-probs) out."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal, Protocol, runtime_checkable

from selfrat_eval._errors import InputError
from selfrat_eval.parsing import VERDICT_STOPS
from selfrat_eval.prompts import Chat


@dataclass(frozen=True)
class SamplingConfig:
    """How to decode. temperature 0 means greedy (then n must be 1)."""

    n: int = 1
    temperature: float = 0.0
    top_p: float = 1.0
    max_new_tokens: int = 512
    seed: int = 0
    logprobs: bool = False
    #: Texts that end a sample, kept in its text (`parsing.VERDICT_STOPS`: the verdict is complete).
    stop: tuple[str, ...] = ()
    #: End a sample caught in a degenerate loop (`judges.loop_end` states the rule).
    loop_guard: bool = False
    #: transformers' and vLLM's repetition penalty (1.0: none); an OpenAI endpoint gets it as vLLM's.
    repetition_penalty: float = 1.0
    #: A JSON schema (as JSON text) every sample is constrained to by the engine's own constrained
    #: decoding, without optional whitespace (`judges.StructuredEngine` sets it per request).
    json_schema: str | None = None

    def __post_init__(self) -> None:
        if self.n < 1:
            raise InputError("n must be at least 1", field="n")
        if self.temperature < 0:
            raise InputError("temperature must be >= 0", field="temperature")
        if self.temperature == 0 and self.n > 1:
            raise InputError("greedy decoding (temperature 0) gives one completion: use n=1", field="n")
        if not 0 < self.top_p <= 1:
            raise InputError("top_p must be in (0, 1]", field="top_p")
        if self.max_new_tokens < 1:
            raise InputError("max_new_tokens must be at least 1", field="max_new_tokens")
        if self.repetition_penalty <= 0:
            raise InputError("repetition_penalty must be > 0", field="repetition_penalty")

    @property
    def greedy(self) -> bool:
        return self.temperature == 0


@dataclass(frozen=True)
class Decoding:
    """What ends a judgment sample besides `max_new_tokens`, and the repetition penalty: settings of a
    run, shared by all its samplings, that change what a judgment is (a run resumes only with the same).

    `stop_at_verdict` (on by default) ends a sample at its first complete verdict line
    (`parsing.VERDICT_STOPS`); `loop_guard` (off by default: a judge caught in a loop might still
    have written its verdict) ends one caught in a loop (`judges._finish`). `structured` (off by
    default) has the judge write a JSON judgment under its verdict's schema (`judges.StructuredEngine`);
    the object's end ends the sample, so no stop text is sent (one inside the rationale would cut it)."""

    stop_at_verdict: bool = True
    loop_guard: bool = False
    repetition_penalty: float = 1.0
    structured: bool = False

    def applied(self, sampling: SamplingConfig) -> SamplingConfig:
        return replace(
            sampling,
            stop=VERDICT_STOPS if self.stop_at_verdict and not self.structured else (),
            loop_guard=self.loop_guard,
            repetition_penalty=self.repetition_penalty,
        )

    def settings(self) -> dict[str, object]:
        """As run.json and results.json record them."""
        return {
            "stop_at_verdict": self.stop_at_verdict,
            "loop_guard": self.loop_guard,
            "repetition_penalty": self.repetition_penalty,
            "structured": self.structured,
        }


#: Why a sample ended: the judge ended it, its verdict was complete (a `stop` text), the loop guard
#: ended it, or it ran to `max_new_tokens`. None where the engine does not say (a harness's text).
FinishReason = Literal["end", "verdict", "loop", "length"]


@dataclass(frozen=True)
class Completion:
    """One generated judgment text; `mean_logprob` is the mean token log-probability if requested.

    `num_tokens`: the output tokens of this sample. `prompt_tokens`: the input tokens this sample was
    charged. A prompt is processed (and billed, by APIs) once per request however many samples the
    request returns, so the request's first sample carries its prompt tokens and the others 0; then
    summing over completions (`count_tokens`) gives what was processed, whether the engine sent one
    request per prompt or one per sample, and whether the completions came from a cache or not.

    `finish`: why the sample ended (`FinishReason`).

    `too_long`: the prompt did not fit the judge's context (prompt + max_new_tokens), so it was not
    sent; the text is empty. Engines return `sampling.n` of these for such a prompt, never raise.
    """

    text: str
    num_tokens: int
    mean_logprob: float | None = None
    too_long: bool = False
    prompt_tokens: int = 0
    finish: FinishReason | None = None


@dataclass(frozen=True)
class TokenCount:
    """Input (prompt) and output (generated) tokens, the two quantities API judges are priced by."""

    input: int = 0
    output: int = 0

    def __add__(self, other: TokenCount) -> TokenCount:
        return TokenCount(self.input + other.input, self.output + other.output)

    def __sub__(self, other: TokenCount) -> TokenCount:
        return TokenCount(self.input - other.input, self.output - other.output)


def count_tokens(answers: Iterable[Sequence[Completion]]) -> TokenCount:
    """The tokens of `generate`'s answers (see `Completion` for why a plain sum is exact)."""
    samples = [c for answer in answers for c in answer]
    return TokenCount(sum(c.prompt_tokens for c in samples), sum(c.num_tokens for c in samples))


def too_long(n: int) -> list[Completion]:
    """The completions of a prompt that was not sent because it does not fit the context."""
    return [Completion(text="", num_tokens=0, too_long=True) for _ in range(n)]


def fits(prompt_tokens: int, max_new_tokens: int, context: int | None) -> bool:
    """Whether a prompt of this many tokens leaves room for the judgment in a context window."""
    return context is None or prompt_tokens + max_new_tokens <= context


@runtime_checkable
class Engine(Protocol):
    """Anything that turns chats into completions: transformers, vLLM, an HTTP endpoint, a script."""

    @property
    def identity(self) -> dict[str, Any]:
        """What identifies the engine in results.json (backend, model, revision, dtype...)."""
        ...

    def generate(
        self, chats: Sequence[Chat], sampling: SamplingConfig, seeds: Sequence[int] | None = None
    ) -> list[list[Completion]]:
        """`sampling.n` completions for each chat, in the order of `chats`.

        `seeds` (one per chat) make sampled completions reproducible per request, independent of
        how requests are batched; engines that cannot seed per request seed per batch.
        """
        ...

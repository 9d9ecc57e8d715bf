"""The judge's generations per sample: one judgment, or sampled judgments for self-consistency and
best-of-N (reduced by the scorer), a fixed `n` or adaptively until the sample's vote is settled. A
structured sample (`-T structured=true`) is generated under its JSON schema, by the provider's own
structured output (`response_format`)."""

from __future__ import annotations

import asyncio
import json

from inspect_ai.model import GenerateConfig, ModelOutput, ResponseSchema, get_model
from inspect_ai.solver import Generate, Solver, TaskState, solver
from inspect_ai.util import JSONSchema

from selfrat_eval._errors import InputError
from selfrat_eval.judges import Completion
from selfrat_eval.tasks._docs import doc_completions, doc_item, doc_strategy

SAMPLES_KEY = "selfrat_samples"


def structured_config(state: TaskState, max_tokens: int) -> GenerateConfig:
    """A structured sample's schema and the token limit it was sized to; nothing for another."""
    schema = state.metadata.get("schema")
    if schema is None:
        return GenerateConfig()
    held_to = JSONSchema.model_validate_json(schema)
    response = ResponseSchema(name="judgment", json_schema=held_to, strict=True)
    return GenerateConfig(response_schema=response, max_tokens=max_tokens)


@solver
def judgment(max_tokens: int = 512) -> Solver:
    """One judgment, generated as the task's generation settings say (greedy in the tests)."""

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        held = structured_config(state, max_tokens)  # unset fields (None) leave the task's settings
        return await generate(state, response_schema=held.response_schema, max_tokens=held.max_tokens)

    return solve


@solver
def sampled_judgments(n: int = 8, temperature: float = 1.0, seed: int = 0, max_tokens: int = 512) -> Solver:
    """Generate `n` judgments at `temperature`, each with its own seed (reproducible per sample);
    they are kept in the sample's metadata for the scorer to reduce, the last one as the output."""

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        model = get_model()
        structured = structured_config(state, max_tokens)
        texts = []
        for index in range(n):
            config = GenerateConfig(temperature=temperature, seed=seed + index).merge(structured)
            output = await model.generate(state.messages, config=config)
            texts.append(output.completion)
            state.output = output
        state.metadata[SAMPLES_KEY] = texts
        return state

    return solve


@solver
def adaptive_judgments(temperature: float = 1.0, seed: int = 0, max_tokens: int = 512) -> Solver:
    """Sample judgments in rounds until the adaptive rule settles the sample's vote (at most the
    strategy's budget), as `selfrat eval --strategy self-consistency:adaptive:MAX` does per request.

    The budget and confidence are the strategy in the sample's `settings`, the one the metric reduces
    by, so the metric reduces exactly the samples drawn here. Each sample's texts are parsed as the
    benchmark parses them (its item and slot are in the metadata); each round draws `Strategy.more`
    samples concurrently, sample `index` seeded `seed + index` as `sampled_judgments` seeds them."""

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        model = get_model()
        settings = json.loads(state.metadata["settings"])
        strategy = doc_strategy(settings)
        if not strategy.adaptive:
            raise InputError(f"the adaptive solver needs an adaptive strategy, not {strategy.label!r}")
        benchmark, item = doc_item(state.metadata["item"], settings)
        slot = state.metadata["slot"]
        structured = structured_config(state, max_tokens)
        # The benchmark judges whole items: the item's other requests (other samples) are left empty.
        empty: dict[str, list[Completion]] = {other: [] for other in benchmark.requests(item)}
        outputs: list[ModelOutput] = []
        while True:
            completions = doc_completions([output.completion for output in outputs], settings)
            values = benchmark.judgment(item, empty | {slot: completions}).values[slot]
            more = strategy.more(values)
            if not more:
                break
            configs = [
                GenerateConfig(temperature=temperature, seed=seed + index).merge(structured)
                for index in range(len(outputs), len(outputs) + more)
            ]
            outputs += await asyncio.gather(
                *(model.generate(state.messages, config=config) for config in configs)
            )
        state.output = outputs[-1]
        state.metadata[SAMPLES_KEY] = [output.completion for output in outputs]
        return state

    return solve

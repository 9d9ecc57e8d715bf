"""Sampled judgments per sample, for self-consistency and best-of-N (reduced by the scorer): a fixed
`n`, or adaptively, until the sample's vote is settled."""

from __future__ import annotations

import asyncio
import json

from inspect_ai.model import GenerateConfig, ModelOutput, get_model
from inspect_ai.solver import Generate, Solver, TaskState, solver

from selfrat_eval._errors import InputError
from selfrat_eval.judges import Completion
from selfrat_eval.tasks._docs import doc_completions, doc_item, doc_strategy

SAMPLES_KEY = "selfrat_samples"


@solver
def sampled_judgments(n: int = 8, temperature: float = 1.0, seed: int = 0) -> Solver:
    """Generate `n` judgments at `temperature`, each with its own seed (reproducible per sample);
    they are kept in the sample's metadata for the scorer to reduce, the last one as the output."""

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        model = get_model()
        texts = []
        for index in range(n):
            output = await model.generate(
                state.messages, config=GenerateConfig(temperature=temperature, seed=seed + index)
            )
            texts.append(output.completion)
            state.output = output
        state.metadata[SAMPLES_KEY] = texts
        return state

    return solve


@solver
def adaptive_judgments(temperature: float = 1.0, seed: int = 0) -> Solver:
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
                GenerateConfig(temperature=temperature, seed=seed + index)
                for index in range(len(outputs), len(outputs) + more)
            ]
            outputs += await asyncio.gather(
                *(model.generate(state.messages, config=config) for config in configs)
            )
        state.output = outputs[-1]
        state.metadata[SAMPLES_KEY] = [output.completion for output in outputs]
        return state

    return solve

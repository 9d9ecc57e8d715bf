"""N sampled judgments per sample, for self-consistency and best-of-N (reduced by the scorer)."""

from __future__ import annotations

from inspect_ai.model import GenerateConfig, get_model
from inspect_ai.solver import Generate, Solver, TaskState, solver

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

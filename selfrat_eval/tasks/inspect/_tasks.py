"""`selfrat_eval/biggen` and `selfrat_eval/rewardbench` as inspect tasks (parameters via -T)."""

from __future__ import annotations

from typing import Any

from inspect_ai import Task, task
from inspect_ai.dataset import MemoryDataset, Sample
from inspect_ai.model import ChatMessageSystem, ChatMessageUser
from inspect_ai.solver import Solver, generate

from selfrat_eval._errors import InputError
from selfrat_eval.tasks._docs import biggen_rows, rewardbench2_rows, rewardbench_rows
from selfrat_eval.tasks.inspect._scorers import biggen_scorer, rewardbench2_scorer, rewardbench_scorer
from selfrat_eval.tasks.inspect._solvers import sampled_judgments

STRATEGIES = ("single", "self-consistency", "best-of-n")


def _samples(rows: list[dict[str, Any]], subset: str | list[str] | None, limit: int | None) -> MemoryDataset:
    if subset:  # -T subset=a,b arrives as a list
        wanted = subset.split(",") if isinstance(subset, str) else subset
        rows = [row for row in rows if row["group"] in wanted]
    samples = [
        Sample(
            id=f"{row['group']}/{row['id']}",
            input=[ChatMessageSystem(content=row["system"]), ChatMessageUser(content=row["prompt"])],
            metadata={k: v for k, v in row.items() if k not in {"system", "prompt"}},
        )
        for row in rows[:limit]
    ]
    return MemoryDataset(samples)


def _solver(strategy: str, n: int, temperature: float, seed: int) -> Solver:
    if strategy not in STRATEGIES:
        raise InputError(f"strategy must be one of {list(STRATEGIES)}", field="strategy")
    return generate() if strategy == "single" else sampled_judgments(n=n, temperature=temperature, seed=seed)


@task
def biggen(
    data: str | None = None,
    subset: str | list[str] | None = None,
    limit: int | None = None,
    strategy: str = "single",
    n: int = 8,
    temperature: float = 1.0,
    reference: bool = True,
    seed: int = 0,
) -> Task:
    """BiGGen-Bench judge evaluation: Pearson/Spearman/Kendall vs human and GPT-4 scores.

    Args:
        data: local human_eval-schema file (default: the hub, or $SELFRAT_DATA_DIR).
        subset: capabilities to keep, comma-separated.
        limit: first N items.
        strategy: single (greedy), self-consistency or best-of-n.
        n: samples per item for the sampled strategies.
        temperature: sampling temperature for the sampled strategies.
        reference: show the reference answer to the judge.
        seed: first sampling seed.
    """
    return Task(
        dataset=_samples(biggen_rows(data, reference), subset, limit),
        solver=_solver(strategy, n, temperature, seed),
        scorer=biggen_scorer(strategy=strategy),
    )


@task
def rewardbench(
    data: str | None = None,
    subset: str | list[str] | None = None,
    limit: int | None = None,
    strategy: str = "single",
    n: int = 8,
    temperature: float = 1.0,
    seed: int = 0,
) -> Task:
    """RewardBench with pairwise judgments (A/B order seeded per item) and the official scoring.

    Args:
        data: local file in the filtered split's schema (default: the hub, or $SELFRAT_DATA_DIR).
        subset: RewardBench subsets to keep, comma-separated.
        limit: first N pairs.
        strategy: single (greedy), self-consistency or best-of-n.
        n: samples per pair for the sampled strategies.
        temperature: sampling temperature for the sampled strategies.
        seed: seeds the A/B order and the first sampling seed.
    """
    return Task(
        dataset=_samples(rewardbench_rows(data, seed), subset, limit),
        solver=_solver(strategy, n, temperature, seed),
        scorer=rewardbench_scorer(strategy=strategy),
    )


@task
def rewardbench2(
    data: str | None = None,
    mode: str = "absolute",
    subset: str | list[str] | None = None,
    limit: int | None = None,
    strategy: str = "single",
    n: int = 8,
    temperature: float = 1.0,
    seed: int = 0,
) -> Task:
    """RewardBench 2 with the official scoring, one sample per judge request (regrouped by prompt).

    Args:
        data: local file in the test split's schema (default: the hub, or $SELFRAT_DATA_DIR).
        mode: absolute (every completion rated 1-10 alone) or rankings (the 4-way choice; Ties is
            always rated).
        subset: subsets to keep, comma-separated.
        limit: first N prompts.
        strategy: single (greedy), self-consistency or best-of-n.
        n: samples per request for the sampled strategies.
        temperature: sampling temperature for the sampled strategies.
        seed: seeds the correct answer's position and the first sampling seed.
    """
    if mode not in ("absolute", "rankings"):
        raise InputError("mode must be absolute or rankings", field="mode")
    label = strategy if strategy == "single" else f"{strategy}:{n}"
    rows = rewardbench2_rows(data, seed, mode, label)  # type: ignore[arg-type]
    if limit is not None:  # the first N prompts, every request of each
        keep = list(dict.fromkeys(row["item"] for row in rows))[:limit]
        rows = [row for row in rows if row["item"] in set(keep)]
    return Task(
        dataset=_samples(rows, subset, None),
        solver=_solver(strategy, n, temperature, seed),
        scorer=rewardbench2_scorer(),
    )

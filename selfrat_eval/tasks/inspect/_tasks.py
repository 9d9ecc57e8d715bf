"""One inspect task per registered benchmark (`inspect eval selfrat_eval/biggen`, parameters via -T),
made from the benchmark's declaration: its options become task parameters beside the common ones."""

from __future__ import annotations

import inspect as pyinspect
from collections.abc import Callable
from dataclasses import MISSING, fields
from typing import Any

from inspect_ai import Task, task
from inspect_ai.dataset import MemoryDataset, Sample
from inspect_ai.model import ChatMessageSystem, ChatMessageUser
from inspect_ai.solver import Solver

from selfrat_eval._errors import InputError
from selfrat_eval.benchmarks import benchmark_class, benchmark_names
from selfrat_eval.tasks._docs import benchmark_rows
from selfrat_eval.tasks.inspect._scorers import benchmark_scorer
from selfrat_eval.tasks.inspect._solvers import adaptive_judgments, judgment, sampled_judgments

STRATEGIES = ("single", "self-consistency", "best-of-n")
#: Parameters every task takes, with their defaults, documented once in `_doc`.
COMMON: dict[str, Any] = {
    "data": None,
    "subset": None,
    "limit": None,
    "strategy": "single",
    "n": 8,
    "temperature": 1.0,
    "adaptive": False,
    "confidence": 0.95,
    "stop_at_verdict": True,
    "loop_guard": False,
    "structured": False,
    "max_new_tokens": 512,
}
#: The parameters that say what a judgment is, passed on to the documents.
DECODING = ("stop_at_verdict", "loop_guard", "structured", "max_new_tokens")


def _dataset(rows: list[dict[str, Any]], subset: str | list[str] | None, limit: int | None) -> MemoryDataset:
    if subset:  # -T subset=a,b arrives as a list
        wanted = subset.split(",") if isinstance(subset, str) else subset
        rows = [row for row in rows if row["group"] in wanted]
    if limit is not None:  # the first N items, every request of each
        keep = set(list(dict.fromkeys(row["item"] for row in rows))[:limit])
        rows = [row for row in rows if row["item"] in keep]
    samples = [
        Sample(
            id=f"{row['group']}/{row['id']}",
            input=[ChatMessageSystem(content=row["system"]), ChatMessageUser(content=row["prompt"])],
            metadata={k: v for k, v in row.items() if k not in {"system", "prompt"}},
        )
        for row in rows
    ]
    return MemoryDataset(samples)


def _label(strategy: str, n: int, adaptive: bool) -> str:
    """The package's strategy label for the task parameters: what the metric reduces by."""
    if strategy not in STRATEGIES:
        raise InputError(f"strategy must be one of {list(STRATEGIES)}", field="strategy")
    if strategy == "single":
        if adaptive:
            raise InputError("adaptive needs strategy self-consistency or best-of-n", field="adaptive")
        return strategy
    return f"{strategy}:adaptive:{n}" if adaptive else f"{strategy}:{n}"


def _solver(strategy: str, n: int, adaptive: bool, temperature: float, seed: int, max_tokens: int) -> Solver:
    if strategy == "single":
        return judgment(max_tokens=max_tokens)
    if adaptive:  # budget and confidence: the strategy in each sample's settings
        return adaptive_judgments(temperature=temperature, seed=seed, max_tokens=max_tokens)
    return sampled_judgments(n=n, temperature=temperature, seed=seed, max_tokens=max_tokens)


def _doc(name: str) -> str:
    cls = benchmark_class(name)
    options = ", ".join(f.name for f in fields(cls))
    return (
        f"{cls.title}; scored by the package's own metric (one sample per judge request).\n\n"
        "Args:\n"
        "    data: a local file in the benchmark's schema (default: the hub, or $SELFRAT_DATA_DIR).\n"
        "    subset: groups (subsets, capabilities) to keep, comma-separated.\n"
        "    limit: the first N items, every request of each.\n"
        "    strategy: single (greedy), self-consistency or best-of-n.\n"
        "    n: samples per request for the sampled strategies (adaptive: at most n).\n"
        "    temperature: sampling temperature for the sampled strategies.\n"
        "    adaptive: sample each request in rounds until its vote is settled (as the strategies\n"
        "        self-consistency:adaptive:N and best-of-n:adaptive:N of `selfrat eval`).\n"
        "    confidence: how sure the adaptive stopping rule must be that a vote is settled (0.5-1].\n"
        "    stop_at_verdict, loop_guard: where a judgment ends, as `selfrat eval`'s options say\n"
        "        (texts are cut there; inspect itself generates to --max-tokens).\n"
        "    structured: the judge writes a JSON judgment held to its verdict's schema by the\n"
        "        provider's structured output (response_format: openai, openai-api, vllm, ...), as\n"
        "        `selfrat eval --structured`; the schema is sized to max_new_tokens, which then caps\n"
        "        each generation.\n"
        f"    The benchmark's options ({options}) as in `selfrat eval`; `seed` also seeds sampling.\n"
    )


def _make(name: str) -> Callable[..., Task]:
    options = {f.name: f.default for f in fields(benchmark_class(name)) if f.default is not MISSING}

    def benchmark_task(**params: Any) -> Task:
        unknown = sorted(set(params) - set(COMMON) - set(options))
        if unknown:
            raise InputError(f"{name} takes no parameter {unknown[0]!r}", field=unknown[0])
        given = COMMON | options | params
        label = _label(given["strategy"], given["n"], given["adaptive"])
        chosen = {key: given[key] for key in options}
        decoding = {key: given[key] for key in DECODING}
        rows = benchmark_rows(name, given["data"], label, given["confidence"], **decoding, **chosen)
        sampling = (given["n"], given["adaptive"], given["temperature"], given.get("seed", 0))
        return Task(
            dataset=_dataset(rows, given["subset"], given["limit"]),
            solver=_solver(given["strategy"], *sampling, max_tokens=given["max_new_tokens"]),
            scorer=benchmark_scorer(),
        )

    parameters = [
        pyinspect.Parameter(key, pyinspect.Parameter.KEYWORD_ONLY, default=default)
        for key, default in (COMMON | options).items()
    ]
    benchmark_task.__signature__ = pyinspect.Signature(parameters, return_annotation=Task)  # type: ignore[attr-defined]
    benchmark_task.__name__ = benchmark_task.__qualname__ = name
    benchmark_task.__doc__ = _doc(name)
    return task(benchmark_task)


#: name -> registered task, for every benchmark (the entry point imports this module).
TASKS = {name: _make(name) for name in benchmark_names()}

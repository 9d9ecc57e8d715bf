"""The registry of benchmarks: every public module of this package declares one with `@register`.

Modules are found by listing the package, so adding a benchmark adds one module and nothing else;
they are imported on the first lookup, not when `selfrat_eval` is imported.
"""

from __future__ import annotations

import difflib
import importlib
import pkgutil
from dataclasses import fields
from functools import cache
from typing import Any, TypeVar

from selfrat_eval._errors import InputError
from selfrat_eval.benchmarks._base import Benchmark

_REGISTRY: dict[str, type[Benchmark]] = {}
B = TypeVar("B", bound=type[Benchmark])


def register(cls: B) -> B:
    """Class decorator: make `cls` the benchmark called `cls.name`."""
    if cls.name in _REGISTRY and _REGISTRY[cls.name] is not cls:
        raise ValueError(f"two benchmarks named {cls.name!r}: {_REGISTRY[cls.name]} and {cls}")
    _REGISTRY[cls.name] = cls
    return cls


@cache
def _discover() -> None:
    package = importlib.import_module("selfrat_eval.benchmarks")
    for module in pkgutil.iter_modules(package.__path__):
        if not module.name.startswith("_"):
            importlib.import_module(f"selfrat_eval.benchmarks.{module.name}")


def benchmark_names() -> list[str]:
    _discover()
    return sorted(_REGISTRY)


def benchmark_class(name: str) -> type[Benchmark]:
    _discover()
    if name not in _REGISTRY:
        close = difflib.get_close_matches(name, _REGISTRY, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise InputError(f"no benchmark {name!r}{hint}; choose from {benchmark_names()}", field="benchmark")
    return _REGISTRY[name]


def option_names(name: str) -> list[str]:
    """The options benchmark `name` takes (its dataclass fields)."""
    return [f.name for f in fields(benchmark_class(name))]


def create_benchmark(name: str, **options: Any) -> Benchmark:
    """Benchmark `name` with those of `options` it takes (a run's settings name them all)."""
    cls = benchmark_class(name)
    taken = {key: value for key, value in options.items() if key in option_names(name)}
    taken |= cls.fixed_options
    mode = taken.get("mode")
    if mode is not None and mode not in cls.modes:
        users = [other for other in benchmark_names() if mode in _REGISTRY[other].modes]
        raise InputError(f"--mode {mode} applies to {', '.join(users)} only", field="mode")
    return cls(**taken)

"""selfrat-eval: evaluate and train LLM judges (BiGGen-Bench, RewardBench, Self-Rationalization).

Importing the package is cheap on purpose: engines (torch, transformers, vLLM) are imported only
when a judge is created, and the lm-eval hook imports this package at interpreter start.
"""

from typing import Any

__all__ = ["__version__"]


def __getattr__(name: str) -> Any:
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("selfrat-eval")
        except PackageNotFoundError:  # a source tree that was not installed
            return "0.0.0+unknown"
    raise AttributeError(name)

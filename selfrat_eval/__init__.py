"""selfrat-eval: evaluate and train LLM judges (BiGGen-Bench, RewardBench, Self-Rationalization).

Importing the package is cheap on purpose: engines (torch, transformers, vLLM) are imported only
when a judge is created, so `selfrat --help` and the metrics stay fast.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("selfrat-eval")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]

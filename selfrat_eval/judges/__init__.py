"""Judge engines behind one interface (transformers now; vLLM and HTTP join in later issues)."""

from selfrat_eval.judges._engine import Completion, Engine, SamplingConfig
from selfrat_eval.judges._registry import BACKENDS, Backend, load_engine

__all__ = ["BACKENDS", "Backend", "Completion", "Engine", "SamplingConfig", "load_engine"]

"""Judge engines behind one interface (transformers, vLLM, OpenAI-compatible HTTP) and the
strategies that run on any of them (single, self-consistency, best-of-N)."""

from selfrat_eval._errors import ReplicaFailed
from selfrat_eval.judges._adaptive import StopReason
from selfrat_eval.judges._cache import CacheStats, CachingEngine
from selfrat_eval.judges._engine import (
    Completion,
    Decoding,
    Engine,
    FinishReason,
    SamplingConfig,
    TokenCount,
    count_tokens,
)
from selfrat_eval.judges._finish import finish, loop_end
from selfrat_eval.judges._models import check_model, resolve_model, smollm2_gguf
from selfrat_eval.judges._registry import BACKENDS, Backend, EngineSettings, default_backend, load_engine
from selfrat_eval.judges._replicas import ReplicatedEngine
from selfrat_eval.judges._strategies import (
    Aggregate,
    Selector,
    Strategy,
    StrategyKind,
    Value,
    combine,
    majority_score,
    majority_winner,
    mean_score,
    median_score,
    select,
)
from selfrat_eval.judges._structured import StructuredEngine, json_schema

__all__ = [
    "BACKENDS",
    "Aggregate",
    "Backend",
    "CacheStats",
    "CachingEngine",
    "Completion",
    "Decoding",
    "Engine",
    "EngineSettings",
    "FinishReason",
    "ReplicaFailed",
    "ReplicatedEngine",
    "SamplingConfig",
    "Selector",
    "StopReason",
    "Strategy",
    "StrategyKind",
    "StructuredEngine",
    "TokenCount",
    "Value",
    "check_model",
    "combine",
    "count_tokens",
    "default_backend",
    "finish",
    "json_schema",
    "load_engine",
    "loop_end",
    "majority_score",
    "majority_winner",
    "mean_score",
    "median_score",
    "resolve_model",
    "select",
    "smollm2_gguf",
]

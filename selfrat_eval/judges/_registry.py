"""Engines by backend name (more backends register here as they are added)."""

from __future__ import annotations

from typing import Any, Literal

from selfrat_eval.judges._engine import Engine

Backend = Literal["hf"]
BACKENDS: tuple[Backend, ...] = ("hf",)


def load_engine(backend: Backend, model: str, **options: Any) -> Engine:
    """Create the engine for `backend` (imports its heavy packages only now)."""
    if backend == "hf":
        from selfrat_eval.judges._transformers import TransformersConfig, TransformersEngine

        return TransformersEngine(TransformersConfig(model=model, **options))
    raise ValueError(f"unknown backend {backend!r}; choose from {BACKENDS}")

"""Engines by backend name; each backend's heavy packages are imported only when it is created."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, get_args

from selfrat_eval._errors import InputError
from selfrat_eval.judges._deps import available
from selfrat_eval.judges._engine import Engine
from selfrat_eval.judges._models import resolve_model

Backend = Literal["vllm", "hf", "openai"]
BACKENDS: tuple[Backend, ...] = get_args(Backend)


@dataclass(frozen=True)
class EngineSettings:
    """Knobs shared by the CLI; each backend uses those that apply to it."""

    dtype: str = "auto"
    device: str = "auto"
    revision: str | None = None
    batch_size: int = 8
    seed: int = 0


def default_backend() -> Backend:
    """vLLM where it is installed, transformers otherwise."""
    return "vllm" if available("vllm") else "hf"


def load_engine(
    backend: Backend, model: str, settings: EngineSettings | None = None, **options: Any
) -> Engine:
    """Create the engine for `backend`; `options` are backend-specific (see each Config)."""
    settings = settings or EngineSettings()
    if backend in ("hf", "vllm"):
        model = resolve_model(model)  # a GGUF becomes its converted folder
    if backend == "hf":
        from selfrat_eval.judges._transformers import TransformersConfig, TransformersEngine

        common = {
            "dtype": settings.dtype,
            "device": settings.device,
            "revision": settings.revision,
            "batch_size": settings.batch_size,
        }
        return TransformersEngine(_config(TransformersConfig, model, {**common, **options}))
    if backend == "vllm":
        from selfrat_eval.judges._vllm import VLLMConfig, VLLMEngine

        common = {"dtype": settings.dtype, "revision": settings.revision, "seed": settings.seed}
        known = set(VLLMConfig.__dataclass_fields__)
        extra = tuple((k, v) for k, v in options.items() if k not in known)  # passed on to vllm.LLM
        chosen = {**common, **{k: v for k, v in options.items() if k in known}}
        return VLLMEngine(VLLMConfig(model=model, extra=extra, **chosen))
    if backend == "openai":
        from selfrat_eval.judges._openai import OpenAIConfig, OpenAIEngine

        return OpenAIEngine(_config(OpenAIConfig, model, options))
    raise InputError(f"unknown backend {backend!r}; choose from {list(BACKENDS)}", field="backend")


def _config(cls: Any, model: str, options: dict[str, Any]) -> Any:
    unknown = set(options) - set(cls.__dataclass_fields__)
    if unknown:
        raise InputError(f"unknown option(s) {sorted(unknown)} for this backend", field="engine option")
    return cls(model=model, **options)

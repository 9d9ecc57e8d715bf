"""Engines by backend name; each backend's heavy packages are imported only when it is created."""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import partial
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
    #: Engine copies in their own processes, requests dealt among them (`judges.ReplicatedEngine`).
    replicas: int = 1
    #: One engine, in a process of its own even so: its memory (a GPU's) is returned when it closes.
    own_process: bool = False


def default_backend() -> Backend:
    """vLLM where it is installed, transformers otherwise."""
    return "vllm" if available("vllm") else "hf"


def load_engine(
    backend: Backend, model: str, settings: EngineSettings | None = None, **options: Any
) -> Engine:
    """Create the engine for `backend`; `options` are backend-specific (see each Config)."""
    settings = settings or EngineSettings()
    if backend in ("hf", "vllm"):
        model = resolve_model(model)  # a GGUF becomes its converted folder, once, before any replica
    if settings.replicas != 1 or settings.own_process:
        return _replicated(backend, model, settings, options)
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


def _replicated(backend: Backend, model: str, settings: EngineSettings, options: dict[str, Any]) -> Engine:
    from selfrat_eval.judges._replicas import ReplicatedEngine, replica_environments

    if backend == "openai":
        raise InputError(
            "--replicas is for local engines; an endpoint scales on the server (vllm serve "
            "--data-parallel-size N) with --max-concurrency here",
            field="replicas",
        )
    # vLLM's tensor x pipeline parallel GPUs go to each replica
    devices = int(options.get("tensor_parallel_size", 1)) * int(options.get("pipeline_parallel_size", 1))
    one = partial(load_engine, backend, model, replace(settings, replicas=1, own_process=False), **options)
    return ReplicatedEngine(one, settings.replicas, replica_environments(settings.replicas, devices))

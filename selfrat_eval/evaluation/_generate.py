"""`selfrat generate`: a model's responses to the BiGGen-Bench instances, in the files the official
pipeline writes, ready for `selfrat grade` (or the official grader).

Each instance is sent as its system prompt and input through the model's chat template (greedy by
default); responses are appended to `responses.jsonl.part` as chunks finish, so a killed run resumes
without answering anything twice, and `responses.json` (the pipeline's object keyed by instance id:
the instance's columns plus `response` and `response_model_name`) is rewritten whole at the end.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from selfrat_eval.benchmarks.biggen import BiggenInstance, load_biggen_instances
from selfrat_eval.benchmarks.biggen_grading import MULTILINGUAL
from selfrat_eval.data._io import atomic_write
from selfrat_eval.evaluation._store import append_lines, drop_torn_tail
from selfrat_eval.judges import Backend, Engine, EngineSettings, SamplingConfig, load_engine
from selfrat_eval.prompts import Chat

#: The partial file: not a response file by its suffix, so `selfrat grade --responses OUT` reads only
#: the finished responses.json.
RESPONSES_PARTIAL = "responses.jsonl.part"
RESPONSES_JSON = "responses.json"


@dataclass(frozen=True)
class GenerateConfig:
    """Everything `selfrat generate` needs; see the CLI help for each option."""

    model: str
    out: Path
    backend: Backend = "hf"
    model_name: str | None = None
    data: Path | None = None
    revision: str | None = None
    multilingual: bool = False
    limit: int | None = None
    max_new_tokens: int = 1024
    temperature: float = 0.0
    seed: int = 0
    batch_size: int = 8
    chunk_size: int = 32
    replicas: int = 1
    dtype: str = "auto"
    device: str = "auto"
    engine_options: dict[str, Any] = field(default_factory=dict)

    def name(self) -> str:
        return self.model_name or self.model

    def load_engine(self) -> Engine:
        settings = EngineSettings(
            self.dtype, self.device, self.revision, self.batch_size, self.seed, self.replicas
        )
        return load_engine(self.backend, self.model, settings, **self.engine_options)


def chat_of(instance: BiggenInstance) -> Chat:
    system = instance.system_prompt.strip() if instance.system_prompt else ""
    return ([{"role": "system", "content": system}] if system else []) + [
        {"role": "user", "content": instance.input}
    ]


def generate_responses(config: GenerateConfig, engine_factory: Callable[[], Engine] | None = None) -> Path:
    """Answer every instance not answered yet; returns the path of responses.json."""
    instances, _ = load_biggen_instances(config.data, revision=config.revision)
    wanted = [i for i in instances if config.multilingual or i.capability != MULTILINGUAL][: config.limit]
    config.out.mkdir(parents=True, exist_ok=True)
    partial = config.out / RESPONSES_PARTIAL
    drop_torn_tail(partial)
    done = (
        {json.loads(line)["id"] for line in partial.read_text(encoding="utf-8").splitlines()}
        if partial.exists()
        else set()
    )
    todo = [i for i in wanted if i.id not in done]
    if todo:
        engine = engine_factory() if engine_factory else config.load_engine()
        sampling = SamplingConfig(
            max_new_tokens=config.max_new_tokens, temperature=config.temperature, seed=config.seed
        )
        columns = (
            TextColumn(f"answering as {config.name()}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
        )
        with Progress(*columns) as progress:
            bar = progress.add_task("generate", total=len(wanted), completed=len(wanted) - len(todo))
            for start in range(0, len(todo), config.chunk_size):
                chunk = todo[start : start + config.chunk_size]
                outputs = engine.generate([chat_of(i) for i in chunk], sampling)
                rows = [
                    response_row(i, completions[0].text, config.name())
                    for i, completions in zip(chunk, outputs, strict=True)
                ]
                append_lines(partial, [json.dumps(row, ensure_ascii=False) for row in rows])
                progress.advance(bar, len(chunk))
    rows = [json.loads(line) for line in partial.read_text(encoding="utf-8").splitlines()]
    keep = {i.id for i in wanted}
    by_id = {row["id"]: row for row in rows if row["id"] in keep}
    with atomic_write(config.out / RESPONSES_JSON) as handle:
        json.dump(by_id, handle, ensure_ascii=False, indent=1)
    return config.out / RESPONSES_JSON


def response_row(instance: BiggenInstance, response: str, model: str) -> dict[str, Any]:
    """A response in the official pipeline's columns: the instance's, `response`, `response_model_name`."""
    return instance.model_dump(mode="json") | {"response": response, "response_model_name": model}

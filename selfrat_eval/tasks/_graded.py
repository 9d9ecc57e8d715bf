"""BiGGen-Bench's generate-then-judge flow in the harnesses (the `biggen_graded` task of lm-eval and
inspect): the harness's model answers each instance (its system prompt and input, through the chat
template), then a judge grades the answers with the official grading prompt, as `selfrat grade`
does.

Both harnesses take their documents from `instance_docs`, build what the judge grades with
`benchmark.biggen_grading.grading_item`, and score with `BiggenGrading`'s own metric, so a harness
run gives the grades `selfrat grade` gives the same responses. In lm-eval the judge is loaded by this
package (`GradingSettings`: lm-eval calls no model for metrics) and grades every response in one
batched `selfrat grade` run when the results are aggregated; in inspect the judge is the `grader`
model role, called by the scorer.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from selfrat_eval._errors import InputError
from selfrat_eval.benchmarks._leaderboard import safe_model_name
from selfrat_eval.benchmarks.biggen import load_biggen_instances
from selfrat_eval.benchmarks.biggen_grading import MULTILINGUAL
from selfrat_eval.data._io import atomic_write
from selfrat_eval.judges import Backend, Strategy

TASK = "biggen_graded"
#: Where lm-eval runs keep their gradings unless `out` is given: one folder per model, judge and
#: set of responses, so an identical rerun finds its grading done (and a killed one resumes).
DEFAULT_OUT = Path("selfrat-graded")


def instance_docs(data: str | Path | None = None, multilingual: bool = False) -> list[dict[str, Any]]:
    """The instances to answer (the 695 English ones, or all 765), as harness documents: the chat
    `selfrat generate` sends (system prompt, stripped, and input) plus the instance itself."""
    instances, _source = load_biggen_instances(Path(data) if data else None)
    return [
        {
            "id": instance.id,
            "group": instance.capability,
            "system": (instance.system_prompt or "").strip(),
            "prompt": instance.input,
            "instance": instance.model_dump_json(),
        }
        for instance in instances
        if multilingual or instance.capability != MULTILINGUAL
    ]


@dataclass(frozen=True)
class GradingSettings:
    """The judge stage of lm-eval's `biggen_graded`, from `--metadata` keys of the same names:
    `judge` (required), `judge_backend`, `strategy`, `judge_max_new_tokens`, `judge_batch_size`,
    `judge_options` (engine settings), `seed`, `cache` (a judgment cache file), `out` (the grading's
    run folder) and `model_name` (the graded model's name; default: lm-eval's `pretrained`/`model`)."""

    judge: str
    judge_backend: Backend | None = None
    strategy: str = "single"
    judge_max_new_tokens: int = 512
    judge_batch_size: int = 8
    judge_options: dict[str, Any] = field(default_factory=dict)
    seed: int = 0
    cache: str | None = None
    out: str | None = None
    model_name: str = "model"

    @classmethod
    def from_metadata(cls, metadata: dict[str, Any]) -> GradingSettings:
        """The settings among lm-eval's metadata (which also holds the task version and the
        model's arguments, merged in by lm-eval)."""
        if not metadata.get("judge"):
            raise InputError(
                'biggen_graded needs a judge: --metadata \'{"judge": "MODEL", "judge_backend": "vllm"}\'',
                field="judge",
            )
        known = {f.name for f in fields(cls)}
        given = {key: value for key, value in metadata.items() if key in known}
        model = metadata.get("model_name") or metadata.get("pretrained") or metadata.get("model")
        settings = cls(**given | {"model_name": str(model or "model")})
        Strategy.parse(settings.strategy)  # a bad strategy fails before any generation
        return settings

    def run_folder(self, rows: Sequence[dict[str, Any]]) -> Path:
        if self.out:
            return Path(self.out)
        digest = hashlib.sha256(
            json.dumps([rows, asdict(self)], sort_keys=True, ensure_ascii=False).encode()
        ).hexdigest()[:12]
        name = f"{safe_model_name(self.model_name)}--by--{safe_model_name(self.judge)}--{digest}"
        return DEFAULT_OUT / name.replace("/", "_")


def grade_rows(rows: Sequence[dict[str, Any]], settings: GradingSettings) -> dict[str, Any]:
    """`selfrat grade` on these responses (written to the run folder as responses.json): its
    results.json, with the run folder under `run_folder`."""
    from selfrat_eval.evaluation import EvalConfig, grade_responses
    from selfrat_eval.judges import default_backend

    out = settings.run_folder(rows)
    out.mkdir(parents=True, exist_ok=True)
    responses = out / "responses.json"
    with atomic_write(responses) as handle:
        json.dump({row["id"]: row for row in rows}, handle, ensure_ascii=False, indent=1)
    config = EvalConfig(
        judge=settings.judge,
        benchmark="biggen_grading",
        out=out,
        data=responses,
        backend=settings.judge_backend or default_backend(),
        strategy=settings.strategy,
        max_new_tokens=settings.judge_max_new_tokens,
        batch_size=settings.judge_batch_size,
        seed=settings.seed,
        engine_options=dict(settings.judge_options),
    )
    cache = Path(settings.cache) if settings.cache else None
    return grade_responses(config, engine_factory=config.cached_engine(cache)) | {"run_folder": str(out)}

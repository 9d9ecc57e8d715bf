"""A BiGGen-Bench-Results `human_eval`-schema fixture built on the vendored real instances.

The responses and scores are synthetic (no public small copy of the human scores exists); the schema
is the published one: instance columns + response, model_name, human_score, gpt4_score (-1 = missing).
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

from selfrat_eval.data import sample_path

RESPONSE_MODELS = ("model-a", "model-b", "model-c", "model-d")


def human_eval_rows(seed: int = 0) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    instances = [json.loads(line) for line in sample_path("biggen-instances").read_text().splitlines()]
    rows = []
    for instance in instances:
        if instance["capability"] == "multilingual":
            continue  # the human_eval split has no multilingual rows
        for model in RESPONSE_MODELS:
            quality = rng.randint(1, 5)
            rows.append(
                {
                    **instance,
                    "response": f"A response by {model} of quality {quality}.",
                    "model_name": model,
                    "human_score": -1 if rng.random() < 0.1 else quality,
                    "gpt4_score": min(5, max(1, quality + rng.choice([-1, 0, 0, 1]))),
                    "gpt4_04_turbo_score": quality,
                }
            )
    return rows


def write_human_eval(path: Path, seed: int = 0) -> list[dict[str, Any]]:
    rows = human_eval_rows(seed)
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return rows

"""Naming leaderboard files after a model, shared by the benchmarks that write them."""

from __future__ import annotations

import re
from pathlib import Path


def safe_model_name(model_name: str) -> str:
    """`org/model` keeps its folder; a local path becomes its folder name; anything else a file name."""
    name = Path(model_name).name if Path(model_name).exists() else model_name
    return re.sub(r"[^A-Za-z0-9._/-]", "_", name).strip("/") or "model"

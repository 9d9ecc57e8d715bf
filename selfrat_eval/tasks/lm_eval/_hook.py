"""A lazy import hook, installed at interpreter start by `selfrat_eval_lm_eval.pth`.

lm-eval 0.4.13 finds tasks only in its own folder and `--include_path`. This hook does nothing until
`lm_eval.tasks.manager` is imported; then it wraps `TaskManager.__init__` to add this package's task
folder to `include_path`, so `lm_eval --tasks biggen_selfrat ...` works with every other flag intact.
Set SELFRAT_LM_EVAL_PLUGIN=0 to switch it off (then use `--include_path`, see the README).
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

SWITCH = "SELFRAT_LM_EVAL_PLUGIN"
TARGET = "lm_eval.tasks.manager"
TASKS_DIR = str(Path(__file__).parent / "tasks")


class _Finder(importlib.abc.MetaPathFinder):
    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != TARGET:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.loader is None:
            return spec
        loader = spec.loader
        original = loader.exec_module

        def exec_module(module: ModuleType) -> None:
            original(module)
            _add_task_folder(module)

        loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


def _add_task_folder(manager_module: ModuleType) -> None:
    task_manager = manager_module.TaskManager
    original_init = task_manager.__init__

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        if len(args) >= 2:  # include_path given positionally
            args = (args[0], _with_ours(args[1]), *args[2:])
        else:
            kwargs["include_path"] = _with_ours(kwargs.get("include_path"))
        original_init(self, *args, **kwargs)

    task_manager.__init__ = __init__


def _with_ours(include_path: Any) -> list[Any]:
    paths = (
        []
        if include_path is None
        else [include_path]
        if isinstance(include_path, str | Path)
        else list(include_path)
    )
    return paths if TASKS_DIR in map(str, paths) else [*paths, TASKS_DIR]


def install() -> None:
    if os.environ.get(SWITCH, "1").strip().lower() in {"0", "false", "no", "off"}:
        return
    if not any(isinstance(finder, _Finder) for finder in sys.meta_path):
        sys.meta_path.insert(0, _Finder())

"""Importing the package and its non-engine layers must not pull in torch, transformers or vLLM."""

from __future__ import annotations

import subprocess
import sys


def test_core_layers_import_without_heavy_packages() -> None:
    code = (
        "import sys, selfrat_eval, selfrat_eval.cli, selfrat_eval.evaluation, selfrat_eval.metrics, "
        "selfrat_eval.judges, selfrat_eval.parsing, selfrat_eval.prompts; "
        "print(sorted(m for m in ('torch', 'transformers', 'vllm', 'datasets') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"

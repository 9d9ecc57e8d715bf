#!/usr/bin/env bash
# Lint, type-check and run every test, the slow real-model ones included. Offline by design.
set -euo pipefail
cd "$(dirname "$0")/.."
export HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 TOKENIZERS_PARALLELISM=false
.venv/bin/ruff check selfrat_eval tests scripts benchmarks
.venv/bin/ruff format --check selfrat_eval tests scripts benchmarks
.venv/bin/mypy
# Two pytest-xdist workers, one test file (or the vLLM server's tests) at a time: see tests/conftest.py.
# SELFRAT_TEST_WORKERS=0 runs everything in this one process.
.venv/bin/python -m pytest -n "${SELFRAT_TEST_WORKERS:-2}" --dist loadgroup --no-loadscope-reorder "$@"

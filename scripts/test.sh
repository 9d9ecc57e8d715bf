#!/usr/bin/env bash
# Lint, type-check and run every test, the slow real-model ones included. Offline by design.
set -euo pipefail
cd "$(dirname "$0")/.."
export HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 TOKENIZERS_PARALLELISM=false
.venv/bin/ruff check selfrat_eval tests scripts benchmarks
.venv/bin/ruff format --check selfrat_eval tests scripts benchmarks
.venv/bin/mypy
.venv/bin/python -m pytest "$@"

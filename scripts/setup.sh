#!/usr/bin/env bash
# Create .venv and install selfrat-eval with its development tools.
# On a machine without an NVIDIA GPU, the CPU build of torch is installed first so that nothing
# later pulls a multi-GB CUDA build (torch is deliberately not pinned in pyproject.toml).
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
PIP=(.venv/bin/python -m pip install --quiet --disable-pip-version-check)

if ! .venv/bin/python -c "import torch" 2>/dev/null; then
  if command -v nvidia-smi >/dev/null 2>&1; then
    "${PIP[@]}" torch
  else
    "${PIP[@]}" "torch==${SELFRAT_CPU_TORCH:-2.13.0}"
  fi
fi
"${PIP[@]}" -e ".[dev]"
echo "selfrat-eval is installed in .venv ($(.venv/bin/selfrat --help >/dev/null && echo ok))"

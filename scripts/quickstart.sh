#!/usr/bin/env bash
# The quick start: build a tiny judge offline, then run `selfrat eval` on the vendored real samples
# (46 RewardBench pairs, 30 rubric-graded responses) with a greedy judge and with self-consistency,
# and re-score the stored samples as best-of-N without generating again. CPU, a couple of minutes.
# The tiny judge only learned the output format (with random results): expect chance-level numbers.
set -euo pipefail
cd "$(dirname "$0")/.."
export HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1
OUT="${1:-runs/quickstart}"
SAMPLES=selfrat_eval/data/samples

[ -d "$OUT/tiny-judge" ] || .venv/bin/selfrat toy-judge "$OUT/tiny-judge"
.venv/bin/selfrat eval --judge "$OUT/tiny-judge" --benchmark rewardbench \
  --data "$SAMPLES/rewardbench_filtered_sample.jsonl" --out "$OUT/rewardbench" --max-new-tokens 48
.venv/bin/selfrat eval --judge "$OUT/tiny-judge" --benchmark rubric --strategy self-consistency:8 \
  --data "$SAMPLES/rubric_scored_responses_sample.jsonl" --out "$OUT/rubric-sc8" --max-new-tokens 48
.venv/bin/selfrat score "$OUT/rubric-sc8/judgments.jsonl" --strategy best-of-n:8 --out "$OUT/rubric-bon8"
echo "Per-item judgments and results: $OUT/rewardbench, $OUT/rubric-sc8, $OUT/rubric-bon8"

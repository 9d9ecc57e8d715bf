#!/usr/bin/env bash
# The quick start: build a tiny judge offline and run `selfrat eval` on the vendored real samples
# (46 RewardBench pairs, 30 rubric-graded responses). Shows the pipeline end to end on a CPU in about
# a minute; the tiny judge is untrained, so its numbers are chance level by construction.
set -euo pipefail
cd "$(dirname "$0")/.."
export HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1
OUT="${1:-runs/quickstart}"
SAMPLES=selfrat_eval/data/samples

[ -d "$OUT/tiny-judge" ] || .venv/bin/selfrat toy-judge "$OUT/tiny-judge"
.venv/bin/selfrat eval --judge "$OUT/tiny-judge" --benchmark rewardbench \
  --data "$SAMPLES/rewardbench_filtered_sample.jsonl" --out "$OUT/rewardbench" --max-new-tokens 48
.venv/bin/selfrat eval --judge "$OUT/tiny-judge" --benchmark rubric \
  --data "$SAMPLES/rubric_scored_responses_sample.jsonl" --out "$OUT/rubric" --max-new-tokens 48
echo "Per-item judgments and results: $OUT/rewardbench, $OUT/rubric"

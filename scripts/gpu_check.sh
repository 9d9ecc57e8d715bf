#!/usr/bin/env bash
# GPU smoke check of the scale-out paths, for a machine with at least one NVIDIA GPU (under 10 minutes
# on one): vLLM replicas give one engine's judgments, SFT under torchrun on every GPU, and one SFT step
# under the DeepSpeed ZeRO-3 and FSDP accelerate configs (one process each; DeepSpeed needs
# `pip install deepspeed`, skipped without it). Prints each run's training.json; exits non-zero on a
# failure. Uses the tiny judge built here, so nothing is downloaded.
#   bash scripts/gpu_check.sh [WORK_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
export HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 TOKENIZERS_PARALLELISM=false
PY=${PYTHON:-.venv/bin/python}
WORK=${1:-$(mktemp -d)}
GPUS=$("$PY" -c "import torch; print(torch.cuda.device_count())")
[ "$GPUS" -ge 1 ] || { echo "no GPU visible"; exit 1; }
echo "== $GPUS GPU(s); work in $WORK"

"$PY" -c "from selfrat_eval.toy import build_tiny_judge; build_tiny_judge('$WORK/judge', seed=0, format_steps=200)"
RUBRIC=$("$PY" -c "from selfrat_eval.data import sample_path; print(sample_path('rubric'))")

echo "== judging: 1 replica, then $GPUS (sampled, per-request seeds)"
for n in 1 "$GPUS"; do
  "$PY" -m selfrat_eval.cli eval --judge "$WORK/judge" --backend vllm --benchmark rubric --data "$RUBRIC" \
    --strategy self-consistency:4 --max-new-tokens 32 --n-resamples 0 --replicas "$n" \
    --engine-option gpu_memory_utilization=0.3 --out "$WORK/eval-$n"
done
"$PY" - "$WORK" "$GPUS" <<'PY'
import json, sys
work, gpus = sys.argv[1], sys.argv[2]
def texts(n):
    return [json.loads(line)["outputs"] for line in open(f"{work}/eval-{n}/judgments.jsonl")]
same = texts(1) == texts(gpus)
print(f"replicas 1 vs {gpus}: same texts: {same}")
sys.exit(0 if same else 1)
PY

sft() {  # LAUNCHER... -> trains into $WORK/sft-$NAME
  local name=$1; shift
  "$@" -m selfrat_eval.cli train sft --model "$WORK/judge" --data "$RUBRIC" --limit 8 --batch-size 2 \
    --out "$WORK/sft-$name"
  echo "$name: $(cat "$WORK/sft-$name/training.json")"
}
echo "== SFT under torchrun on $GPUS GPU(s)"
sft torchrun "$PY" -m torch.distributed.run --standalone --nproc_per_node "$GPUS"
ACCELERATE=$(dirname "$PY")/accelerate
echo "== SFT under the FSDP config (one process)"
sft fsdp "$ACCELERATE" launch --config_file configs/accelerate/fsdp.yaml --num_processes 1
if "$PY" -c "import deepspeed" 2>/dev/null; then
  echo "== SFT under the DeepSpeed ZeRO-3 config (one process)"
  sft zero3 "$ACCELERATE" launch --config_file configs/accelerate/deepspeed-zero3.yaml --num_processes 1
else
  echo "== DeepSpeed not installed: ZeRO-3 skipped (pip install deepspeed)"
fi
echo "== all GPU checks passed"

#!/usr/bin/env bash
# The README's example judge card: the tiny format-only judge on every benchmark of the panel
# (--limit 24), from the data copies in ../shared/data laid out as SELFRAT_DATA_DIR expects
# (RewardBench 2: its sample; BiGGen human_eval: the tests' synthetic fixture; RM-Bench: the four
# per-domain files joined). Writes runs/example-card/ and copies card.png to docs/example-card.png.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
shared=${1:-$repo/../shared/data}
py=$repo/.venv/bin/python
work=$repo/runs/example-card-data
mkdir -p "$work"
"$py" - "$shared" "$work" <<'PY'
import json, sys
from pathlib import Path
shared, work = Path(sys.argv[1]), Path(sys.argv[2])
links = {
    "reward-bench/filtered.jsonl": "reward-bench/filtered.jsonl",
    "reward-bench-2/test.jsonl": "reward-bench-2/sample.jsonl",
    "judgebench": "judgebench",
    "prometheus-eval-benchmarks": "prometheus-eval-benchmarks",
    "human-pairwise/llmbar": "human-pairwise/llmbar",
    "human-pairwise/pandalm": "human-pairwise/pandalm",
    "human-likert/summeval": "human-likert/summeval",
}
for target, origin in links.items():
    path = work / target
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.symlink_to((shared / origin).resolve())
rows = []
for domain in ("chat", "code", "safety-refuse", "safety-response"):
    rows += [row | {"domain": domain} for row in json.loads((shared / f"rm-bench/{domain}_filtered.json").read_text())]
(work / "rm-bench").mkdir(exist_ok=True)
(work / "rm-bench/total_dataset.json").write_text(json.dumps(rows))
processed = json.loads((shared / "human-pairwise/llmbar/Processed_MT-Bench.json").read_text())
(work / "mt-bench-human-judgments").mkdir(exist_ok=True)
(work / "mt-bench-human-judgments/human.jsonl").write_text("".join(json.dumps(r) + "\n" for r in processed))
sys.path.insert(0, str(Path.cwd()))
from tests.data.biggen_fixture import write_human_eval
(work / "biggen-bench").mkdir(exist_ok=True)
write_human_eval(work / "biggen-bench/human_eval.jsonl")
PY
export SELFRAT_DATA_DIR=$work HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1
[ -d "$repo/runs/tiny-judge" ] || "$py" -m selfrat_eval.cli toy-judge "$repo/runs/tiny-judge" --seed 0
"$py" -m selfrat_eval.cli suite --judge "$repo/runs/tiny-judge" --backend hf --out "$repo/runs/example-card" \
  --limit 24 --max-new-tokens 48 --batch-size 16
cp "$repo/runs/example-card/card.png" "$repo/docs/example-card.png"

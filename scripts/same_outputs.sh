#!/usr/bin/env bash
# Same commands, two commits: are judgments.jsonl, results.json (machine, timing and command fields
# dropped) and the leaderboard files identical? For refactors that must not change any output.
#   bash scripts/same_outputs.sh OLD_COMMIT        (compares with the working tree; uses .venv)
# A real tiny judge (built offline) judges RewardBench absolute and pairwise both orders with
# self-consistency, BiGGen (the tests' human_eval fixture) and RewardBench 2 rankings.
set -euo pipefail
old_commit=${1:?usage: same_outputs.sh OLD_COMMIT}
repo=$(cd "$(dirname "$0")/.." && pwd)
py=$repo/.venv/bin/python
work=$(mktemp -d)
trap 'git -C "$repo" worktree remove --force "$work/old" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
git -C "$repo" worktree add -q "$work/old" "$old_commit"
export HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1
"$py" -m selfrat_eval.cli toy-judge "$work/judge" --seed 0 >/dev/null 2>&1
(cd "$repo" && "$py" -c "from pathlib import Path; from tests.data.biggen_fixture import write_human_eval; \
write_human_eval(Path('$work/human_eval.jsonl'))")
samples=$repo/selfrat_eval/data/samples
common=(--backend hf --judge "$work/judge" --max-new-tokens 48 --batch-size 16 --n-resamples 200)
for tree in old new; do
  root=$work/old; [ "$tree" = new ] && root=$repo
  run() { (cd "$root" && PYTHONPATH=$root "$py" -m selfrat_eval.cli eval "${common[@]}" "$@" >/dev/null 2>&1); }
  run --benchmark rewardbench --data "$samples/rewardbench_filtered_sample.jsonl" --out "$work/$tree/rb-abs"
  run --benchmark rewardbench --mode pairwise --both-orders --strategy self-consistency:3 \
    --data "$samples/rewardbench_filtered_sample.jsonl" --limit 20 --out "$work/$tree/rb-pair"
  run --benchmark biggen --data "$work/human_eval.jsonl" --out "$work/$tree/biggen"
  run --benchmark rewardbench2 --mode rankings --data "$samples/rewardbench2_test_sample.jsonl" --out "$work/$tree/rb2"
done
status=0
for name in rb-abs rb-pair biggen rb2; do
  "$py" - "$work" "$name" <<'PY' || status=1
import filecmp, json, sys
from pathlib import Path
work, name = Path(sys.argv[1]), sys.argv[2]
old, new = work / "old" / name, work / "new" / name
volatile = ("versions", "machine", "timings", "created", "command")
def results(folder: Path) -> str:
    kept = {k: v for k, v in json.loads((folder / "results.json").read_text()).items() if k not in volatile}
    return json.dumps(kept, indent=2).replace(str(folder.parent), "<run>")
same = {
    "judgments.jsonl": filecmp.cmp(old / "judgments.jsonl", new / "judgments.jsonl", shallow=False),
    "results.json": results(old) == results(new),
}
if (new / "leaderboard").exists():
    files = sorted(p.relative_to(new) for p in (new / "leaderboard").rglob("*.json"))
    same["leaderboard"] = all(filecmp.cmp(old / f, new / f, shallow=False) for f in files)
items = sum(1 for _ in (new / "judgments.jsonl").open())
print(f"{name:8s} {items:3d} items  " + "  ".join(f"{k}: {'same' if v else 'DIFFERENT'}" for k, v in same.items()))
sys.exit(0 if all(same.values()) else 1)
PY
done
exit $status

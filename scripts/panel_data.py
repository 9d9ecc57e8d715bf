"""Lay out the data copies in ../shared/data as SELFRAT_DATA_DIR expects them, for a judge card:
RewardBench 2: its sample; BiGGen human_eval: the tests' synthetic fixture; RM-Bench: the four
per-domain files joined; MT-Bench human judgments: LLMBar's processed copy; RMB: its `RMB_dataset`
folder when `$RMB_DIR` names one (it is not in ../shared/data).

    python scripts/panel_data.py SHARED_DATA_DIR OUT_DIR   (from the repository root)
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

LINKS = {
    "reward-bench/filtered.jsonl": "reward-bench/filtered.jsonl",
    "reward-bench-2/test.jsonl": "reward-bench-2/sample.jsonl",
    "judgebench": "judgebench",
    "prometheus-eval-benchmarks": "prometheus-eval-benchmarks",
    "human-pairwise/llmbar": "human-pairwise/llmbar",
    "human-pairwise/pandalm": "human-pairwise/pandalm",
    "human-likert/summeval": "human-likert/summeval",
}


def main(shared: Path, work: Path) -> None:
    sys.path.insert(0, str(Path.cwd()))
    from tests.data.biggen_fixture import write_human_eval

    for target, origin in LINKS.items():
        path = work / target
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            path.symlink_to((shared / origin).resolve())
    rows = []
    for domain in ("chat", "code", "safety-refuse", "safety-response"):
        domain_rows = json.loads((shared / f"rm-bench/{domain}_filtered.json").read_text())
        rows += [row | {"domain": domain} for row in domain_rows]
    (work / "rm-bench").mkdir(exist_ok=True)
    (work / "rm-bench/total_dataset.json").write_text(json.dumps(rows))
    processed = json.loads((shared / "human-pairwise/llmbar/Processed_MT-Bench.json").read_text())
    (work / "mt-bench-human-judgments").mkdir(exist_ok=True)
    (work / "mt-bench-human-judgments/human.jsonl").write_text(
        "".join(json.dumps(r) + "\n" for r in processed)
    )
    rmb = os.environ.get("RMB_DIR")
    for part in ("Pairwise_set", "BoN_set") if rmb else ():
        path = work / "rmb" / part
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            path.symlink_to((Path(rmb) / part).resolve())
    (work / "biggen-bench").mkdir(exist_ok=True)
    write_human_eval(work / "biggen-bench/human_eval.jsonl")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))

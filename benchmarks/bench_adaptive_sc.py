"""Adaptive self-consistency against fixed self-consistency@8 where the truth is known: the SFT judges
of a finished `selfrat demo` on its 500 held-out arithmetic items, on the vLLM CPU build.

    .venv/bin/selfrat demo --out runs/demo                       # once (about 10 minutes)
    .venv/bin/python benchmarks/bench_adaptive_sc.py --demo runs/demo --out runs/bench-adaptive

Per seed, one process and one engine (prefix cache reset before each arm, one warm-up call first; a
second vLLM engine in one process ran several times slower here) runs fixed
`self-consistency:8` and `self-consistency:adaptive:8` at each `--confidence`, through `run_eval` as
`selfrat eval` does. Reported per arm, pooled over seeds: accuracy (the selected score equals the
label; unreadable counts as wrong) with a bootstrap 95% CI, judgments per item, judging wall time,
and the paired difference in accuracy from SC@8 with its paired-bootstrap CI (items x seeds
resampled). Also the offline re-reduction of the SC@8 runs at the same confidences
(`selfrat score --strategy ...adaptive...`): what adaptive stopping would have saved on those samples.
The issue's target: at most 40% of SC@8's judgments and wall time, accuracy within +/-1 point (CI).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np

from selfrat_eval.benchmarks import RatingJudgment
from selfrat_eval.evaluation import EvalConfig, read_judgments, rereduce, run_eval, samples_per_item
from selfrat_eval.judges import EngineSettings, SamplingConfig, Strategy, load_engine
from selfrat_eval.metrics import bootstrap_estimates

FIXED = "self-consistency:8"
ADAPTIVE = "self-consistency:adaptive:8"


def correct(judgments: list[Any], labels: dict[str, float]) -> np.ndarray:
    by_id = {j.id: j for j in judgments if isinstance(j, RatingJudgment)}
    return np.array([by_id[i].score == label for i, label in labels.items()], dtype=float)


def run_seed(demo: Path, out: Path, seed: int, confidences: list[float], max_new_tokens: int) -> None:
    """Every arm on one seed's SFT judge, in this process (one vLLM engine), into out/seed-K/arms.json."""
    heldout = demo / "benchmark" / "heldout.jsonl"
    labels = {row["id"]: float(row["label"]) for row in map(json.loads, heldout.open())}
    judge = demo / f"seed-{seed}" / "sft"
    engine = load_engine(
        "vllm", str(judge), EngineSettings("float32", "auto", None, 8, seed), max_model_len=512
    )
    engine.generate([[{"role": "user", "content": "warm up"}]], SamplingConfig(max_new_tokens=8))
    arms: dict[str, dict[str, Any]] = {}
    for strategy, confidence in [(FIXED, 0.95)] + [(ADAPTIVE, c) for c in confidences]:
        name = strategy if strategy == FIXED else f"adaptive@{confidence}"
        engine.llm.reset_prefix_cache()  # type: ignore[attr-defined]
        config = EvalConfig(
            judge=str(judge),
            benchmark="rubric",
            data=heldout,
            out=out / f"seed-{seed}" / name,
            backend="vllm",
            use_reference=False,
            strategy=strategy,
            confidence=confidence,
            temperature=1.0,
            seed=seed,
            max_new_tokens=max_new_tokens,
            chunk_size=len(labels),
            n_resamples=0,
        )
        results = run_eval(config, engine_factory=lambda: engine)
        judgments = read_judgments(config.out / "judgments.jsonl")
        arms[name] = {
            "correct": correct(judgments, labels).tolist(),
            "per_item": sum(j.samples() for j in judgments) / len(judgments),
            "judge_s": results["timings"]["judge_s"],
        }
        if strategy == FIXED:  # what adaptive stopping would have drawn from these samples
            for c in confidences:
                offline = rereduce(judgments, Strategy.parse(ADAPTIVE, confidence=c))
                arms[f"offline adaptive@{c} (from SC@8)"] = {
                    "correct": correct(offline, labels).tolist(),
                    "per_item": samples_per_item(offline)["judgments_per_item"],
                    "judge_s": None,
                }
    (out / f"seed-{seed}" / "arms.json").write_text(json.dumps(arms))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--demo", type=Path, required=True, help="A finished `selfrat demo --out` folder.")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seeds", type=int, nargs="+", default=None, help="Default: the demo's.")
    parser.add_argument("--confidence", type=float, nargs="+", default=[0.9, 0.95])
    parser.add_argument("--max-new-tokens", type=int, default=40)
    parser.add_argument("--worker", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker is not None:
        run_seed(args.demo, args.out, args.worker, args.confidence, args.max_new_tokens)
        return
    seeds = (
        args.seeds if args.seeds is not None else json.loads((args.demo / "demo.json").read_text())["seeds"]
    )
    env = {**os.environ, "VLLM_ENABLE_V1_MULTIPROCESSING": "0", "VLLM_CPU_KVCACHE_SPACE": "1"}
    for seed in seeds:  # one process per seed: a second vLLM engine in one process runs several times slower
        if not (args.out / f"seed-{seed}" / "arms.json").exists():
            command = [sys.executable, __file__, *sys.argv[1:], "--worker", str(seed)]
            subprocess.run(command, env=env, check=True)
    per_seed = [json.loads((args.out / f"seed-{seed}" / "arms.json").read_text()) for seed in seeds]
    fixed = np.concatenate([arms[FIXED]["correct"] for arms in per_seed])
    fixed_per_item = float(np.mean([arms[FIXED]["per_item"] for arms in per_seed]))
    fixed_s = float(np.sum([arms[FIXED]["judge_s"] for arms in per_seed]))
    rows = []
    for name in per_seed[0]:
        values = np.concatenate([arms[name]["correct"] for arms in per_seed])
        accuracy, difference = bootstrap_estimates(
            [values, fixed], lambda a, b: (np.mean(a), np.mean(a) - np.mean(b)), seed=0
        )
        per_item = float(np.mean([arms[name]["per_item"] for arms in per_seed]))
        timed = [arms[name]["judge_s"] for arms in per_seed]
        wall = float(np.sum(timed)) if None not in timed else None
        rows.append(
            {
                "arm": name,
                "accuracy": accuracy.to_dict(),
                "minus_sc8": difference.to_dict(),
                "judgments_per_item": per_item,
                "share_of_sc8_judgments": per_item / fixed_per_item,
                "judge_s": wall,
                "share_of_sc8_time": wall / fixed_s if wall is not None else None,
            }
        )
    summary = {"seeds": seeds, "items": len(per_seed[0][FIXED]["correct"]), "arms": rows}
    (args.out / "adaptive.json").write_text(json.dumps(summary, indent=1))
    print(
        f"seeds {seeds}, {summary['items']} held-out items each, vLLM CPU build, judging s summed over seeds"
    )
    print(
        "| arm | accuracy % | minus SC@8, points (paired) | judgments/item | of SC@8 | judging s | of SC@8 |"
    )
    print("|---|---|---|---|---|---|---|")
    for row in rows:
        a, d = row["accuracy"], row["minus_sc8"]
        time = f"{row['judge_s']:.1f} | {row['share_of_sc8_time']:.0%}" if row["judge_s"] else "(offline) | -"
        print(
            f"| {row['arm']} | {100 * a['value']:.1f} [{100 * a['ci_low']:.1f}, {100 * a['ci_high']:.1f}] "
            f"| {100 * d['value']:+.1f} [{100 * d['ci_low']:+.1f}, {100 * d['ci_high']:+.1f}] "
            f"| {row['judgments_per_item']:.2f} | {row['share_of_sc8_judgments']:.0%} | {time} |"
        )


if __name__ == "__main__":
    main()

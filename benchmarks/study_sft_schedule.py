"""How fast the demo's SFT crosses its learning transition, per seed, for SFT settings to compare.

For each seed: a fresh char-level judge, SFT on the demo's training split with the held-out check
every 32 steps (no early stop unless --stop-at), and the check's curve printed as step:accuracy%.
The demo's default SFT settings are the baseline; --set KEY=VALUE overrides any SFTSettings field.

    python benchmarks/study_sft_schedule.py --seeds 0,4 --set learning_rate=0.003 --set warmup_steps=32
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import yaml

from selfrat_eval.demo import DemoConfig
from selfrat_eval.demo._run import train_checked_sft
from selfrat_eval.toy import Splits, build_arithmetic_benchmark, build_char_judge


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--out", type=Path, default=Path("runs/study-sft"))
    parser.add_argument("--set", action="append", default=[], help="SFTSettings field KEY=VALUE (YAML value)")
    parser.add_argument(
        "--stop-at", type=float, default=None, help="Stop at this check accuracy (default: never)."
    )
    args = parser.parse_args()
    overrides = {key: yaml.safe_load(value) for key, value in (item.split("=", 1) for item in args.set)}
    config = DemoConfig(out=args.out)
    check = config.sft.check.model_copy(update={"stop_at": args.stop_at})
    sft = config.sft.model_copy(update={**overrides, "check": check})
    build_arithmetic_benchmark(
        config.benchmark_dir(),
        Splits(config.train_items, max(config.items_per_iteration), config.heldout_items),
    )
    for seed in (int(s) for s in args.seeds.split(",")):
        folder = config.seed_dir(seed)
        build_char_judge(folder / "base", seed=seed)
        started = time.perf_counter()
        train_checked_sft(config, seed, sft.model_copy(update={"seed": seed}), folder / "sft")
        history = json.loads((folder / "sft" / "check.json").read_text())["history"]
        curve = " ".join(f"{entry['step']}:{100 * entry['accuracy']:.0f}" for entry in history)
        print(
            f"seed {seed} {overrides or 'demo defaults'} {time.perf_counter() - started:.0f}s  {curve}",
            flush=True,
        )


if __name__ == "__main__":
    main()

"""Judging throughput of `selfrat eval` with the transformers engine: batched vs one prompt at a time.

    .venv/bin/python benchmarks/bench_eval_batching.py [--judge DIR] [--max-new-tokens 32]

Uses the vendored 46 RewardBench pairs (92 prompts, absolute mode) and a tiny local judge unless
--judge is given. Prints items/s for each batch size.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from selfrat_eval.data import sample_path
from selfrat_eval.evaluation import EvalConfig, run_eval
from selfrat_eval.toy import build_tiny_judge


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--judge", default=None)
    parser.add_argument("--max-new-tokens", type=int, default=32)
    parser.add_argument("--batch-sizes", default="1,8,32")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        judge = args.judge or str(build_tiny_judge(Path(folder) / "tiny"))
        for batch_size in (int(b) for b in args.batch_sizes.split(",")):
            config = EvalConfig(
                judge=judge,
                benchmark="rewardbench",
                out=Path(folder) / f"run-{batch_size}",
                data=sample_path("rewardbench"),
                max_new_tokens=args.max_new_tokens,
                batch_size=batch_size,
                chunk_size=64,
                n_resamples=0,
            )
            started = time.perf_counter()
            results = run_eval(config)
            seconds = time.perf_counter() - started
            rate = results["timings"]["items_per_s"]
            print(f"batch_size={batch_size}: 46 items in {seconds:.1f} s wall, judging {rate:.1f} items/s")


if __name__ == "__main__":
    main()

"""What `--replicas` gives: one judge on one benchmark at 1, 2, ... engine replicas, measured in one run.

    python benchmarks/bench_replicas.py --judge SmolLM2-135M-Instruct.Q4_1.gguf --limit 24 \
        [--replicas 1,2] [--benchmark rewardbench] [--data FILE] [--backend vllm] [--max-new-tokens 256]

Per replica count: wall time of the whole run (engine loading included), judging time alone,
judgments per second of judging, and whether the judgments' texts equal those at the first count.
A speed-up needs spare hardware: on a 2-core CPU two replicas share the cores one engine used.
Each count runs in a fresh process, so no engine of an earlier count competes for the cores.
Prints a markdown table; the run folders stay under --out.
"""

from __future__ import annotations

import argparse
import multiprocessing
import time
from pathlib import Path
from typing import Any

from selfrat_eval.data import sample_path
from selfrat_eval.evaluation import EvalConfig, read_judgments, run_eval


def timed_run(args: argparse.Namespace, data: Path, out: Path, replicas: int, answer: Any) -> None:
    started = time.perf_counter()
    results = run_eval(
        EvalConfig(
            judge=args.judge,
            benchmark=args.benchmark,
            out=out,
            backend=args.backend,
            data=data,
            limit=args.limit,
            mode=args.mode,
            max_new_tokens=args.max_new_tokens,
            replicas=replicas,
            chunk_size=args.limit,  # one call: every replica busy for the whole run
            n_resamples=0,
        )
    )
    answer.put((time.perf_counter() - started, results))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--judge", required=True)
    parser.add_argument("--benchmark", default="rewardbench")
    parser.add_argument("--data", type=Path, default=None)
    parser.add_argument("--limit", type=int, default=24)
    parser.add_argument("--replicas", default="1,2")
    parser.add_argument("--backend", default="vllm")
    parser.add_argument("--mode", default="pairwise")
    parser.add_argument("--max-new-tokens", type=int, default=256)
    parser.add_argument("--out", type=Path, default=Path("bench-replicas"))
    args = parser.parse_args()
    data = args.data or sample_path(args.benchmark)

    rows, first_texts = [], None
    for replicas in (int(n) for n in args.replicas.split(",")):
        out = args.out / f"replicas-{replicas}"
        context = multiprocessing.get_context("spawn")
        answer = context.Queue()
        worker = context.Process(target=timed_run, args=(args, data, out, replicas, answer))
        worker.start()  # not a daemon (a pool's workers are): its replicas are its children
        wall, results = answer.get()
        worker.join()
        texts = [j.outputs for j in read_judgments(out / "judgments.jsonl")]
        first_texts = first_texts if first_texts is not None else texts
        timings = results["timings"]
        judge_s = timings["judge_s"]
        rows.append(
            (replicas, wall, judge_s, timings["judgments_generated_now"] / judge_s, texts == first_texts)
        )

    print(f"{args.judge} on {args.benchmark} ({args.mode}, {args.limit} items, {args.backend})\n")
    print("| replicas | wall s | judging s | judgments/s | same texts |")
    print("|---|---|---|---|---|")
    for replicas, wall, judge_s, rate, same in rows:
        print(f"| {replicas} | {wall:.1f} | {judge_s:.1f} | {rate:.3f} | {'yes' if same else 'no'} |")
    base, base_wall, base_judge_s = rows[0][:3]
    for replicas, wall, judge_s, _, _ in rows[1:]:
        speedup = f"judging {base_judge_s / judge_s:.2f}x, wall {base_wall / wall:.2f}x"
        print(f"\n{replicas} vs {base} replicas: {speedup}")


if __name__ == "__main__":
    main()

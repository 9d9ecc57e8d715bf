"""The trivial baselines on the real benchmark copies in ../shared/data, beside the published facts they
should reproduce (reward-bench issues #267 and #268).

    .venv/bin/python benchmarks/baselines_on_real_data.py [--data-dir ../shared/data] [--rmb-dir DIR]

`--rmb-dir`: RMB's `RMB_dataset` folder (GitHub Zhou-Zoey/RMB-Reward-Model-Benchmark; not in
../shared/data), whose `Pairwise_set` and `BoN_set` give the rmb and rmb_bon rows.

Prints each benchmark's headline under the four baselines, then the two published checks: "pick the
longer" on RewardBench alpacaeval-easy / alpacaeval-hard (reported: 100%), "pick the shorter" on
RewardBench 2 Focus (reported: 52.7%; only a sample of RewardBench 2 is here).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from selfrat_eval.benchmarks import ScoringOptions, benchmark_class, create_benchmark
from selfrat_eval.evaluation._baselines import BASELINES, baseline_scores

FILES = {
    "rewardbench": "reward-bench/filtered.jsonl",
    "rewardbench2": "reward-bench-2/sample.jsonl",
    "judgebench": "judgebench/gpt-4o-2024-05-13.jsonl",
    "judgebench_claude": "judgebench/claude-3-5-sonnet-20240620.jsonl",
    "rmbench": "rm-bench/chat_filtered.json",
    "llmbar": "human-pairwise/llmbar/LLMBar_Adversarial_Neighbor.json",
    "mtbench_human": "human-pairwise/llmbar/Processed_MT-Bench.json",
    "autoj": "prometheus-eval-benchmarks/autoj_pairwise.jsonl",
    "hhh": "prometheus-eval-benchmarks/hhh_alignment_eval.json",
    "pandalm": "human-pairwise/pandalm/testset-v1.json",
    "vicuna": "prometheus-eval-benchmarks/vicuna_eval.json",
    "mtbench": "prometheus-eval-benchmarks/mt_bench_eval.json",
    "summeval": "human-likert/summeval/summeval_ratings.jsonl",
}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--data-dir", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data"
    )
    parser.add_argument("--rmb-dir", type=Path, default=None)
    args = parser.parse_args()
    files = {name: args.data_dir / file for name, file in FILES.items()}
    if args.rmb_dir is not None:
        files |= {"rmb": args.rmb_dir / "Pairwise_set", "rmb_bon": args.rmb_dir / "BoN_set"}
    options = ScoringOptions(n_resamples=0)
    print(f"| benchmark (file) | metric | {' | '.join(BASELINES)} | seconds |")
    print("|---|---|" + "---|" * (len(BASELINES) + 1))
    for name, file in files.items():
        benchmark = create_benchmark(name)
        items, _ = benchmark.load(file, None)
        started = time.perf_counter()
        scores = baseline_scores(benchmark, items, options)
        metric = benchmark_class(name).harness_metrics[0]
        cells = " | ".join(f"{100 * metric.read(scores[rule]):.1f}" for rule in BASELINES)
        seconds = time.perf_counter() - started
        print(f"| {name} ({Path(file).name}, {len(items)}) | {metric.name} | {cells} | {seconds:.1f} |")
        if name == "rewardbench":
            subsets = scores["prefer-longer"]["subsets"]
            for subset in ("alpacaeval-easy", "alpacaeval-hard"):
                estimate = subsets[subset]
                share = f"{100 * estimate['value']:.1f}% of {estimate['n']}"
                print(f"    prefer-longer on {subset}: {share} (reported: 100%)")
        if name == "rewardbench2":
            focus = scores["prefer-shorter"]["subsets"]["Focus"]
            share = f"{100 * focus['value']:.1f}% of {focus['n']} prompts"
            print(f"    prefer-shorter on Focus: {share} (reported: 52.7% of 495)")


if __name__ == "__main__":
    main()

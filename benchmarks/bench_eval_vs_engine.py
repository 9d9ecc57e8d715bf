"""Whole-process wall time of `selfrat eval` vs the raw vLLM engine's own batched generate (CPU build).

    .venv/bin/python benchmarks/bench_eval_vs_engine.py [--judge DIR] [--benchmark rewardbench|rubric]
        [--strategy single|self-consistency:N] [--max-new-tokens 32] [--repeats 3] [--out FILE]

Each repeat runs two fresh processes on the same prompts (the vendored sample; RewardBench absolute
mode by default: 46 pairs = 92 prompts): A, `python -m selfrat_eval.cli eval --backend vllm ...`;
B, this script's hidden `--raw-worker`, which builds the same chats, sampling params and per-request
seeds through the package, constructs `vllm.LLM` with the options selfrat_eval/judges/_vllm.py uses
on CPU, calls `llm.chat` once and exits. Both times include process start, model load, generation
and exit. Prints one row per repeat (selfrat eval s, raw engine s, ratio, whether the two processes
generated the same texts), then the medians and the ratio of medians. A tiny local judge is built
once (~2 min) unless --judge is given.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from selfrat_eval.data import sample_path
from selfrat_eval.evaluation import EvalConfig, read_judgments
from selfrat_eval.evaluation._runner import request_seed


def digest(texts: list[str]) -> str:
    return hashlib.sha256(json.dumps(texts).encode()).hexdigest()[:12]


def raw_worker(args: argparse.Namespace) -> None:
    """Process B: the same requests as `selfrat eval`, straight into one `llm.chat` call."""
    import torch

    config = EvalConfig(
        judge=args.judge,
        benchmark=args.benchmark,
        out=Path(os.devnull),
        backend="vllm",
        data=sample_path(args.benchmark),
        strategy=args.strategy,
        max_new_tokens=args.max_new_tokens,
    )
    task = config.task()
    items, _ = task.load(config.data, None)
    flat = [(item.key, slot, chat) for item in items for slot, chat in task.requests(item).items()]
    sampling = config.parsed_strategy().sampling(config.max_new_tokens, config.seed)
    cpu = not torch.cuda.is_available()
    os.environ.setdefault("VLLM_LOGGING_LEVEL", "WARNING")  # as the engine does
    if cpu:
        os.environ.setdefault("VLLM_ENABLE_V1_MULTIPROCESSING", "0")
        os.environ.setdefault("VLLM_CPU_KVCACHE_SPACE", "1")
    from vllm import LLM, SamplingParams

    params = [
        SamplingParams(
            n=sampling.n,
            temperature=sampling.temperature,
            top_p=sampling.top_p,
            max_tokens=sampling.max_new_tokens,
            seed=None if sampling.greedy else request_seed(config.seed, key, slot),
            logprobs=0 if sampling.logprobs else None,
        )
        for key, slot, _ in flat
    ]
    options: dict[str, Any] = {
        "model": config.judge,
        "dtype": "float32" if cpu else "auto",
        "enable_prefix_caching": True,
        "seed": config.seed,
        "max_model_len": args.max_model_len,
    }
    options |= (
        {"enforce_eager": True, "enable_chunked_prefill": False} if cpu else {"gpu_memory_utilization": 0.9}
    )
    llm = LLM(**options)
    outputs = llm.chat([chat for *_, chat in flat], params, use_tqdm=False)  # type: ignore[arg-type]
    texts = [choice.text for output in outputs for choice in output.outputs]
    print(json.dumps({"prompts": len(flat), "generated": len(texts), "digest": digest(texts)}))


def timed(command: list[str], env: dict[str, str]) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"{command[:4]} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return seconds, done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--judge", default=None)
    parser.add_argument("--benchmark", choices=["rewardbench", "rubric"], default="rewardbench")
    parser.add_argument("--strategy", default="single")
    parser.add_argument("--max-new-tokens", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--max-model-len", type=int, default=4096)
    parser.add_argument("--out", type=Path, default=None, help="write the timings as JSON here")
    parser.add_argument("--raw-worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.raw_worker:
        raw_worker(args)
        return
    with tempfile.TemporaryDirectory() as folder:
        if args.judge is None:
            from selfrat_eval.toy import build_tiny_judge

            args.judge = str(build_tiny_judge(Path(folder) / "tiny", seed=0, format_steps=200))
        env = {**os.environ, "HF_HUB_OFFLINE": "1", "VLLM_CACHE_ROOT": str(Path(folder) / "vllm-cache")}
        common = ["--judge", args.judge, "--benchmark", args.benchmark, "--strategy", args.strategy]
        common += ["--max-new-tokens", str(args.max_new_tokens)]
        raw = [sys.executable, __file__, "--raw-worker", *common, "--max-model-len", str(args.max_model_len)]
        rows: list[dict[str, Any]] = []
        print(f"{'repeat':>6} {'selfrat eval s':>15} {'raw engine s':>13} {'ratio':>6}  same texts")
        for repeat in range(1, args.repeats + 1):
            out = Path(folder) / f"run-{repeat}"
            cli = [sys.executable, "-m", "selfrat_eval.cli", "eval", "--backend", "vllm", *common]
            cli += ["--data", str(sample_path(args.benchmark)), "--out", str(out), "--n-resamples", "0"]
            cli += ["--engine-option", f"max_model_len={args.max_model_len}", "--chunk-size", "1000"]
            eval_s, _ = timed(cli, env)
            raw_s, stdout = timed(raw, env)
            worker = json.loads(stdout.strip().splitlines()[-1])
            judged = [
                text
                for j in read_judgments(out / "judgments.jsonl")
                for ts in j.outputs.values()
                for text in ts
            ]
            same = digest(judged) == worker["digest"] and len(judged) == worker["generated"]
            rows.append(
                {"repeat": repeat, "eval_s": eval_s, "raw_s": raw_s, "ratio": eval_s / raw_s, "same": same}
            )
            rows[-1] |= {"prompts": worker["prompts"], "generated": worker["generated"]}
            print(f"{repeat:>6} {eval_s:>15.1f} {raw_s:>13.1f} {eval_s / raw_s:>6.2f}  {same}")
        eval_median = statistics.median(r["eval_s"] for r in rows)
        raw_median = statistics.median(r["raw_s"] for r in rows)
        print(f"{'median':>6} {eval_median:>15.1f} {raw_median:>13.1f} {eval_median / raw_median:>6.2f}")
        print(
            f"{rows[0]['prompts']} prompts, {rows[0]['generated']} generations per process ({args.benchmark})"
        )
    if args.out:
        summary = {
            "eval_median_s": eval_median,
            "raw_median_s": raw_median,
            "ratio": eval_median / raw_median,
        }
        args.out.write_text(
            json.dumps({"settings": vars(args) | {"out": str(args.out)}, "rows": rows, **summary})
        )


if __name__ == "__main__":
    main()

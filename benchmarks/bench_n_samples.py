"""N sampled judgments per item: ours (one batched call, `n=N` per prompt, prompt prefilled once)
against the harness-style path (each prompt sent N times with n=1, as lm-eval's `repeats` does),
on the same engine, model and prompts.

    .venv/bin/python benchmarks/bench_n_samples.py --n 8                 # vLLM (CPU build here)
    .venv/bin/python benchmarks/bench_n_samples.py --n 8 --backend hf     # transformers (e.g. on a GPU)

The judge is a random-init Llama-shaped model built offline (`--hidden-size`, `--layers`), so every
sample runs to `--max-new-tokens` and both paths generate the same number of tokens. Prompts are the
vendored RewardBench pairs rendered as absolute grading prompts (92 prompts, ~500-1,500 tokens).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from selfrat_eval.benchmarks.rewardbench import load_rewardbench
from selfrat_eval.data import sample_path
from selfrat_eval.judges import Engine, SamplingConfig, load_engine
from selfrat_eval.prompts import REWARDBENCH_RUBRIC_ABSOLUTE, AbsoluteRequest, Chat, absolute_prompt
from selfrat_eval.toy import build_tiny_judge


def prompts(limit: int) -> list[Chat]:
    pairs, _ = load_rewardbench(sample_path("rewardbench"))
    chats = [
        absolute_prompt(AbsoluteRequest(pair.prompt, response, REWARDBENCH_RUBRIC_ABSOLUTE))
        for pair in pairs
        for response in (pair.chosen, pair.rejected)
    ]
    return chats[:limit]


def ours(engine: Engine, chats: list[Chat], n: int, tokens: int) -> int:
    sampling = SamplingConfig(n=n, temperature=1.0, max_new_tokens=tokens)
    out = engine.generate(chats, sampling, seeds=list(range(len(chats))))
    return sum(c.num_tokens for samples in out for c in samples)


def repeats(engine: Engine, chats: list[Chat], n: int, tokens: int) -> int:
    sampling = SamplingConfig(n=1, temperature=1.0, max_new_tokens=tokens)
    repeated = [chat for chat in chats for _ in range(n)]
    out = engine.generate(repeated, sampling, seeds=list(range(len(repeated))))
    return sum(c.num_tokens for samples in out for c in samples)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--backend", choices=["vllm", "hf"], default="vllm")
    parser.add_argument("--n", type=int, default=8)
    parser.add_argument("--prompts", type=int, default=92)
    parser.add_argument("--max-new-tokens", type=int, default=32)
    parser.add_argument("--hidden-size", type=int, default=256)
    parser.add_argument("--layers", type=int, default=4)
    parser.add_argument("--batch-size", type=int, default=16, help="hf only")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--no-prefix-caching", action="store_true", help="vllm: turn prefix caching off")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    with tempfile.TemporaryDirectory() as folder:
        model = build_tiny_judge(Path(folder) / "judge", hidden_size=args.hidden_size, num_layers=args.layers)
        options: dict[str, object] = {"batch_size": args.batch_size}
        if args.backend == "vllm":
            options = {"max_model_len": 4096, "enable_prefix_caching": not args.no_prefix_caching}
        engine = load_engine(args.backend, str(model), **options)
        chats = prompts(args.prompts)
        ours(engine, chats[:4], 2, 4)  # warm-up
        best: dict[str, tuple[float, int]] = {}
        for _ in range(args.rounds):
            for name, method in (("ours (n=N per prompt)", ours), ("harness-style (N x n=1)", repeats)):
                started = time.perf_counter()
                generated = method(engine, chats, args.n, args.max_new_tokens)
                seconds = time.perf_counter() - started
                if name not in best or seconds < best[name][0]:
                    best[name] = (seconds, generated)
        caching = "" if args.backend == "hf" else f" prefix_caching={not args.no_prefix_caching}"
        print(
            f"backend={args.backend}{caching} N={args.n} prompts={len(chats)} "
            f"max_new_tokens={args.max_new_tokens} "
            f"model=hidden {args.hidden_size} x {args.layers} layers (best of {args.rounds})"
        )
        for name, (seconds, generated) in best.items():
            print(f"  {name:26s} {seconds:7.2f} s  {generated / seconds:9.0f} generated tok/s")
        ratio = best["harness-style (N x n=1)"][0] / best["ours (n=N per prompt)"][0]
        print(f"  speed-up of ours: {ratio:.2f}x")


if __name__ == "__main__":
    main()

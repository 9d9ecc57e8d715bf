"""How long scoring takes at full benchmark size (2,985 RewardBench pairs; 2,780 BiGGen rows).

    .venv/bin/python benchmarks/bench_scoring.py [--n-resamples 1000]

Judgments are synthetic with known scores (scoring time does not depend on where they came from).
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from pathlib import Path

from selfrat_eval.benchmarks import ScoringOptions
from selfrat_eval.benchmarks.biggen_grading import CAPABILITIES
from selfrat_eval.evaluation import rescore
from selfrat_eval.metrics import EXAMPLE_COUNTS


def write(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n-resamples", type=int, default=1000)
    args = parser.parse_args()
    rng = random.Random(0)
    sizes = {**EXAMPLE_COUNTS, "math-prm": 447}
    rewardbench = [
        {
            "benchmark": "rewardbench",
            "id": f"{s}-{i}",
            "group": s,
            "score_chosen": rng.randint(1, 5),
            "score_rejected": rng.randint(1, 5),
        }
        for s, n in sizes.items()
        for i in range(n)
    ]
    biggen = [
        {
            "benchmark": "biggen",
            "id": str(i),
            "group": CAPABILITIES[i % len(CAPABILITIES)],
            "score": rng.randint(1, 5),
            "human_score": rng.randint(1, 5),
            "gpt4_score": rng.randint(1, 5),
        }
        for i in range(2780)
    ]
    options = ScoringOptions(n_resamples=args.n_resamples)
    with tempfile.TemporaryDirectory() as folder:
        for name, rows in (("rewardbench", rewardbench), ("biggen", biggen)):
            path = write(Path(folder) / f"{name}.jsonl", rows)
            started = time.perf_counter()
            rescore(path, out=Path(folder) / name, options=options)
            seconds = time.perf_counter() - started
            print(f"{name}: {len(rows)} judgments, {args.n_resamples} bootstrap resamples: {seconds:.2f} s")


if __name__ == "__main__":
    main()

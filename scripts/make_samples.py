"""Rebuild the small attributed samples vendored in selfrat_eval/data/samples/.

Run from the repository root with the shared data copies beside it:
    python scripts/make_samples.py ../shared/data
Selection is deterministic (the shortest items of each group), so reruns give the same files.
"""

from __future__ import annotations

import ast
import csv
import json
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parents[1] / "selfrat_eval" / "data" / "samples"


def shortest_per_group(
    rows: list[dict[str, Any]], group: str, size: Any, per_group: int
) -> list[dict[str, Any]]:
    by_group: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_group[row[group]].append(row)
    picked = []
    for name in sorted(by_group):
        picked += sorted(by_group[name], key=size)[:per_group]
    return picked


def write_jsonl(name: str, rows: list[dict[str, Any]]) -> None:
    with (OUT / name).open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"{name}: {len(rows)} rows")


def main(shared: Path) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    reward = [json.loads(line) for line in (shared / "reward-bench/filtered.jsonl").open()]
    write_jsonl(
        "rewardbench_filtered_sample.jsonl",
        shortest_per_group(reward, "subset", lambda r: len(r["prompt"] + r["chosen"] + r["rejected"]), 2),
    )
    biggen = [json.loads(line) for line in (shared / "biggen-bench/test.jsonl").open()]
    write_jsonl(
        "biggen_test_sample.jsonl",
        shortest_per_group(
            biggen, "capability", lambda r: len(r["input"] + (r["reference_answer"] or "")), 2
        ),
    )
    csv.field_size_limit(10**9)
    tsv = shared / "scored-responses/scored_responses_testset_biggen.tsv"
    scored = [
        row
        for row in csv.DictReader(tsv.open(encoding="utf-8"), delimiter="\t")
        if all(row[f"score_{k}_response"].strip() for k in range(1, 6))  # a few rows have empty responses
    ]
    prompts = shortest_per_group(
        scored,
        "capability",
        lambda r: len(r["input"]) + sum(len(r[f"score_{k}_response"]) for k in range(1, 6)),
        1,
    )
    rubric_rows = []
    for row in prompts:
        instruction = (
            f"{row['system_prompt']}\n\n{row['input']}" if row["system_prompt"].strip() else row["input"]
        )
        for level in range(1, 6):
            rubric_rows.append(
                {
                    "id": f"{row['id']}/score{level}",
                    "group": row["capability"],
                    "instruction": instruction,
                    "response": row[f"score_{level}_response"],
                    "rubric": ast.literal_eval(row["specific_rubric"]),
                    "reference_answer": row["reference_answer"],
                    "label": level,
                    "feedback": row[f"score_{level}_feedback"],
                }
            )
    write_jsonl("rubric_scored_responses_sample.jsonl", rubric_rows)

    rb2 = [json.loads(line) for line in (shared / "reward-bench-2/sample.jsonl").open()]

    def rb2_size(row: dict[str, Any]) -> int:
        return len(row["prompt"]) + sum(map(len, row["chosen"] + row["rejected"]))

    picked = shortest_per_group([r for r in rb2 if r["subset"] != "Ties"], "subset", rb2_size, 2)
    ties: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rb2:
        if row["subset"] == "Ties":
            ties[row["id"].split(":")[1]].append(row)
    pairs = sorted(
        (rows for rows in ties.values() if len(rows) == 2), key=lambda rows: sum(map(rb2_size, rows))
    )
    picked += [row for rows in pairs[:2] for row in sorted(rows, key=lambda r: r["id"])]
    write_jsonl("rewardbench2_test_sample.jsonl", picked)


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/data"))

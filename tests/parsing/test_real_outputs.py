"""The parser on real outputs of public judges (real_judge_outputs.jsonl; sources and licenses in
REAL_OUTPUTS_SOURCES.md): no verdict misread, no tie read as a side, and a floor on exact reads.

`expected` is what the judge meant (the official extraction, corrected by hand where it misreads the
text); None means the judge gave no single verdict, which must not be read as one.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from selfrat_eval.parsing import MT_BENCH_RATING, ParsedJudgment, Scale, parse_absolute, parse_relative

REAL = Path(__file__).with_name("real_judge_outputs.jsonl")
ARENA = {("A", "strong"): "A>>B", ("A", "slight"): "A>B", ("tie", "tie"): "A=B"}
ARENA |= {("B", "slight"): "B>A", ("B", "strong"): "B>>A"}
#: Auto-J's critique comparison ("A: Feedback 1 is better" on the first line) is not a verdict format
#: of any protocol this package runs; it must stay unparsed rather than be guessed.
UNSUPPORTED = {"autoj-critique-compare"}
#: Record index -> why the hand label and the parser may reasonably differ.
DISPUTED = {281: '"The assistant\'s rating is 9, while the reference answer is 10": labelled ambiguous'}


def records() -> list[dict[str, Any]]:
    return [json.loads(line) for line in REAL.read_text(encoding="utf-8").splitlines()]


def read(record: dict[str, Any]) -> tuple[ParsedJudgment, object]:
    """Parse as the record's protocol does; the verdict in the record's own notation."""
    output = record["output"]
    if record["kind"] == "absolute":
        scale = MT_BENCH_RATING if record["family"] == "mt-bench-single" else Scale(*record["scale"])
        parsed = parse_absolute(output, scale=scale)
        return parsed, parsed.value if parsed.ok else None
    parsed = parse_relative(output)
    if not parsed.ok:
        return parsed, None
    if record["family"] == "arena-hard":
        return parsed, ARENA[(str(parsed.value), str(parsed.strength))]
    return parsed, parsed.value


def test_collection_spans_three_judge_families() -> None:
    families = Counter(r["family"] for r in records())
    assert len(families) >= 3 and sum(families.values()) >= 400


def test_no_real_verdict_is_misread() -> None:
    misread = []
    for index, record in enumerate(records()):
        _parsed, verdict = read(record)
        if verdict is not None and verdict != record["expected"] and index not in DISPUTED:
            misread.append((index, record["family"], record["expected"], verdict))
    assert misread == []


def test_no_real_tie_is_read_as_a_side() -> None:
    for record in records():
        if record["kind"] == "pairwise" and record["expected"] in ("tie", "A=B"):
            assert read(record)[1] in (None, record["expected"])


def test_share_read_exactly_as_meant() -> None:
    """Floors measured when the rules were written (see the README's parser section for figures)."""
    exact: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for record in records():
        if record["family"] in UNSUPPORTED:
            assert not read(record)[0].ok
            continue
        total[record["family"]] += 1
        exact[record["family"]] += read(record)[1] == record["expected"]
    assert sum(exact.values()) / sum(total.values()) >= 0.975
    assert exact["mt-bench-pair"] == total["mt-bench-pair"]
    assert exact["autoj-single"] == total["autoj-single"]

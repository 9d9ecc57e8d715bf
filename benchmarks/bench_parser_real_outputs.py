"""How the judge-output parser reads complete files of real public judge outputs, against the verdict
the official pipeline extracted.

    .venv/bin/python benchmarks/bench_parser_real_outputs.py \\
        --arena 'outputs/dataset=judgebench,...,judge_name=arena_hard,judge_model=*.jsonl' ... \\
        --mtbench-single gpt-4_single.jsonl ... --mtbench-pair gpt-4_pair.jsonl ... \\
        --autoj-single critique_example_output.jsonl ... \\
        --vendored tests/parsing/real_judge_outputs.jsonl [--out figures.json] [--show 50]

Reference per text: Arena-Hard (JudgeBench outputs) the one distinct `[[..]]` label, as get_score
(none, several or not one of the five -> undecided); MT-Bench single the stored `score` (-1 ->
undecided); MT-Bench pair the stored winner in that game's order; Auto-J the last `Rating: [[n]]`;
vendored the hand label. Prints a row per file and overall (tie_as_side is a subset of misread;
as-meant = (agree + both undecided) / n), every misread (to --show), and up to 5 texts per file
that only we, or only the reference, decided. Then wall time and texts/s; --out writes it all as JSON.
"""

from __future__ import annotations

import argparse
import json
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from selfrat_eval.parsing import MT_BENCH_RATING, RATING_10, Scale, parse_absolute, parse_relative

Reader = Callable[[str], object]
Rows = list[tuple[int, dict[str, Any]]]  # (line number, record)
Item = tuple[str, str, object, Reader]  # (where, text, reference verdict or None, reader)
ARENA = {("A", "strong"): "A>>B", ("A", "slight"): "A>B", ("tie", "tie"): "A=B"}
ARENA |= {("B", "slight"): "B>A", ("B", "strong"): "B>>A"}
ARENA_LABEL = re.compile(r"\[\[([AB<>=]+)\]\]")  # Arena-Hard's own pattern
AUTOJ_RATING = re.compile(r"Rating: \[\[(\d+(?:\.\d+)?)\]\]")
TIES = ("A=B", "tie")
WIDTH = 50  # of the source column
COLUMNS = ("n", "agree", "misread", "ours_undecided", "ref_undecided", "both_undecided", "tie_as_side")
HEADS = ("n", "agree", "misread", "ours-und", "ref-und", "both-und", "tie-side")


def arena(text: str) -> object:
    p = parse_relative(text)
    return ARENA.get((str(p.value), str(p.strength))) if p.ok else None


def side(text: str) -> object:
    p = parse_relative(text)
    return p.value if p.ok else None


def score(scale: Scale) -> Reader:
    def read(text: str) -> object:
        p = parse_absolute(text, scale=scale)
        return p.value if p.ok else None

    return read


def arena_reference(text: str) -> str | None:
    labels = set(ARENA_LABEL.findall(text))
    return labels.pop() if len(labels) == 1 and next(iter(labels)) in ARENA.values() else None


def load_arena(rows: Rows, notes: list[str]) -> list[Item]:
    items: list[Item] = []
    differ = 0
    for line, row in rows:
        for game, j in enumerate(row["judgments"], 1):
            text, ref = j["judgment"]["response"] or "", arena_reference(j["judgment"]["response"] or "")
            differ += {"A>>B": "A>B", "B>>A": "B>A"}.get(str(ref), ref) != j["decision"]
            items.append((f"line {line} g{game}", text, ref, arena))
    notes.append(f"stored decision differs from the label reference (after >> -> >): {differ}")
    return items


def load_mtbench_single(rows: Rows, notes: list[str]) -> list[Item]:
    read = score(MT_BENCH_RATING)
    return [(f"line {n}", r["judgment"], None if r["score"] == -1 else r["score"], read) for n, r in rows]


def load_mtbench_pair(rows: Rows, notes: list[str]) -> list[Item]:
    orders = {1: {"model_1": "A", "model_2": "B"}, 2: {"model_1": "B", "model_2": "A"}}
    items: list[Item] = []
    for line, row in rows:
        for game in (1, 2):
            ref = {**orders[game], "tie": "tie"}.get(row.get(f"g{game}_winner") or "")
            items.append((f"line {line} g{game}", row[f"g{game}_judgment"] or "", ref, side))
    return items


def load_autoj_single(rows: Rows, notes: list[str]) -> list[Item]:
    found = [(n, r["output"], AUTOJ_RATING.findall(r["output"])) for n, r in rows]
    decimals = any("." in v for _, _, values in found for v in values)
    notes.append("decimal ratings found: parsed with MT_BENCH_RATING" if decimals else "no decimal ratings")
    read = score(MT_BENCH_RATING if decimals else RATING_10)
    return [(f"line {n}", t, float(v[-1]) if v else None, read) for n, t, v in found]


def load_vendored(rows: Rows, notes: list[str]) -> list[Item]:
    unsupported = sum(r["family"] == "autoj-critique-compare" for _, r in rows)
    notes.append(f"unsupported format (autoj-critique-compare, skipped): {unsupported}")
    items: list[Item] = []
    for line, r in rows:
        if r["family"] == "autoj-critique-compare":
            continue
        if r["kind"] == "absolute":
            read = score(MT_BENCH_RATING if r["family"] == "mt-bench-single" else Scale(*r["scale"]))
        else:
            read = arena if r["family"] == "arena-hard" else side
        items.append((f"line {line} {r['family']}", r["output"], r["expected"], read))
    return items


LOADERS = {
    f.__name__.removeprefix("load_"): f
    for f in (load_arena, load_mtbench_single, load_mtbench_pair, load_autoj_single, load_vendored)
}


def read_rows(path: Path) -> tuple[Rows, str | None]:
    """(line number, record) for each JSON line, or the reason the file cannot be used."""
    if not path.is_file():
        return [], "missing (no such file)"
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
        rows = [(n, json.loads(s)) for n, s in enumerate(lines, 1) if s.strip()]
    except (OSError, ValueError) as error:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        return [], f"unreadable or not JSON lines ({error})"
    return rows, None if rows else "empty file (a Git LFS/annex file not fetched?)"


def region(text: str, width: int = 200) -> str:
    """About `width` characters around the last `[[` of `text`, else its last rating word."""
    hits = list(re.finditer(r"\[\[", text)) or list(re.finditer(r"rat(?:e|ed|ing)\b|score|verd", text, re.I))
    at = hits[-1].start() if hits else len(text)
    start = max(0, min(at - width // 2, len(text) - width))
    return " ".join(text[start : start + width].split())


def tally(items: list[Item]) -> tuple[dict[str, int], dict[str, list[tuple[str, object, object, str]]]]:
    """The counts, and (where, reference, ours, snippet) of each misread and one-sided undecided text."""
    counts = dict.fromkeys(COLUMNS, 0)
    lists: dict[str, list[tuple[str, object, object, str]]] = {k: [] for k in COLUMNS[2:5]}
    for where, text, ref, read in items:
        ours = read(text)
        counts["n"] += 1
        if ours == ref:  # both None or the same verdict
            counts["both_undecided" if ours is None else "agree"] += 1
            continue
        kind = "ours_undecided" if ours is None else "ref_undecided" if ref is None else "misread"
        counts[kind] += 1
        counts["tie_as_side"] += ref in TIES and ours is not None and ours not in TIES
        lists[kind].append((where, ref, ours, region(text)))
    return counts, lists


def label(kind: str, path: Path) -> str:
    return f"{kind}:{f'{path.parent.name}/{path.name}'[len(kind) - WIDTH + 1 :]}".ljust(WIDTH)


def row(name: str, c: dict[str, int]) -> str:
    share = (c["agree"] + c["both_undecided"]) / c["n"] if c["n"] else float("nan")
    return f"{name:{WIDTH}} " + " ".join(f"{c[k]:>8}" for k in COLUMNS) + f" {share:>8.1%}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    for kind in LOADERS:
        parser.add_argument(f"--{kind.replace('_', '-')}", nargs="+", default=[], type=Path)
    parser.add_argument("--out", type=Path, help="write the figures and listings as JSON here")
    parser.add_argument("--show", type=int, default=50, help="misreads listed per file at most")
    args = parser.parse_args()
    started = time.perf_counter()
    header = f"{'source':{WIDTH}} " + " ".join(f"{k:>8}" for k in HEADS) + f" {'as-meant':>8}"
    total, parse_s = dict.fromkeys(COLUMNS, 0), 0.0
    report: dict[str, dict[str, object]] = {}
    print(header)
    for kind, loader in LOADERS.items():
        for path in getattr(args, kind):
            rows, problem = read_rows(path)
            if problem:
                print(label(kind, path) + f" SKIPPED: {problem} [{path}]")
                report[str(path)] = {"kind": kind, "skipped": problem}
                continue
            notes: list[str] = []
            try:
                items = loader(rows, notes)
            except (KeyError, TypeError, AttributeError) as error:
                print(label(kind, path) + f" SKIPPED: not a {kind} file ({error!r})")
                continue
            t0 = time.perf_counter()
            counts, lists = tally(items)
            parse_s += time.perf_counter() - t0
            total = {k: total[k] + counts[k] for k in COLUMNS}
            print(row(label(kind, path), counts))
            for note in notes:
                print(f"    note: {note}")
            for name, shown in (("misread", args.show), ("ours_undecided", 5), ("ref_undecided", 5)):
                for where, ref, ours, snippet in lists[name][:shown]:
                    tag = "TIE_AS_SIDE" if ref in TIES and name == "misread" and ours not in TIES else name
                    print(f"    {tag.upper()} {where}: ref={ref} ours={ours} | {snippet}")
            report[str(path)] = {"kind": kind, **counts, "notes": notes, **lists}
    print(row("OVERALL", total))
    wall = time.perf_counter() - started
    rate = total["n"] / parse_s if parse_s else 0.0
    print(f"wall time {wall:.2f}s; parsing {parse_s:.2f}s for {total['n']} texts ({rate:,.0f} texts/s)")
    if args.out:
        summary = {"overall": total, "sources": report, "wall_s": wall, "texts_per_s": rate}
        args.out.write_text(json.dumps(summary, indent=1, default=str))


if __name__ == "__main__":
    main()

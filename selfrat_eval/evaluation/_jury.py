"""`selfrat jury`: several judges' runs on the same items (`selfrat eval` or `selfrat grade`, one run per
judge, e.g. sharing a `--cache`) combined into one verdict per item, scored by the benchmark's own code.

Reducers: `mean` and `median` of the jurors' scores, and `strict-majority`, the value more than half
of the whole jury gave (otherwise no verdict). A juror whose judgment could not be read is recorded
as such and still counts in the jury's size: it never silently shrinks the jury (inspect_ai #4721).
Inter-judge agreement: Krippendorff's alpha over items x jurors (interval for scores, nominal for
pairwise winners) and each pair of jurors' agreement (Spearman for scores, the share of equal
winners for pairwise verdicts).
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
from scipy import stats

from selfrat_eval._errors import InputError
from selfrat_eval.benchmarks import Judgment, PairJudgment, RatingJudgment, ScoringOptions, benchmark_class
from selfrat_eval.data._io import atomic_write
from selfrat_eval.evaluation._results import build_results, write_outputs
from selfrat_eval.evaluation._store import judgment_line, read_judgments

Reducer = Literal["mean", "median", "strict-majority"]
REDUCERS: tuple[Reducer, ...] = ("mean", "median", "strict-majority")


def reduce_votes(votes: Sequence[Any], reducer: Reducer) -> Any:
    """One verdict from the jurors' `votes` (None: that juror's judgment was unreadable)."""
    cast = [vote for vote in votes if vote is not None]
    if reducer == "strict-majority":
        if not cast:
            return None
        value, count = Counter(cast).most_common(1)[0]
        return value if count > len(votes) / 2 else None
    if not cast:
        return None
    if any(isinstance(vote, str) for vote in cast):
        raise InputError(f"the {reducer} of pairwise verdicts is undefined: use --reducer strict-majority")
    return float(statistics.fmean(cast) if reducer == "mean" else statistics.median(cast))


def _fields(judgment: Judgment) -> tuple[str, ...]:
    """The result fields a jury combines, for the judgment shapes it supports."""
    if type(judgment) is RatingJudgment:
        return ("score",)
    if type(judgment) is PairJudgment:
        return ("winner",) if judgment.mode == "pairwise" else ("score_chosen", "score_rejected")
    raise InputError(
        f"juries combine rated and pairwise judgments, not {type(judgment).__name__} ({judgment.benchmark})"
    )


def jury(
    folders: Sequence[Path], reducer: Reducer, out: Path, *, n_resamples: int = 1000, seed: int = 0
) -> dict[str, Any]:
    """Combine the runs in `folders` (one per juror) item by item; write judgments.jsonl and results.json."""
    if len(folders) < 2:
        raise InputError("a jury needs at least two runs")
    runs = []
    for folder in folders:
        path = Path(folder) / "judgments.jsonl"
        if not path.exists():
            raise InputError(
                "no judgments.jsonl (is this a `selfrat eval` or `selfrat grade` folder?)", source=str(folder)
            )
        runs.append({j.key: j for j in read_judgments(path)})
    benchmarks = {next(iter(run.values())).benchmark for run in runs}
    if len(benchmarks) > 1:
        raise InputError(f"the runs judged different benchmarks: {sorted(benchmarks)}")
    keys = [key for key in runs[0] if all(key in run for run in runs[1:])]
    if not keys:
        raise InputError("the runs share no item")
    combined: list[Judgment] = []
    votes_by_field: dict[str, list[list[Any]]] = {}
    for key in keys:
        jurors = [run[key] for run in runs]
        updates: dict[str, Any] = {"strategy": f"jury:{reducer}", "selected": {}}
        for name in _fields(jurors[0]):
            votes = [getattr(j, name) for j in jurors]
            votes_by_field.setdefault(name, []).append(votes)
            updates[name] = reduce_votes(votes, reducer)
        combined.append(
            jurors[0].model_copy(
                update=updates | {"jurors": {n: [getattr(j, n) for j in jurors] for n in _fields(jurors[0])}}
            )
        )
    benchmark = benchmark_class(combined[0].benchmark).from_judgments(combined)
    options = ScoringOptions(n_resamples=n_resamples, seed=seed)
    names = [Path(folder).name for folder in folders]
    results = build_results(benchmark, combined, options, strategy=f"jury:{reducer}", judge={"jury": names})
    results["jury"] = {
        "jurors": names,
        "reducer": reducer,
        "items": len(keys),
        "agreement": {name: agreement(votes, names) for name, votes in votes_by_field.items()},
        "unreadable_votes": {
            juror: sum(votes[i] is None for field in votes_by_field.values() for votes in field)
            for i, juror in enumerate(names)
        },
    }
    out.mkdir(parents=True, exist_ok=True)
    with atomic_write(out / "judgments.jsonl") as handle:
        handle.write("".join(judgment_line(j) + "\n" for j in combined))
    write_outputs(out, benchmark, combined, results, model_name="jury", options=options)
    return results


def agreement(votes: Sequence[Sequence[Any]], names: Sequence[str]) -> dict[str, Any]:
    """Krippendorff's alpha over items x jurors, and each pair of jurors' agreement."""
    import krippendorff

    nominal = any(isinstance(v, str) for item in votes for v in item)
    codes = {
        label: code
        for code, label in enumerate(sorted({v for item in votes for v in item if isinstance(v, str)}))
    }
    table = np.array(
        [[np.nan if v is None else float(codes[v] if nominal else v) for v in item] for item in votes],
        dtype=float,
    ).T  # jurors x items
    level: Literal["nominal", "interval"] = "nominal" if nominal else "interval"
    values = table[~np.isnan(table)]
    alpha = (
        float(krippendorff.alpha(reliability_data=table, level_of_measurement=level))
        if values.size and len(np.unique(values)) > 1
        else None
    )
    pairs = {}
    for a in range(len(names)):
        for b in range(a + 1, len(names)):
            both = ~np.isnan(table[a]) & ~np.isnan(table[b])
            x, y = table[a][both], table[b][both]
            if nominal:
                value = float(np.mean(x == y)) if both.any() else None
            else:
                value = (
                    float(stats.spearmanr(x, y).statistic) if both.sum() > 2 and x.std() and y.std() else None
                )
            pairs[f"{names[a]} ~ {names[b]}"] = value
    return {
        "krippendorff_alpha": alpha,
        "level": level,
        "pairwise": pairs,
        "pairwise_statistic": "agreement" if nominal else "spearman",
    }

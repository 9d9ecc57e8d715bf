"""`selfrat jury`: several judges' runs on the same items (`selfrat eval` or `selfrat grade`, one run per
judge, e.g. sharing a `--cache`) combined into one judgment per item, scored by the benchmark's own code.

Reducers: `mean` and `median` of the jurors' scores, and `strict-majority`, the value more than half
of the whole jury gave (otherwise no verdict, None). A juror whose judgment could not be read (None)
is recorded as such and still counts in the jury's size: it never silently shrinks the jury
(inspect_ai #4721). Verdicts (winners, ties, picks) are categories with no mean or median: only
`strict-majority` combines them.

What a jury combines, per judgment shape (`SHAPES`): the result fields each benchmark's `score` reads,
never the samples behind them. A list or a mapping is reduced element by element (a rating per
candidate, a verdict per order or per matrix cell), each element one vote per juror:

- `RatingJudgment` (rubric, BiGGen, Vicuna, MT-Bench gradings): `score`.
- `SummEvalJudgment`: `score_<dimension>`, each dimension alone.
- `PairJudgment` absolute (RewardBench, HHH): `score_chosen` and `score_rejected`; pairwise
  (RewardBench, HHH, your own pairs): `winner`. A plain pair keeps no verdict per order, so whether the
  jury's two orders disagree is unknown: `order_disagrees` is None, not the first juror's.
- `BothOrdersJudgment` (JudgeBench, LLMBar, MT-Bench human's `VotedJudgment`): `winner` and
  `order_winners` (one verdict per order); `order_disagrees` follows from the reduced orders as in
  `PairJudgment.with_strategy`, and `net_vote()` reads them. The jurors must have shown the pair in
  the same orders (`a_is_chosen`), or "the first order" would pool different presentations.
- `CandidatesJudgment` (RewardBench 2) ratings: `ratings`, one per candidate; rankings: `picks`, the
  juror's whole choice as one vote (one letter, or the letters its samples tied on; none unreadable),
  so the jury picks what more than half of it picked. The letters only mean the same candidate when
  the jurors shuffled alike (`correct_letter`).
- `StyleMatrixJudgment` (RM-Bench) ratings: `ratings`, one per response; pairwise: `verdicts`, one
  per comparison; `wins` follows from them (`StyleMatrixJudgment.win_matrix`).
- `BoNJudgment` (RMB Best-of-N) ratings: `ratings`, the best answer's first; pairwise: `verdicts`, one
  per loser, already in the data's terms (chosen / rejected / tie), so the jurors' orders need not match.
- `TieJudgment` (Auto-J, PandaLM): `verdict` and `order_verdicts` (one per order, the same orders:
  `response_1_first`); `order_disagrees` follows from the reduced orders as in
  `TieJudgment.with_strategy` (only the same readable verdict in both orders agrees).

Everything else (labels, human votes, the item's text) is the first juror's, the same for all; the
jury's judgments keep no samples (each juror's run keeps its own).
Inter-judge agreement per result field: Krippendorff's alpha over units (item x element) x jurors,
interval for scores, nominal for verdicts, and each pair of jurors' agreement (Spearman for scores,
the share of equal verdicts for verdicts).
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

import numpy as np
from scipy import stats

from selfrat_eval._errors import InputError
from selfrat_eval.benchmarks import Judgment, PairJudgment, RatingJudgment, ScoringOptions, benchmark_class
from selfrat_eval.benchmarks._judgments import (
    BothOrdersJudgment,
    CandidatesJudgment,
    StyleMatrixJudgment,
)
from selfrat_eval.benchmarks._leaderboard import safe_model_name
from selfrat_eval.benchmarks.autoj import TieJudgment
from selfrat_eval.benchmarks.rmb import BoNJudgment
from selfrat_eval.benchmarks.summeval import DIMENSIONS, SummEvalJudgment
from selfrat_eval.data._io import atomic_write
from selfrat_eval.evaluation._results import build_results, write_outputs
from selfrat_eval.evaluation._runner import EvalConfig
from selfrat_eval.evaluation._store import judgment_line, read_judgments

Reducer = Literal["mean", "median", "strict-majority"]
#: A judgment's per-sample record, left empty in a jury's judgment (the jurors' runs keep theirs).
SAMPLE_FIELDS = ("outputs", "parse_status", "values", "strengths", "logprobs", "meta_scores", "selected")
REDUCERS: tuple[Reducer, ...] = ("mean", "median", "strict-majority")
#: How a result field votes: `score` numbers, element-wise; `verdict` categories, element-wise;
#: `choice` a list that is one categorical vote as a whole (an empty list: unreadable).
Kind = Literal["score", "verdict", "choice"]


@dataclass(frozen=True)
class Shape:
    """What a jury combines in one judgment shape."""

    #: The result fields reduced, and how each votes.
    fields: Mapping[str, Kind]
    #: Fields that give the votes their meaning (which order came first, which letter is which):
    #: jurors that differ in them cast votes that cannot be pooled.
    shared: tuple[str, ...] = ()
    #: The fields that follow from the reduced ones, recomputed from them (never the first juror's).
    derive: Callable[[Judgment], dict[str, Any]] | None = None


def _orders_unknown(judgment: Judgment) -> dict[str, Any]:
    return {"order_disagrees": None}


def _pair_orders(judgment: Judgment) -> dict[str, Any]:
    assert isinstance(judgment, BothOrdersJudgment)
    winners = judgment.order_winners  # as PairJudgment.with_strategy: the two orders' winners differ
    return {"order_disagrees": winners[0] != winners[1] if len(winners) == 2 else None}


def _tie_orders(judgment: Judgment) -> dict[str, Any]:
    assert isinstance(judgment, TieJudgment)
    orders = judgment.order_verdicts  # as TieJudgment.with_strategy: unless the same readable verdict
    return {"order_disagrees": orders[0] is None or orders[0] != orders[1] if len(orders) == 2 else None}


def _win_matrix(judgment: Judgment) -> dict[str, Any]:
    assert isinstance(judgment, StyleMatrixJudgment)
    return {"wins": judgment.win_matrix()}


#: Per (judgment class, its `mode`, None where it has none); subclasses use their nearest ancestor's.
SHAPES: dict[tuple[type[Judgment], str | None], Shape] = {
    (RatingJudgment, None): Shape({"score": "score"}),
    (SummEvalJudgment, None): Shape({f"score_{d}": "score" for d in DIMENSIONS}),
    (PairJudgment, "absolute"): Shape({"score_chosen": "score", "score_rejected": "score"}),
    (PairJudgment, "pairwise"): Shape({"winner": "verdict"}, derive=_orders_unknown),
    (BothOrdersJudgment, "pairwise"): Shape(
        {"winner": "verdict", "order_winners": "verdict"}, shared=("a_is_chosen",), derive=_pair_orders
    ),
    (CandidatesJudgment, "ratings"): Shape({"ratings": "score"}),
    (CandidatesJudgment, "rankings"): Shape({"picks": "choice"}, shared=("correct_letter",)),
    (StyleMatrixJudgment, "ratings"): Shape({"ratings": "score"}, derive=_win_matrix),
    (StyleMatrixJudgment, "pairwise"): Shape({"verdicts": "verdict"}, derive=_win_matrix),
    (BoNJudgment, "ratings"): Shape({"ratings": "score"}),
    (BoNJudgment, "pairwise"): Shape({"verdicts": "verdict"}),
    (TieJudgment, None): Shape(
        {"verdict": "verdict", "order_verdicts": "verdict"}, shared=("response_1_first",), derive=_tie_orders
    ),
}


def shape_of(judgment_type: type[Judgment], mode: str | None) -> Shape:
    """The jury's rule for judgments of `judgment_type` in `mode`."""
    for cls in judgment_type.__mro__:
        if (cls, mode) in SHAPES:
            return SHAPES[cls, mode]
    in_mode = "" if mode is None else f" in mode {mode}"
    raise InputError(f"juries have no rule for {judgment_type.__name__} judgments{in_mode}")


def reduce_votes(votes: Sequence[Any], reducer: Reducer) -> Any:
    """One value from the jurors' `votes` (None: that juror's judgment was unreadable)."""
    cast = [vote for vote in votes if vote is not None]
    if not cast:
        return None
    if reducer == "strict-majority":
        value, count = Counter(cast).most_common(1)[0]
        return value if count > len(votes) / 2 else None
    return float(statistics.fmean(cast) if reducer == "mean" else statistics.median(cast))


def _votes(value: Any, kind: Kind) -> dict[Any, Any]:
    """A result field's value as one vote per element (a scalar is its one element, keyed None)."""
    if kind == "choice":
        return {None: tuple(value) or None}
    if isinstance(value, list):
        return dict(enumerate(value))
    if isinstance(value, dict):
        return dict(value)
    return {None: value}


def _rebuilt(like: Any, kind: Kind, reduced: dict[Any, Any]) -> Any:
    """The reduced votes in the field's own form (`like` is one juror's value)."""
    if kind == "choice":
        return list(reduced[None] or ())
    if isinstance(like, list):
        return list(reduced.values())
    return reduced if isinstance(like, dict) else reduced[None]


def _item_shape(jurors: Sequence[Judgment], key: str) -> Shape:
    """The item's shape, after checking that every juror judged it the same way."""
    shapes = [shape_of(type(j), getattr(j, "mode", None)) for j in jurors]
    if any(shape is not shapes[0] for shape in shapes):
        modes = [getattr(j, "mode", None) for j in jurors]
        raise InputError(f"the jurors judged item {key} in different modes: {modes}")
    for name in shapes[0].shared:
        values = [getattr(j, name) for j in jurors]
        if any(value != values[0] for value in values):
            raise InputError(
                f"the jurors' runs differ in {name} on item {key} ({values}): their votes mean different "
                "things (runs with different --seed?)"
            )
    return shapes[0]


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
    units: dict[str, list[list[Any]]] = {}  # per result field: each unit's votes, one per juror
    kinds: dict[str, Kind] = {}
    for key in keys:
        jurors = [run[key] for run in runs]
        shape = _item_shape(jurors, key)
        # The jury's judgment holds its verdicts, not the first juror's samples (which would be
        # re-reduced as if they were the jury's, and counted as its samples' parse statuses).
        updates: dict[str, Any] = {"strategy": f"jury:{reducer}", "jurors": {}}
        updates |= {field: {} for field in SAMPLE_FIELDS}
        for name, kind in shape.fields.items():
            if kind != "score" and reducer != "strict-majority":
                raise InputError(
                    f"the {reducer} of verdicts ({name}) is undefined: use --reducer strict-majority"
                )
            values = [getattr(j, name) for j in jurors]
            split = [_votes(value, kind) for value in values]
            if any(votes.keys() != split[0].keys() for votes in split):
                raise InputError(f"the jurors' {name} on item {key} have different elements: {values}")
            reduced = {}
            for element in split[0]:
                votes = [juror[element] for juror in split]
                units.setdefault(name, []).append(votes)
                reduced[element] = reduce_votes(votes, reducer)
            kinds[name] = kind
            updates[name] = _rebuilt(values[0], kind, reduced)
            updates["jurors"][name] = values
        judgment = jurors[0].model_copy(update=updates)
        combined.append(
            judgment if shape.derive is None else judgment.model_copy(update=shape.derive(judgment))
        )
    benchmark = benchmark_class(combined[0].benchmark).from_judgments(combined)
    options = ScoringOptions(n_resamples=n_resamples, seed=seed)
    names = [Path(folder).name for folder in folders]
    results = build_results(benchmark, combined, options, strategy=f"jury:{reducer}", judge={"jury": names})
    results["jury"] = {
        "jurors": names,
        "reducer": reducer,
        "items": len(keys),
        "agreement": {
            name: agreement(votes, names, "interval" if kinds[name] == "score" else "nominal")
            for name, votes in units.items()
        },
        "unreadable_votes": {
            juror: sum(votes[i] is None for field in units.values() for votes in field)
            for i, juror in enumerate(names)
        },
    }
    out.mkdir(parents=True, exist_ok=True)
    with atomic_write(out / "judgments.jsonl") as handle:
        handle.write("".join(judgment_line(j) + "\n" for j in combined))
    write_outputs(out, benchmark, combined, results, model_name="jury", options=options)
    return results


def agreement(
    votes: Sequence[Sequence[Any]], names: Sequence[str], level: Literal["nominal", "interval"]
) -> dict[str, Any]:
    """Krippendorff's alpha over units x jurors (`votes`: per unit, one vote per juror, None where
    unreadable), and each pair of jurors' agreement over the units both read."""
    import krippendorff

    codes = {
        label: code
        for code, label in enumerate(dict.fromkeys(v for unit in votes for v in unit if v is not None))
    }
    table = np.array(
        [
            [np.nan if v is None else float(codes[v] if level == "nominal" else v) for v in unit]
            for unit in votes
        ],
        dtype=float,
    ).T  # jurors x units
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
            if level == "nominal":
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
        "pairwise_statistic": "agreement" if level == "nominal" else "spearman",
    }


def juror_folders(out: Path, judges: Sequence[str]) -> list[Path]:
    """One run folder per juror under `out/jurors/`, named after the judge (made unique)."""
    names: list[str] = []
    for judge in judges:
        name = safe_model_name(judge).replace("/", "--")
        names.append(name if name not in names else f"{name}-{len(names) + 1}")
    return [out / "jurors" / name for name in names]


def run_jury(
    configs: Sequence[EvalConfig],
    run: Callable[[EvalConfig], object],
    reducer: Reducer,
    out: Path,
    *,
    n_resamples: int = 1000,
    seed: int = 0,
) -> dict[str, Any]:
    """`--judge A --judge B ...` in one command: each judge's run (`run`: eval or grade, with its
    cache) into its own folder under `out/jurors/` (each resumable on its own), then their jury in
    `out`."""
    folders = juror_folders(out, [config.judge for config in configs])
    for config, folder in zip(configs, folders, strict=True):
        run(replace(config, out=folder))
    return jury(folders, reducer, out, n_resamples=n_resamples, seed=seed)

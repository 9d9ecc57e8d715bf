"""`selfrat rationales results`: who won, by how much, and how far the voters agree.

For every pair of runs and every source of votes (each person, all people pooled, each meta-judge):
the first run's win rate (a tie is half a win) with a bootstrap 95% CI over pairs, the strict shares
of wins, ties and losses, and an exact sign-test p-value (`metrics.win_rate`). Agreement between people
(raw, with and without ties, and Krippendorff's ordinal alpha), between each meta-judge and the
people's majority, and, where the truth is known (the toy's checkable rationales), how often each
source prefers the rationale that is right. With more than two runs, a Bradley-Terry ranking.
"""

from __future__ import annotations

import html
from collections import defaultdict
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from selfrat_eval.benchmarks.rationale_pairs import RationalePair
from selfrat_eval.data._io import atomic_write, write_json
from selfrat_eval.evaluation._compare import html_table, markdown_table, save_figure
from selfrat_eval.metrics import (
    PREFERENCE_CREDIT,
    Preference,
    annotator_agreement,
    bradley_terry,
    majority,
    win_rate,
)
from selfrat_eval.rationales._votes import Vote

PEOPLE = "people (pooled)"
#: The toy's checked truth as a source: which rationale is correct (`toy.check_toy_rationale`).
TRUTH = "truth (checked)"


def _sources(votes: Sequence[Vote]) -> dict[str, list[Vote]]:
    """Each annotator's votes, and the people's pooled (meta-judges are never pooled with people)."""
    sources: dict[str, list[Vote]] = defaultdict(list)
    for vote in votes:
        sources[vote.annotator].append(vote)
    people = [vote for vote in votes if not vote.by_meta_judge]
    named = dict(sorted(sources.items()))
    return ({PEOPLE: people} if len({v.annotator for v in people}) > 1 else {}) | named


def _by_item(votes: Sequence[Vote]) -> dict[str, list[Preference]]:
    grouped: dict[str, list[Preference]] = defaultdict(list)
    for vote in votes:
        grouped[vote.pair].append(vote.winner)
    return grouped


def study_results(
    pairs: Sequence[RationalePair],
    votes: Sequence[Vote],
    *,
    truth: Mapping[str, Preference | None] | None = None,
    meta_judge_runs: Mapping[str, dict[str, Any]] | None = None,
    n_resamples: int = 1000,
    seed: int = 0,
) -> dict[str, Any]:
    by_key = {pair.key: pair for pair in pairs}
    groups = sorted({pair.group for pair in pairs})
    sources = _sources(votes)
    comparisons = []
    for group in groups:
        for source, mine in sources.items():
            in_group = [v for v in mine if by_key[v.pair].group == group]
            if in_group:
                result = win_rate(_by_item(in_group), n_resamples=n_resamples, seed=seed)
                comparisons.append({"comparison": group, "source": source, **result})
    people = {v.annotator for v in votes if not v.by_meta_judge}
    human_votes = {name: {v.pair: v.winner for v in votes if v.annotator == name} for name in sorted(people)}
    report: dict[str, Any] = {
        "n_pairs": len(pairs),
        "n_votes": len(votes),
        "annotators": sorted(people),
        "meta_judges": sorted({v.annotator for v in votes if v.by_meta_judge} | set(meta_judge_runs or {})),
        #: per meta-judge run: pairs judged, and the share of order verdicts it left unreadable
        "meta_judge_runs": dict(meta_judge_runs or {}),
        "comparisons": comparisons,
        "agreement": annotator_agreement(human_votes) if len(people) > 1 else None,
    }
    consensus = {
        key: winner
        for key, winners in _by_item([v for v in votes if not v.by_meta_judge]).items()
        if (winner := majority(winners)) is not None
    }
    report["meta_judge_vs_people"] = {
        meta: annotator_agreement(
            {meta: {v.pair: v.winner for v in votes if v.annotator == meta}, "people (majority)": consensus}
        )
        for meta in report["meta_judges"]
        if consensus
    }
    if truth is not None:
        report["truth"] = _truth_agreement(sources, truth)
        # the truth itself as a voter: the correct rationale wins, a tie where both or neither is
        for group in groups:
            checked = {
                p.key: [truth.get(p.key) or "tie"] for p in pairs if p.group == group and p.key in truth
            }
            if checked:
                result = win_rate(checked, n_resamples=n_resamples, seed=seed)
                comparisons.append({"comparison": group, "source": TRUTH, **result})
    runs = sorted({run for pair in pairs for run in (pair.run_a, pair.run_b)})
    if len(runs) > 2:
        report["bradley_terry"] = {
            source: bradley_terry(
                [(by_key[v.pair].run_a, by_key[v.pair].run_b, PREFERENCE_CREDIT[v.winner]) for v in mine],
                groups=[by_key[v.pair].item for v in mine],
                seed=seed,
            )
            for source, mine in sources.items()
        }
    return report


def _truth_agreement(
    sources: Mapping[str, Sequence[Vote]], truth: Mapping[str, Preference | None]
) -> dict[str, Any]:
    """Per source, over its votes on pairs where exactly one rationale is correct: the share that
    prefers the correct one, and the share of ties."""
    decided = sum(value is not None for value in truth.values())
    result: dict[str, Any] = {"pairs_with_truth": decided, "pairs": len(truth), "sources": {}}
    for source, mine in sources.items():
        known = [v for v in mine if truth.get(v.pair) is not None]
        result["sources"][source] = {
            "agrees_with_truth": sum(v.winner == truth[v.pair] for v in known) / len(known)
            if known
            else None,
            "ties": sum(v.winner == "tie" for v in known) / len(known) if known else None,
            "n_votes": len(known),
        }
    return result


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}"


def _tables(report: dict[str, Any]) -> dict[str, list[list[str]]]:
    rows = [
        [
            "comparison",
            "source",
            "win rate (tie = 1/2)",
            "95% CI",
            "W / T / L %",
            "p (sign)",
            "pairs",
            "votes",
        ]
    ]
    for c in report["comparisons"]:
        estimate = c["win_rate"]
        interval = (
            "" if estimate["ci_low"] is None else f"[{_pct(estimate['ci_low'])}, {_pct(estimate['ci_high'])}]"
        )
        p_value = "n/a" if c["p_value"] is None else f"{c['p_value']:.3g}"
        rows.append(
            [
                c["comparison"],
                c["source"],
                _pct(estimate["value"]),
                interval,
                f"{_pct(c['wins'])} / {_pct(c['ties'])} / {_pct(c['losses'])}",
                p_value,
                str(c["n_items"]),
                str(c["n_votes"]),
            ]
        )
    tables = {"win_rates": rows}
    agreement = [["between", "raw agreement %", "without ties %", "Krippendorff alpha", "shared votes"]]
    entries = ([("people", report["agreement"])] if report["agreement"] else []) + [
        (f"{meta} vs people (majority)", entry) for meta, entry in report["meta_judge_vs_people"].items()
    ]
    for label, entry in entries:
        alpha = entry["krippendorff_alpha"]
        agreement.append(
            [
                label,
                _pct(entry["raw"]),
                _pct(entry["raw_without_ties"]),
                "n/a" if alpha is None else f"{alpha:.3f}",
                str(entry["n_vote_pairs"]),
            ]
        )
    tables["agreement"] = agreement
    if "truth" in report:
        truth = [["source", "prefers the correct rationale %", "ties %", "votes"]]
        for source, entry in report["truth"]["sources"].items():
            truth.append(
                [source, _pct(entry["agrees_with_truth"]), _pct(entry["ties"]), str(entry["n_votes"])]
            )
        tables["truth"] = truth
    if "bradley_terry" in report:
        ranking = [["source", "rank", "run", "strength (log-odds)", "95% CI"]]
        for source, fit in report["bradley_terry"].items():
            for rank, row in enumerate(fit["ranking"], 1):
                interval = "" if row["ci_low"] is None else f"[{row['ci_low']:.2f}, {row['ci_high']:.2f}]"
                ranking.append([source, str(rank), row["system"], f"{row['strength']:.2f}", interval])
        tables["bradley_terry"] = ranking
    return tables


TITLES = {
    "win_rates": "Win rates of the first run",
    "agreement": "Agreement",
    "truth": "Against the known truth",
    "bradley_terry": "Bradley-Terry ranking",
}


def write_study_report(report: dict[str, Any], out: Path) -> list[Path]:
    """results.json, results.md, results.html and win_rates.png in `out`."""
    out.mkdir(parents=True, exist_ok=True)
    tables = _tables(report)
    people = ", ".join(report["annotators"]) or "none"
    metas = ", ".join(report["meta_judges"]) or "none"
    runs = [
        f"{name} judged {run['pairs']} pairs and left {_pct(run['parse_failure_rate'])}% of its order "
        "verdicts unreadable"
        for name, run in report["meta_judge_runs"].items()
        if run.get("pairs") is not None
    ]
    truth = report.get("truth")
    intro = (
        f"{report['n_pairs']} pairs, {report['n_votes']} votes; people: {people}; meta-judges: {metas}"
        + "".join(f"; {line}" for line in runs)
        + (
            f"; {truth['pairs_with_truth']} of {truth['pairs']} pairs have exactly one correct rationale "
            f"(source `{TRUTH}`: the correct one wins, a tie where both or neither is)"
            if truth
            else ""
        )
        + ". Win rate = the first run's wins plus half its ties, per pair (votes on a pair averaged), with "
        "a 95% bootstrap CI over pairs; p: two-sided exact sign test over the pairs that lean one way."
    )
    md = "\n\n".join(
        ["# Rationale study", intro]
        + [
            f"## {TITLES[name]}\n\n{markdown_table(table)}"
            for name, table in tables.items()
            if len(table) > 1
        ]
        + ["![win rates](win_rates.png)"]
    )
    page = (
        "<!doctype html><meta charset='utf-8'><title>Rationale study</title><h1>Rationale study</h1>"
        f"<p>{html.escape(intro)}</p>"
        + "".join(f"<h2>{TITLES[n]}</h2>{html_table(t)}" for n, t in tables.items() if len(t) > 1)
        + "<img src='win_rates.png' alt='win rates with 95% CIs'>"
    )
    paths = [out / "results.json", out / "results.md", out / "results.html", out / "win_rates.png"]
    write_json(paths[0], report)
    with atomic_write(paths[1]) as handle:
        handle.write(md + "\n")
    with atomic_write(paths[2]) as handle:
        handle.write(page)
    _plot(report, paths[3])
    return paths


def _plot(report: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [c for c in report["comparisons"] if c["win_rate"]["value"] is not None]
    figure, axis = plt.subplots(figsize=(7, 0.45 * max(len(rows), 2) + 1.2))
    for y, row in enumerate(rows):
        estimate = row["win_rate"]
        low = estimate["ci_low"] if estimate["ci_low"] is not None else estimate["value"]
        high = estimate["ci_high"] if estimate["ci_high"] is not None else estimate["value"]
        color = "#dd8452" if row["source"].startswith("meta-judge:") else "#4c72b0"
        axis.plot([low, high], [y, y], color=color, linewidth=2)
        axis.plot(estimate["value"], y, "o", color=color)
    axis.axvline(0.5, color="0.6", linestyle="--", linewidth=1)
    axis.set_yticks(range(len(rows)), [f"{r['comparison']}\n{r['source']}" for r in rows], fontsize=7)
    axis.set_xlim(0, 1)
    axis.invert_yaxis()
    axis.set_xlabel("win rate of the first run (tie = 1/2), 95% CI; blue: people, orange: meta-judges")
    figure.tight_layout()
    save_figure(figure, path)

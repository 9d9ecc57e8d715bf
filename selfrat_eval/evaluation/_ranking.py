"""`selfrat rank-agreement`: do two sets of per-model scores rank the models alike?

Two "per-model scores" tables (a judge's grades of many response models, or a published
leaderboard) are compared per capability and overall with Spearman's rho and Kendall's tau-b over the
models present in both, each with a percentile-bootstrap 95% CI that resamples models (paired).

Accepted inputs (one file each):

* a leaderboard CSV/TSV in the published BiGGen-Bench format (prometheus-eval/leaderboard `data/`):
  a model column (`Model 🤗` or `model_name`), one column per capability (`Grounding ⚡️`,
  `instruction_following`, ...), optionally an overall column (`Average`) and metadata columns
  (`Model Params (B)`, `Model Type`: columns whose name starts with "model" or is one of
  `METADATA_KEYS`, and columns holding no number at all, are ignored and listed in the report). An
  empty cell is "no score" (e.g. Multilingual for many models); any other non-number is an error.
* JSON/JSONL rows `{"model": ..., "capability": ..., "score": ...}`, one row per model and capability
  (the score is that model's mean on the capability; `null` = no score), or the same rows in a CSV; or
  wide rows `{"model": ..., "<capability>": score, ...}`;
* a JSON object `{"<model>": {"<capability>": score, ...}, ...}`.

Capability names are matched through a normalised key (case, emoji and punctuation dropped:
`Theory of Mind 🤔` == `theory_of_mind`); model names are matched exactly.

Overall: BiGGen-Bench's definition (`make_report.py`), the unweighted mean of the capability means,
over the English capabilities (Multilingual excluded, as on the English leaderboard). A declared
overall (a column or capability named average/overall) is checked against that mean: the published
`Average` equals the mean of the eight English capability means, rounded to 3 decimals (the capability
columns are rounded too, so a difference up to 0.001 is rounding). When it matches, the declared value
is used (it is computed from the unrounded means); when it does not, the mean is used and the report
says so.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from selfrat_eval._errors import InputError
from selfrat_eval.data._io import Row, atomic_write, read_rows, read_text, write_json
from selfrat_eval.metrics import CONFIDENCE, DEFAULT_RESAMPLES, Estimate, bootstrap_estimates
from selfrat_eval.metrics._correlation import _kendall, _spearman

#: Normalised names of the column (or row field) naming the model.
MODEL_KEYS = ("model", "model_name", "response_model_name", "response_model")
#: Normalised names of a declared overall score.
OVERALL_KEYS = ("average", "overall", "avg")
#: Capabilities left out of Overall (BiGGen-Bench's English leaderboard excludes multilingual).
EXCLUDED_FROM_OVERALL = ("multilingual",)
#: Metadata columns of a wide table that hold numbers but are not scores (besides "model*" columns).
METADATA_KEYS = ("params", "parameters", "size", "rank", "type", "license", "precision")
#: A declared overall within this of the mean of the capability columns is that mean (3-decimal
#: rounding of each capability and of the average itself: 0.0005 + 0.0005).
OVERALL_TOLERANCE = 1e-3 + 1e-9
#: Fewer shared models than this and there is no ranking to compare.
MIN_MODELS = 3
_MISSING = ("", "nan", "na", "n/a", "none", "null", "-")


def capability_key(name: str) -> str:
    """The matching key of a capability or column name: `Theory of Mind 🤔` -> `theory_of_mind`."""
    return re.sub(r"[\W_]+", "_", name.casefold()).strip("_")


@dataclass(frozen=True)
class ScoreTable:
    """Per-model scores from one file: `scores[model][capability key]`, and each model's Overall."""

    name: str
    source: str
    format: str
    models: list[str]
    capabilities: dict[str, str]  # key -> the name as written in the file
    scores: dict[str, dict[str, float]]
    overall: dict[str, float]
    overall_capabilities: list[str]
    overall_source: str
    overall_check: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "path": self.source,
            "format": self.format,
            "models": len(self.models),
            "capabilities": list(self.capabilities.values()),
            "overall": {
                "definition": "unweighted mean of the capability means over "
                + (", ".join(self.overall_capabilities) or "no capability"),
                "source": self.overall_source,
                "check": self.overall_check,
                "models": len(self.overall),
            },
            "notes": self.notes,
        }


def load_scores(path: Path | str) -> ScoreTable:
    """A per-model scores table from a leaderboard CSV/TSV, JSON/JSONL rows or a JSON object."""
    path = Path(path)
    source = str(path)
    if path.suffix.lower() == ".json" and path.exists():
        data = _json(path)
        if isinstance(data, dict):
            entries = list(_mapping_entries(data, source))
            return _table(path, "json object {model: {capability: score}}", entries, [], None)
        rows: Iterable[Row] = _json_rows(data, source)
    else:
        rows = read_rows(path)
    rows = list(rows)
    if not rows:
        raise InputError("no per-model scores (the file has no rows)", source=source)
    keys = {capability_key(str(key)) for _, row in rows for key in row}
    if {"capability", "score"} <= keys:
        return _table(path, "rows {model, capability, score}", list(_long_entries(rows, source)), [], None)
    entries, ignored, model_column = _wide_entries(rows, source)
    return _table(path, f"wide table (model column '{model_column}')", entries, ignored, model_column)


def _json(path: Path) -> Any:
    text = read_text(path)
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise InputError(f"invalid JSON ({error.msg} at line {error.lineno})", source=str(path)) from None


def _json_rows(data: Any, source: str) -> Iterator[Row]:
    if not isinstance(data, list):
        raise InputError(
            "expected a JSON list of {model, capability, score} rows "
            "or an object {model: {capability: score}}",
            source=source,
        )
    for number, row in enumerate(data, start=1):
        if not isinstance(row, dict):
            raise InputError("expected a JSON object", source=source, record=number)
        yield number, row


# An entry: (record, model, capability name as written, score or None).
Entry = tuple[int | str, str, str, float | None]


def _number(value: Any, *, source: str, record: int | str, field: str) -> float | None:
    """A score: a number or a numeric string; empty/null/nan is None (no score)."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise InputError(f"expected a number, got {value!r}", source=source, record=record, field=field)
    if isinstance(value, str):
        if value.strip().casefold() in _MISSING:
            return None
        try:
            number = float(value)
        except ValueError:
            raise InputError(
                f"expected a number, got {value!r}", source=source, record=record, field=field
            ) from None
    elif isinstance(value, int | float):
        number = float(value)
    else:
        raise InputError(
            f"expected a number, got {type(value).__name__}", source=source, record=record, field=field
        )
    if math.isnan(number):
        return None
    if not math.isfinite(number):
        raise InputError(f"not a finite number: {value!r}", source=source, record=record, field=field)
    return number


def _model_name(value: Any, *, source: str, record: int | str, field: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InputError(
            "missing" if value in (None, "") else "expected a model name (a string)",
            source=source,
            record=record,
            field=field,
        )
    return value


def _field(row: dict[str, Any], wanted: Iterable[str]) -> str | None:
    """The row's key whose normalised name is one of `wanted` (the first such key in `wanted` order)."""
    by_key = {capability_key(str(key)): str(key) for key in row}
    return next((by_key[key] for key in wanted if key in by_key), None)


def _long_entries(rows: list[Row], source: str) -> Iterator[Entry]:
    for record, row in rows:
        model_field = _field(row, MODEL_KEYS)
        if model_field is None:
            raise InputError("missing", source=source, record=record, field="model")
        model = _model_name(row[model_field], source=source, record=record, field=model_field)
        capability_field = _field(row, ["capability"]) or "capability"
        capability = row.get(capability_field)
        if not isinstance(capability, str) or not capability_key(capability):
            raise InputError(
                "missing" if capability in (None, "") else "expected a capability name (a string)",
                source=source,
                record=record,
                field=capability_field,
            )
        score_field = _field(row, ["score"]) or "score"
        yield (
            record,
            model,
            capability,
            _number(row[score_field], source=source, record=record, field="score"),
        )


def _mapping_entries(data: dict[str, Any], source: str) -> Iterator[Entry]:
    for model, capabilities in data.items():
        if not model.strip():
            raise InputError("empty model name", source=source)
        if not isinstance(capabilities, dict):
            raise InputError("expected an object {capability: score}", source=source, record=model)
        for capability, value in capabilities.items():
            if not capability_key(capability):
                raise InputError("empty capability name", source=source, record=model)
            yield model, model, capability, _number(value, source=source, record=model, field=capability)


def _wide_entries(rows: list[Row], source: str) -> tuple[list[Entry], list[str], str]:
    columns = list(dict.fromkeys(str(key) for _, row in rows for key in row))
    model_column = _field(dict.fromkeys(columns), MODEL_KEYS)
    if model_column is None:
        raise InputError(
            f"no model column (expected one named {', '.join(MODEL_KEYS)}; "
            f"or rows with model, capability, score); columns: {columns}",
            source=source,
        )
    overall_column = _field(dict.fromkeys(columns), OVERALL_KEYS)
    ignored = []
    score_columns = []
    for column in columns:
        key = capability_key(column)
        if column == model_column:
            continue
        if column != overall_column and (key.startswith("model") or key in METADATA_KEYS or not key):
            ignored.append(column)
            continue
        values = [row.get(column) for _, row in rows]
        numeric = [value for value in values if isinstance(value, int | float) or _looks_numeric(value)]
        if not numeric and column != overall_column:
            ignored.append(column)  # text (or empty) only: metadata
            continue
        score_columns.append(column)
    entries: list[Entry] = []
    for record, row in rows:
        model = _model_name(row.get(model_column), source=source, record=record, field=model_column)
        for column in score_columns:
            value = _number(row.get(column), source=source, record=record, field=column)
            entries.append((record, model, column, value))
        entries.append((record, model, "", None))  # the model exists even without any score
    return entries, ignored, model_column


def _looks_numeric(value: Any) -> bool:
    if not isinstance(value, str) or value.strip().casefold() in _MISSING:
        return False
    try:
        float(value)
    except ValueError:
        return False
    return True


def _table(
    path: Path, format: str, entries: list[Entry], ignored: list[str], model_column: str | None
) -> ScoreTable:
    source = str(path)
    models: dict[str, int | str] = {}
    labels: dict[str, str] = {}
    scores: dict[str, dict[str, float]] = {}
    declared: dict[str, float] = {}
    seen: dict[tuple[str, str], int | str] = {}
    overall_label: str | None = None
    for record, model, capability, value in entries:
        if model not in models:
            models[model] = record
        elif model_column is not None and models[model] != record:
            raise InputError(
                f"model '{model}' appears twice (records {models[model]} and {record})", source=source
            )
        if not capability:
            continue
        key = capability_key(capability)
        if key in OVERALL_KEYS:
            if overall_label is not None and overall_label != capability:
                raise InputError(
                    f"two overall scores, '{overall_label}' and '{capability}': keep one",
                    source=source,
                    record=record,
                )
            overall_label = capability
            key = "__overall__"
        elif labels.setdefault(key, capability) != capability and model_column is not None:
            raise InputError(
                f"capabilities '{labels[key]}' and '{capability}' have the same name once normalised",
                source=source,
                record=record,
            )
        if (model, key) in seen and model_column is None:
            raise InputError(
                f"a second score for model '{model}', capability '{capability}' (first: record "
                f"{seen[model, key]}); give one row per model and capability (its mean score)",
                source=source,
                record=record,
            )
        seen[model, key] = record
        if value is None:
            continue
        if key == "__overall__":
            declared[model] = value
        else:
            scores.setdefault(model, {})[key] = value
    if not models:
        raise InputError("no per-model scores", source=source)
    present = {key for values in scores.values() for key in values}
    capabilities = {key: label for key, label in labels.items() if key in present}
    overall_caps = [key for key in capabilities if key not in EXCLUDED_FROM_OVERALL]
    computed = {
        model: float(np.mean([values[key] for key in overall_caps]))
        for model, values in scores.items()
        if overall_caps and all(key in values for key in overall_caps)
    }
    notes = [f"ignored columns (not scores): {', '.join(ignored)}"] if ignored else []
    check: dict[str, Any] | None = None
    mean_source = "computed: unweighted mean of the capability means"
    if not declared:
        overall, overall_source = computed, mean_source
    else:
        both = [model for model in declared if model in computed]
        diffs = [abs(declared[model] - computed[model]) for model in both]
        worst = max(diffs, default=None)
        check = {
            "column": overall_label,
            "models_checked": len(both),
            "max_abs_diff": worst,
            "tolerance": OVERALL_TOLERANCE,
            "matches": None if worst is None else worst <= OVERALL_TOLERANCE,
        }
        if worst is None:
            overall = {**computed, **declared}
            overall_source = f"read: column '{overall_label}' (not checked: no model has every capability)"
        elif worst <= OVERALL_TOLERANCE:
            overall = {**computed, **declared}
            overall_source = (
                f"read: column '{overall_label}', which equals the unweighted mean of the capability "
                f"means within rounding (max |difference| {worst:.6f} over {len(both)} models)"
            )
        else:
            off = sum(diff > OVERALL_TOLERANCE for diff in diffs)
            overall, overall_source = computed, mean_source
            notes.append(
                f"column '{overall_label}' is not the mean of the capability means for {off} of "
                f"{len(both)} models (max |difference| {worst:.4f}): Overall is computed as that mean"
            )
    missing = [model for model in models if model not in overall]
    if missing and overall_caps:
        notes.append(f"{len(missing)} models lack a capability and have no Overall: {', '.join(missing)}")
    return ScoreTable(
        name=path.stem,
        source=source,
        format=format,
        models=list(models),
        capabilities=capabilities,
        scores=scores,
        overall=overall,
        overall_capabilities=[capabilities[key] for key in overall_caps],
        overall_source=overall_source,
        overall_check=check,
        notes=notes,
    )


def _correlations(x: np.ndarray, y: np.ndarray, n_resamples: int, seed: int) -> tuple[Estimate, Estimate]:
    """Spearman rho and Kendall tau-b with bootstrap 95% CIs, models resampled in pairs."""
    if len(x) < MIN_MODELS:
        empty = Estimate(None, None, None, len(x))
        return empty, empty
    [spearman] = bootstrap_estimates([x, y], _spearman, n_resamples=n_resamples, seed=seed, vectorized=True)
    [kendall] = bootstrap_estimates([x, y], _kendall, n_resamples=n_resamples, seed=seed)
    return spearman, kendall


def _name_hint(only_a: list[str], only_b: list[str]) -> str | None:
    """Names that differ only by an `org/` prefix or by case: they are not matched, but say so."""
    loose_b = {name.rsplit("/", 1)[-1].casefold(): name for name in only_b}
    pairs = [
        (name, loose_b[key]) for name in only_a if (key := name.rsplit("/", 1)[-1].casefold()) in loose_b
    ]
    if not pairs:
        return None
    first_a, first_b = pairs[0]
    return (
        f"{len(pairs)} models match only if an 'org/' prefix or case is ignored (e.g. '{first_a}' vs "
        f"'{first_b}'); model names are matched exactly, so rename them in one file to compare them"
    )


def rank_agreement(
    a: ScoreTable | Path | str,
    b: ScoreTable | Path | str,
    *,
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: int = 0,
) -> dict[str, Any]:
    """Spearman and Kendall tau-b between two per-model score tables, overall and per capability.

    Each row (Overall first, then every capability both tables score) is computed over the models
    that have that score in both tables, with bootstrap 95% CIs over models and the models scored on
    one side only. Fewer than 3 models shared by the two tables is an InputError; a row with fewer
    than 3 models has no value (None).
    """
    table_a = a if isinstance(a, ScoreTable) else load_scores(a)
    table_b = b if isinstance(b, ScoreTable) else load_scores(b)
    in_b = set(table_b.models)
    shared = [model for model in table_a.models if model in in_b]
    only_a = [model for model in table_a.models if model not in in_b]
    only_b = [model for model in table_b.models if model not in set(table_a.models)]
    hint = _name_hint(only_a, only_b)
    if len(shared) < MIN_MODELS:
        raise InputError(
            f"only {len(shared)} models are in both {table_a.source} and {table_b.source}; ranking "
            f"agreement needs at least {MIN_MODELS}"
            + (f" ({hint})" if hint else " (model names are matched exactly)")
        )
    notes = [f"A: {note}" for note in table_a.notes] + [f"B: {note}" for note in table_b.notes]
    if hint:
        notes.append(hint)
    keys_a = set(table_a.overall_capabilities)
    keys_b = set(table_b.overall_capabilities)
    if {capability_key(k) for k in keys_a} != {capability_key(k) for k in keys_b}:
        notes.append(
            "the two Overalls average different capabilities (A: "
            f"{', '.join(table_a.overall_capabilities) or 'none'}; B: "
            f"{', '.join(table_b.overall_capabilities) or 'none'}): compare them with care"
        )

    def row(scope: str, label: str, values_a: dict[str, float], values_b: dict[str, float]) -> dict[str, Any]:
        both = [model for model in shared if model in values_a and model in values_b]
        x = np.array([values_a[model] for model in both], dtype=float)
        y = np.array([values_b[model] for model in both], dtype=float)
        spearman, kendall = _correlations(x, y, n_resamples, seed)
        return {
            "scope": scope,
            "label": label,
            "n": len(both),
            "spearman": spearman.to_dict(),
            "kendall": kendall.to_dict(),
            "only_in_a": [model for model in table_a.models if model in values_a and model not in both],
            "only_in_b": [model for model in table_b.models if model in values_b and model not in both],
        }

    rows = [row("overall", "Overall", table_a.overall, table_b.overall)]
    for key, label in table_a.capabilities.items():
        if key in table_b.capabilities:
            pick_a = {m: s[key] for m, s in table_a.scores.items() if key in s}
            pick_b = {m: s[key] for m, s in table_b.scores.items() if key in s}
            rows.append(row(key, label, pick_a, pick_b))
    for entry in rows:
        if entry["n"] < MIN_MODELS:
            notes.append(f"{entry['label']}: only {entry['n']} shared models, no correlation")
    overall_models = [m for m in shared if m in table_a.overall and m in table_b.overall]
    return {
        "a": table_a.summary(),
        "b": table_b.summary(),
        "n_resamples": n_resamples,
        "seed": seed,
        "confidence": CONFIDENCE,
        "models_shared": len(shared),
        "models_only_in_a": only_a,
        "models_only_in_b": only_b,
        "capabilities_only_in_a": [
            label for key, label in table_a.capabilities.items() if key not in table_b.capabilities
        ],
        "capabilities_only_in_b": [
            label for key, label in table_b.capabilities.items() if key not in table_a.capabilities
        ],
        "rows": rows,
        "overall_scores": [
            {"model": m, "a": table_a.overall[m], "b": table_b.overall[m]} for m in overall_models
        ],
        "notes": notes,
    }


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def _ci(estimate: dict[str, Any]) -> str:
    return f"[{_fmt(estimate['ci_low'])}, {_fmt(estimate['ci_high'])}]"


def _names(models: list[str]) -> str:
    return ", ".join(f"`{model}`" for model in models) if models else "none"


def write_ranking_report(report: dict[str, Any], out: Path) -> list[Path]:
    """rank_agreement.json, rank_agreement.md and rank_agreement.png (Overall of A against B per model)."""
    from selfrat_eval.evaluation._compare import markdown_table

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / "rank_agreement.json", out / "rank_agreement.md", out / "rank_agreement.png"]
    a, b = report["a"], report["b"]
    table = [["scope", "n models", "Spearman rho", "95% CI", "Kendall tau-b", "95% CI", "only A", "only B"]]
    table += [
        [
            r["label"],
            str(r["n"]),
            _fmt(r["spearman"]["value"]),
            _ci(r["spearman"]),
            _fmt(r["kendall"]["value"]),
            _ci(r["kendall"]),
            str(len(r["only_in_a"])),
            str(len(r["only_in_b"])),
        ]
        for r in report["rows"]
    ]
    sides = "\n".join(
        f"- **{tag}**: `{side['name']}` ({side['path']}): {side['models']} models, {side['format']}; "
        f"Overall {side['overall']['source']}."
        for tag, side in (("A", a), ("B", b))
    )
    notes = "".join(f"- {note}\n" for note in report["notes"]) or "- none\n"
    md = (
        f"# Ranking agreement: {a['name']} vs {b['name']}\n\n{sides}\n\n"
        f"{markdown_table(table)}\n\n"
        f"Spearman rho and Kendall tau-b over the models scored in both; percentile-bootstrap "
        f"{report['confidence']:.0%} CIs resampling models ({report['n_resamples']} resamples, seed "
        f"{report['seed']}). Overall: A {a['overall']['definition']}; B {b['overall']['definition']} "
        "(BiGGen-Bench's Overall; Multilingual excluded as on the English leaderboard).\n\n"
        f"Models in both: {report['models_shared']}. Only in A: {_names(report['models_only_in_a'])}. "
        f"Only in B: {_names(report['models_only_in_b'])}.\n\n"
        f"Capabilities only in A: {_names(report['capabilities_only_in_a'])}. "
        f"Only in B: {_names(report['capabilities_only_in_b'])}.\n\n"
        f"## Notes\n\n{notes}\n![Overall per model](rank_agreement.png)\n"
    )
    write_json(paths[0], report)
    with atomic_write(paths[1]) as handle:
        handle.write(md)
    _scatter(report, paths[2])
    return paths


def _scatter(report: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from selfrat_eval.evaluation._compare import save_figure

    points = report["overall_scores"]
    overall = report["rows"][0]
    figure, axis = plt.subplots(figsize=(5.5, 5))
    xs = [p["a"] for p in points]
    ys = [p["b"] for p in points]
    axis.scatter(xs, ys, s=14, color="#4c72b0", alpha=0.8)
    if len(points) <= 25:
        for p in points:
            axis.annotate(p["model"], (p["a"], p["b"]), fontsize=6, xytext=(2, 2), textcoords="offset points")
    axis.set_xlabel(f"A: {report['a']['name']} (Overall)")
    axis.set_ylabel(f"B: {report['b']['name']} (Overall)")
    axis.set_title(
        f"Spearman {_fmt(overall['spearman']['value'])} {_ci(overall['spearman'])}, "
        f"Kendall {_fmt(overall['kendall']['value'])} {_ci(overall['kendall'])}; n = {overall['n']}",
        fontsize=8,
    )
    figure.tight_layout()
    save_figure(figure, path)

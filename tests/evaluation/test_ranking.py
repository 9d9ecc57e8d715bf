"""`rank_agreement`: per-model score tables (published leaderboard CSVs, JSON rows, JSON objects)
compared by Spearman and Kendall tau-b, re-derived here with scipy on hand-built arrays."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy import stats

from selfrat_eval._errors import InputError
from selfrat_eval.evaluation._ranking import load_scores, rank_agreement, write_ranking_report
from tests.conftest import SHARED_DATA

LEADERBOARD = SHARED_DATA / "biggen-bench" / "leaderboard"
SHARED = LEADERBOARD / "bgb-leaderboard-gpt-4-turbo-2024-04-09.csv"

# The published header (prometheus-eval/leaderboard `data/bgb-leaderboard-*.csv`).
CAPABILITIES = [
    "Grounding ⚡️",
    "Instruction Following 📝",
    "Planning 📅",
    "Reasoning 💡",
    "Refinement 🔩",
    "Safety ⚠️",
    "Theory of Mind 🤔",
    "Tool Usage 🛠️",
]
MULTILINGUAL = "Multilingual 🇬🇫"
HEADER = [*CAPABILITIES, MULTILINGUAL, "Model 🤗", "Model Params (B)", "Model Type", "Average"]
SNAKE = [
    "grounding",
    "instruction_following",
    "planning",
    "reasoning",
    "refinement",
    "safety",
    "theory_of_mind",
    "tool_usage",
]
MODELS = [f"org/model-{i}" for i in range(12)]
NO_MULTILINGUAL = {"org/model-0", "org/model-5", "org/model-9"}


def make_scores(seed: int) -> dict[str, dict[str, float]]:
    """Unrounded capability means 1-5 per model: a shared model strength plus judge noise."""
    rng = np.random.default_rng(seed)
    strength = np.linspace(1.5, 4.5, len(MODELS))
    scores = {}
    for model, level in zip(MODELS, strength, strict=True):
        row = {cap: float(np.clip(level + rng.normal(0, 0.4), 1, 5)) for cap in [*CAPABILITIES, MULTILINGUAL]}
        if model in NO_MULTILINGUAL:
            del row[MULTILINGUAL]
        scores[model] = row
    return scores


def write_leaderboard(path: Path, scores: dict[str, dict[str, float]], average: str = "published") -> Path:
    """A CSV in the published schema: values rounded to 3 decimals, Average = round(mean of the eight
    English capability means, 3), Multilingual empty where not graded, params empty for proprietary."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for i, (model, row) in enumerate(scores.items()):
            english = np.mean([row[cap] for cap in CAPABILITIES])
            value = english if average == "published" else np.mean(list(row.values())) + 0.5
            writer.writerow(
                [
                    *(f"{round(row[cap], 3)}" for cap in CAPABILITIES),
                    f"{round(row[MULTILINGUAL], 3)}" if MULTILINGUAL in row else "",
                    model,
                    "" if i % 4 == 0 else "7.0",
                    "Proprietary" if i % 4 == 0 else "Chat",
                    f"{round(float(value), 3)}",
                ]
            )
    return path


def rounded(scores: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
    return {m: {c: round(v, 3) for c, v in row.items()} for m, row in scores.items()}


Scores = dict[str, dict[str, float]]
Boards = tuple[Path, Path, Scores, Scores]


@pytest.fixture
def two_boards(tmp_path: Path) -> Boards:
    a, b = make_scores(1), make_scores(2)
    return write_leaderboard(tmp_path / "a.csv", a), write_leaderboard(tmp_path / "b.csv", b), a, b


def by_scope(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {row["scope"]: row for row in report["rows"]}


def test_leaderboard_csv_schema_and_overall_read_from_a_checked_average(two_boards: Boards) -> None:
    path, _, scores, _ = two_boards
    table = load_scores(path)
    assert table.models == MODELS
    assert list(table.capabilities) == [*SNAKE, "multilingual"]
    assert table.overall_capabilities == CAPABILITIES  # Multilingual excluded from Overall
    assert "Model Params (B), Model Type" in table.notes[0]
    assert table.scores["org/model-0"]["grounding"] == round(scores["org/model-0"][CAPABILITIES[0]], 3)
    assert "multilingual" not in table.scores["org/model-0"]
    check = table.overall_check
    assert check is not None and check["column"] == "Average" and check["matches"]
    assert check["models_checked"] == 12 and check["max_abs_diff"] <= 0.001
    assert table.overall_source.startswith("read: column 'Average'")
    for model, row in scores.items():
        assert table.overall[model] == round(float(np.mean([row[cap] for cap in CAPABILITIES])), 3)


def test_spearman_and_kendall_match_scipy_per_capability_and_overall(two_boards: Boards) -> None:
    path_a, path_b, a, b = two_boards
    report = rank_agreement(path_a, path_b, n_resamples=100, seed=3)
    rows = by_scope(report)
    assert [r["scope"] for r in report["rows"]] == ["overall", *SNAKE, "multilingual"]
    ra, rb = rounded(a), rounded(b)
    for cap, key in zip([*CAPABILITIES, MULTILINGUAL], [*SNAKE, "multilingual"], strict=True):
        models = [m for m in MODELS if cap in ra[m] and cap in rb[m]]
        x = [ra[m][cap] for m in models]
        y = [rb[m][cap] for m in models]
        row = rows[key]
        assert row["n"] == len(models) == (9 if key == "multilingual" else 12)
        assert row["spearman"]["value"] == pytest.approx(stats.spearmanr(x, y).statistic)
        assert row["kendall"]["value"] == pytest.approx(stats.kendalltau(x, y).statistic)
    x = [round(float(np.mean([a[m][c] for c in CAPABILITIES])), 3) for m in MODELS]
    y = [round(float(np.mean([b[m][c] for c in CAPABILITIES])), 3) for m in MODELS]
    overall = rows["overall"]
    assert overall["n"] == 12
    for metric, function in (("spearman", stats.spearmanr), ("kendall", stats.kendalltau)):
        estimate = overall[metric]
        assert estimate["value"] == pytest.approx(function(x, y).statistic)
        assert -1 <= estimate["ci_low"] <= estimate["value"] <= estimate["ci_high"] <= 1
    assert report["overall_scores"] == [
        {"model": m, "a": xa, "b": yb} for m, xa, yb in zip(MODELS, x, y, strict=True)
    ]
    assert report["models_shared"] == 12 and report["models_only_in_a"] == report["models_only_in_b"] == []
    # Same seed, same intervals; another seed, other intervals.
    again = by_scope(rank_agreement(path_a, path_b, n_resamples=100, seed=3))["overall"]
    other = by_scope(rank_agreement(path_a, path_b, n_resamples=100, seed=4))["overall"]
    assert again == overall and other["kendall"] != overall["kendall"]


def test_identical_and_reversed_rankings(tmp_path: Path) -> None:
    scores = make_scores(1)
    reverse = {m: {c: 6 - v for c, v in row.items()} for m, row in scores.items()}
    same = by_scope(
        rank_agreement(write_leaderboard(tmp_path / "a.csv", scores), tmp_path / "a.csv", n_resamples=50)
    )
    assert same["overall"]["spearman"]["value"] == pytest.approx(1.0)
    rows = by_scope(
        rank_agreement(tmp_path / "a.csv", write_leaderboard(tmp_path / "r.csv", reverse), n_resamples=50)
    )
    assert rows["overall"]["spearman"]["value"] == pytest.approx(-1.0)
    assert rows["overall"]["kendall"]["value"] == pytest.approx(-1.0)
    no_ci = by_scope(rank_agreement(tmp_path / "a.csv", tmp_path / "r.csv", n_resamples=0))["overall"]
    assert no_ci["spearman"] == {"value": pytest.approx(-1.0), "ci_low": None, "ci_high": None, "n": 12}


def test_json_rows_jsonl_and_object_load_alike_and_compute_overall(
    two_boards: Boards, tmp_path: Path
) -> None:
    path_a, _, _, b = two_boards
    rows: list[dict[str, Any]] = [
        {"model": m, "capability": key, "score": b[m][cap]}
        for m in MODELS
        for cap, key in zip([*CAPABILITIES, MULTILINGUAL], [*SNAKE, "multilingual"], strict=True)
        if cap in b[m]
    ]
    listed = tmp_path / "grades.json"
    listed.write_text(json.dumps(rows), encoding="utf-8")
    lines = tmp_path / "grades.jsonl"
    lines.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    mapping = tmp_path / "grades_by_model.json"
    nested: dict[str, dict[str, float | None]] = {}
    for r in rows:
        nested.setdefault(r["model"], {})[r["capability"]] = r["score"]
    nested["org/model-0"]["multilingual"] = None  # null = no score
    mapping.write_text(json.dumps(nested), encoding="utf-8")
    tables = [load_scores(p) for p in (listed, lines, mapping)]
    for table in tables:
        assert table.models == MODELS and list(table.capabilities) == [*SNAKE, "multilingual"]
        assert table.overall_source.startswith("computed") and table.overall_check is None
        for m in MODELS:
            assert table.overall[m] == pytest.approx(np.mean([b[m][cap] for cap in CAPABILITIES]))
    assert tables[0].scores == tables[1].scores == tables[2].scores

    report = rank_agreement(path_a, listed, n_resamples=100)
    x = [load_scores(path_a).overall[m] for m in MODELS]
    y = [float(np.mean([b[m][cap] for cap in CAPABILITIES])) for m in MODELS]
    overall = by_scope(report)["overall"]
    assert overall["spearman"]["value"] == pytest.approx(stats.spearmanr(x, y).statistic)
    assert overall["kendall"]["value"] == pytest.approx(stats.kendalltau(x, y).statistic)
    # Capability names match across spellings (`Grounding ⚡️` == `grounding`).
    assert report["capabilities_only_in_a"] == report["capabilities_only_in_b"] == []
    assert not [n for n in report["notes"] if "different capabilities" in n]


def test_declared_overall_rows_are_checked_too(tmp_path: Path) -> None:
    rows = [
        {"model": m, "capability": c, "score": s}
        for m, (g, p) in {"x": (1.0, 2.0), "y": (3.0, 3.0), "z": (4.0, 5.0)}.items()
        for c, s in (("grounding", g), ("planning", p), ("overall", (g + p) / 2))
    ]
    path = tmp_path / "rows.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    table = load_scores(path)
    assert table.overall == {"x": 1.5, "y": 3.0, "z": 4.5}
    assert table.overall_check is not None and table.overall_check["matches"]
    assert list(table.capabilities) == ["grounding", "planning"]


def test_an_average_that_is_not_the_mean_is_not_used(tmp_path: Path) -> None:
    scores = make_scores(1)
    table = load_scores(write_leaderboard(tmp_path / "a.csv", scores, average="other"))
    assert table.overall_check is not None and table.overall_check["matches"] is False
    assert table.overall_source.startswith("computed")
    assert any("is not the mean of the capability means for 12 of 12 models" in n for n in table.notes)
    for m, row in rounded(scores).items():
        assert table.overall[m] == pytest.approx(np.mean([row[c] for c in CAPABILITIES]))


def test_models_matched_exactly_and_the_unmatched_listed(tmp_path: Path) -> None:
    a, b = make_scores(1), make_scores(2)
    b = {("model-3" if m == "org/model-3" else m): row for m, row in b.items() if m != "org/model-11"}
    b["extra"] = a["org/model-1"]
    report = rank_agreement(
        write_leaderboard(tmp_path / "a.csv", a), write_leaderboard(tmp_path / "b.csv", b), n_resamples=50
    )
    assert report["models_shared"] == 10
    assert report["models_only_in_a"] == ["org/model-3", "org/model-11"]
    assert report["models_only_in_b"] == ["model-3", "extra"]
    overall = by_scope(report)["overall"]
    assert overall["n"] == 10 and overall["only_in_a"] == ["org/model-3", "org/model-11"]
    assert any("1 models match only if an 'org/' prefix" in n for n in report["notes"])
    multilingual = by_scope(report)["multilingual"]
    assert multilingual["n"] == 7  # 10 shared; models 0, 5 and 9 have no Multilingual score
    assert "org/model-5" not in multilingual["only_in_a"]  # no score on either side: not "only in A"


def test_fewer_than_three_shared_models_is_an_input_error(tmp_path: Path) -> None:
    a = make_scores(1)
    b = {m: row for m, row in make_scores(2).items() if m in ("org/model-1", "org/model-2")}
    b.update({m.replace("org/", "other/"): row for m, row in make_scores(3).items()})
    with pytest.raises(InputError, match=r"only 2 models are in both .*at least 3.*'org/' prefix"):
        rank_agreement(
            write_leaderboard(tmp_path / "a.csv", a), write_leaderboard(tmp_path / "b.csv", b), n_resamples=10
        )


def test_rows_with_too_few_models_have_no_value(tmp_path: Path) -> None:
    def mapping(name: str, values: dict[str, dict[str, float]]) -> Path:
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(values), encoding="utf-8")
        return path

    a = mapping("a", {"x": {"g": 1, "p": 1}, "y": {"g": 2, "p": 2}, "z": {"g": 3}, "w": {"g": 4}})
    b = mapping("b", {"x": {"g": 1, "p": 2}, "y": {"g": 3, "p": 1}, "z": {"g": 2}, "w": {"g": 4, "p": 3}})
    report = rank_agreement(a, b, n_resamples=20)
    rows = by_scope(report)
    assert rows["g"]["n"] == 4 and rows["g"]["spearman"]["value"] == pytest.approx(0.8)
    assert rows["p"]["n"] == 2 and rows["p"]["spearman"]["value"] is None
    assert rows["overall"]["n"] == 2 and rows["overall"]["only_in_b"] == ["w"]
    assert any("only 2 shared models" in n for n in report["notes"])


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("no_model.csv", "Grounding,Planning\n1,2\n", r"no model column"),
        (
            "bad_cell.csv",
            "model_name,grounding\nx,1\ny,abc\n",
            r"bad_cell.csv, record 2, field 'grounding': expected a number, got 'abc'",
        ),
        ("dup.csv", "model,grounding\nx,1\ny,2\nx,3\n", r"model 'x' appears twice \(records 1 and 3\)"),
        ("inf.csv", "model,grounding\nx,inf\n", r"record 1, field 'grounding': not a finite number"),
        ("empty.csv", "model,grounding\n", r"no rows"),
        ("s.txt", "x", r"unsupported file type"),
        ("scalar.json", "3", r"expected a JSON list of \{model, capability, score\} rows or an object"),
        ("bad.json", "{", r"invalid JSON"),
        ("nested.json", '{"x": 3}', r"nested.json, record x: expected an object \{capability: score\}"),
        ("flag.json", '{"x": {"g": true}}', r"record x, field 'g': expected a number"),
        (
            "twice.jsonl",
            '{"model": "x", "capability": "g", "score": 1}\n{"model": "x", "capability": "G", "score": 2}\n',
            r"record 2: a second score for model 'x', capability 'G' \(first: record 1\)",
        ),
        ("nomodel.jsonl", '{"capability": "g", "score": 1}\n', r"record 1, field 'model': missing"),
        (
            "noscore.jsonl",
            '{"model": "x", "capability": "g", "score": "?"}\n',
            r"field 'score': expected a number",
        ),
        ("twocols.csv", "model,Average,Overall\nx,1,2\n", r"two overall scores, 'Average' and 'Overall'"),
        ("clash.csv", "model,Theory of Mind,theory_of_mind\nx,1,2\n", r"same name once normalised"),
    ],
)
def test_bad_input_names_file_record_and_field(tmp_path: Path, name: str, content: str, message: str) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=message):
        load_scores(path)


def test_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="file not found"):
        rank_agreement(tmp_path / "nope.csv", tmp_path / "nope.json")
    with pytest.raises(InputError, match="file not found"):
        load_scores(tmp_path / "nope.json")


def test_report_files(two_boards: Boards, tmp_path: Path) -> None:
    path_a, path_b, _, _ = two_boards
    report = rank_agreement(path_a, path_b, n_resamples=50)
    paths = write_ranking_report(report, tmp_path / "out")
    assert [p.name for p in paths] == ["rank_agreement.json", "rank_agreement.md", "rank_agreement.png"]
    assert json.loads(paths[0].read_text(encoding="utf-8")) == report
    md = paths[1].read_text(encoding="utf-8")
    overall = by_scope(report)["overall"]
    assert f"| Overall | 12 | {overall['spearman']['value']:.3f} |" in md
    assert "| Multilingual 🇬🇫 | 9 |" in md and "Model Params (B), Model Type" in md
    assert paths[2].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.skipif(not SHARED.exists(), reason="needs ../shared/data/biggen-bench/leaderboard/")
def test_published_leaderboards_gpt4_turbo_vs_prometheus_bgb() -> None:
    """The two published BiGGen-Bench leaderboards (103 response models; GPT-4-turbo vs
    Prometheus-BGB-8x7B as the judge): Spearman 0.9965 and Kendall 0.9601 on Overall (Average)."""
    other = LEADERBOARD / "bgb-leaderboard-prometheus-bgb-8x7b-v2.0.csv"

    def read(path: Path) -> dict[str, dict[str, str]]:
        with path.open(encoding="utf-8", newline="") as handle:
            return {row["Model 🤗"]: row for row in csv.DictReader(handle)}

    gpt, prometheus = read(SHARED), read(other)
    models = [m for m in gpt if m in prometheus]
    assert len(models) == 103
    for row in (*gpt.values(), *prometheus.values()):  # Average = mean of the 8 English capabilities
        assert abs(float(row["Average"]) - np.mean([float(row[c]) for c in CAPABILITIES])) <= 0.001
    x = [float(gpt[m]["Average"]) for m in models]
    y = [float(prometheus[m]["Average"]) for m in models]
    expected_rho = stats.spearmanr(x, y).statistic
    expected_tau = stats.kendalltau(x, y).statistic

    report = rank_agreement(SHARED, other, n_resamples=200, seed=0)
    rows = by_scope(report)
    overall = rows["overall"]
    assert overall["n"] == 103
    assert overall["spearman"]["value"] == pytest.approx(expected_rho, abs=1e-12)
    assert overall["kendall"]["value"] == pytest.approx(expected_tau, abs=1e-12)
    assert round(expected_rho, 4) == 0.9965 and round(expected_tau, 4) == 0.9601
    assert overall["spearman"]["ci_low"] < expected_rho < overall["spearman"]["ci_high"]
    multilingual = [m for m in models if gpt[m][MULTILINGUAL] and prometheus[m][MULTILINGUAL]]
    assert rows["multilingual"]["n"] == len(multilingual) == 71
    tool = (
        [float(gpt[m]["Tool Usage 🛠️"]) for m in models],
        [float(prometheus[m]["Tool Usage 🛠️"]) for m in models],
    )
    assert rows["tool_usage"]["spearman"]["value"] == pytest.approx(stats.spearmanr(*tool).statistic)
    print(
        f"\nOverall Spearman {expected_rho:.4f}, Kendall tau-b {expected_tau:.4f} over {len(models)} models"
    )

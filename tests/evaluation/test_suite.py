"""The panel in one command: trivial baselines, bias diagnostics and the judge card, with judges whose
every answer is known so each number can be computed by hand."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from selfrat_eval.benchmarks import ScoringOptions, create_benchmark
from selfrat_eval.benchmarks.rewardbench import RewardBench, load_rewardbench
from selfrat_eval.data import sample_path
from selfrat_eval.evaluation import EvalConfig, read_judgments, run_eval, run_suite
from selfrat_eval.evaluation._baselines import baseline_scores
from selfrat_eval.evaluation._bias import bias_diagnostics
from tests.conftest import ScriptedEngine, user_text
from tests.data.biggen_fixture import write_human_eval

ITEMS, _ = load_rewardbench(sample_path("rewardbench"))


def shown_pair(chat: list[dict[str, str]]) -> tuple[str, str]:
    text = user_text(chat)
    first = text.split("###Response A:\n", 1)[1].split("\n\n###Response B:\n", 1)[0]
    second = text.split("###Response B:\n", 1)[1].split("\n\n###Score Rubric:", 1)[0]
    return first, second


def test_baselines_pick_by_position_and_length_as_computed_by_hand() -> None:
    benchmark = RewardBench(mode="pairwise", seed=4)
    scores = baseline_scores(
        create_benchmark("rewardbench", seed=4), ITEMS, ScoringOptions(n_resamples=0), seed=4
    )
    for subset, estimate in scores["prefer-longer"]["subsets"].items():
        pairs = [item for item in ITEMS if item.group == subset]
        # the longer response wins; equal lengths: the one shown first
        expected = [
            len(i.chosen) > len(i.rejected) or (len(i.chosen) == len(i.rejected) and benchmark.a_is_chosen(i))
            for i in pairs
        ]
        assert estimate["value"] == pytest.approx(sum(expected) / len(pairs))
    for subset, estimate in scores["always-first"]["subsets"].items():
        pairs = [item for item in ITEMS if item.group == subset]
        assert estimate["value"] == pytest.approx(sum(benchmark.a_is_chosen(i) for i in pairs) / len(pairs))
    longer, shorter = (
        scores["prefer-longer"]["overall"]["value"],
        scores["prefer-shorter"]["overall"]["value"],
    )
    assert 0 < longer < 1 and 0 < shorter < 1 and longer != shorter


def test_bias_of_a_first_position_judge_and_of_a_length_judge(tmp_path: Path) -> None:
    data = sample_path("rewardbench")

    def judged(respond: object, name: str) -> dict[str, object]:
        config = EvalConfig(
            judge="s",
            benchmark="rewardbench",
            mode="pairwise",
            both_orders=True,
            out=tmp_path / name,
            data=data,
        )
        run_eval(config, engine_factory=lambda: ScriptedEngine(respond))  # type: ignore[arg-type]
        judgments = read_judgments(tmp_path / name / "judgments.jsonl")
        return bias_diagnostics(config.task(), ITEMS, judgments)

    first = judged(lambda chat: "[RESULT] A", "first")
    assert first["first_pick_rate"] == 1.0 and first["first_pick_chance"] == 0.5
    assert first["position_consistency"] == 0.0  # A in both orders: never the same response
    longer = judged(
        lambda chat: "[RESULT] A" if len(shown_pair(chat)[0]) >= len(shown_pair(chat)[1]) else "[RESULT] B",
        "len",
    )
    assert (
        longer["longer_pick_rate"] == 1.0 and longer["position_consistency"] > first["position_consistency"]
    )
    # preferring the longer response is right exactly where the chosen one is longer
    assert longer["credit_when_preferred_longer"] == 1.0 and longer["credit_when_preferred_shorter"] == 0.0
    assert longer["n_preferred_longer"] == sum(len(i.chosen) > len(i.rejected) for i in ITEMS)


def test_rating_length_correlation_of_a_judge_that_rates_by_length(tmp_path: Path) -> None:
    data = sample_path("rubric")
    items, _ = create_benchmark("rubric").load(data, None)
    cuts = sorted(len(item.response) for item in items)

    def by_length(chat: list[dict[str, str]]) -> str:
        shown = max((item.response for item in items if item.response in user_text(chat)), key=len)
        return f"[RESULT] {1 + 5 * cuts.index(len(shown)) // len(cuts)}"  # rating by length quintile

    config = EvalConfig(judge="s", benchmark="rubric", out=tmp_path / "run", data=data)
    run_eval(config, engine_factory=lambda: ScriptedEngine(by_length))
    bias = bias_diagnostics(config.task(), items, read_judgments(tmp_path / "run" / "judgments.jsonl"))
    assert bias["rating_length_spearman"] > 0.9 and bias["first_pick_rate"] is None


def test_suite_writes_the_card_and_resumes_without_judging_again(tmp_path: Path) -> None:
    human_eval = tmp_path / "human_eval.jsonl"
    write_human_eval(human_eval)

    def respond(chat: list[dict[str, str]]) -> str:
        text = user_text(chat)
        if "###Response D:" in text:
            return "[[A]]"
        if "###Response A:" in text:
            return "[RESULT] B"
        response = text.split("###Response to evaluate:\n", 1)[1].split("\n\n###", 1)[0]
        return f"[RESULT] {1 + len(response) % 5}"

    template = EvalConfig(
        judge="scripted", benchmark="rewardbench", out=tmp_path / "suite", limit=12, n_resamples=50
    )
    data = {
        "rewardbench": sample_path("rewardbench"),
        "rewardbench2": sample_path("rewardbench2"),
        "biggen": human_eval,
    }
    engines: list[ScriptedEngine] = []

    def engine() -> ScriptedEngine:
        engines.append(ScriptedEngine(respond))
        return engines[-1]

    card = run_suite(template, ["rewardbench", "rewardbench2", "biggen"], data, engine_factory=engine)
    assert len(engines) == 1, "one engine for the whole panel"
    for entry in card["benchmarks"]:
        results = json.loads((tmp_path / "suite" / entry["benchmark"] / "results.json").read_text())
        assert entry["cost"]["items"] == 12
        assert entry["parse_failure_rate"] == results["metrics"]["parse_failure_rate"]
    rewardbench = card["benchmarks"][0]
    results = json.loads((tmp_path / "suite" / "rewardbench" / "results.json").read_text())
    assert rewardbench["headline"] == results["metrics"]["overall"]
    assert set(rewardbench["baselines"]) == {"random", "always-first", "prefer-longer", "prefer-shorter"}
    for name in ("card.json", "card.md", "card.html", "card.png", "bias.png", "calibration.png"):
        assert (tmp_path / "suite" / name).stat().st_size > 0
    assert "| rewardbench | rewardbench_score |" in (tmp_path / "suite" / "card.md").read_text()

    def no_engine() -> ScriptedEngine:
        raise AssertionError("a finished panel must not load the judge again")

    again = run_suite(template, ["rewardbench", "rewardbench2", "biggen"], data, engine_factory=no_engine)
    assert [e["headline"] for e in again["benchmarks"]] == [e["headline"] for e in card["benchmarks"]]


def test_suite_skips_what_has_no_data_here_with_one_line_and_stops_on_broken_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SELFRAT_DATA_DIR", raising=False)
    template = EvalConfig(judge="scripted", benchmark="rewardbench", out=tmp_path / "suite", limit=4)
    seen: list[tuple[str, str]] = []
    card = run_suite(
        template,
        ["rewardbench", "flask", "vicuna"],
        {"rewardbench": sample_path("rewardbench")},
        engine_factory=lambda: ScriptedEngine(lambda chat: "[RESULT] 3"),
        on_missing=lambda name, reason: seen.append((name, reason)),
    )
    assert [e["benchmark"] for e in card["benchmarks"]] == ["rewardbench"]
    assert [name for name, _ in seen] == ["flask", "vicuna"]
    assert "download prometheus-eval/prometheus-eval eval/benchmark/data/flask_eval.json" in seen[0][1]
    assert "prometheus-eval-benchmarks/flask_eval.json" in seen[0][1]  # where to put it
    assert [s["benchmark"] for s in card["not_run"]] == ["flask", "vicuna"]
    assert "not run, no data here: **flask**" in (tmp_path / "suite" / "card.md").read_text()

    from selfrat_eval._errors import DataNotFound, InputError

    with pytest.raises(DataNotFound, match="no benchmark of the suite has its data here"):
        run_suite(template, ["flask"], {}, engine_factory=lambda: ScriptedEngine(lambda chat: "x"))
    broken = tmp_path / "broken.json"
    broken.write_text('[{"instruction": "no sections", "human_score": [3], "gpt4_score": [3]}]')
    with pytest.raises(InputError, match="field 'instruction'") as raised:
        run_suite(
            template, ["flask"], {"flask": broken}, engine_factory=lambda: ScriptedEngine(lambda c: "x")
        )
    assert not isinstance(raised.value, DataNotFound)


def test_benchmarks_command_says_where_data_comes_from_and_whether_it_is_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from selfrat_eval.benchmarks import benchmark_class
    from selfrat_eval.cli import app
    from selfrat_eval.evaluation import panel

    for name in panel():
        assert benchmark_class(name).sources(), f"{name} names no published data"
    assert benchmark_class("mtbench_human").sources()[0].mirror_path.startswith("mt-bench-human")
    assert len(benchmark_class("llmbar").sources()) == 5
    (tmp_path / "prometheus-eval-benchmarks").mkdir()
    (tmp_path / "prometheus-eval-benchmarks" / "flask_eval.json").write_text("[]")
    monkeypatch.setenv("SELFRAT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("COLUMNS", "400")
    result = CliRunner().invoke(app, ["benchmarks"])
    assert result.exit_code == 0, result.output
    flask_line = next(line for line in result.output.splitlines() if line.startswith("│ flask "))
    assert "flask_eval.json" in flask_line and str(tmp_path) in flask_line
    vicuna_line = next(line for line in result.output.splitlines() if line.startswith("│ vicuna "))
    assert vicuna_line.rstrip(" │").endswith("no")


@pytest.mark.slow
def test_suite_command_with_a_real_tiny_judge(tiny_judge: Path, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from selfrat_eval.cli import app

    args = ["suite", "--judge", str(tiny_judge), "--backend", "hf", "--out", str(tmp_path / "card")]
    args += ["--benchmarks", "rewardbench,rewardbench2", "--limit", "3", "--max-new-tokens", "24"]
    args += [
        "--data",
        f"rewardbench={sample_path('rewardbench')}",
        "--data",
        f"rewardbench2={sample_path('rewardbench2')}",
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    card = json.loads((tmp_path / "card" / "card.json").read_text())
    assert [e["benchmark"] for e in card["benchmarks"]] == ["rewardbench", "rewardbench2"]
    assert card["engine"]["backend"] == "hf"
    bad = CliRunner().invoke(app, [*args[:7], "--benchmarks", "rewardbench,nope"])
    assert bad.exit_code == 2 and "no benchmark 'nope'" in bad.stderr


def test_compare_accepts_cards_and_pairs_each_benchmark(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from selfrat_eval.cli import app

    data = {"rewardbench": sample_path("rewardbench"), "rewardbench2": sample_path("rewardbench2")}
    cards = {}
    for name, answer in (("always-a", "[[A]]"), ("always-b", "[[B]]")):
        template = EvalConfig(judge=name, benchmark="rewardbench", out=tmp_path / name, n_resamples=20)
        engine = lambda a=answer: ScriptedEngine(lambda chat: a)  # noqa: E731
        cards[name] = run_suite(template, list(data), data, engine_factory=engine, mode="pairwise")
        assert (
            json.loads((tmp_path / name / "rewardbench" / "results.json").read_text())["config"]["mode"]
            == "pairwise"
        )
    result = CliRunner().invoke(
        app,
        ["compare", str(tmp_path / "always-a"), str(tmp_path / "always-b"), "--out", str(tmp_path / "cmp")],
    )
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "cmp" / "compare.json").read_text())
    assert set(report["benchmarks"]) == {"rewardbench", "rewardbench2"}
    [difference] = report["benchmarks"]["rewardbench"]["differences"]
    headline = {name: card["benchmarks"][0]["headline"]["value"] for name, card in cards.items()}
    assert difference["difference"] == pytest.approx(headline["always-b"] - headline["always-a"])
    assert difference["n_shared"] == 46 and difference["run"].startswith("always-b")
    assert difference["difference"] != 0  # position-biased judges differ where the order was shuffled
    assert (tmp_path / "cmp" / "rewardbench" / "compare.png").exists()

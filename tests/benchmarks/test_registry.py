"""The registry is the one source of truth: the CLI, `selfrat score`/`compare`, the lm-eval task files
and the inspect tasks all follow it, so a new benchmark is one declaration."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from rich.console import RenderableType

from selfrat_eval._errors import InputError
from selfrat_eval.benchmarks import (
    HarnessMetric,
    Judgment,
    PairedHeadline,
    PairJudgment,
    ScoringOptions,
    benchmark_class,
    benchmark_names,
    create_benchmark,
    register,
)
from selfrat_eval.benchmarks._pairs import PairBenchmark, official_credit
from selfrat_eval.benchmarks._registry import _REGISTRY
from selfrat_eval.data import PairItem, RowSource
from selfrat_eval.data._sources import _from_file
from selfrat_eval.evaluation import EvalConfig, compare_runs, read_judgments, rescore, run_eval
from selfrat_eval.tasks._docs import answer, benchmark_rows, benchmark_scores
from selfrat_eval.tasks.lm_eval._yaml import TASKS_DIR, task_files
from tests.conftest import ScriptedEngine


def test_the_lm_eval_task_files_are_generated_from_the_registry() -> None:
    on_disk = {path.name: path.read_text(encoding="utf-8") for path in TASKS_DIR.glob("*.yaml")}
    assert on_disk == task_files(), "stale: run `python -m selfrat_eval.tasks.lm_eval`"
    assert {"biggen_selfrat.yaml", "rewardbench2_selfrat_bon8.yaml", "selfrat.yaml"} <= set(on_disk)


def test_names_modes_and_did_you_mean() -> None:
    assert {"biggen", "rewardbench", "rewardbench2", "rubric", "pairwise"} <= set(benchmark_names())
    with pytest.raises(InputError, match="did you mean 'rewardbench2'"):
        benchmark_class("rewardbench-2")
    with pytest.raises(InputError, match="--mode rankings applies to rewardbench2 only"):
        create_benchmark("rewardbench", mode="rankings")
    assert create_benchmark("biggen", mode="absolute", seed=3, use_reference=False).name == "biggen"


# -- a new benchmark, declared here and nowhere else ----------------------------------------------


@dataclass(frozen=True)
class LongerIsBetter(PairBenchmark):
    """Toy pairs where the longer answer is preferred, read from a JSONL of {q, long, short}."""

    name = "longer-is-better"
    title = "toy: is the longer answer preferred"
    modes = ("pairwise",)
    user_data = True
    harness_metrics = (HarnessMetric("accuracy", ("accuracy", "value")),)

    mode: Any = "pairwise"

    def load(self, data: Path | None, revision: str | None) -> tuple[Sequence[PairItem], RowSource]:
        assert data is not None
        source = _from_file(data)
        items = [
            PairItem(id=str(n), group="toy", prompt=row["q"], chosen=row["long"], rejected=row["short"])
            for n, row in source.rows
        ]
        return items, source

    def score(self, judgments: Sequence[Judgment], options: ScoringOptions) -> dict[str, Any]:
        credits = [official_credit(j)[0] for j in judgments if isinstance(j, PairJudgment)]  # type: ignore[index]
        return {"n_items": len(credits), "accuracy": {"value": sum(credits) / len(credits)}}

    def report(self, metrics: dict[str, Any]) -> list[RenderableType]:
        return [f"accuracy {metrics['accuracy']['value']:.3f}"]

    def paired_headline(self, groups: Sequence[str]) -> PairedHeadline:
        return PairedHeadline("accuracy", official_credit, lambda values: float(values.mean()))


@pytest.fixture
def new_benchmark(tmp_path: Path) -> Iterator[Path]:
    register(LongerIsBetter)
    data = tmp_path / "toy.jsonl"
    rows = [{"q": f"Q{i}?", "long": "a long answer " * (i + 2), "short": "short"} for i in range(6)]
    data.write_text("".join(json.dumps(row) + "\n" for row in rows))
    yield data
    _REGISTRY.pop(LongerIsBetter.name)


def prefers_a(chat: list[dict[str, str]]) -> str:
    return "Feedback: A is better. [RESULT] A"


def test_a_new_benchmark_runs_scores_compares_and_has_harness_tasks(
    new_benchmark: Path, tmp_path: Path
) -> None:
    runs = []
    for seed in (0, 1):
        out = tmp_path / f"run{seed}"
        config = EvalConfig(
            judge="scripted", benchmark=LongerIsBetter.name, out=out, data=new_benchmark, seed=seed
        )
        results = run_eval(config, engine_factory=lambda: ScriptedEngine(prefers_a))
        judgments = read_judgments(out / "judgments.jsonl")
        # always "A": right exactly where the seeded order put the longer answer first
        expected = sum(bool(j.a_is_chosen) for j in judgments if isinstance(j, PairJudgment)) / 6
        assert results["metrics"]["accuracy"]["value"] == pytest.approx(expected)
        assert (
            rescore(out / "judgments.jsonl", out=tmp_path / f"rescored{seed}")["metrics"]
            == results["metrics"]
        )
        runs.append(out)
    assert compare_runs(runs, n_resamples=20)["metric"] == "accuracy"
    assert f"{LongerIsBetter.name}_selfrat_sc8.yaml" in task_files()
    rows = benchmark_rows(LongerIsBetter.name, new_benchmark, seed=0)
    scores = benchmark_scores([answer(row, [prefers_a([])]) for row in rows])
    assert (
        scores
        == run_eval(
            EvalConfig(
                judge="scripted", benchmark=LongerIsBetter.name, out=tmp_path / "again", data=new_benchmark
            ),
            engine_factory=lambda: ScriptedEngine(prefers_a),
        )["metrics"]
    )


def test_the_cli_lists_the_registry_and_names_an_unknown_benchmark(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from selfrat_eval.cli import app

    listed = CliRunner().invoke(app, ["benchmarks"])
    assert listed.exit_code == 0 and all(name in listed.stdout for name in benchmark_names())
    args = ["eval", "--judge", "x", "--benchmark", "rewardbench3", "--out", str(tmp_path / "out")]
    wrong = CliRunner().invoke(app, args)
    assert wrong.exit_code == 2 and "no benchmark 'rewardbench3'" in wrong.stderr
    assert not (tmp_path / "out").exists()

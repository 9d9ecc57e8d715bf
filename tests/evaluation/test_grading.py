"""Judges in use: generate responses to BiGGen-Bench, then grade them, with scripted models whose every
answer is known (so the grades are computed by hand) and once with real tiny models."""

from __future__ import annotations

import csv
import json
import zlib
from pathlib import Path

import numpy as np
import pytest

from selfrat_eval.benchmarks.biggen_grading import CAPABILITIES, PROMETHEUS_JUDGES
from selfrat_eval.data import sample_path
from selfrat_eval.evaluation import EvalConfig, GenerateConfig, generate_responses, grade_responses
from tests.conftest import ScriptedEngine, user_text

INSTANCES = sample_path("biggen-instances")


def answer_as(model: str) -> ScriptedEngine:
    return ScriptedEngine(lambda chat: f"{model} answers: {user_text(chat)[:40]}")


def grade_of(response: str) -> int:
    return 1 + zlib.crc32(response.encode()) % 5


def judge(chat: list[dict[str, str]]) -> str:
    response = user_text(chat).split("###Response to evaluate:\n", 1)[1].split("\n\n###Reference", 1)[0]
    return (
        "Feedback: cannot say."
        if grade_of(response) == 5 and "planning" in response
        else f"[RESULT] {grade_of(response)}"
    )


def test_generate_writes_the_pipeline_files_and_resumes(tmp_path: Path) -> None:
    config = GenerateConfig(model="gen-a", out=tmp_path / "a", data=INSTANCES, chunk_size=5)
    path = generate_responses(config, engine_factory=lambda: answer_as("gen-a"))
    responses = json.loads(path.read_text())
    assert len(responses) == 16  # the English instances of the sample (2 multilingual left out)
    record = next(iter(responses.values()))
    assert len(record) == 10 and record["response_model_name"] == "gen-a"  # the pipeline's 10 columns
    assert record["response"].startswith("gen-a answers: ")

    def no_engine() -> ScriptedEngine:
        raise AssertionError("a finished generation must not load the model again")

    assert json.loads(generate_responses(config, engine_factory=no_engine).read_text()) == responses
    more = GenerateConfig(model="gen-a", out=tmp_path / "a", data=INSTANCES, multilingual=True)
    assert (
        len(json.loads(generate_responses(more, engine_factory=lambda: answer_as("gen-a")).read_text())) == 18
    )


def test_grading_two_models_gives_capability_means_overall_and_ranking(tmp_path: Path) -> None:
    folder = tmp_path / "responses"
    for model in ("gen-a", "gen-b"):
        config = GenerateConfig(model=model, out=tmp_path / model, data=INSTANCES)
        path = generate_responses(config, engine_factory=lambda m=model: answer_as(m))
        folder.mkdir(exist_ok=True)
        (folder / f"{model}.json").write_text(path.read_text())
    config = EvalConfig(
        judge="scripted", benchmark="biggen_grading", out=tmp_path / "graded", data=folder, n_resamples=50
    )
    results = grade_responses(config, engine_factory=lambda: ScriptedEngine(judge))
    metrics = results["metrics"]
    assert results["timings"]["output_tokens_now"] == 32  # the scripted judge's answers count 1 token each

    for model in ("gen-a", "gen-b"):
        rows = json.loads((folder / f"{model}.json").read_text()).values()
        by_capability: dict[str, list[int]] = {}
        for row in rows:
            grade = judge(
                [{"role": "user", "content": f"###Response to evaluate:\n{row['response']}\n\n###Reference"}]
            )
            if grade.startswith("[RESULT]"):
                by_capability.setdefault(row["capability"], []).append(int(grade.split()[-1]))
        means = {c: float(np.mean(v)) for c, v in by_capability.items()}
        entry = metrics["models"][model]
        assert {c: e["value"] for c, e in entry["capabilities"].items()} == pytest.approx(means)
        assert entry["overall"]["value"] == pytest.approx(
            np.mean([means[c] for c in CAPABILITIES if c in means])
        )
        assert entry["overall"]["ci_low"] <= entry["overall"]["value"] <= entry["overall"]["ci_high"]
    overall = {m: metrics["models"][m]["overall"]["value"] for m in ("gen-a", "gen-b")}
    assert metrics["ranking"] == sorted(overall, key=lambda m: -overall[m])
    with (tmp_path / "graded" / "leaderboard.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert [row["model_name"] for row in rows] == metrics["ranking"]
    assert float(rows[0]["grounding"]) == pytest.approx(
        metrics["models"][rows[0]["model_name"]]["capabilities"]["grounding"]["value"]
    )


def test_a_killed_grading_resumes_without_grading_anything_twice(tmp_path: Path) -> None:
    path = generate_responses(
        GenerateConfig(model="gen-a", out=tmp_path / "gen", data=INSTANCES),
        engine_factory=lambda: answer_as("gen-a"),
    )
    config = EvalConfig(
        judge="scripted",
        benchmark="biggen_grading",
        out=tmp_path / "graded",
        data=path,
        chunk_size=5,
        n_resamples=0,
    )

    class KilledAfterTwoChunks(ScriptedEngine):
        def generate(self, chats, sampling, seeds=None):  # type: ignore[no-untyped-def]
            if len(self.calls) == 2:
                raise KeyboardInterrupt  # as a kill between two chunks
            return super().generate(chats, sampling, seeds)

    with pytest.raises(KeyboardInterrupt):
        grade_responses(config, engine_factory=lambda: KilledAfterTwoChunks(judge))
    kept = (tmp_path / "graded" / "judgments.jsonl").read_text()
    assert len(kept.splitlines()) == 10  # the two finished chunks
    resumed = ScriptedEngine(judge)
    results = grade_responses(config, engine_factory=lambda: resumed)
    assert sum(resumed.calls) == 6 and results["metrics"]["n_items"] == 16  # only the 6 left were graded
    assert (tmp_path / "graded" / "judgments.jsonl").read_text().startswith(kept)


def test_grading_of_gradings_gets_its_prompt_and_prometheus_judges_skip_it(tmp_path: Path) -> None:
    rows = [json.loads(line) for line in INSTANCES.read_text().splitlines()][:3]
    rows[1] = rows[1] | {"id": "refinement_llm_judge_absolute_0", "capability": "refinement"}
    records = {
        row["id"]: row | {"response": f"response {k}", "response_model_name": "gen"}
        for k, row in enumerate(rows)
    }
    data = tmp_path / "responses.json"
    data.write_text(json.dumps(records))
    seen: list[str] = []

    def remember(chat: list[dict[str, str]]) -> str:
        seen.append(user_text(chat))
        return "[RESULT] 3"

    config = EvalConfig(judge="my-judge", benchmark="biggen_grading", out=tmp_path / "mine", data=data)
    grade_responses(config, engine_factory=lambda: ScriptedEngine(remember))
    fenced = [text for text in seen if "@@@" in text]
    assert len(seen) == 3 and len(fenced) == 1 and "response 1" in fenced[0]
    seen.clear()
    prometheus = EvalConfig(
        judge=PROMETHEUS_JUDGES[0], benchmark="biggen_grading", out=tmp_path / "p", data=data
    )
    metrics = grade_responses(prometheus, engine_factory=lambda: ScriptedEngine(remember))["metrics"]
    assert len(seen) == 2 and metrics["n_items"] == 2 and not any("@@@" in text for text in seen)


@pytest.mark.slow
def test_generate_then_grade_with_real_tiny_models(tiny_judge: Path, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from selfrat_eval.cli import app

    common = ["--backend", "hf", "--batch-size", "4"]
    generated = CliRunner().invoke(
        app,
        [
            "generate",
            "--model",
            str(tiny_judge),
            "--data",
            str(INSTANCES),
            "--limit",
            "4",
            "--max-new-tokens",
            "16",
            "--out",
            str(tmp_path / "gen"),
            "--model-name",
            "tiny",
            *common,
        ],
    )
    assert generated.exit_code == 0, generated.output

    def grade(out: str, *judges: str) -> None:
        """`selfrat grade` of the generated responses into tmp_path/out, sharing one cache."""
        responses = str(tmp_path / "gen" / "responses.json")
        options = ["--responses", responses, "--out", str(tmp_path / out), "--max-new-tokens", "24"]
        done = CliRunner().invoke(
            app, ["grade", *judges, *options, "--cache", str(tmp_path / "cache.sqlite"), *common]
        )
        assert done.exit_code == 0, done.output

    grade("graded", "--judge", str(tiny_judge))
    results = json.loads((tmp_path / "graded" / "results.json").read_text())
    assert results["metrics"]["n_items"] == 4 and results["metrics"]["ranking"] == ["tiny"]
    # graded again into a new folder: every judgment comes from the cache, no engine call
    grade("again", "--judge", str(tiny_judge))
    assert (tmp_path / "again" / "judgments.jsonl").read_text() == (
        tmp_path / "graded" / "judgments.jsonl"
    ).read_text()
    # a jury of the same judge twice (one named with its engine): each juror's run under jurors/, both
    # served from the cache, and the median of two equal grades is the grade
    grade("jury", "--judge", f"hf:{tiny_judge}", "--judge", str(tiny_judge), "--reducer", "median")
    jurors = sorted(p.name for p in (tmp_path / "jury" / "jurors").iterdir())
    assert jurors == ["tiny-judge", "tiny-judge-2"]
    for juror in jurors:
        timings = json.loads((tmp_path / "jury" / "jurors" / juror / "results.json").read_text())["timings"]
        assert timings["cache"]["engine_calls"] == 0
    combined = json.loads((tmp_path / "jury" / "results.json").read_text())
    assert combined["jury"]["jurors"] == jurors and combined["strategy"] == "jury:median"
    alone = {j["id"]: j["score"] for j in map(json.loads, (tmp_path / "graded" / "judgments.jsonl").open())}
    assert {
        j["id"]: j["score"] for j in map(json.loads, (tmp_path / "jury" / "judgments.jsonl").open())
    } == alone

"""The real `lm_eval` and `inspect` CLIs, in subprocesses from a clean working directory, on the
tiny local judge; plus parity of per-item results and metrics with `selfrat eval`."""

from __future__ import annotations

import glob
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from selfrat_eval.benchmarks import ScoringOptions, create_benchmark
from selfrat_eval.data import sample_path
from selfrat_eval.judges import Completion, Strategy
from tests.conftest import SERVED_NAME
from tests.data.biggen_fixture import write_human_eval

pytestmark = pytest.mark.slow
pytest.importorskip("lm_eval", reason="installed by scripts/setup.sh (extra: harness)")
pytest.importorskip("inspect_ai", reason="installed by scripts/setup.sh (extra: harness)")

BIN = Path(sys.executable).parent
RB_SAMPLE = str(sample_path("rewardbench"))


def run(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    cwd.mkdir(parents=True, exist_ok=True)
    environment = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", **env}
    done = subprocess.run(args, cwd=cwd, capture_output=True, text=True, env=environment, check=False)
    return done


def lm_eval(
    cwd: Path,
    model: str,
    model_args: str,
    tasks: str,
    data: str,
    limit: int,
    metadata: dict[str, Any] | None = None,
    tokens: int = 32,
    **env: str,
) -> dict[str, Any]:
    done = run(
        [
            str(BIN / "lm_eval"),
            "--model",
            model,
            "--model_args",
            model_args,
            "--tasks",
            tasks,
            "--apply_chat_template",
            "--metadata",
            json.dumps({"data": data, **(metadata or {})}),
            "--limit",
            str(limit),
            "--gen_kwargs",
            f"max_gen_toks={tokens}",
            "--log_samples",
            "--output_path",
            str(cwd / "lm-eval"),
            "--batch_size",
            "1",
        ],
        cwd,
        **env,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    [results_file] = glob.glob(str(cwd / "lm-eval" / "*" / "results_*.json"))
    return json.loads(Path(results_file).read_text())


def lm_eval_samples(cwd: Path, task: str) -> list[dict[str, Any]]:
    [samples_file] = glob.glob(str(cwd / "lm-eval" / "*" / f"samples_{task}_*.jsonl"))
    return [json.loads(line) for line in Path(samples_file).read_text().splitlines()]


def inspect_eval(
    cwd: Path, task: str, judge: Path, *params: str, greedy: bool = True, tokens: int = 32
) -> Any:
    """`inspect eval` on the judge (greedy unless told, so that parity tests compare texts)."""
    from inspect_ai.log import read_eval_log

    done = run(
        [
            str(BIN / "inspect"),
            "eval",
            task,
            "--model",
            "hf/tiny",
            "-M",
            f"model_path={judge}",
            "-M",
            f"do_sample={not greedy}",
            "-M",
            "batch_size=1",
            "--max-tokens",
            str(tokens),
            "--log-dir",
            str(cwd / "logs"),
            "--log-format",
            "json",
            "--display",
            "plain",
            *params,
        ],
        cwd,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    [log_file] = glob.glob(str(cwd / "logs" / "*.json"))
    log = read_eval_log(log_file)
    assert log.status == "success", log.error  # inspect exits 0 even when a task fails
    return log


def test_lm_eval_finds_the_tasks_by_name_and_runs_them_with_hf(tiny_judge: Path, tmp_path: Path) -> None:
    data = tmp_path / "human_eval.jsonl"
    write_human_eval(data)
    bgb = lm_eval(tmp_path / "bgb", "hf", f"pretrained={tiny_judge}", "biggen_selfrat", str(data), 8)
    metrics = bgb["results"]["biggen_selfrat"]
    assert 0 <= metrics["parse_failure_rate,none"] <= 1 and "pearson_human_score,none" in metrics
    assert len(lm_eval_samples(tmp_path / "bgb", "biggen_selfrat")) == 8


def test_lm_eval_with_vllm_and_self_consistency(tiny_judge: Path, tmp_path: Path) -> None:
    engine = "enforce_eager=True,dtype=float32,max_model_len=4096,enable_chunked_prefill=False"
    model_args = f"pretrained={tiny_judge},{engine}"
    results = lm_eval(
        tmp_path,
        "vllm",
        model_args,
        "rewardbench_selfrat_sc8",
        RB_SAMPLE,
        6,
        {"mode": "pairwise"},
        VLLM_ENABLE_V1_MULTIPROCESSING="0",
        VLLM_CPU_KVCACHE_SPACE="1",
        VLLM_CACHE_ROOT=str(tmp_path / "cache"),
    )
    metrics = results["results"]["rewardbench_selfrat_sc8"]
    assert 0 <= metrics["rewardbench_score,samples"] <= 1
    assert metrics["parse_failure_rate,samples"] < 0.5
    samples = lm_eval_samples(tmp_path, "rewardbench_selfrat_sc8")
    assert all(len(sample["resps"][0]) == 8 for sample in samples)  # 8 sampled judgments per pair


def test_lm_eval_with_local_chat_completions(vllm_server: str, tmp_path: Path) -> None:
    model_args = f"model={SERVED_NAME},base_url={vllm_server}/chat/completions,tokenized_requests=False"
    results = lm_eval(tmp_path, "local-chat-completions", model_args, "rewardbench_selfrat", RB_SAMPLE, 6)
    assert 0 <= results["results"]["rewardbench_selfrat"]["rewardbench_score,none"] <= 1


def test_inspect_structured_judgments_over_http(vllm_server: str, tmp_path: Path) -> None:
    """`-T structured=true` through inspect's OpenAI-compatible provider: each request asks for the
    JSON judgment and carries its verdict's schema as `response_format`, which the server enforces.
    inspect drops the rationale's `maxLength` for these providers, so a judgment may run out of
    tokens: it is then counted as unparseable, and every other one is read."""
    from inspect_ai.log import read_eval_log

    done = run(
        [
            str(BIN / "inspect"),
            "eval",
            "selfrat_eval/rewardbench",
            "--model",
            f"openai-api/tiny/{SERVED_NAME}",
            *("-T", f"data={RB_SAMPLE}", "-T", "limit=3", "-T", "mode=pairwise"),
            *("-T", "structured=true", "-T", "max_new_tokens=64"),
            *("--log-dir", str(tmp_path / "logs"), "--log-format", "json", "--display", "plain"),
        ],
        tmp_path,
        TINY_BASE_URL=vllm_server,
        TINY_API_KEY="unused",
    )
    assert done.returncode == 0, done.stderr[-3000:]
    [log_file] = glob.glob(str(tmp_path / "logs" / "*.json"))
    log = read_eval_log(log_file)
    assert log.status == "success", log.error
    assert log.samples is not None and len(log.samples) >= 3  # every request of 3 items
    unread = 0
    for sample in log.samples:
        [call] = [event for event in sample.events if event.event == "model"]
        assert call.call is not None
        sent = call.call.request["response_format"]["json_schema"]["schema"]
        assert sent["properties"]["verdict"]["enum"] == ["A", "B"] and call.call.request["max_tokens"] == 64
        assert sample.input[-1].text.endswith("Write the rationale first, then the verdict.")  # type: ignore[union-attr]
        text = sample.output.completion
        assert text.startswith('{"rationale":')  # the server held it to the schema
        try:
            assert json.loads(text)["verdict"] in ("A", "B")
        except json.JSONDecodeError:
            unread += 1  # ran out of tokens inside the rationale
            assert sample.output.stop_reason == "max_tokens"
    assert log.results is not None
    assert log.results.scores[0].metrics["parse_failure_rate"].value == unread / len(log.samples)


def test_the_hook_can_be_switched_off_and_include_path_still_works(tiny_judge: Path, tmp_path: Path) -> None:
    from selfrat_eval.tasks.lm_eval._hook import TASKS_DIR

    off = run(
        [
            str(BIN / "lm_eval"),
            "--model",
            "hf",
            "--model_args",
            f"pretrained={tiny_judge}",
            "--tasks",
            "biggen_selfrat",
            "--limit",
            "1",
        ],
        tmp_path,
        SELFRAT_LM_EVAL_PLUGIN="0",
    )
    assert off.returncode != 0
    done = run(
        [
            str(BIN / "lm_eval"),
            "--model",
            "hf",
            "--model_args",
            f"pretrained={tiny_judge}",
            "--tasks",
            "rewardbench_selfrat",
            "--include_path",
            TASKS_DIR,
            "--apply_chat_template",
            "--metadata",
            json.dumps({"data": RB_SAMPLE}),
            "--limit",
            "2",
            "--gen_kwargs",
            "max_gen_toks=8",
        ],
        tmp_path,
        SELFRAT_LM_EVAL_PLUGIN="0",
    )
    assert done.returncode == 0, done.stderr[-3000:]


def test_interpreter_start_stays_light() -> None:
    heavy = "('selfrat_eval.tasks.lm_eval.utils', 'lm_eval', 'torch')"
    code = f"import sys; print(sorted(m for m in {heavy} if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
    assert (
        "selfrat_eval.tasks.lm_eval._hook"
        in subprocess.run(
            [sys.executable, "-c", "import sys; print(list(sys.modules))"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )


def test_inspect_tasks_with_sampled_strategies(tiny_judge: Path, tmp_path: Path) -> None:
    log = inspect_eval(
        tmp_path,
        "selfrat_eval/rewardbench",
        tiny_judge,
        "-T",
        f"data={RB_SAMPLE}",
        "-T",
        "limit=4",
        "-T",
        "strategy=self-consistency",
        "-T",
        "n=3",
        "-T",
        "subset=alpacaeval-easy,hep-go",
    )
    metrics = log.results.scores[0].metrics
    assert {"rewardbench_score", "chat", "reasoning", "tie_rate", "parse_failure_rate"} <= set(metrics)
    assert all(len(s.scores["benchmark_scorer"].metadata["texts"]) == 3 for s in log.samples)
    assert {s.metadata["group"] for s in log.samples} <= {"alpacaeval-easy", "hep-go"}
    # absolute mode (the default, as in `selfrat eval`): each of the 4 pairs asks for two ratings
    assert len(log.samples) == 8


def test_inspect_adaptive_solver_stops_where_the_rule_does_and_the_metric_reduces_those_samples(
    tiny_judge: Path, tmp_path: Path
) -> None:
    """-T adaptive=true samples each request until its vote is settled: every request drew between
    the first round's size and n samples, exactly as many as the rule stops at; and the metric is the
    package's own reduction of the logged texts by the adaptive strategy (at the confidence given)."""
    n, confidence = 6, 0.9
    log = inspect_eval(
        tmp_path,
        "selfrat_eval/rewardbench",
        tiny_judge,
        *("-T", f"data={RB_SAMPLE}", "-T", "limit=4", "-T", "strategy=self-consistency", "-T", f"n={n}"),
        *("-T", "adaptive=true", "-T", f"confidence={confidence}"),
        greedy=False,  # sampled, so that requests stop after different numbers of samples
    )
    strategy = Strategy.parse(f"self-consistency:adaptive:{n}", confidence=confidence)
    benchmark = create_benchmark("rewardbench")  # absolute: each pair is two requests
    outputs: dict[str, dict[str, list[Completion]]] = {}
    for sample in log.samples:
        kept = sample.scores["benchmark_scorer"].metadata
        doc, texts = kept["doc"], kept["texts"]
        settings = json.loads(doc["settings"])
        assert settings["strategy"] == f"self-consistency:adaptive:{n}"
        assert settings["confidence"] == confidence
        outputs.setdefault(doc["item"], {})[doc["slot"]] = [Completion(text, 0) for text in texts]
    assert len(log.samples) == 8 and len(outputs) == 4
    judgments = []
    for item_json, drawn in outputs.items():
        judgment = benchmark.judgment(benchmark.item_type.model_validate_json(item_json), drawn)
        for values in judgment.values.values():
            assert strategy.more([]) <= len(values) <= n
            used, reason = strategy.used(values)
            assert used == len(values) and reason in {"settled", "max"}
        judgments.append(judgment.with_strategy(strategy))
    ours = benchmark.score(judgments, ScoringOptions(n_resamples=0))
    metrics = log.results.scores[0].metrics
    for wanted in benchmark.harness_metrics:
        assert metrics[wanted.name].value == pytest.approx(wanted.read(ours), nan_ok=True)


def test_parity_across_selfrat_lm_eval_and_inspect(tiny_judge: Path, tmp_path: Path) -> None:
    """Same judge, items, seed and greedy decoding: the same text for every request, the same
    metrics (RewardBench, pairwise, the A/B order seeded alike)."""
    limit = 12
    done = run(
        [
            sys.executable,
            "-m",
            "selfrat_eval.cli",
            "eval",
            "--backend",
            "hf",
            "--judge",
            str(tiny_judge),
            "--benchmark",
            "rewardbench",
            "--mode",
            "pairwise",
            "--data",
            RB_SAMPLE,
            "--limit",
            str(limit),
            "--max-new-tokens",
            "32",
            "--batch-size",
            "1",
            "--n-resamples",
            "0",
            "--out",
            str(tmp_path / "ours"),
        ],
        tmp_path,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    ours = {
        json.loads(line)["id"]: json.loads(line)
        for line in (tmp_path / "ours" / "judgments.jsonl").read_text().splitlines()
    }
    our_metrics = json.loads((tmp_path / "ours" / "results.json").read_text())["metrics"]

    pairwise = {"mode": "pairwise"}
    judge = f"pretrained={tiny_judge}"
    lm = lm_eval(tmp_path, "hf", judge, "rewardbench_selfrat", RB_SAMPLE, limit, pairwise)
    lm_samples = lm_eval_samples(tmp_path, "rewardbench_selfrat")
    log = inspect_eval(
        tmp_path,
        "selfrat_eval/rewardbench",
        tiny_judge,
        *("-T", f"data={RB_SAMPLE}", "-T", f"limit={limit}", "-T", "mode=pairwise"),
    )

    assert len(lm_samples) == len(log.samples) == limit
    for sample in lm_samples:
        assert sample["resps"][0][0] == ours[sample["doc"]["id"].removesuffix("#pair")]["outputs"]["pair"][0]
    for sample in log.samples:
        item = ours[sample.metadata["id"].removesuffix("#pair")]
        assert sample.output.completion == item["outputs"]["pair"][0]
    lm_metrics = lm["results"]["rewardbench_selfrat"]
    inspect_metrics = log.results.scores[0].metrics
    for name, path in (("rewardbench_score", ("overall",)), ("chat", ("sections", "Chat"))):
        ours_value = our_metrics[path[0]] if len(path) == 1 else our_metrics[path[0]][path[1]]
        assert lm_metrics[f"{name},none"] == pytest.approx(ours_value["value"], nan_ok=True)
        assert inspect_metrics[name].value == pytest.approx(ours_value["value"], nan_ok=True)
    for name in ("tie_rate", "parse_failure_rate"):
        assert lm_metrics[f"{name},none"] == inspect_metrics[name].value == pytest.approx(our_metrics[name])
    assert len({item["winner"] for item in ours.values()}) > 1  # the comparison is not degenerate


def test_rewardbench2_parity_across_selfrat_lm_eval_and_inspect(tiny_judge: Path, tmp_path: Path) -> None:
    """RewardBench 2, rankings protocol (the Ties rows rated): every request's greedy text and every
    score agree between `selfrat eval`, lm-eval (one document per request) and inspect. One prompt of
    each subset, and the two Ties prompts with the fewest completions (one and seven correct)."""
    rows = sample_path("rewardbench2").read_text().splitlines()
    kept, subsets = [], set()
    for row in rows:
        record = json.loads(row)
        if record["subset"] != "Ties" and record["subset"] not in subsets:
            subsets.add(record["subset"])
            kept.append(row)
    for row in rows:
        record = json.loads(row)
        if record["subset"] == "Ties" and len(record["chosen"]) + len(record["rejected"]) <= 20:
            kept.append(row)
    assert len(kept) == 7 and {json.loads(r)["subset"] for r in kept} >= {"Math", "Ties"}
    data = str(tmp_path / "rewardbench2.jsonl")
    Path(data).write_text("\n".join(kept) + "\n")
    done = run(
        [
            sys.executable,
            "-m",
            "selfrat_eval.cli",
            "eval",
            "--backend",
            "hf",
            "--judge",
            str(tiny_judge),
            "--benchmark",
            "rewardbench2",
            "--mode",
            "rankings",
            "--data",
            data,
            "--max-new-tokens",
            "32",
            "--batch-size",
            "1",
            "--n-resamples",
            "0",
            "--out",
            str(tmp_path / "ours"),
        ],
        tmp_path,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    judgments = [
        json.loads(line) for line in (tmp_path / "ours" / "judgments.jsonl").read_text().splitlines()
    ]
    ours = {f"{j['id']}#{slot}": texts[0] for j in judgments for slot, texts in j["outputs"].items()}
    metrics = json.loads((tmp_path / "ours" / "results.json").read_text())["metrics"]

    lm = lm_eval(
        tmp_path, "hf", f"pretrained={tiny_judge}", "rewardbench2_selfrat", data, 1000, {"mode": "rankings"}
    )
    lm_samples = lm_eval_samples(tmp_path, "rewardbench2_selfrat")
    log = inspect_eval(
        tmp_path, "selfrat_eval/rewardbench2", tiny_judge, "-T", f"data={data}", "-T", "mode=rankings"
    )

    assert len(lm_samples) == len(log.samples) == len(ours)
    for sample in lm_samples:
        assert sample["resps"][0][0] == ours[sample["doc"]["id"]]
    for inspected in log.samples:
        assert inspected.output.completion == ours[str(inspected.id).split("/", 1)[1]]
    lm_metrics = lm["results"]["rewardbench2_selfrat"]
    inspect_metrics = log.results.scores[0].metrics
    assert lm_metrics["rewardbench2_score,none"] == pytest.approx(metrics["headline"]["value"])
    assert inspect_metrics["rewardbench2_score"].value == pytest.approx(metrics["headline"]["value"])
    assert lm_metrics["ties,none"] == pytest.approx(metrics["subsets"]["Ties"]["value"])
    assert inspect_metrics["math"].value == pytest.approx(metrics["subsets"]["Math"]["value"])


def test_lm_eval_rewardbench2_self_consistency_reduces_each_prompts_samples(
    tiny_judge: Path, tmp_path: Path
) -> None:
    from selfrat_eval.benchmarks import CandidatesJudgment
    from selfrat_eval.benchmarks.rewardbench2 import RewardBench2, load_rewardbench2
    from selfrat_eval.judges import Completion, Strategy

    rows = [line for line in sample_path("rewardbench2").read_text().splitlines() if '"Ties"' not in line]
    data = tmp_path / "no-ties.jsonl"
    data.write_text("\n".join(rows) + "\n")
    results = lm_eval(
        tmp_path,
        "hf",
        f"pretrained={tiny_judge}",
        "rewardbench2_selfrat_sc8",
        str(data),
        100,
        {"mode": "rankings"},
    )
    metrics = results["results"]["rewardbench2_selfrat_sc8"]
    samples = lm_eval_samples(tmp_path, "rewardbench2_selfrat_sc8")
    assert len(samples) == 10 and all(len(sample["resps"][0]) == 8 for sample in samples)
    # the Math score is the 8 samples of each Math prompt reduced as `selfrat score` reduces them
    items = {item.id: item for item in load_rewardbench2(data)[0]}
    task, strategy = RewardBench2(mode="rankings"), Strategy.parse("self-consistency:8")
    credits = []
    for sample in samples:
        item = items[sample["doc"]["id"].split("#")[0]]
        if item.group == "Math":
            outputs = {"ranking": [Completion(text, 0) for text in sample["resps"][0]]}
            judgment = task.judgment(item, outputs).with_strategy(strategy)
            assert isinstance(judgment, CandidatesJudgment)
            credits.append(judgment.credit())
    assert metrics["math,samples"] == pytest.approx(sum(credits) / len(credits))


def test_biggen_graded_two_stage_flows_give_the_grades_of_selfrat_grade(
    tiny_judge: Path, tmp_path: Path
) -> None:
    """Generate, then judge, in lm-eval and in inspect: the same answers as `selfrat generate` and,
    graded greedily by the same judge, the same grading texts and grades as `selfrat grade`. The tiny
    judge answers the instances too: its answers hold verdicts, so a grading that repeats the graded
    answer's verdict is a quote, not a grade (unreadable), and which grades are read depends on what
    each answer was. (How many are read depends on what the tiny judge learned on this machine, so the
    test compares the paths item by item and asserts no count.)"""
    instances = str(sample_path("biggen-instances"))
    tokens = ("--max-new-tokens", "32", "--batch-size", "1")
    selfrat = [sys.executable, "-m", "selfrat_eval.cli"]
    generate = ["generate", "--model", str(tiny_judge), "--backend", "hf", "--data", instances]
    generated = run([*selfrat, *generate, *tokens, "--out", str(tmp_path / "generated")], tmp_path)
    assert generated.returncode == 0, generated.stderr[-3000:]
    responses = json.loads((tmp_path / "generated" / "responses.json").read_text())
    grade = [
        "grade",
        "--judge",
        str(tiny_judge),
        "--backend",
        "hf",
        "--responses",
        str(tmp_path / "generated"),
    ]
    graded = run([*selfrat, *grade, *tokens, "--n-resamples", "0", "--out", str(tmp_path / "ours")], tmp_path)
    assert graded.returncode == 0, graded.stderr[-3000:]
    ours = {
        json.loads(line)["id"].split("/")[0]: json.loads(line)
        for line in (tmp_path / "ours" / "judgments.jsonl").read_text().splitlines()
    }
    [metrics] = json.loads((tmp_path / "ours" / "results.json").read_text())["metrics"]["models"].values()
    assert len(ours) == 16

    judge = {"judge": str(tiny_judge), "judge_backend": "hf", "judge_max_new_tokens": 32}
    judge |= {"judge_batch_size": 1, "out": str(tmp_path / "lm-graded")}
    lm = lm_eval(tmp_path, "hf", f"pretrained={tiny_judge}", "biggen_graded", instances, 100, judge)
    lm_responses = json.loads((tmp_path / "lm-graded" / "responses.json").read_text())
    assert {k: r["response"] for k, r in lm_responses.items()} == {
        k: r["response"] for k, r in responses.items()
    }
    lm_judgments = [json.loads(line) for line in (tmp_path / "lm-graded" / "judgments.jsonl").open()]
    assert {j["id"].split("/")[0]: (j["outputs"], j["score"]) for j in lm_judgments} == {
        k: (j["outputs"], j["score"]) for k, j in ours.items()
    }
    lm_metrics = lm["results"]["biggen_graded"]
    assert lm_metrics["biggen_grade,none"] == pytest.approx(metrics["overall"]["value"])
    assert lm_metrics["reasoning,none"] == pytest.approx(metrics["capabilities"]["reasoning"]["value"])
    assert lm_metrics["parse_failure_rate,none"] == pytest.approx(metrics["parse_failure_rate"])

    grader = f"{{model: hf/tiny, model_args: {{model_path: {tiny_judge}, do_sample: false, batch_size: 1}}}}"
    params = ("-T", f"data={instances}", "-T", "grader_max_tokens=32")
    alone = inspect_eval(
        tmp_path / "one",
        "selfrat_eval/biggen_graded",
        tiny_judge,
        "--model-role",
        f"grader={grader}",
        *params,
    )
    # a jury of the same judge twice, by strict majority: each grades as it grades alone, and two equal
    # grades are more than half of the jury (two unreadable ones leave the answer ungraded)
    jury = inspect_eval(
        tmp_path / "jury",
        "selfrat_eval/biggen_graded",
        tiny_judge,
        *("--model-role", f"grader=[{grader}, {grader}]", "-T", "reducer=strict-majority", *params),
    )
    for log, jurors in ((alone, 1), (jury, 2)):
        assert len(log.samples) == 16
        for sample in log.samples:
            assert sample.output.completion == responses[sample.id]["response"]
            score = sample.scores["biggen_grader"]
            assert score.metadata["texts"] == [ours[sample.id]["outputs"]["response"]] * jurors
            assert score.metadata["grades"] == [ours[sample.id]["score"]] * jurors
            assert score.metadata["grade"] == ours[sample.id]["score"]
        inspect_metrics = log.results.scores[0].metrics
        assert inspect_metrics["biggen_grade"].value == pytest.approx(metrics["overall"]["value"])
        assert inspect_metrics["parse_failure_rate"].value == pytest.approx(metrics["parse_failure_rate"])

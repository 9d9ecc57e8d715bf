"""The lm-eval task files, generated from the benchmark registry (lm-eval reads tasks only from YAML
on disk). `python -m selfrat_eval.tasks.lm_eval` rewrites them; a test fails when they are stale."""

from __future__ import annotations

from pathlib import Path

from selfrat_eval.benchmarks import benchmark_class, benchmark_names, option_names

TASKS_DIR = Path(__file__).parent / "tasks"
UTILS = "selfrat_eval.tasks.lm_eval.utils"
#: Task-name suffix -> the sampled strategy it runs (8 samples at temperature 1.0).
SAMPLED = {"sc8": "self-consistency:8", "bon8": "best-of-n:8"}
#: Bumped whenever what a task sends or how it scores changes.
VERSION = "2.0"
GROUP = "selfrat"
#: The judge panel: one greedy task per published benchmark.
PANEL_GROUP = "selfrat_panel"


def task_name(benchmark: str, suffix: str = "") -> str:
    return f"{benchmark}_selfrat" + (f"_{suffix}" if suffix else "")


def task_file(benchmark: str) -> str:
    cls = benchmark_class(benchmark)
    metrics = "".join(
        f"  - metric: {metric.name}\n"
        f"    aggregation: !function {UTILS}.aggregate\n"
        f"    higher_is_better: {str(metric.higher_is_better).lower()}\n"
        for metric in cls.harness_metrics
    )
    return (
        f"# {cls.title}.\n"
        "# Generated from the benchmark registry by `python -m selfrat_eval.tasks.lm_eval`: do not edit.\n"
        '# Run with --apply_chat_template; --metadata \'{"data": "FILE"}\' (offline) and the benchmark\'s\n'
        f"# options ({', '.join(option_names(benchmark))}) as metadata keys.\n"
        f"task: {task_name(benchmark)}\n"
        "tag: selfrat_tasks\n"
        f"custom_dataset: !function {UTILS}.dataset\n"
        "test_split: test\n"
        "output_type: generate_until\n"
        "description: system\n"
        f"doc_to_text: !function {UTILS}.doc_to_text\n"
        "doc_to_target: id\n"
        f"process_results: !function {UTILS}.process_results\n"
        "generation_kwargs:\n  until: []\n  do_sample: false\n  temperature: 0.0\n  max_gen_toks: 512\n"
        f"metric_list:\n{metrics}"
        f"metadata:\n  version: {VERSION}\n  benchmark: {benchmark}\n"
    )


def sampled_task_file(benchmark: str, suffix: str) -> str:
    strategy = SAMPLED[suffix]
    return (
        f"# {strategy} over 8 sampled judgments per request (temperature 1.0), reduced per item by\n"
        "# the package's strategy (best-of-N by agreement: lm-eval returns no log-probs).\n"
        "# Generated from the benchmark registry: do not edit.\n"
        f"include: {task_name(benchmark)}.yaml\n"
        f"task: {task_name(benchmark, suffix)}\n"
        "repeats: 8\n"
        "generation_kwargs:\n  until: []\n  do_sample: true\n  temperature: 1.0\n  max_gen_toks: 512\n"
        "filter_list:\n  - name: samples\n    filter:\n      - function: custom\n"
        f"        filter_fn: !function {UTILS}.keep_samples\n"
        f"metadata:\n  version: {VERSION}\n  benchmark: {benchmark}\n  strategy: {strategy}\n"
    )


def group_file(group: str, suffixes: tuple[str, ...], what: str) -> str:
    tasks = "".join(f"  - {task_name(name, suffix)}\n" for name in _group_benchmarks() for suffix in suffixes)
    return (
        f"# {what}\n# Generated from the benchmark registry: do not edit.\n"
        f"group: {group}\ntask:\n{tasks}metadata:\n  version: {VERSION}\n"
    )


def task_files() -> dict[str, str]:
    """File name -> content: three tasks per registered benchmark, and the group."""
    files = {
        f"{GROUP}.yaml": group_file(
            GROUP,
            ("", *SAMPLED),
            "Greedy judge, self-consistency@8 and best-of-8 on every published benchmark.",
        ),
        f"{PANEL_GROUP}.yaml": group_file(
            PANEL_GROUP, ("",), "The judge panel: every published benchmark, greedy."
        ),
    }
    for name in benchmark_names():
        files[f"{task_name(name)}.yaml"] = task_file(name)
        for suffix in SAMPLED:
            files[f"{task_name(name, suffix)}.yaml"] = sampled_task_file(name, suffix)
    return files


def _group_benchmarks() -> list[str]:
    """The published benchmarks (your own rubric or pairwise data needs a file)."""
    return [name for name in benchmark_names() if not benchmark_class(name).user_data]


def write_task_files(folder: Path = TASKS_DIR) -> list[Path]:
    """Rewrite the task folder: every generated file, and no stale one."""
    files = task_files()
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.yaml"):
        if stale.name not in files:
            stale.unlink()
    written = []
    for name, content in files.items():
        (folder / name).write_text(content, encoding="utf-8")
        written.append(folder / name)
    return written

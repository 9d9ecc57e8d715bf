"""Benchmark items as harness documents: the rendered system and user prompt plus what scoring
needs. Both harness adapters build on these rows, so both send exactly what `selfrat eval` sends."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from selfrat_eval.data import CandidatesItem, load_biggen_human_eval, load_rewardbench, load_rewardbench2
from selfrat_eval.evaluation import CandidatesJudgment, RewardBench2Task, RewardBenchTask, ScoringOptions
from selfrat_eval.judges import Completion, Strategy
from selfrat_eval.parsing import pair_winner, parse_absolute, parse_relative, score_value
from selfrat_eval.prompts import AbsoluteRequest, Chat, GradingMode, absolute_prompt


def _split(chat: Chat) -> dict[str, str]:
    return {"system": chat[0]["content"], "prompt": chat[1]["content"]}


def biggen_rows(data: str | Path | None = None, reference: bool = True) -> list[dict[str, Any]]:
    """BiGGen-Bench human_eval items (hub, $SELFRAT_DATA_DIR, or a local file)."""
    items, _source = load_biggen_human_eval(Path(data) if data else None)
    rows = []
    for item in items:
        answer = item.reference_answer if reference else None
        request = AbsoluteRequest(item.instruction, item.response, item.rubric_text(), answer)
        labels: dict[str, Any] = {name: item.labels.get(name) for name in ("human_score", "gpt4_score")}
        rows.append(
            {
                "id": item.id,
                "group": item.group,
                "response": item.response,
                **labels,
                **_split(absolute_prompt(request)),
            }
        )
    return rows


def rewardbench_rows(data: str | Path | None = None, seed: int = 0) -> list[dict[str, Any]]:
    """RewardBench pairs as pairwise prompts, A/B order seeded per item exactly as `selfrat eval`."""
    items, _source = load_rewardbench(Path(data) if data else None)
    task = RewardBenchTask(mode="pairwise", seed=seed)
    rows = []
    for item in items:
        chat = task.requests(item)["pair"]
        rows.append(
            {
                "id": item.id,
                "group": item.group,
                "chosen": item.chosen,
                "rejected": item.rejected,
                "a_is_chosen": task.a_is_chosen(item),
                **_split(chat),
            }
        )
    return rows


def doc_score(doc: dict[str, Any], text: str) -> float | None:
    """A BiGGen document's judgment text as its 1-5 score (None if unparseable)."""
    return score_value(parse_absolute(text, quoted=[doc["response"]]))


def doc_winner(doc: dict[str, Any], text: str) -> str | None:
    """A RewardBench document's judgment text as the pair's winner (None if unparseable)."""
    return pair_winner(parse_relative(text, quoted=[doc["chosen"], doc["rejected"]]), doc["a_is_chosen"])


def rewardbench2_rows(
    data: str | Path | None = None, seed: int = 0, mode: GradingMode = "absolute", strategy: str = "single"
) -> list[dict[str, Any]]:
    """RewardBench 2 as one document per judge request (each rated completion, or the 4-way prompt),
    built by the same task object as `selfrat eval`; `rewardbench2_metrics` regroups them by prompt."""
    task = RewardBench2Task(mode=mode, seed=seed)
    items, _source = load_rewardbench2(Path(data) if data else None)
    return [
        {
            "id": f"{item.id}#{slot}",
            "group": item.group,
            "slot": slot,
            "item": item.model_dump_json(),
            "task": {"mode": mode, "seed": seed, "strategy": strategy},
            **_split(chat),
        }
        for item in items
        for slot, chat in task.requests(item).items()
    ]


def rewardbench2_metrics(answers: list[tuple[dict[str, Any], list[str]]]) -> dict[str, Any]:
    """Every RewardBench 2 score from (document, judge texts) pairs: the texts of each prompt's
    documents become its judgment exactly as in `selfrat eval`, reduced by the documents' strategy.
    A prompt some of whose requests are missing is left out (inspect scores partial runs live)."""
    by_item: dict[str, dict[str, Any]] = {}
    for doc, texts in answers:
        entry = by_item.setdefault(doc["item"], {"task": doc["task"], "outputs": {}})
        entry["outputs"][doc["slot"]] = [Completion(text=text, num_tokens=0) for text in texts]
    judgments: list[CandidatesJudgment] = []
    task = RewardBench2Task()
    for item_json, entry in by_item.items():
        options = entry["task"]
        task = RewardBench2Task(mode=options["mode"], seed=options["seed"])
        item = CandidatesItem.model_validate_json(item_json)
        if set(task.slots(item)) - set(entry["outputs"]):
            continue
        strategy = Strategy.parse(options["strategy"], selector="agreement")  # no log-probs in harnesses
        judgments.append(task.judgment(item, entry["outputs"]).with_strategy(strategy))
    return task.score(judgments, ScoringOptions(n_resamples=0))

"""Any registered benchmark as harness documents, and its scores from the harness's answers.

One document per judge request: the rendered system and user prompt, plus the item, the request's
slot and the run's settings. Scoring regroups the documents by item, turns each item's texts into its
judgment with the benchmark's own `judgment`, reduces samples with the package's strategies, and
scores with the benchmark's own `score`: both harnesses send and score exactly what `selfrat eval`
does, for every benchmark, with nothing written per benchmark here.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict
from functools import lru_cache
from pathlib import Path
from typing import Any

from selfrat_eval._errors import InputError
from selfrat_eval.benchmarks import (
    Benchmark,
    Item,
    Judgment,
    ScoringOptions,
    benchmark_class,
    create_benchmark,
)
from selfrat_eval.judges import Completion, Decoding, SamplingConfig, Strategy, finish, json_schema
from selfrat_eval.prompts import Chat, JudgeChat

#: (document, the judge's texts for it: one, or every sample of a sampled strategy)
Answer = tuple[dict[str, Any], list[str]]


def _split(chat: Chat) -> dict[str, str]:
    return {"system": chat[0]["content"], "prompt": chat[1]["content"]}


def benchmark_rows(
    name: str,
    data: str | Path | None = None,
    strategy: str = "single",
    confidence: float = 0.95,
    stop_at_verdict: bool = True,
    loop_guard: bool = False,
    structured: bool = False,
    max_new_tokens: int = 512,
    **options: Any,
) -> list[dict[str, Any]]:
    """Benchmark `name` (with `options`, e.g. mode, seed, use_reference) as harness documents: the
    hub, $SELFRAT_DATA_DIR, or a local file `data`. `confidence` is an adaptive strategy's;
    `stop_at_verdict`, `loop_guard` and `structured` say what a judgment is, as `selfrat eval`'s
    options do (a structured document carries its JSON schema, sized to `max_new_tokens`)."""
    benchmark = create_benchmark(name, **options)
    harness_strategy(strategy, confidence)  # a bad strategy fails before any generation
    items, _source = benchmark.load(Path(data) if data else None, None)
    decoding = Decoding(stop_at_verdict, loop_guard, structured=structured)
    return request_docs(benchmark, items, strategy, confidence, decoding, max_new_tokens)


def harness_strategy(label: str, confidence: float = 0.95) -> Strategy:
    """The package's strategy for a harness's strategy label: best-of-N selects by agreement, since
    lm-eval and inspect return no log-probs."""
    return Strategy.parse(label, selector="agreement", confidence=confidence)


def doc_strategy(settings: dict[str, Any]) -> Strategy:
    """The strategy a document's settings name: inspect's adaptive solver samples by it and the
    metric reduces by it, so the metric reduces exactly the samples the solver drew."""
    return harness_strategy(settings["strategy"], settings.get("confidence", 0.95))


def doc_item(item_json: str, settings: dict[str, Any]) -> tuple[Benchmark, Item]:
    """A document's benchmark (with the run's options) and item, rebuilt from what it carries."""
    benchmark = benchmark_class(settings["benchmark"])(**settings["options"])
    return benchmark, benchmark.item_type.model_validate_json(item_json)


def request_docs(
    benchmark: Benchmark,
    items: Sequence[Item],
    strategy: str,
    confidence: float = 0.95,
    decoding: Decoding | None = None,
    max_new_tokens: int = 512,
) -> list[dict[str, Any]]:
    """One document per judge request of each item, carrying what scoring needs (the confidence
    only for an adaptive strategy: elsewhere it decides nothing). A structured document asks for
    the JSON judgment and carries the schema its generation is held to (`schema`)."""
    adaptive = {"confidence": confidence} if harness_strategy(strategy, confidence).adaptive else {}
    ends = decoding or Decoding()
    decided = {"stop_at_verdict": ends.stop_at_verdict, "loop_guard": ends.loop_guard}
    structured = {"structured": True} if ends.structured else {}  # older documents stay as they were
    settings = json.dumps(
        {
            "benchmark": benchmark.name,
            "options": asdict(benchmark),
            "strategy": strategy,
            **adaptive,
            "decoding": decided | structured,
        }
    )
    return [
        {
            "id": f"{item.id}#{slot}",
            "group": item.group,
            "item": item.model_dump_json(),
            "slot": slot,
            "settings": settings,
            **_request(chat, ends.structured, max_new_tokens),
        }
        for item in items
        for slot, chat in benchmark.requests(item).items()
    ]


def _request(chat: Chat, structured: bool, max_new_tokens: int) -> dict[str, str]:
    if not structured:
        return _split(chat)
    if not isinstance(chat, JudgeChat):
        raise InputError("structured needs judge requests that declare their verdict (a JudgeChat)")
    return _split(chat.structured()) | {"schema": json_schema(chat.verdict, max_new_tokens)}


def doc_completions(texts: Sequence[str], settings: dict[str, Any]) -> list[Completion]:
    """A harness's texts as an engine returns them: cut where `selfrat eval` ends a judgment with the
    documents' settings (`judges.finish`). The harnesses generate to their token limit (their stop
    sequences drop the stop text), so the same cut makes their judgments `selfrat eval`'s."""
    sampling = Decoding(**settings.get("decoding", {})).applied(SamplingConfig())
    return [Completion(text=finish(text, sampling, ran_to_limit=False)[0], num_tokens=0) for text in texts]


def answer(doc: dict[str, Any], texts: list[str]) -> Answer:
    """What a harness keeps of one document for scoring (the prompt texts are not needed)."""
    return {key: doc[key] for key in ("item", "slot", "settings")}, list(texts)


def benchmark_scores(answers: list[Answer]) -> dict[str, Any]:
    """The benchmark's metrics (no bootstrap: the harnesses report point values) from its answers.
    An item some of whose requests are missing is left out (inspect scores partial runs live)."""
    key = tuple((doc["item"], doc["slot"], doc["settings"], tuple(texts)) for doc, texts in answers)
    return _scores(key)


@lru_cache(maxsize=4)  # lm-eval aggregates each metric separately over the same answers
def _scores(answers: tuple[tuple[str, str, str, tuple[str, ...]], ...]) -> dict[str, Any]:
    by_item: dict[tuple[str, str], dict[str, list[Completion]]] = {}
    for item, slot, settings, texts in answers:
        by_item.setdefault((item, settings), {})[slot] = doc_completions(texts, json.loads(settings))
    judgments: list[Judgment] = []
    benchmark: Benchmark | None = None
    for (item_json, settings_json), outputs in by_item.items():
        settings = json.loads(settings_json)
        benchmark, parsed = doc_item(item_json, settings)
        if set(benchmark.requests(parsed)) - set(outputs):
            continue
        judgments.append(benchmark.judgment(parsed, outputs).with_strategy(doc_strategy(settings)))
    if benchmark is None:
        return {}
    return benchmark.score(judgments, ScoringOptions(n_resamples=0))

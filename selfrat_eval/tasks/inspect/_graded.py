"""inspect's `selfrat_eval/biggen_graded`: the evaluated model answers BiGGen-Bench, then the `grader`
model role grades each answer with the official grading prompt (`tasks/_graded.py`), one judge or a
jury of them:

    inspect eval selfrat_eval/biggen_graded --model GEN --model-role grader=JUDGE
    inspect eval selfrat_eval/biggen_graded --model GEN --model-role grader=A,B,C -T reducer=median
"""

from __future__ import annotations

from inspect_ai import Task, task
from inspect_ai.dataset import MemoryDataset, Sample
from inspect_ai.model import (
    ChatMessage,
    ChatMessageSystem,
    ChatMessageUser,
    GenerateConfig,
    Model,
    get_model,
    model_roles,
)
from inspect_ai.scorer import Metric, SampleScore, Score, Scorer, Target, metric, scorer
from inspect_ai.solver import TaskState, generate

from selfrat_eval._errors import InputError
from selfrat_eval.benchmarks import RatingJudgment
from selfrat_eval.benchmarks.biggen import BiggenInstance
from selfrat_eval.benchmarks.biggen_grading import BiggenGrading, grading_item, score_models
from selfrat_eval.data import RubricItem
from selfrat_eval.evaluation._jury import REDUCERS, Reducer, reduce_votes
from selfrat_eval.judges import Strategy
from selfrat_eval.prompts import Chat
from selfrat_eval.tasks._docs import doc_completions
from selfrat_eval.tasks._graded import instance_docs
from selfrat_eval.tasks.inspect._tasks import STRATEGIES


def _messages(chat: Chat) -> list[ChatMessage]:
    return [
        ChatMessageSystem(content=m["content"])
        if m["role"] == "system"
        else ChatMessageUser(content=m["content"])
        for m in chat
    ]


@metric
def graded_metrics() -> Metric:
    """Overall (the mean of the English capability means), as `selfrat grade` computes it from the
    same grades, and the share of answers without a grade."""

    def compute(scores: list[SampleScore]) -> dict[str, float]:
        metas = [s.score.metadata or {} for s in scores]
        if not metas:
            return {}
        [model] = score_models(
            [m["model"] for m in metas],
            [m["capability"] for m in metas],
            [m["grade"] for m in metas],
            n_resamples=0,
            seed=0,
        ).values()
        overall = model["overall"]["value"]
        return {
            "biggen_grade": float("nan") if overall is None else overall,
            "parse_failure_rate": model["parse_failure_rate"],
        }

    return compute


@scorer(metrics=[graded_metrics()])
def biggen_grader(
    strategy: str = "single",
    n: int = 8,
    temperature: float = 1.0,
    seed: int = 0,
    max_tokens: int = 512,
    reducer: Reducer = "mean",
) -> Scorer:
    """The `grader` role grades the model's answer: greedily, or `n` samples at `temperature` (each
    seeded) reduced by self-consistency or best-of-N (by agreement: inspect returns no log-probs).

    A role bound to several models (`--model-role grader=a,b,c`) is a jury: each grades, and the
    grades are combined by `reducer` as `selfrat jury` combines them (`mean`, `median`, or
    `strict-majority`: a grade more than half of the whole jury gave; an unreadable grader still
    counts in the jury's size)."""
    grading = BiggenGrading()
    label = strategy if strategy == "single" else f"{strategy}:{n}"
    reduce = Strategy.parse(label, selector="agreement")
    configs = (
        [GenerateConfig(temperature=0.0, max_tokens=max_tokens)]
        if strategy == "single"
        else [GenerateConfig(temperature=temperature, seed=seed + k, max_tokens=max_tokens) for k in range(n)]
    )

    async def grade(grader: Model, item: RubricItem) -> tuple[float | None, list[str]]:
        messages = _messages(grading.requests(item)["response"])
        texts = [(await grader.generate(messages, config=config)).completion for config in configs]
        outputs = {"response": doc_completions(texts, {})}  # cut as `selfrat grade` cuts
        judgment = grading.judgment(item, outputs).with_strategy(reduce)
        assert isinstance(judgment, RatingJudgment)
        return judgment.score, texts

    async def score(state: TaskState, target: Target) -> Score:
        bound = model_roles().get("grader")
        graders = bound if isinstance(bound, list) else [get_model(role="grader", required=True)]
        instance = BiggenInstance.model_validate_json(state.metadata["instance"])
        model = str(state.model)
        item = grading_item(instance, state.output.completion, model)
        verdicts = [await grade(grader, item) for grader in graders]
        grades = [value for value, _ in verdicts]
        combined = grades[0] if len(grades) == 1 else reduce_votes(grades, reducer)
        return Score(
            value=0.0 if combined is None else combined,
            answer="unreadable" if combined is None else str(combined),
            explanation=verdicts[0][1][0],
            metadata={
                "grade": combined,
                "capability": instance.capability,
                "model": model,
                "grades": grades,
                "texts": [texts for _, texts in verdicts],
            },
        )

    return score


@task
def biggen_graded(
    data: str | None = None,
    multilingual: bool = False,
    limit: int | None = None,
    strategy: str = "single",
    n: int = 8,
    temperature: float = 1.0,
    seed: int = 0,
    grader_max_tokens: int = 512,
    reducer: Reducer = "mean",
) -> Task:
    """BiGGen-Bench as a generator benchmark: the model answers each instance, the `grader` role
    grades the answers as `selfrat grade` does (Overall = mean of the capability means).

    Args:
        data: a local instances file (default: the hub, or $SELFRAT_DATA_DIR).
        multilingual: answer all 765 instances, not only the 695 English ones.
        limit: the first N instances.
        strategy: the grader's strategy: single (greedy), self-consistency or best-of-n.
        n: grader samples per answer for the sampled strategies.
        temperature: the grader's sampling temperature for the sampled strategies.
        seed: seeds the grader's samples.
        grader_max_tokens: the longest grading to generate.
        reducer: a jury's (the grader role bound to several models) combination of their grades:
            mean, median or strict-majority.
    """
    if strategy not in STRATEGIES:
        raise InputError(f"strategy must be one of {list(STRATEGIES)}", field="strategy")
    if reducer not in REDUCERS:
        raise InputError(f"reducer must be one of {list(REDUCERS)}", field="reducer")
    docs = instance_docs(data, multilingual)[:limit]
    samples = [
        Sample(
            id=doc["id"],
            input=_messages(
                ([{"role": "system", "content": doc["system"]}] if doc["system"] else [])
                + [{"role": "user", "content": doc["prompt"]}]
            ),
            metadata=doc,
        )
        for doc in docs
    ]
    return Task(
        dataset=MemoryDataset(samples),
        solver=generate(),
        scorer=biggen_grader(strategy, n, temperature, seed, grader_max_tokens, reducer),
    )

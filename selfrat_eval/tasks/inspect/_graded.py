"""inspect's `selfrat_eval/biggen_graded`: the evaluated model answers BiGGen-Bench, then the `grader`
model role grades each answer with the official grading prompt (`tasks/_graded.py`):

    inspect eval selfrat_eval/biggen_graded --model GEN --model-role grader=JUDGE
"""

from __future__ import annotations

from inspect_ai import Task, task
from inspect_ai.dataset import MemoryDataset, Sample
from inspect_ai.model import ChatMessage, ChatMessageSystem, ChatMessageUser, GenerateConfig, get_model
from inspect_ai.scorer import Score, Scorer, Target, scorer
from inspect_ai.solver import TaskState, generate

from selfrat_eval._errors import InputError
from selfrat_eval.benchmarks import RatingJudgment
from selfrat_eval.benchmarks.biggen import BiggenInstance
from selfrat_eval.benchmarks.biggen_grading import BiggenGrading, grading_item
from selfrat_eval.judges import Completion, Strategy
from selfrat_eval.prompts import Chat
from selfrat_eval.tasks._docs import answer, request_docs
from selfrat_eval.tasks._graded import instance_docs
from selfrat_eval.tasks.inspect._metrics import benchmark_metrics
from selfrat_eval.tasks.inspect._tasks import STRATEGIES


def _messages(chat: Chat) -> list[ChatMessage]:
    return [
        ChatMessageSystem(content=m["content"])
        if m["role"] == "system"
        else ChatMessageUser(content=m["content"])
        for m in chat
    ]


@scorer(metrics=[benchmark_metrics()])
def biggen_grader(
    strategy: str = "single", n: int = 8, temperature: float = 1.0, seed: int = 0, max_tokens: int = 512
) -> Scorer:
    """The `grader` role grades the model's answer: greedily, or `n` samples at `temperature` (each
    seeded) reduced by self-consistency or best-of-N (by agreement: inspect returns no log-probs)."""
    grading = BiggenGrading()
    label = strategy if strategy == "single" else f"{strategy}:{n}"
    reduce = Strategy.parse(label, selector="agreement")
    configs = (
        [GenerateConfig(temperature=0.0, max_tokens=max_tokens)]
        if strategy == "single"
        else [GenerateConfig(temperature=temperature, seed=seed + k, max_tokens=max_tokens) for k in range(n)]
    )

    async def score(state: TaskState, target: Target) -> Score:
        grader = get_model(role="grader", required=True)
        instance = BiggenInstance.model_validate_json(state.metadata["instance"])
        item = grading_item(instance, state.output.completion, str(state.model))
        [doc] = request_docs(grading, [item], label)
        messages = _messages(grading.requests(item)["response"])
        texts = [(await grader.generate(messages, config=config)).completion for config in configs]
        judgment = grading.judgment(item, {"response": [Completion(t, 0) for t in texts]}).with_strategy(
            reduce
        )
        assert isinstance(judgment, RatingJudgment)
        kept_doc, kept = answer(doc, texts)
        return Score(
            value=judgment.score if judgment.score is not None else 0.0,
            answer="unreadable" if judgment.score is None else str(judgment.score),
            explanation=texts[0],
            metadata={"doc": kept_doc, "texts": kept},
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
    """
    if strategy not in STRATEGIES:
        raise InputError(f"strategy must be one of {list(STRATEGIES)}", field="strategy")
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
        scorer=biggen_grader(strategy, n, temperature, seed, grader_max_tokens),
    )

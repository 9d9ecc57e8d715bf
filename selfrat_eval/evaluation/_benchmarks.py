"""Each benchmark as a small object: load items, build judge requests, turn outputs into judgments,
and score a set of judgments. The runner and `selfrat score` only talk to this interface."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, Literal, Protocol

import numpy as np

from selfrat_eval._errors import InputError
from selfrat_eval.data import (
    BIGGEN_LABELS,
    CandidatesItem,
    PairItem,
    RowSource,
    RubricItem,
    load_biggen_human_eval,
    load_pairwise_file,
    load_rewardbench,
    load_rewardbench2,
    load_rubric_file,
)
from selfrat_eval.evaluation._judgments import (
    Benchmark,
    CandidatesJudgment,
    Judgment,
    PairJudgment,
    RatingJudgment,
)
from selfrat_eval.judges import Completion
from selfrat_eval.metrics import (
    CREDIT,
    Agreement,
    TiePolicy,
    agreement,
    mean_estimate,
    score_rewardbench,
    score_rewardbench2,
)
from selfrat_eval.parsing import (
    RATING_10,
    ParsedJudgment,
    pair_side,
    parse_absolute,
    parse_ranking,
    parse_relative,
)
from selfrat_eval.prompts import (
    REWARDBENCH2_RUBRIC_RANKING,
    REWARDBENCH2_RUBRIC_RATING,
    REWARDBENCH2_RUBRIC_TIES,
    REWARDBENCH_RUBRIC_ABSOLUTE,
    REWARDBENCH_RUBRIC_RELATIVE,
    AbsoluteRequest,
    Chat,
    GradingMode,
    RankingRequest,
    RelativeRequest,
    absolute_prompt,
    ranking_prompt,
    relative_prompt,
)

Item = PairItem | RubricItem | CandidatesItem


@dataclass(frozen=True)
class ScoringOptions:
    tie_policy: TiePolicy = "official"
    n_resamples: int = 1000
    seed: int = 0


class BenchmarkTask(Protocol):
    @property
    def name(self) -> Benchmark: ...

    def load(self, data: Path | None, revision: str | None) -> tuple[Sequence[Item], RowSource]: ...

    def requests(self, item: Any) -> dict[str, Chat]:
        """The chats to send for one item, by slot (RewardBench absolute: `chosen` and `rejected`)."""
        ...

    def judgment(self, item: Any, outputs: dict[str, list[Completion]]) -> Judgment:
        """Parse each slot's completions into a judgment (results are filled in by a Strategy)."""
        ...

    def score(self, judgments: Sequence[Judgment], options: ScoringOptions) -> dict[str, Any]: ...


def _samples(outputs: list[Completion], parse: Callable[[str], ParsedJudgment]) -> dict[str, list[Any]]:
    """One slot's samples; a prompt that was not sent (too long) is never parsed."""
    parsed = [None if c.too_long else parse(c.text) for c in outputs]
    return {
        "outputs": [c.text for c in outputs],
        "parse_status": ["too_long" if p is None else p.status for p in parsed],
        "values": [p.value if p is not None and p.ok else None for p in parsed],
        "strengths": [None if p is None else p.strength for p in parsed],
        "logprobs": [c.mean_logprob for c in outputs],
    }


def _by_slot(
    per_slot: dict[str, dict[str, list[Any]]], pairwise: bool = False
) -> dict[str, dict[str, list[Any]]]:
    """{slot: {field: list}} -> {field: {slot: list}}, the judgments.jsonl layout."""
    fields = ("outputs", "parse_status", "values", "logprobs") + (("strengths",) if pairwise else ())
    return {field: {slot: samples[field] for slot, samples in per_slot.items()} for field in fields}


@dataclass(frozen=True)
class RewardBenchTask:
    """RewardBench pairs, rated one response at a time (absolute) or compared (pairwise, A/B seeded)."""

    mode: GradingMode = "absolute"
    seed: int = 0
    both_orders: bool = False
    use_reference: bool = True
    name: Benchmark = "rewardbench"

    def load(self, data: Path | None, revision: str | None) -> tuple[Sequence[Item], RowSource]:
        return load_rewardbench(data, revision=revision)

    def a_is_chosen(self, item: PairItem) -> bool:
        # Seeded per item (not by position in the run) so --limit and resuming keep the same order.
        return random.Random(f"{self.seed}:{item.key}").random() < 0.5

    def requests(self, item: PairItem) -> dict[str, Chat]:
        if self.mode == "absolute":
            return {
                slot: absolute_prompt(AbsoluteRequest(item.prompt, response, REWARDBENCH_RUBRIC_ABSOLUTE))
                for slot, response in (("chosen", item.chosen), ("rejected", item.rejected))
            }
        first, second = (item.chosen, item.rejected)
        if not self.a_is_chosen(item):
            first, second = second, first
        rubric = item.rubric or REWARDBENCH_RUBRIC_RELATIVE
        reference = item.reference_answer if self.use_reference else None
        chats = {"pair": relative_prompt(RelativeRequest(item.prompt, first, second, rubric, reference))}
        if self.both_orders:
            swapped = RelativeRequest(item.prompt, second, first, rubric, reference)
            chats["pair_swapped"] = relative_prompt(swapped)
        return chats

    def judgment(self, item: PairItem, outputs: dict[str, list[Completion]]) -> PairJudgment:
        if self.mode == "absolute":
            per_slot = {
                slot: _samples(outputs[slot], partial(parse_absolute, quoted=[text]))
                for slot, text in (("chosen", item.chosen), ("rejected", item.rejected))
            }
            return PairJudgment.model_validate(
                {"id": item.id, "group": item.group, "mode": "absolute"} | _by_slot(per_slot)
            )
        a_is_chosen = self.a_is_chosen(item)
        per_slot = {}
        quoted = [item.chosen, item.rejected]
        for slot, completions in outputs.items():
            samples = _samples(completions, partial(parse_relative, quoted=quoted))
            slot_a_is_chosen = a_is_chosen == (slot == "pair")  # the swapped order shows B first
            samples["values"] = [pair_side(value, slot_a_is_chosen) for value in samples["values"]]
            per_slot[slot] = samples
        fields: dict[str, Any] = {
            "id": item.id,
            "group": item.group,
            "mode": "pairwise",
            "a_is_chosen": a_is_chosen,
        }
        return PairJudgment.model_validate(fields | _by_slot(per_slot, pairwise=True))

    def score(self, judgments: Sequence[Judgment], options: ScoringOptions) -> dict[str, Any]:
        pairs = [j for j in judgments if isinstance(j, PairJudgment)]
        outcomes = [j.outcome(options.tie_policy) for j in pairs]
        result = score_rewardbench(
            [j.group for j in pairs],
            outcomes,
            tie_policy=options.tie_policy,
            n_resamples=options.n_resamples,
            seed=options.seed,
        )
        metrics = {"n_items": len(pairs), **result.to_dict()}
        both_orders = [j.order_disagrees for j in pairs if j.order_disagrees is not None]
        if both_orders:
            metrics["order_disagreement_rate"] = sum(both_orders) / len(both_orders)
        return metrics


@dataclass(frozen=True)
class PairwiseTask(RewardBenchTask):
    """Your own pairwise rubric data (`--data FILE`): which of two responses is better, judged A/B
    with the order seeded per item; accuracy against the label, per group and overall."""

    mode: GradingMode = "pairwise"
    name: Benchmark = "pairwise"

    def load(self, data: Path | None, revision: str | None) -> tuple[Sequence[Item], RowSource]:
        if data is None:
            raise InputError("the pairwise benchmark needs --data FILE (your own JSONL/CSV pairs)")
        return load_pairwise_file(data)

    def score(self, judgments: Sequence[Judgment], options: ScoringOptions) -> dict[str, Any]:
        pairs = [j for j in judgments if isinstance(j, PairJudgment)]
        credit = CREDIT[options.tie_policy]
        outcomes = [j.outcome(options.tie_policy) for j in pairs]

        def accuracy(selected: list[int]) -> dict[str, Any]:
            values = np.array([credit[outcomes[i]] for i in selected], dtype=float)
            return mean_estimate(values, n_resamples=options.n_resamples, seed=options.seed).to_dict()

        groups = sorted({j.group for j in pairs})
        metrics: dict[str, Any] = {
            "n_items": len(pairs),
            "accuracy": accuracy(list(range(len(pairs)))),
            "groups": {g: accuracy([i for i, j in enumerate(pairs) if j.group == g]) for g in groups},
            "tie_rate": sum(o == "tie" for o in outcomes) / len(outcomes) if outcomes else 0.0,
            "parse_failure_rate": sum(o == "error" for o in outcomes) / len(outcomes) if outcomes else 0.0,
            "tie_policy": options.tie_policy,
        }
        both_orders = [j.order_disagrees for j in pairs if j.order_disagrees is not None]
        if both_orders:
            metrics["order_disagreement_rate"] = sum(both_orders) / len(both_orders)
        return metrics


@dataclass(frozen=True)
class RewardBench2Task:
    """RewardBench 2: each candidate rated alone on 1-10 (`absolute`, upstream's "ratings" protocol),
    or one 4-way choice with the correct answer at a position seeded per item (`rankings`); Ties is
    always rated. Scored by the official formulas (`metrics/_rewardbench2.py`)."""

    mode: GradingMode = "absolute"
    seed: int = 0
    name: Benchmark = "rewardbench2"

    def load(self, data: Path | None, revision: str | None) -> tuple[Sequence[Item], RowSource]:
        return load_rewardbench2(data, revision=revision)

    @property
    def protocol(self) -> Literal["ratings", "rankings"]:
        return "rankings" if self.mode == "rankings" else "ratings"

    def ranks(self, item: CandidatesItem) -> bool:
        return self.mode == "rankings" and item.group != "Ties"

    def correct_position(self, item: CandidatesItem) -> int:
        # Seeded per item (upstream draws it unseeded, reward-bench #272), so runs and resumes agree.
        return random.Random(f"{self.seed}:{item.key}").randrange(4)

    def shown(self, item: CandidatesItem) -> tuple[str, ...]:
        """The four candidates as shown, A to D: the correct one swapped with the one at its position,
        as upstream places it."""
        order = [item.correct[0], *item.incorrect[:3]]
        position = self.correct_position(item)
        order[0], order[position] = order[position], order[0]
        return tuple(order)

    def slots(self, item: CandidatesItem) -> list[str]:
        """The requests one prompt needs: the 4-way choice, or one rating per candidate."""
        return ["ranking"] if self.ranks(item) else [f"c{index}" for index in range(len(item.candidates))]

    def requests(self, item: CandidatesItem) -> dict[str, Chat]:
        if self.ranks(item):
            request = RankingRequest(item.prompt, self.shown(item), REWARDBENCH2_RUBRIC_RANKING)
            return {"ranking": ranking_prompt(request)}
        rubric = REWARDBENCH2_RUBRIC_TIES if item.group == "Ties" else REWARDBENCH2_RUBRIC_RATING
        return {
            f"c{index}": absolute_prompt(AbsoluteRequest(item.prompt, text, rubric, top=10))
            for index, text in enumerate(item.candidates)
        }

    def judgment(self, item: CandidatesItem, outputs: dict[str, list[Completion]]) -> CandidatesJudgment:
        fields: dict[str, Any] = {"id": item.id, "group": item.group, "num_correct": len(item.correct)}
        if self.ranks(item):
            shown = self.shown(item)
            samples = _samples(outputs["ranking"], partial(parse_ranking, quoted=list(shown)))
            fields |= {"mode": "rankings", "correct_letter": "ABCD"[self.correct_position(item)]}
            return CandidatesJudgment.model_validate(fields | _by_slot({"ranking": samples}))
        per_slot = {
            f"c{index}": _samples(
                outputs[f"c{index}"], partial(parse_absolute, quoted=[text], scale=RATING_10)
            )
            for index, text in enumerate(item.candidates)
        }
        return CandidatesJudgment.model_validate(fields | {"mode": "ratings"} | _by_slot(per_slot))

    def score(self, judgments: Sequence[Judgment], options: ScoringOptions) -> dict[str, Any]:
        prompts = [j for j in judgments if isinstance(j, CandidatesJudgment)]
        others = [j for j in prompts if j.group != "Ties"]
        result = score_rewardbench2(
            [j.group for j in others],
            [j.credit() for j in others],
            [j.ties_prompt() for j in prompts if j.group == "Ties"],
            protocol="rankings" if any(j.mode == "rankings" for j in others) else "ratings",
            n_resamples=options.n_resamples,
            seed=options.seed,
        )
        results = [r for j in prompts for r in (j.ratings if j.mode == "ratings" else [j.picks or None])]
        return {
            "n_items": len(prompts),
            **result.to_dict(),
            "parse_failure_rate": sum(r is None for r in results) / len(results) if results else 0.0,
        }


@dataclass(frozen=True)
class RatingTask:
    """1-5 gradings of single responses, correlated with reference scores (BiGGen, rubric files)."""

    name: Literal["biggen", "rubric"]
    labels: tuple[str, ...]
    use_reference: bool = True

    def load(self, data: Path | None, revision: str | None) -> tuple[Sequence[Item], RowSource]:
        if self.name == "biggen":
            return load_biggen_human_eval(data, revision=revision)
        if data is None:
            raise InputError("the rubric benchmark needs --data FILE (your own JSONL/CSV rubric file)")
        return load_rubric_file(data)

    def requests(self, item: RubricItem) -> dict[str, Chat]:
        reference = item.reference_answer if self.use_reference else None
        request = AbsoluteRequest(item.instruction, item.response, item.rubric_text(), reference)
        return {"response": absolute_prompt(request)}

    def judgment(self, item: RubricItem, outputs: dict[str, list[Completion]]) -> RatingJudgment:
        samples = _samples(outputs["response"], partial(parse_absolute, quoted=[item.response]))
        labels = {name: item.labels.get(name) for name in self.labels}
        fields = {"benchmark": self.name, "id": item.id, "group": item.group, **labels}
        return RatingJudgment.model_validate(fields | _by_slot({"response": samples}))

    def score(self, judgments: Sequence[Judgment], options: ScoringOptions) -> dict[str, Any]:
        ratings = [j for j in judgments if isinstance(j, RatingJudgment)]
        groups = sorted({j.group for j in ratings})
        metrics: dict[str, Any] = {
            "n_items": len(ratings),
            "parse_failure_rate": sum(j.score is None for j in ratings) / len(ratings) if ratings else 0.0,
            "score_counts": {str(s): sum(j.score == s for j in ratings) for s in range(1, 6)},
        }
        for label in self.labels:

            def agree(subset: list[RatingJudgment], label: str = label) -> Agreement:
                pairs = [
                    (j.score, getattr(j, label))
                    for j in subset
                    if j.score is not None and getattr(j, label) is not None
                ]
                return agreement(
                    [p[0] for p in pairs],
                    [p[1] for p in pairs],
                    n_resamples=options.n_resamples,
                    seed=options.seed,
                )

            metrics[label] = {
                "overall": agree(ratings).to_dict(),
                "groups": {
                    group: agree([j for j in ratings if j.group == group]).to_dict() for group in groups
                },
            }
        return metrics


def make_task(
    benchmark: Benchmark,
    *,
    mode: GradingMode = "absolute",
    use_reference: bool = True,
    seed: int = 0,
    both_orders: bool = False,
) -> BenchmarkTask:
    if benchmark == "rewardbench":
        return RewardBenchTask(mode=mode, seed=seed, both_orders=both_orders)
    if benchmark == "rewardbench2":
        return RewardBench2Task(mode=mode, seed=seed)
    if benchmark == "pairwise":
        return PairwiseTask(seed=seed, both_orders=both_orders, use_reference=use_reference)
    if benchmark == "biggen":
        return RatingTask("biggen", BIGGEN_LABELS, use_reference)
    return RatingTask("rubric", ("label",), use_reference)

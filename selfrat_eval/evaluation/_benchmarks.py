"""Each benchmark as a small object: load items, build judge requests, turn outputs into judgments,
and score a set of judgments. The runner and `selfrat score` only talk to this interface."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol

from selfrat_eval.data import (
    BIGGEN_LABELS,
    PairItem,
    RowSource,
    RubricItem,
    load_biggen_human_eval,
    load_rewardbench,
    load_rubric_file,
)
from selfrat_eval.evaluation._judgments import Benchmark, Judgment, PairJudgment, RatingJudgment
from selfrat_eval.judges import Completion
from selfrat_eval.metrics import (
    Agreement,
    TiePolicy,
    absolute_outcome,
    agreement,
    pairwise_outcome,
    score_rewardbench,
)
from selfrat_eval.parsing import ParsedJudgment, parse_absolute, parse_relative
from selfrat_eval.prompts import (
    REWARDBENCH_RUBRIC_ABSOLUTE,
    REWARDBENCH_RUBRIC_RELATIVE,
    AbsoluteRequest,
    Chat,
    GradingMode,
    RelativeRequest,
    absolute_prompt,
    relative_prompt,
)

Item = PairItem | RubricItem


@dataclass(frozen=True)
class ScoringOptions:
    tie_policy: TiePolicy = "official"
    n_resamples: int = 1000
    seed: int = 0


class BenchmarkTask(Protocol):
    @property
    def name(self) -> Benchmark: ...

    def load(self, data: Path | None, revision: str | None) -> tuple[Sequence[Item], RowSource]: ...

    def requests(self, item: Any) -> list[Chat]:
        """The chats to send for one item (RewardBench absolute: one per response)."""
        ...

    def judgment(self, item: Any, outputs: list[list[Completion]]) -> Judgment:
        """Parse the completions of `requests(item)` (same order) into a judgment."""
        ...

    def score(self, judgments: Sequence[Judgment], options: ScoringOptions) -> dict[str, Any]: ...


def _texts(completions: list[Completion]) -> list[str]:
    return [completion.text for completion in completions]


def _first_value(parsed: list[ParsedJudgment]) -> Any:
    """The single-judgment result (strategies over N samples arrive with the strategies issue)."""
    return parsed[0].value if parsed and parsed[0].ok else None


@dataclass(frozen=True)
class RewardBenchTask:
    """RewardBench pairs, rated one response at a time (absolute) or compared (pairwise, A/B seeded)."""

    mode: GradingMode = "absolute"
    seed: int = 0
    name: Benchmark = "rewardbench"

    def load(self, data: Path | None, revision: str | None) -> tuple[Sequence[Item], RowSource]:
        return load_rewardbench(data, revision=revision)

    def a_is_chosen(self, item: PairItem) -> bool:
        # Seeded per item (not by position in the run) so --limit and resuming keep the same order.
        return random.Random(f"{self.seed}:{item.key}").random() < 0.5

    def requests(self, item: PairItem) -> list[Chat]:
        if self.mode == "absolute":
            return [
                absolute_prompt(AbsoluteRequest(item.prompt, response, REWARDBENCH_RUBRIC_ABSOLUTE))
                for response in (item.chosen, item.rejected)
            ]
        first, second = (
            (item.chosen, item.rejected) if self.a_is_chosen(item) else (item.rejected, item.chosen)
        )
        return [relative_prompt(RelativeRequest(item.prompt, first, second, REWARDBENCH_RUBRIC_RELATIVE))]

    def judgment(self, item: PairItem, outputs: list[list[Completion]]) -> PairJudgment:
        if self.mode == "absolute":
            chosen = [parse_absolute(c.text, quoted=[item.chosen]) for c in outputs[0]]
            rejected = [parse_absolute(c.text, quoted=[item.rejected]) for c in outputs[1]]
            return PairJudgment(
                id=item.id,
                group=item.group,
                mode="absolute",
                outputs={"chosen": _texts(outputs[0]), "rejected": _texts(outputs[1])},
                parse_status={"chosen": [p.status for p in chosen], "rejected": [p.status for p in rejected]},
                score_chosen=_first_value(chosen),
                score_rejected=_first_value(rejected),
            )
        a_is_chosen = self.a_is_chosen(item)
        parsed = [parse_relative(c.text, quoted=[item.chosen, item.rejected]) for c in outputs[0]]
        letter = _first_value(parsed)
        winner: Literal["chosen", "rejected", "tie"] | None = None
        if letter == "tie":
            winner = "tie"
        elif letter is not None:
            winner = "chosen" if (letter == "A") == a_is_chosen else "rejected"
        return PairJudgment(
            id=item.id,
            group=item.group,
            mode="pairwise",
            outputs={"pair": _texts(outputs[0])},
            parse_status={"pair": [p.status for p in parsed]},
            winner=winner,
            a_is_chosen=a_is_chosen,
        )

    def score(self, judgments: Sequence[Judgment], options: ScoringOptions) -> dict[str, Any]:
        pairs = [j for j in judgments if isinstance(j, PairJudgment)]
        outcomes = [
            absolute_outcome(j.score_chosen, j.score_rejected)
            if j.mode == "absolute"
            else pairwise_outcome(j.winner)
            for j in pairs
        ]
        result = score_rewardbench(
            [j.group for j in pairs],
            outcomes,
            tie_policy=options.tie_policy,
            n_resamples=options.n_resamples,
            seed=options.seed,
        )
        return {"n_items": len(pairs), **result.to_dict()}


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
            from selfrat_eval._errors import InputError

            raise InputError("the rubric benchmark needs --data FILE (your own JSONL/CSV rubric file)")
        return load_rubric_file(data)

    def requests(self, item: RubricItem) -> list[Chat]:
        reference = item.reference_answer if self.use_reference else None
        return [
            absolute_prompt(AbsoluteRequest(item.instruction, item.response, item.rubric_text(), reference))
        ]

    def judgment(self, item: RubricItem, outputs: list[list[Completion]]) -> RatingJudgment:
        parsed = [parse_absolute(c.text, quoted=[item.response]) for c in outputs[0]]
        return RatingJudgment(
            benchmark=self.name,
            id=item.id,
            group=item.group,
            outputs={"response": _texts(outputs[0])},
            parse_status={"response": [p.status for p in parsed]},
            score=_first_value(parsed),
            **{name: item.labels.get(name) for name in self.labels},
        )

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
    benchmark: Benchmark, *, mode: GradingMode = "absolute", use_reference: bool = True, seed: int = 0
) -> BenchmarkTask:
    if benchmark == "rewardbench":
        return RewardBenchTask(mode=mode, seed=seed)
    if benchmark == "biggen":
        return RatingTask("biggen", BIGGEN_LABELS, use_reference)
    return RatingTask("rubric", ("label",), use_reference)

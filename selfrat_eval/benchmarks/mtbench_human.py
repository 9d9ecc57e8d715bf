"""MT-Bench human judgments: does the judge agree with expert votes on pairs of MT-Bench answers?
Judged in both orders always. Two inputs:

- LLMBar's processed copy (`--data Processed_MT-Bench.json`, princeton-nlp/LLMBar `Dataset/Processed/
  MT-Bench/dataset.json`): 200 pairs, the gold label the experts' majority vote, ties removed; columns as
  LLMBar's (`input, output_1, output_2, label` "1"/"2"). One vote per pair, scored as LLMBar scores.
- The original votes (`lmsys/mt_bench_human_judgments`, split `human`, the default source): one row per
  vote (`question_id, model_a, model_b, winner` model_a / model_b / tie / tie (bothbad), `judge`,
  `conversation_a/b` as lists of {role, content}, `turn` 1 or 2). Pairs are keyed by question, turn and
  the two models (in name order), each carrying its votes. As lmsys/FastChat
  `fastchat/llm_judge/compute_agreement.py` (judges `gpt4-pair` vs `human`), only `expert_*` votes count
  (`author_*` votes are another judge there). A turn-2 pair shows each model's whole two-turn answer.

Metrics, over the votes (a pair weighs as many votes as it has; CIs resample pairs):
- `accuracy`: LLMBar's accuracy averaged over the two orders, against each non-tie vote.
- `agreement_with_ties` / `agreement_without_ties`: FastChat's agreement. The judge's vote is the
  MT-Bench paper's conservative one: a response wins only when both orders pick it, otherwise a tie
  (as FastChat's `tie (inconsistent)`); two unreadable verdicts make no vote, which agrees with nothing.
  With ties, every vote counts and a tie agrees with a tie; without ties, the judge's ties and the
  humans' tie votes are left out. The processed file has no tie votes, so there only the judge's ties
  differ between the two.
- `positional_agreement`: LLMBar's, per pair (both orders' verdicts are the same).
Reported overall and per group (`MT-Bench` for the processed file, `turn1` / `turn2` for the votes)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, ClassVar, Literal

import numpy as np
from pydantic import Field
from rich.console import RenderableType

from selfrat_eval._errors import InputError
from selfrat_eval.benchmarks._base import (
    HarnessMetric,
    PairedHeadline,
    ScoringOptions,
    format_estimate,
    rates_line,
    score_table,
)
from selfrat_eval.benchmarks._judgments import BothOrdersJudgment, Judgment
from selfrat_eval.benchmarks._registry import register
from selfrat_eval.benchmarks.llmbar import (
    LLMBar,
    LLMBarRow,
    Verdict,
    order_credit,
    orders_agree,
    verdict_rates,
)
from selfrat_eval.data import HubDataset, PairItem, RowSource
from selfrat_eval.data._io import validate
from selfrat_eval.data._records import _Record
from selfrat_eval.data._sources import load_rows, unique_items
from selfrat_eval.judges import Completion
from selfrat_eval.metrics import Estimate, bootstrap_estimates, mean_estimate

MTBENCH_HUMAN = HubDataset("lmsys/mt_bench_human_judgments", "human", "mt-bench-human-judgments/human.jsonl")
#: The processed file's one group.
PROCESSED_GROUP = "MT-Bench"
TABLE_TITLE = "MT-Bench human judgments (both orders)"
Vote = Literal["chosen", "rejected", "tie"]
AGREEMENTS = ("agreement_without_ties", "agreement_with_ties")


class VotedPair(PairItem):
    """A pair and its human votes in the pair's terms: `chosen` won, `rejected` won, or a tie. From the
    processed file `chosen` is the labelled better output (one vote); from the original votes it is
    the answer of the model first in name order, and the votes say who won."""

    votes: tuple[Vote, ...] = Field(min_length=1)


class VotedJudgment(BothOrdersJudgment):
    """Both orders' verdicts plus the pair's human votes."""

    benchmark: str = "mtbench_human"
    votes: list[Vote] = Field(default_factory=list)


class Message(_Record):
    role: Literal["user", "assistant"]
    content: str = Field(min_length=1)


class MTBenchVoteRow(_Record):
    """One vote of the `human` split (its columns as the dataset card lists them)."""

    question_id: int | str
    model_a: str = Field(min_length=1)
    model_b: str = Field(min_length=1)
    winner: Literal["model_a", "model_b", "tie", "tie (bothbad)"]
    judge: str = Field(min_length=1)
    conversation_a: list[Message]
    conversation_b: list[Message]
    turn: Literal[1, 2]


def judged_exchange(messages: Sequence[Message], turn: int) -> tuple[str, str] | None:
    """(the instruction, the answer) that a vote on `turn` judged: for turn 2 the first question and
    answer come along, as the MT-Bench multi-turn judge sees them; None when the conversation is
    shorter than the turn or not user/assistant alternating."""
    needed = messages[: 2 * turn]
    if len(needed) < 2 * turn or any(m.role != ("user", "assistant")[k % 2] for k, m in enumerate(needed)):
        return None
    if turn == 1:
        return needed[0].content, needed[1].content
    first_question, first_answer, question, answer = (m.content for m in needed)
    return (
        f"First question:\n{first_question}\n\n"
        f"Follow-up question (judge the answers to this one):\n{question}",
        f"Answer to the first question:\n{first_answer}\n\nAnswer to the follow-up question:\n{answer}",
    )


def processed_items(source: RowSource) -> list[VotedPair]:
    """LLMBar's processed pairs: the labelled better output `chosen`, one vote for it."""
    items = []
    for number, raw in source.rows:
        row = validate(LLMBarRow, raw, source=source.name, record=number)
        better, worse = row.better_first()
        items.append(
            VotedPair(
                id=str(number),
                group=PROCESSED_GROUP,
                prompt=row.input,
                chosen=better,
                rejected=worse,
                votes=("chosen",),
            )
        )
    return unique_items(items, source)


def voted_items(source: RowSource) -> list[VotedPair]:
    """The original votes gathered into pairs (first appearance order), expert votes only."""
    pairs: dict[tuple[str, str], dict[str, Any]] = {}
    for number, raw in source.rows:
        row = validate(MTBenchVoteRow, raw, source=source.name, record=number)
        if not row.judge.startswith("expert"):
            continue
        exchanges = {}
        for side in ("conversation_a", "conversation_b"):
            exchange = judged_exchange(getattr(row, side), row.turn)
            if exchange is None:
                raise InputError(
                    f"turn {row.turn} needs {2 * row.turn} messages alternating user, assistant",
                    source=source.name,
                    record=number,
                    field=side,
                )
            exchanges[side] = exchange
        first, second = sorted((row.model_a, row.model_b))
        a_first = row.model_a == first
        key = (f"turn{row.turn}", f"{row.question_id}:{first}:{second}")
        vote: Vote = "tie"
        if not row.winner.startswith("tie"):
            vote = "chosen" if (row.winner == "model_a") == a_first else "rejected"
        if key not in pairs:
            (question, answer_a), (_, answer_b) = exchanges["conversation_a"], exchanges["conversation_b"]
            pairs[key] = {
                "group": key[0],
                "id": key[1],
                "prompt": question,
                "chosen": answer_a if a_first else answer_b,
                "rejected": answer_b if a_first else answer_a,
                "votes": [],
            }
        pairs[key]["votes"].append(vote)
    if not pairs:
        raise InputError(
            "no expert votes (agreement counts votes whose judge is expert_*)", source=source.name
        )
    return [VotedPair.model_validate(fields) for fields in pairs.values()]


def load_mtbench_human(
    data: Path | None = None, *, revision: str | None = None
) -> tuple[list[VotedPair], RowSource]:
    """LLMBar's processed file or the original votes, told apart by their columns."""
    source = load_rows(MTBENCH_HUMAN, data, revision)
    original = "conversation_a" in source.rows[0][1]
    return (voted_items(source) if original else processed_items(source)), source


def conservative_vote(order_winners: Sequence[Verdict]) -> Verdict:
    """The MT-Bench paper's verdict over both orders: the winner both orders pick, else a tie."""
    first, second = order_winners[0], order_winners[-1]
    return first if first == second else "tie"


def vote_counts(order_winners: Sequence[Verdict], votes: Sequence[Vote]) -> dict[str, tuple[float, int]]:
    """Per metric, (credit, votes counted) for one pair."""
    decided = [vote for vote in votes if vote != "tie"]
    judge = conservative_vote(order_winners)
    # Without ties: the judge's tie leaves the whole pair out, as the humans' ties are left out.
    counted = [] if judge == "tie" else decided
    return {
        "accuracy": (sum(order_credit(order_winners, vote) for vote in decided), len(decided)),
        "agreement_with_ties": (sum(judge == vote for vote in votes), len(votes)),
        "agreement_without_ties": (sum(judge == vote for vote in counted), len(counted)),
    }


def ratio_estimate(credits: np.ndarray, counts: np.ndarray, *, n_resamples: int, seed: int) -> dict[str, Any]:
    """Total credit over total votes, its CI resampling pairs (votes on one pair are not independent);
    `n` is the number of votes counted."""

    def ratio(credit: np.ndarray, count: np.ndarray, axis: int = -1) -> np.ndarray:
        return np.asarray(np.sum(credit, axis=axis) / np.sum(count, axis=axis))

    if not counts.sum():
        return Estimate(None, None, None, 0).to_dict()
    [estimate] = bootstrap_estimates(
        [credits, counts], ratio, n_resamples=n_resamples, seed=seed, vectorized=True
    )
    return replace(estimate, n=int(counts.sum())).to_dict()


def score_mtbench_human(
    groups: Sequence[str],
    order_winners: Sequence[Sequence[Verdict]],
    votes: Sequence[Sequence[Vote]],
    *,
    n_resamples: int = 1000,
    seed: int = 0,
) -> dict[str, Any]:
    """Accuracy, both agreements and positional agreement, overall and per group."""
    labels = np.array(groups)
    per_pair = [
        vote_counts(winners, pair_votes) for winners, pair_votes in zip(order_winners, votes, strict=True)
    ]
    agree = np.array([orders_agree(winners) for winners in order_winners], dtype=float)

    def metrics(mask: np.ndarray) -> dict[str, Any]:
        selected = [counts for counts, keep in zip(per_pair, mask, strict=True) if keep]
        result = {}
        for name in ("accuracy", *AGREEMENTS):
            credit = np.array([counts[name][0] for counts in selected], dtype=float)
            count = np.array([counts[name][1] for counts in selected], dtype=float)
            result[name] = ratio_estimate(credit, count, n_resamples=n_resamples, seed=seed)
        result["positional_agreement"] = mean_estimate(
            agree[mask], n_resamples=n_resamples, seed=seed
        ).to_dict()
        return result

    return {
        **metrics(np.ones(len(labels), dtype=bool)),
        "n_votes": sum(len(pair_votes) for pair_votes in votes),
        "groups": {group: metrics(labels == group) for group in sorted(set(groups))},
    }


@register
@dataclass(frozen=True)
class MTBenchHuman(LLMBar):
    name = "mtbench_human"
    dataset = MTBENCH_HUMAN
    title = "MT-Bench human judgments (lmsys, or LLMBar's processed 200): both orders, agreement with experts"
    item_type: ClassVar[type[PairItem]] = VotedPair
    judgment_type = VotedJudgment
    harness_metrics = (
        HarnessMetric("mtbench_human_score", ("accuracy",)),
        HarnessMetric("agreement_without_ties", ("agreement_without_ties",)),
        HarnessMetric("agreement_with_ties", ("agreement_with_ties",)),
        HarnessMetric("positional_agreement", ("positional_agreement",)),
        HarnessMetric("tie_rate", ("tie_rate",), higher_is_better=False),
        HarnessMetric("parse_failure_rate", ("parse_failure_rate",), higher_is_better=False),
    )

    def load(self, data: Path | None, revision: str | None) -> tuple[Sequence[VotedPair], RowSource]:
        return load_mtbench_human(data, revision=revision)

    def judgment(self, item: PairItem, outputs: dict[str, list[Completion]]) -> VotedJudgment:
        assert isinstance(item, VotedPair)
        pair = super().judgment(item, outputs)
        return VotedJudgment.model_validate(pair.model_dump() | {"votes": list(item.votes)})

    def score(self, judgments: Sequence[Judgment], options: ScoringOptions) -> dict[str, Any]:
        pairs = [j for j in judgments if isinstance(j, VotedJudgment)]
        result = score_mtbench_human(
            [j.group for j in pairs],
            [j.order_winners for j in pairs],
            [j.votes for j in pairs],
            n_resamples=options.n_resamples,
            seed=options.seed,
        )
        return {"n_items": len(pairs), **result, **verdict_rates(pairs)}

    def report(self, metrics: dict[str, Any]) -> list[RenderableType]:
        columns = (
            "",
            "accuracy",
            "95% CI",
            "votes",
            "agreement w/o ties",
            "with ties",
            "positional agreement",
        )
        table = score_table(f"{TABLE_TITLE}, x100", columns)

        def row(label: str, entry: dict[str, Any], style: str = "") -> None:
            agreements = [
                format_estimate(entry[name], 100)[0] for name in (*AGREEMENTS, "positional_agreement")
            ]
            table.add_row(label, *format_estimate(entry["accuracy"], 100), *agreements, style=style)

        row("Overall", metrics, style="bold")
        for group, entry in metrics["groups"].items():
            row(f"  {group}", entry, style="dim")
        return [table, rates_line(metrics, count="pairs")]

    def paired_headline(self, groups: Sequence[str]) -> PairedHeadline:
        def accuracy(judgment: Judgment) -> tuple[float, ...] | None:
            assert isinstance(judgment, VotedJudgment)
            credit, counted = vote_counts(judgment.order_winners, judgment.votes)["accuracy"]
            return (credit, counted) if counted else None

        return PairedHeadline(
            "MT-Bench human accuracy",
            accuracy,
            lambda credits, counts: float(np.sum(credits) / np.sum(counts)),
        )

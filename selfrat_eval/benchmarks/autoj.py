"""Auto-J's pairwise test set (GAIR-NLP/auto-j `data/test/testdata_pairwise.jsonl`, the same file as
prometheus-eval's `eval/benchmark/data/autoj_pairwise.json`): 1,392 query/response pairs from 58
scenarios, labelled by humans 0 (response 1 is better), 1 (response 2 is better) or 2 (tie). Judged
A/B in both orders always. Official scores (GAIR-NLP/auto-j `codes/leaderboard/pairwise_eval.py`, type
"pairwise"): the second order's verdict is swapped back; agreement = share of pairs whose two verdicts
both equal the label (a tie verdict matches a tie label); consistency = share of pairs whose two
verdicts are the same; each per scenario group (8) and overall, pooled over pairs. The set is not on
the Hugging Face hub: it loads from `--data FILE` or `$SELFRAT_DATA_DIR`.

Also what PandaLM shares: pairs whose label may be a tie (`TiePair`), judged A/B with each verdict kept
in the data's terms, response 1, response 2 or tie (`TieJudgment`, `TiePairBenchmark`)."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, ClassVar, Literal

import numpy as np
from pydantic import Field, field_validator
from rich.console import RenderableType

from selfrat_eval.benchmarks._base import (
    Benchmark,
    HarnessMetric,
    PairedHeadline,
    ScoringOptions,
    by_slot,
    format_estimate,
    rates_line,
    score_table,
    slot_samples,
)
from selfrat_eval.benchmarks._judgments import Judgment, _padded
from selfrat_eval.benchmarks._registry import register
from selfrat_eval.data import PublishedFile, RowSource, item_key
from selfrat_eval.data._io import validate
from selfrat_eval.data._records import NonEmpty, _Record
from selfrat_eval.data._sources import load_rows, unique_items
from selfrat_eval.judges import Completion, Strategy, combine
from selfrat_eval.metrics import mean_estimate
from selfrat_eval.parsing import parse_relative
from selfrat_eval.prompts import Chat, RelativeRequest, relative_prompt

AUTOJ = PublishedFile(
    "github.com/GAIR-NLP/auto-j data/test/testdata_pairwise.jsonl",
    "prometheus-eval-benchmarks/autoj_pairwise.jsonl",
)
#: Auto-J's eight scenario groups, in upstream's order (GAIR-NLP/auto-j
#: `codes/leaderboard/utils_constants.py`, `scenario_group`).
SCENARIO_GROUPS: dict[str, tuple[str, ...]] = {
    "Summarization": ("post_summarization", "text_summarization", "note_summarization"),
    "Exam Questions": (
        "math_reasoning",
        "solving_exam_question_with_math",
        "solving_exam_question_without_math",
    ),
    "Code": (
        "code_simplification",
        "code_generation",
        "explaining_code",
        "code_correction_rewriting",
        "code_to_code_translation",
    ),
    "Rewriting": (
        "text_simplification",
        "language_polishing",
        "instructional_rewriting",
        "text_correction",
        "paraphrasing",
    ),
    "Creative Writing": (
        "writing_song_lyrics",
        "writing_social_media_post",
        "writing_blog_post",
        "writing_personal_essay",
        "creative_writing",
        "writing_advertisement",
        "writing_marketing_materials",
        "writing_presentation_script",
        "counterfactual",
    ),
    "Functional Writing": (
        "writing_product_description",
        "writing_job_application",
        "writing_news_article",
        "writing_biography",
        "writing_email",
        "writing_legal_document",
        "writing_technical_document",
        "writing_scientific_paper",
        "functional_writing",
        "writing_cooking_recipe",
    ),
    "General Communication": (
        "asking_how_to_question",
        "open_question",
        "analyzing_general",
        "explaining_general",
        "seeking_advice",
        "recommendation",
        "value_judgement",
        "verifying_fact",
        "chitchat",
        "roleplay",
        "planning",
        "brainstorming",
    ),
    "NLP Tasks": (
        "ranking",
        "text_to_text_translation",
        "data_analysis",
        "classification_identification",
        "title_generation",
        "question_generation",
        "reading_comprehension",
        "keywords_extraction",
        "information_extraction",
        "topic_modeling",
        "others",
    ),
}
GROUP_OF_SCENARIO = {
    scenario: group for group, scenarios in SCENARIO_GROUPS.items() for scenario in scenarios
}
#: What the judge is asked (prometheus-eval asks Auto-J pairs whether a response is helpful, harmless
#: and honest); the tie is named because a third of the labels are ties.
AUTOJ_RUBRIC = (
    "[Which response serves the user's query better: is it more helpful, more honest and more harmless? "
    "If neither is better than the other, answer tie instead of A or B.]"
)
TABLE_TITLE = "Auto-J pairwise test (both orders)"

#: A verdict, or a human label, in the data's terms.
Verdict = Literal["response_1", "response_2", "tie"]
AUTOJ_LABELS: dict[int, Verdict] = {0: "response_1", 1: "response_2", 2: "tie"}
#: The `pair` order shows the responses in one order, `pair_swapped` in the other.
ORDERS = ("pair", "pair_swapped")
#: `combine` votes on winners named chosen/rejected: response 1 stands in for chosen during the vote.
_AS_WINNER: dict[str, str] = {"response_1": "chosen", "response_2": "rejected", "tie": "tie"}
_AS_VERDICT: dict[str, Verdict] = {"chosen": "response_1", "rejected": "response_2", "tie": "tie"}


class TiePair(_Record):
    """Two responses to one prompt and the humans' verdict on them, which may be a tie."""

    id: str = NonEmpty
    group: str = NonEmpty
    prompt: str = NonEmpty
    #: A response may be empty (PandaLM: a tuned model that answered nothing).
    response_1: str
    response_2: str
    label: Verdict

    @property
    def key(self) -> str:
        return item_key(self.group, self.id)


class TieJudgment(Judgment):
    """A `TiePair` judged A/B: `values` hold each sample's verdict already in the data's terms
    ("response_1", "response_2", "tie"); `verdict` reduces every sample of every order, and
    `order_verdicts` each order alone (`pair`, then `pair_swapped` when both were judged)."""

    label: Verdict
    #: Whether the `pair` order showed response 1 as A (`pair_swapped` shows the other order).
    response_1_first: bool
    verdict: Verdict | None = None
    order_verdicts: list[Verdict | None] = Field(default_factory=list)
    #: Both orders judged: True unless they reached the same readable verdict.
    order_disagrees: bool | None = None

    def with_strategy(self, strategy: Strategy) -> TieJudgment:
        slots = [slot for slot in ORDERS if slot in self.values]
        if not slots:  # converted from another tool: keep its results
            return self
        verdict, kept = self._reduced(slots, strategy)
        orders = [self._reduced([slot], strategy)[0] for slot in slots]
        updates = self._reduction(strategy) | {
            "selected": {} if kept is None else {"verdict": kept},
            "verdict": verdict,
            "order_verdicts": orders,
        }
        if len(orders) == 2:
            updates["order_disagrees"] = orders[0] is None or orders[0] != orders[1]
        return self.model_copy(update=updates)

    def _reduced(self, slots: list[str], strategy: Strategy) -> tuple[Verdict | None, tuple[str, int] | None]:
        votes: list[Any] = []
        logprobs: list[float | None] = []
        metas: list[float | None] = []
        where: list[tuple[str, int]] = []
        for slot in slots:
            values = self.values[slot][: self._used(slot, strategy)]
            votes += [None if value is None else _AS_WINNER[str(value)] for value in values]
            logprobs += _padded(self.logprobs.get(slot), len(values))
            metas += _padded(self.meta_scores.get(slot), len(values))
            where += [(slot, index) for index in range(len(values))]
        winner, index = combine(votes, strategy, logprobs, metas)
        verdict = None if winner is None else _AS_VERDICT[str(winner)]
        return verdict, None if index is None else where[index]


@dataclass(frozen=True)
class TiePairBenchmark(Benchmark):
    """Pairs whose label may be a tie, compared A/B with the order seeded per item, optionally in both
    orders; subclasses add the loader, the rubric, the metric and the report."""

    # _base.Item names only the items of data/_records.py, where a tie-labelled pair has no place yet
    item_type = TiePair  # type: ignore[assignment]
    judgment_type = TieJudgment
    modes = ("pairwise",)
    #: What "better" means, as the judge is told; it names the tie the labels allow.
    rubric: ClassVar[str]

    seed: int = 0
    both_orders: bool = False

    def response_1_first(self, item: TiePair) -> bool:
        # Seeded per item (not by position in the run) so --limit and resuming keep the same order.
        return random.Random(f"{self.seed}:{item.key}").random() < 0.5

    def shows_response_1_first(self, item: TiePair, slot: str) -> bool:
        return self.response_1_first(item) == (slot == "pair")

    def shown(self, item: TiePair, slot: str) -> tuple[str, ...]:
        first, second = item.response_1, item.response_2
        return (first, second) if self.shows_response_1_first(item, slot) else (second, first)

    def picked(self, item: TiePair, slot: str, value: Any) -> int | None:
        if value not in ("response_1", "response_2"):
            return None
        return 0 if (value == "response_1") == self.shows_response_1_first(item, slot) else 1

    def requests(self, item: TiePair) -> dict[str, Chat]:
        chats = {}
        for slot in ORDERS if self.both_orders else ORDERS[:1]:
            first, second = self.shown(item, slot)
            chats[slot] = relative_prompt(RelativeRequest(item.prompt, first, second, self.rubric, ties=True))
        return chats

    def judgment(self, item: TiePair, outputs: dict[str, list[Completion]]) -> TieJudgment:
        per_slot = {}
        for slot, completions in outputs.items():
            samples = slot_samples(
                completions, partial(parse_relative, quoted=[item.response_1, item.response_2])
            )
            first: Verdict = "response_1" if self.shows_response_1_first(item, slot) else "response_2"
            second: Verdict = "response_2" if first == "response_1" else "response_1"
            letters: dict[str, Verdict] = {"A": first, "B": second, "tie": "tie"}
            samples["values"] = [None if value is None else letters[value] for value in samples["values"]]
            per_slot[slot] = samples
        fields: dict[str, Any] = {
            "benchmark": self.name,
            "id": item.id,
            "group": item.group,
            "label": item.label,
            "response_1_first": self.response_1_first(item),
        }
        return TieJudgment.model_validate(fields | by_slot(per_slot, pairwise=True))


class AutoJRow(_Record):
    """The official columns."""

    scenario: str = NonEmpty
    label: Literal[0, 1, 2]
    prompt: str = NonEmpty
    response_1: str = Field(alias="response 1")
    response_2: str = Field(alias="response 2")

    @field_validator("scenario")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in GROUP_OF_SCENARIO:  # upstream's scoring has no group for it either
            raise ValueError(f"{value!r} is not one of Auto-J's 58 scenarios")
        return value


def load_autoj(data: Path | None = None) -> tuple[list[TiePair], RowSource]:
    """All pairs in file order, grouped by scenario; a pair's id is its record (line) number."""
    source = load_rows(AUTOJ, data)
    items = []
    for number, raw in source.rows:
        row = validate(AutoJRow, raw, source=source.name, record=number)
        items.append(
            TiePair(
                id=str(number),
                group=row.scenario,
                prompt=row.prompt,
                response_1=row.response_1,
                response_2=row.response_2,
                label=AUTOJ_LABELS[row.label],
            )
        )
    return unique_items(items, source), source


def both_orders_right(judgment: TieJudgment) -> bool:
    """Auto-J's pairwise agreement for one pair: both orders' verdicts equal the label."""
    return len(judgment.order_verdicts) == 2 and all(v == judgment.label for v in judgment.order_verdicts)


def metric_name(group: str) -> str:
    """A group's harness metric: `Creative Writing` -> `creative_writing`."""
    return group.lower().replace(" ", "_")


def score_autoj(
    judgments: Sequence[TieJudgment], *, n_resamples: int = 1000, seed: int = 0
) -> dict[str, Any]:
    """Agreement and consistency overall (pooled over pairs) and per scenario group, with bootstrap 95%
    CIs (fractions; upstream prints them x100); agreement also without the pairs labelled tie, as
    prometheus-eval's report gives it. Rates count verdicts, two per pair."""
    agreement = np.array([both_orders_right(j) for j in judgments], dtype=float)
    consistency = np.array([j.order_disagrees is False for j in judgments], dtype=float)
    groups = np.array([GROUP_OF_SCENARIO[j.group] for j in judgments])
    verdicts = [verdict for j in judgments for verdict in j.order_verdicts]

    def estimate(values: np.ndarray, mask: np.ndarray) -> dict[str, Any]:
        return mean_estimate(values[mask], n_resamples=n_resamples, seed=seed).to_dict()

    everything = np.ones(len(judgments), dtype=bool)
    return {
        "n_items": len(judgments),
        "agreement": estimate(agreement, everything),
        "consistency": estimate(consistency, everything),
        "groups": {
            group: {
                "agreement": estimate(agreement, groups == group),
                "consistency": estimate(consistency, groups == group),
            }
            for group in SCENARIO_GROUPS
            if (groups == group).any()
        },
        "agreement_without_tie_labels": estimate(
            agreement, np.array([j.label != "tie" for j in judgments], dtype=bool)
        ),
        "tie_rate": verdicts.count("tie") / len(verdicts) if verdicts else 0.0,
        "parse_failure_rate": verdicts.count(None) / len(verdicts) if verdicts else 0.0,
    }


@register
@dataclass(frozen=True)
class AutoJ(TiePairBenchmark):
    name = "autoj"
    dataset = AUTOJ
    title = (
        "Auto-J pairwise test (GAIR-NLP/auto-j, 1,392 pairs): both orders, agreement with ties, consistency"
    )
    fixed_options: ClassVar[dict[str, Any]] = {"both_orders": True}
    rubric = AUTOJ_RUBRIC
    harness_metrics = (
        HarnessMetric("autoj_agreement", ("agreement",)),
        HarnessMetric("autoj_consistency", ("consistency",)),
        *(HarnessMetric(metric_name(group), ("groups", group, "agreement")) for group in SCENARIO_GROUPS),
        HarnessMetric("agreement_without_tie_labels", ("agreement_without_tie_labels",)),
        HarnessMetric("tie_rate", ("tie_rate",), higher_is_better=False),
        HarnessMetric("parse_failure_rate", ("parse_failure_rate",), higher_is_better=False),
    )

    both_orders: bool = True

    def load(self, data: Path | None, revision: str | None) -> tuple[Sequence[TiePair], RowSource]:  # type: ignore[override]
        return load_autoj(data)

    def score(self, judgments: Sequence[Judgment], options: ScoringOptions) -> dict[str, Any]:
        pairs = [j for j in judgments if isinstance(j, TieJudgment)]
        return score_autoj(pairs, n_resamples=options.n_resamples, seed=options.seed)

    def report(self, metrics: dict[str, Any]) -> list[RenderableType]:
        table = score_table(
            f"{TABLE_TITLE}: agreement with the human label, consistency, x100",
            ("", "agreement", "95% CI", "consistency", "n"),
        )

        def row(name: str, estimates: dict[str, Any], style: str | None = None) -> None:
            value, interval, count = format_estimate(estimates["agreement"], 100)
            table.add_row(
                name, value, interval, format_estimate(estimates["consistency"], 100)[0], count, style=style
            )

        row("Overall", metrics, style="bold")
        for name, estimates in metrics["groups"].items():
            row(name, estimates)
        without_ties = format_estimate(metrics["agreement_without_tie_labels"], 100)
        line = f"agreement without the tie-labelled pairs {without_ties[0]} (n {without_ties[2]})   "
        return [table, line + rates_line(metrics, count="pairs")]

    def paired_headline(self, groups: Sequence[str]) -> PairedHeadline:
        def right(judgment: Judgment) -> tuple[float, ...] | None:
            assert isinstance(judgment, TieJudgment)
            return (float(both_orders_right(judgment)),)

        return PairedHeadline("Auto-J agreement", right, lambda values: float(np.mean(values)))

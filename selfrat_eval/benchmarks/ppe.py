"""PPE, Preference Proxy Evaluations (Frick et al., arXiv:2410.14872; github.com/lmarena/PPE, whose code
could not be read here): two benchmarks.

`ppe_preference`: `lmarena-ai/PPE-Human-Preference-V1` (split `test`), Chatbot Arena votes with columns
`question_id`, `prompt`, `response_1` / `response_2` (`model_a`'s / `model_b`'s), `winner` (`model_a`,
`model_b`, or a tie), `language` and the flags `hard_prompt`, `easy_prompt`, `if_prompt`, `math_prompt`,
`is_code`, `is_refusal`. Score: accuracy against the human winner over the votes with one (ties are not
loaded: a copy of PPE's LLM-judge script read here keeps `winner in (model_a, model_b)`), overall, per
flag, per language. A judge's tie or unreadable verdict gets the run's tie policy (default 0.5; PPE's
own rule for it was not found). Absolute mode rates each response alone; only a strictly higher rating
is right.

`ppe_correctness`: `lmarena-ai/PPE-{MMLU-Pro,MATH,GPQA,IFEval,MBPP-Plus}-Best-of-K` (split `train`), rows
of `question_id`, `model_name`, `prompt`, K = 32 sampled `response_1` .. `response_K`, `scores` (each
response verified right or wrong) and `sampled_conflict_pairs` (0-based [i, j], one right and one wrong).
Each response is rated alone on 1-10, the ratings used as a reward model's scores. Headline, taken to be
the "PPE Correctness" of the Skywork-Reward-V2 / RewardBench 2 tables (public loaders build it from
these pairs): per set, the share of conflict pairs whose right response is rated strictly higher (a tie
or an unreadable rating is not; pairs pooled over the set, as a copy of PPE's `get_conflict_pair_iter`
flattens them), then the mean of the sets. Per set also the best-of-K end score: the correctness of the
top-rated of all K (ties at the top: the share right among them; an unreadable rating never tops).
Not implemented, their definitions unread: PPE's best-of-K curve maximum and loss, ROC AUC, row-wise
Pearson, and the leaderboard-level preference metrics (Spearman, Kendall, separability, confidence
agreement, Brier). No rankings mode: 32 candidates do not fit one choice.

Read: the PPE-MMLU-Pro-Best-of-K dataset card features (revision d3a309b), the PPE README and blog
(blog.lmarena.ai/blog/2024/preference-proxy-evaluations/), public loaders; see tests/data/ppe/README.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import Field, ValidationInfo, field_validator
from rich.console import RenderableType

from selfrat_eval._errors import InputError
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
from selfrat_eval.benchmarks._judgments import CandidatesJudgment, Judgment, PairJudgment
from selfrat_eval.benchmarks._pairs import PairBenchmark
from selfrat_eval.benchmarks._registry import register
from selfrat_eval.data import CandidatesItem, HubDataset, PairItem, RowSource
from selfrat_eval.data._io import validate
from selfrat_eval.data._records import _Record
from selfrat_eval.data._sources import load_rows, unique_items
from selfrat_eval.judges import Completion
from selfrat_eval.metrics import (
    CREDIT,
    Estimate,
    Outcome,
    TiePolicy,
    absolute_outcome,
    bootstrap_estimates,
    mean_estimate,
)
from selfrat_eval.parsing import RATING_10, parse_absolute
from selfrat_eval.prompts import AbsoluteRequest, Chat, GradingMode, absolute_prompt

PPE_PREFERENCE = HubDataset("lmarena-ai/PPE-Human-Preference-V1", "test", "ppe/human-preference-v1.jsonl")
_HUB_NAMES = {
    "mmlu_pro": "MMLU-Pro",
    "math": "MATH",
    "gpqa": "GPQA",
    "ifeval": "IFEval",
    "mbpp_plus": "MBPP-Plus",
}
#: The five sets (split `train`), by name; a mirror holds e.g. ppe/mmlu-pro-best-of-k.jsonl.
CORRECTNESS_SETS = {
    name: HubDataset(
        f"lmarena-ai/PPE-{hub}-Best-of-K", "train", f"ppe/{name.replace('_', '-')}-best-of-k.jsonl"
    )
    for name, hub in _HUB_NAMES.items()
}
#: Preference breakdowns, by the row flag that puts a vote in them.
CATEGORIES = {
    "hard_prompt": "hard_prompt",
    "easy_prompt": "easy_prompt",
    "instruction_following": "if_prompt",
}
CATEGORIES |= {"math": "math_prompt", "coding": "is_code", "refusal": "is_refusal"}
CORRECTNESS_RUBRIC = (
    "[Is the response correct: is its final answer right, does its code pass the tests, does it follow "
    "every instruction exactly?]\n"
    "Score 1: The response is wrong or does not address the task.\n"
    "Score 4: The response is partly right but its final answer or result is wrong.\n"
    "Score 7: The response is probably right, with a doubtful step or a small deviation.\n"
    "Score 10: The response is certainly correct and follows every instruction."
)


class PreferenceRow(_Record):
    """The columns used; the category flags and `language` are optional (a vote without them is in
    no breakdown)."""

    question_id: int | str
    prompt: str = Field(min_length=1)
    response_1: str = Field(min_length=1)
    response_2: str = Field(min_length=1)
    winner: Literal["model_a", "model_b", "tie", "tie (bothbad)"]
    language: str | None = None
    hard_prompt: bool = False
    easy_prompt: bool = False
    if_prompt: bool = False
    math_prompt: bool = False
    is_code: bool = False
    is_refusal: bool = False


class PreferenceItem(PairItem):
    """A vote: the human winner is `chosen`, grouped by language; `categories` names its flags."""

    categories: tuple[str, ...] = ()


class PreferenceJudgment(PairJudgment):
    benchmark: str = "ppe_preference"
    categories: list[str] = Field(default_factory=list)


def load_ppe_preference(
    data: Path | None = None, *, revision: str | None = None
) -> tuple[list[PreferenceItem], RowSource]:
    """The votes with a human winner, in file order (the returned source keeps only their rows)."""
    source = load_rows(PPE_PREFERENCE, data, revision)
    items, kept = [], []
    for number, raw in source.rows:
        row = validate(PreferenceRow, raw, source=source.name, record=number)
        if row.winner not in ("model_a", "model_b"):
            continue
        first_won = row.winner == "model_a"
        chosen, rejected = (row.response_1, row.response_2) if first_won else (row.response_2, row.response_1)
        categories = tuple(name for name, flag in CATEGORIES.items() if getattr(row, flag))
        vote = {"id": str(row.question_id), "group": row.language or "unknown", "prompt": row.prompt}
        items.append(PreferenceItem(**vote, chosen=chosen, rejected=rejected, categories=categories))
        kept.append((number, raw))
    if not items:
        raise InputError("no votes with a human winner (all are ties)", source=source.name, field="winner")
    votes = RowSource(source.name, kept, source.identity)
    return unique_items(items, votes), votes


def pair_credit(judgment: PairJudgment, tie_policy: TiePolicy = "official") -> float:
    """Pairwise: the tie policy's credit for the verdict; absolute: 1 only for a strictly higher rating."""
    if judgment.mode == "absolute":
        return float(judgment.outcome("strict") == "win")
    return CREDIT[tie_policy][judgment.outcome()]


@register
@dataclass(frozen=True)
class PPEPreference(PairBenchmark):
    name = "ppe_preference"
    title = "PPE Preference (lmarena-ai/PPE-Human-Preference-V1): accuracy vs the human vote"
    item_type = PreferenceItem
    judgment_type = PreferenceJudgment
    dataset = PPE_PREFERENCE
    modes = ("absolute", "pairwise")
    harness_metrics = (
        HarnessMetric("ppe_preference_accuracy", ("overall",)),
        *(HarnessMetric(name, ("categories", name)) for name in CATEGORIES),
        HarnessMetric("parse_failure_rate", ("parse_failure_rate",), higher_is_better=False),
    )

    def load(self, data: Path | None, revision: str | None) -> tuple[Sequence[PreferenceItem], RowSource]:
        return load_ppe_preference(data, revision=revision)

    def judgment(self, item: PairItem, outputs: dict[str, list[Completion]]) -> PairJudgment:
        judgment = super().judgment(item, outputs)
        return judgment.model_copy(update={"categories": list(getattr(item, "categories", ()))})

    def score(self, judgments: Sequence[Judgment], options: ScoringOptions) -> dict[str, Any]:
        votes = [j for j in judgments if isinstance(j, PairJudgment)]
        credits = np.array([pair_credit(j, options.tie_policy) for j in votes], dtype=float)

        def accuracy(mask: np.ndarray) -> dict[str, Any]:
            return mean_estimate(credits[mask], n_resamples=options.n_resamples, seed=options.seed).to_dict()

        flags = {
            name: np.array([name in getattr(j, "categories", ()) for j in votes], bool) for name in CATEGORIES
        }
        languages = np.array([j.group for j in votes])
        by_size = sorted(set(languages.tolist()), key=lambda lang: (-int((languages == lang).sum()), lang))
        if votes and votes[0].mode == "absolute":
            ratings = [r for j in votes for r in (j.score_chosen, j.score_rejected)]
            unreadable = sum(r is None for r in ratings) / len(ratings)
        else:
            unreadable = sum(j.winner is None for j in votes) / len(votes) if votes else 0.0
        return {
            "n_items": len(votes),
            "overall": accuracy(np.ones(len(votes), dtype=bool)),
            "categories": {name: accuracy(mask) for name, mask in flags.items() if mask.any()},
            "languages": {lang: accuracy(languages == lang) for lang in by_size},
            "tie_rate": float(np.mean([j.outcome() == "tie" for j in votes])) if votes else 0.0,
            "parse_failure_rate": unreadable,
        }

    def report(self, metrics: dict[str, Any]) -> list[RenderableType]:
        table = score_table("PPE Preference (human votes), accuracy x100")
        table.add_row("Overall", *format_estimate(metrics["overall"], 100), style="bold")
        for name, estimate in metrics["categories"].items():
            table.add_row(f"  {name}", *format_estimate(estimate, 100))
        table.add_section()
        for language, estimate in list(metrics["languages"].items())[:10]:
            table.add_row(f"  {language}", *format_estimate(estimate, 100), style="dim")
        return [table, rates_line(metrics, count="votes")]

    def paired_headline(self, groups: Sequence[str]) -> PairedHeadline:
        def credit(judgment: Judgment) -> tuple[float, ...] | None:
            assert isinstance(judgment, PairJudgment)
            return (pair_credit(judgment),)

        return PairedHeadline("PPE Preference accuracy", credit, lambda values: float(np.mean(values)))


class BestOfKRow(_Record):
    """The columns used (MMLU-Pro's `question`, `options`, `answer`, `parsed_outputs`, `mean_score`
    are not needed); `response_1` .. `response_K` are checked apart, K being the length of `scores`."""

    question_id: int | str
    prompt: str = Field(min_length=1)
    model_name: str | None = None
    subset: str | None = None
    scores: list[bool] = Field(min_length=2)
    sampled_conflict_pairs: list[tuple[int, int]]

    @field_validator("sampled_conflict_pairs")
    @classmethod
    def _in_range(cls, pairs: list[tuple[int, int]], info: ValidationInfo) -> list[tuple[int, int]]:
        k = len(info.data.get("scores") or [])
        for pair in pairs:
            if not all(0 <= index < k for index in pair):
                raise ValueError(f"pair {list(pair)} names a response outside 0..{k - 1}")
        return pairs


class BestOfKItem(CandidatesItem):
    """One row: the K responses in the data's order with their correctness, and the conflict pairs
    as (correct index, incorrect index); `correct` / `incorrect` are the two sides, for display."""

    correct: tuple[str, ...] = ()
    incorrect: tuple[str, ...] = ()
    responses: tuple[str, ...] = Field(min_length=2)
    labels: tuple[bool, ...]
    pairs: tuple[tuple[int, int], ...] = ()

    @property
    def candidates(self) -> tuple[str, ...]:
        return self.responses


class BestOfKJudgment(CandidatesJudgment):
    """A row rated response by response (slots `c0` .. `c<K-1>`, the data's order): `ratings`, with the
    responses' correctness `labels` and the conflict `pairs` (correct index, incorrect index)."""

    benchmark: str = "ppe_correctness"
    num_correct: int = Field(default=0, ge=0)
    labels: list[bool] = Field(default_factory=list)
    pairs: list[tuple[int, int]] = Field(default_factory=list)

    def pair_outcomes(self) -> list[Outcome]:
        rating = dict(enumerate(self.ratings))
        return [absolute_outcome(rating.get(c), rating.get(w)) for c, w in self.pairs]

    def best_of_k(self) -> float:
        """The expected correctness of the top-rated response (ties at the top: share correct)."""
        rated = [(r, label) for r, label in zip(self.ratings, self.labels, strict=False) if r is not None]
        if not rated:
            return float(np.mean(self.labels))
        top = max(r for r, _ in rated)
        return float(np.mean([label for r, label in rated if r == top]))


def _set_of(name: str) -> str | None:
    stem = Path(name).name.lower().replace("-", "_")
    return next((s for s in ("mmlu_pro", "mbpp_plus", "gpqa", "ifeval", "math") if s in stem), None)


def _best_of_k_items(source: RowSource, named: str | None) -> list[BestOfKItem]:
    items = []
    for number, raw in source.rows:
        row = validate(BestOfKRow, raw, source=source.name, record=number)
        subset = named or row.subset or _set_of(source.name)
        if subset not in CORRECTNESS_SETS:
            message = f"name the file after a PPE set, {list(CORRECTNESS_SETS)}, or give rows a `subset`"
            raise InputError(f"{message}, got {subset!r}", source=source.name, record=number, field="subset")
        responses = []
        for index in range(len(row.scores)):
            text = raw.get(f"response_{index + 1}")
            if not isinstance(text, str):
                message = f"response {index + 1} of the {len(row.scores)} scored is missing or not text"
                raise InputError(message, source=source.name, record=number, field=f"response_{index + 1}")
            responses.append(text)
        labels = tuple(row.scores)
        pairs = tuple(
            (i, j) if labels[i] else (j, i) for i, j in row.sampled_conflict_pairs if labels[i] != labels[j]
        )
        item_id = str(row.question_id) if row.model_name is None else f"{row.question_id}@{row.model_name}"
        sides = {"correct": [t for t, ok in zip(responses, labels, strict=True) if ok]}
        sides["incorrect"] = [t for t, ok in zip(responses, labels, strict=True) if not ok]
        fields = {"id": item_id, "group": subset, "prompt": row.prompt, "labels": labels, "pairs": pairs}
        items.append(BestOfKItem.model_validate(fields | sides | {"responses": responses}))
    return unique_items(items, source)


def load_ppe_correctness(
    data: Path | None = None, *, revision: str | None = None
) -> tuple[list[BestOfKItem], RowSource]:
    """`data`: one file (its set from each row's `subset`, else the file name); otherwise all five
    sets from $SELFRAT_DATA_DIR or the hub."""
    if data is not None:
        source = load_rows(CORRECTNESS_SETS["mmlu_pro"], data, revision)
        return _best_of_k_items(source, None), source
    if revision is not None:
        raise InputError(
            "a revision names one dataset's commit; PPE Correctness reads five", field="revision"
        )
    items, rows, identity, names = [], [], {}, []
    for name, dataset in CORRECTNESS_SETS.items():
        source = load_rows(dataset, None, None)
        items += _best_of_k_items(source, name)
        rows += source.rows
        identity[name] = source.identity
        names.append(source.name)
    return items, RowSource(" + ".join(names), rows, identity)


def _mean_of_ratios(strata: Sequence[tuple[np.ndarray, np.ndarray]], n_resamples: int, seed: int) -> Estimate:
    """Mean over strata of sum(numerator) / sum(denominator), rows resampled within each stratum."""

    def statistic(*indices: np.ndarray) -> np.ndarray:
        picks = [
            (num[i.astype(int)], den[i.astype(int)]) for (num, den), i in zip(strata, indices, strict=True)
        ]
        return np.asarray(np.mean([num.sum() / den.sum() for num, den in picks]))

    arrays = [np.arange(len(num), dtype=float) for num, _ in strata]
    [estimate] = bootstrap_estimates(arrays, statistic, n_resamples=n_resamples, seed=seed, paired=False)
    return estimate


def score_ppe_correctness(
    sets: Sequence[str],
    pair_credits: Sequence[Sequence[float]],
    best_of_k: Sequence[float],
    *,
    n_resamples: int = 1000,
    seed: int = 0,
) -> dict[str, Any]:
    """Per set its pair accuracy (pooled pairs) and best-of-K end score; the means over the sets."""
    names = np.array(sets)
    right = np.array([sum(credits) for credits in pair_credits], dtype=float)
    pairs = np.array([len(credits) for credits in pair_credits], dtype=float)
    best, ones = np.array(best_of_k, dtype=float), np.ones(len(names))
    present = [s for s in CORRECTNESS_SETS if (names == s).any()]
    scored = [s for s in present if pairs[names == s].sum() > 0]

    def estimate(numerator: np.ndarray, denominator: np.ndarray, among: list[str]) -> dict[str, Any] | None:
        strata = [(numerator[names == s], denominator[names == s]) for s in among]
        return _mean_of_ratios(strata, n_resamples, seed).to_dict() if strata else None

    return {
        "overall": estimate(right, pairs, scored),
        "best_of_k": estimate(best, ones, present),
        "sets": {
            s: {
                "accuracy": estimate(right, pairs, [s] if s in scored else []),
                "best_of_k": estimate(best, ones, [s]),
                "n_pairs": int(pairs[names == s].sum()),
            }
            for s in present
        },
    }


@register
@dataclass(frozen=True)
class PPECorrectness(Benchmark):
    name = "ppe_correctness"
    title = "PPE Correctness (lmarena-ai best-of-K sets): conflict-pair accuracy, mean of five sets"
    item_type = BestOfKItem
    judgment_type = BestOfKJudgment
    modes = ("absolute",)
    harness_metrics = (
        HarnessMetric("ppe_correctness_accuracy", ("overall",)),
        *(HarnessMetric(name, ("sets", name, "accuracy")) for name in CORRECTNESS_SETS),
        HarnessMetric("best_of_k", ("best_of_k",)),
        HarnessMetric("parse_failure_rate", ("parse_failure_rate",), higher_is_better=False),
    )

    mode: GradingMode = "absolute"

    @classmethod
    def sources(cls) -> tuple[HubDataset, ...]:
        return tuple(CORRECTNESS_SETS.values())

    def load(self, data: Path | None, revision: str | None) -> tuple[Sequence[BestOfKItem], RowSource]:
        return load_ppe_correctness(data, revision=revision)

    def requests(self, item: BestOfKItem) -> dict[str, Chat]:
        return {
            f"c{k}": absolute_prompt(AbsoluteRequest(item.prompt, text, CORRECTNESS_RUBRIC, top=10))
            for k, text in enumerate(item.responses)
        }

    def shown(self, item: BestOfKItem, slot: str) -> tuple[str, ...]:
        return (item.responses[int(slot[1:])],)

    def judgment(self, item: BestOfKItem, outputs: dict[str, list[Completion]]) -> BestOfKJudgment:
        per_slot = {
            f"c{k}": slot_samples(outputs[f"c{k}"], partial(parse_absolute, quoted=[text], scale=RATING_10))
            for k, text in enumerate(item.responses)
        }
        fields: dict[str, Any] = {
            "benchmark": self.name,
            "id": item.id,
            "group": item.group,
            "mode": "ratings",
        }
        fields |= {"num_correct": sum(item.labels), "labels": list(item.labels), "pairs": list(item.pairs)}
        return BestOfKJudgment.model_validate(fields | by_slot(per_slot))

    def score(self, judgments: Sequence[Judgment], options: ScoringOptions) -> dict[str, Any]:
        rows = [j for j in judgments if isinstance(j, BestOfKJudgment)]
        outcomes = [j.pair_outcomes() for j in rows]
        result = score_ppe_correctness(
            [j.group for j in rows],
            [[float(o == "win") for o in row] for row in outcomes],
            [j.best_of_k() for j in rows],
            n_resamples=options.n_resamples,
            seed=options.seed,
        )
        pairs = [o for row in outcomes for o in row]
        ratings = [r for j in rows for r in j.ratings]
        return {
            "n_items": len(rows),
            **result,
            "tie_rate": sum(o == "tie" for o in pairs) / len(pairs) if pairs else 0.0,
            "parse_failure_rate": sum(r is None for r in ratings) / len(ratings) if ratings else 0.0,
        }

    def report(self, metrics: dict[str, Any]) -> list[RenderableType]:
        table = score_table(
            "PPE Correctness (best-of-K sets), x100", ("", "accuracy", "95% CI", "n", "best of K")
        )
        overall = metrics["overall"] or {}
        end = format_estimate(metrics["best_of_k"] or {}, 100)[0]
        table.add_row("Mean of the sets", *format_estimate(overall, 100), end, style="bold")
        for name, entry in metrics["sets"].items():
            end = format_estimate(entry["best_of_k"], 100)[0]
            table.add_row(f"  {name}", *format_estimate(entry["accuracy"] or {}, 100), end)
        return [table, rates_line(metrics, count="rows")]

    def paired_headline(self, groups: Sequence[str]) -> PairedHeadline:
        """Per row its right pairs and its pairs; the statistic pools them per set, then averages."""

        def row_pairs(judgment: Judgment) -> tuple[float, ...] | None:
            assert isinstance(judgment, BestOfKJudgment)
            outcomes = judgment.pair_outcomes()
            return (float(sum(o == "win" for o in outcomes)), float(len(outcomes)))

        def mean_of_sets(right: Any, pairs: Any, codes: Any) -> float:
            ratios = [right[codes == c].sum() / pairs[codes == c].sum() for c in np.unique(codes)]
            return float(np.nanmean(ratios))

        return PairedHeadline(
            "PPE Correctness accuracy, mean of the sets", row_pairs, mean_of_sets, by_group=True
        )

"""SummEval (Fabbri et al., 2021): 1,600 summaries of 100 CNN/DailyMail articles by 16 systems, each
rated 1-5 by three experts on coherence, consistency, fluency and relevance (the label is the mean of
the three). The judge grades every summary on each dimension separately, with that dimension's rubric
below (written from the paper's definitions); the reference summaries are not shown, as the experts and
G-Eval did not use them.

Official score, G-Eval's summary level (nlpyang/geval `meta_eval_summeval.py`; G-Eval paper, Table 1):
per dimension and per article, Spearman and Kendall tau-b (scipy defaults) between the judge's and the
experts' scores of its 16 summaries; an article whose judge scores or expert scores are all equal is
skipped; the dimension's value is the mean over the remaining articles, and AVG (the headline, with
Spearman) is the mean of the four dimensions. Unlike G-Eval, which scores an unparseable output 0, an
unparseable grading is left out of its article. Also reported: dataset-level Pearson/Spearman/Kendall
over all summaries. Upstream averages 20 sampled scores (`--strategy self-consistency:20 --aggregate
mean` here); the default is one greedy judgment.

Data: the hub copy `mteb/summeval` (split `test`: one row per article with `text`, `machine_summaries`
and the experts' mean scores per dimension, no system ids), or the flattened files
`summeval_ratings.jsonl` (one row per summary: `doc_id, system_id, summary, scores{dimension}`) with
`summeval_docs.jsonl` (`doc_id, source`) beside it: pass the ratings file as `--data`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Annotated, Any

import numpy as np
from pydantic import Field, ValidationInfo, field_validator
from rich.console import RenderableType
from scipy import stats

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
from selfrat_eval.benchmarks._judgments import Judgment, Score
from selfrat_eval.benchmarks._registry import register
from selfrat_eval.data import HubDataset, RowSource, Rubric, RubricItem
from selfrat_eval.data._io import validate
from selfrat_eval.data._records import _Record
from selfrat_eval.data._sources import _from_file, load_rows, unique_items
from selfrat_eval.judges import Completion
from selfrat_eval.metrics import agreement, bootstrap_estimates, mean_estimate
from selfrat_eval.parsing import parse_absolute
from selfrat_eval.prompts import AbsoluteRequest, Chat, absolute_prompt

SUMMEVAL = HubDataset("mteb/summeval", "test", "human-likert/summeval/summeval_ratings.jsonl")
#: The articles of a ratings file, read from the same folder.
DOCUMENTS_FILE = "summeval_docs.jsonl"
DIMENSIONS = ("coherence", "consistency", "fluency", "relevance")
TABLE_TITLE = "SummEval: judge vs expert ratings (summary level: per article, then averaged)"
INSTRUCTION = "Write a short summary of the following news article.\n\n{article}"
#: A summary item's `rubric`: its requests each carry one dimension's rubric from RUBRICS.
RUBRIC_NOTE = "SummEval: coherence, consistency, fluency and relevance, one rubric per request"

#: One rubric per dimension, from the definitions the SummEval experts were given (Fabbri et al. 2021,
#: section 4.1, drawing on the DUC quality questions), with five levels written for this package.
RUBRICS = {
    "coherence": Rubric(
        criteria="Coherence: the collective quality of all sentences. Is the summary well-structured and "
        "well-organized, building from sentence to sentence into a coherent body of information about "
        "the topic, rather than a heap of related information?",
        score1_description="The sentences are disconnected or contradict each other; the summary is a heap "
        "of statements with no discernible structure or topic.",
        score2_description="A few sentences connect, but the order is largely confused, with abrupt jumps, "
        "dangling references or repetitions that obscure the topic.",
        score3_description="The summary has a recognisable topic and some structure, but several "
        "transitions are awkward or sentences are out of place.",
        score4_description="The summary is well organized and flows logically, with only minor lapses in "
        "order or in how sentences link.",
        score5_description="The summary is well-structured and well-organized: each sentence builds on the "
        "previous ones into one coherent account of the topic.",
    ),
    "consistency": Rubric(
        criteria="Consistency: the factual alignment between the summary and the article. Does the summary "
        "contain only statements that are entailed by the article, with no hallucinated facts?",
        score1_description="Most statements are unsupported by the article or contradict it; the summary "
        "is dominated by hallucinated facts.",
        score2_description="Several statements contradict the article or add facts it does not contain.",
        score3_description="The summary is mostly supported by the article but contains at least one clear "
        "factual error or hallucinated detail.",
        score4_description="All main statements are supported by the article; at most one minor detail is "
        "imprecise or not clearly entailed.",
        score5_description="Every statement is entailed by the article: nothing is contradicted or "
        "hallucinated.",
    ),
    "fluency": Rubric(
        criteria="Fluency: the quality of the individual sentences. Are the sentences free of formatting "
        "problems, capitalization errors and obviously ungrammatical constructions (fragments, missing "
        "components) that make the text difficult to read?",
        score1_description="Most sentences are ungrammatical, fragmentary or garbled; the summary is very "
        "hard to read.",
        score2_description="Many sentences have errors (fragments, missing words, formatting or "
        "capitalization problems) that clearly hinder reading.",
        score3_description="Some sentences have errors that affect readability, but most are understandable.",
        score4_description="The sentences are grammatical and easy to read, with a few minor errors.",
        score5_description="Every sentence is well formed and grammatical, with no formatting or "
        "capitalization problems.",
    ),
    "relevance": Rubric(
        criteria="Relevance: the selection of important content from the article. Does the summary include "
        "only the important information of the article, without redundancies or excess information?",
        score1_description="The summary misses the article's main points; its content is unimportant, "
        "redundant or off-topic.",
        score2_description="The summary captures few important points and contains much unimportant or "
        "repeated information.",
        score3_description="The summary covers some important points but misses others, or includes "
        "noticeable redundant or minor details.",
        score4_description="The summary covers most important points, with little redundancy or excess "
        "information.",
        score5_description="The summary contains the article's important information and only that, with "
        "no redundancy or excess information.",
    ),
}

ExpertMean = Annotated[float, Field(ge=1, le=5)]


class ExpertScores(_Record):
    coherence: ExpertMean
    consistency: ExpertMean
    fluency: ExpertMean
    relevance: ExpertMean


class SummEvalRating(_Record):
    """A row of `summeval_ratings.jsonl`: one summary with the mean of its three expert ratings."""

    doc_id: str = Field(min_length=1)
    system_id: str = Field(min_length=1)
    summary: str = Field(min_length=1)
    scores: ExpertScores


class SummEvalDocument(_Record):
    """A row of `summeval_docs.jsonl` (the reference summaries are not used)."""

    doc_id: str = Field(min_length=1)
    source: str = Field(min_length=1)


class SummEvalArticle(_Record):
    """A row of `mteb/summeval`: an article, its machine summaries, and per dimension the experts' mean
    score of each summary, in the same order."""

    id: str = Field(min_length=1)
    text: str = Field(min_length=1)
    machine_summaries: list[Annotated[str, Field(min_length=1)]] = Field(min_length=1)
    coherence: list[ExpertMean]
    consistency: list[ExpertMean]
    fluency: list[ExpertMean]
    relevance: list[ExpertMean]

    @field_validator(*DIMENSIONS)
    @classmethod
    def _one_score_per_summary(cls, scores: list[float], info: ValidationInfo) -> list[float]:
        summaries = info.data.get("machine_summaries")
        if summaries is not None and len(scores) != len(summaries):
            raise ValueError(f"must hold one score per machine summary ({len(summaries)}), not {len(scores)}")
        return scores


def summary_item(
    article_id: str, summary_id: str, article: str, summary: str, experts: ExpertScores
) -> RubricItem:
    """A summary, grouped by its article, labelled with the experts' mean per dimension."""
    return RubricItem(
        id=summary_id,
        group=article_id,
        instruction=INSTRUCTION.format(article=article),
        response=summary,
        rubric=RUBRIC_NOTE,
        labels=experts.model_dump(),
    )


def load_summeval(
    data: Path | None = None, *, revision: str | None = None
) -> tuple[list[RubricItem], RowSource]:
    """All summaries, grouped by article: from `mteb/summeval` rows (one per article; summaries are
    numbered `summary<k>` in row order), or from a ratings file and the documents file beside it."""
    source = load_rows(SUMMEVAL, data, revision)
    if "machine_summaries" in source.rows[0][1]:
        return _from_articles(source), source
    return _from_ratings(source)


def _from_articles(source: RowSource) -> list[RubricItem]:
    items: list[RubricItem] = []
    first: dict[str, int] = {}
    for number, raw in source.rows:
        row = validate(SummEvalArticle, raw, source=source.name, record=number)
        if row.id in first:
            raise InputError(
                f"duplicate article {row.id!r} (first at record {first[row.id]})",
                source=source.name,
                record=number,
                field="id",
            )
        first[row.id] = number
        for k, summary in enumerate(row.machine_summaries):
            experts = ExpertScores.model_validate({d: getattr(row, d)[k] for d in DIMENSIONS})
            items.append(summary_item(row.id, f"summary{k}", row.text, summary, experts))
    return items


def _from_ratings(source: RowSource) -> tuple[list[RubricItem], RowSource]:
    documents = _from_file(Path(source.name).parent / DOCUMENTS_FILE)
    articles: dict[str, str] = {}
    for number, raw in documents.rows:
        document = validate(SummEvalDocument, raw, source=documents.name, record=number)
        articles[document.doc_id] = document.source
    items = []
    for number, raw in source.rows:
        rating = validate(SummEvalRating, raw, source=source.name, record=number)
        if rating.doc_id not in articles:
            raise InputError(
                f"no article {rating.doc_id!r} in {DOCUMENTS_FILE} beside this file",
                source=source.name,
                record=number,
                field="doc_id",
            )
        items.append(
            summary_item(
                rating.doc_id, rating.system_id, articles[rating.doc_id], rating.summary, rating.scores
            )
        )
    identity = {**source.identity, "documents": documents.identity}
    return unique_items(items, source), RowSource(source.name, source.rows, identity)


class SummEvalJudgment(Judgment):
    """A summary graded on each dimension (slots named after the dimensions): the judge's `score_<d>`
    and the experts' mean `expert_<d>`."""

    benchmark: str = "summeval"
    score_coherence: Score | None = None
    score_consistency: Score | None = None
    score_fluency: Score | None = None
    score_relevance: Score | None = None
    expert_coherence: float | None = None
    expert_consistency: float | None = None
    expert_fluency: float | None = None
    expert_relevance: float | None = None

    def result_slots(self) -> dict[str, tuple[str, ...]]:
        return {f"score_{d}": (d,) for d in DIMENSIONS}

    def judge_score(self, dimension: str) -> float:
        """The judge's score, NaN when unparseable."""
        value = getattr(self, f"score_{dimension}")
        return float("nan") if value is None else float(value)

    def expert_score(self, dimension: str) -> float:
        value = getattr(self, f"expert_{dimension}")
        return float("nan") if value is None else float(value)


# -- G-Eval's summary-level correlation, vectorised over articles --------------------------------------
# Compare re-computes the headline on every bootstrap resample, so the per-article correlations are
# computed for all articles at once on an articles x summaries matrix (NaN where no summary or no score).


def _by_article(articles: np.ndarray, *columns: np.ndarray) -> list[np.ndarray]:
    """Each item-aligned column as an articles x summaries matrix (articles sorted), NaN-padded."""
    _, codes = np.unique(articles, return_inverse=True)
    counts = np.bincount(codes)
    order = np.argsort(codes, kind="stable")
    rows = codes[order]
    places = np.arange(len(codes)) - (np.cumsum(counts) - counts)[rows]
    matrices = []
    for column in columns:
        matrix = np.full((len(counts), counts.max(initial=0)), np.nan)
        matrix[rows, places] = column[order]
        matrices.append(matrix)
    return matrices


def _row_pearson(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Pearson's r per row over the entries present in both (NaN where either side is constant)."""
    present = (~np.isnan(x)).sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        dx = x - np.nansum(x, axis=1, keepdims=True) / present
        dy = y - np.nansum(y, axis=1, keepdims=True) / present
        var_x, var_y = np.nansum(dx * dx, axis=1), np.nansum(dy * dy, axis=1)
        r = np.nansum(dx * dy, axis=1) / np.sqrt(var_x * var_y)
    return np.where((var_x > 0) & (var_y > 0), r, np.nan)


def _row_kendall(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Kendall's tau-b per row: sum of sign products over pairs / sqrt(pairs untied in x * in y)."""
    sign_x = np.nan_to_num(np.sign(x[:, :, None] - x[:, None, :]))
    sign_y = np.nan_to_num(np.sign(y[:, :, None] - y[:, None, :]))
    untied_x, untied_y = np.abs(sign_x).sum(axis=(1, 2)), np.abs(sign_y).sum(axis=(1, 2))
    with np.errstate(invalid="ignore", divide="ignore"):
        tau = (sign_x * sign_y).sum(axis=(1, 2)) / np.sqrt(untied_x * untied_y)
    return np.where((untied_x > 0) & (untied_y > 0), tau, np.nan)


def _scored_pairs(
    articles: np.ndarray, judge: np.ndarray, expert: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Judge and expert matrices (articles sorted) holding only the summaries both scored."""
    x, y = _by_article(articles, judge, expert)
    absent = np.isnan(x) | np.isnan(y)
    return np.where(absent, np.nan, x), np.where(absent, np.nan, y)


def article_spearman(articles: np.ndarray, judge: np.ndarray, expert: np.ndarray) -> np.ndarray:
    """Per article (sorted): Spearman's rho of judge vs expert scores over its summaries (Pearson on
    average ranks, as scipy); NaN for an article G-Eval skips (either side constant)."""
    x, y = _scored_pairs(articles, judge, expert)
    return _row_pearson(
        stats.rankdata(x, axis=1, nan_policy="omit"), stats.rankdata(y, axis=1, nan_policy="omit")
    )


def article_kendall(articles: np.ndarray, judge: np.ndarray, expert: np.ndarray) -> np.ndarray:
    """Per article (sorted): Kendall's tau-b of judge vs expert scores; NaN where G-Eval skips."""
    return _row_kendall(*_scored_pairs(articles, judge, expert))


def _mean_of_dimensions(*per_article: np.ndarray, axis: int = -1) -> np.ndarray:
    """G-Eval's AVG: the mean over dimensions of each dimension's mean over its counted articles."""
    return np.asarray(np.mean([np.nanmean(values, axis=axis) for values in per_article], axis=0))


def score_summeval(
    articles: Sequence[str],
    judge: Mapping[str, Sequence[float]],
    expert: Mapping[str, Sequence[float]],
    *,
    n_resamples: int = 1000,
    seed: int = 0,
) -> dict[str, Any]:
    """Summary-level Spearman and Kendall per dimension and their AVG, with bootstrap 95% CIs over
    articles (n: the articles counted), plus dataset-level agreement per dimension; NaN scores are
    unparseable and left out."""
    names = np.asarray(articles)
    spearman: list[np.ndarray] = []
    kendall: list[np.ndarray] = []
    dimensions = {}
    for dimension in DIMENSIONS:
        x, y = np.asarray(judge[dimension], dtype=float), np.asarray(expert[dimension], dtype=float)
        rho, tau = article_spearman(names, x, y), article_kendall(names, x, y)
        both = ~np.isnan(x) & ~np.isnan(y)
        dimensions[dimension] = {
            "spearman": mean_estimate(rho[~np.isnan(rho)], n_resamples=n_resamples, seed=seed).to_dict(),
            "kendall": mean_estimate(tau[~np.isnan(tau)], n_resamples=n_resamples, seed=seed).to_dict(),
            "dataset_level": agreement(x[both], y[both], n_resamples=n_resamples, seed=seed).to_dict(),
        }
        spearman.append(rho)
        kendall.append(tau)
    averages = {
        name: bootstrap_estimates(
            per_article, _mean_of_dimensions, n_resamples=n_resamples, seed=seed, vectorized=True
        )[0].to_dict()
        for name, per_article in (("spearman", spearman), ("kendall", kendall))
    }
    return {
        "avg_spearman": averages["spearman"],
        "avg_kendall": averages["kendall"],
        "dimensions": dimensions,
    }


@register
@dataclass(frozen=True)
class SummEval(Benchmark):
    name = "summeval"
    dataset = SUMMEVAL
    title = "SummEval (mteb/summeval): G-Eval summary-level Spearman/Kendall vs expert ratings"
    item_type = RubricItem
    judgment_type = SummEvalJudgment
    harness_metrics = (
        HarnessMetric("avg_spearman", ("avg_spearman",)),
        HarnessMetric("avg_kendall", ("avg_kendall",)),
        *(
            HarnessMetric(f"{dimension}_{kind}", ("dimensions", dimension, kind))
            for dimension in DIMENSIONS
            for kind in ("spearman", "kendall")
        ),
        HarnessMetric("parse_failure_rate", ("parse_failure_rate",), higher_is_better=False),
    )

    def load(self, data: Path | None, revision: str | None) -> tuple[Sequence[RubricItem], RowSource]:
        return load_summeval(data, revision=revision)

    def requests(self, item: RubricItem) -> dict[str, Chat]:
        return {
            dimension: absolute_prompt(AbsoluteRequest(item.instruction, item.response, rubric.render()))
            for dimension, rubric in RUBRICS.items()
        }

    def shown(self, item: RubricItem, slot: str) -> tuple[str, ...]:
        return (item.response,)

    def judgment(self, item: RubricItem, outputs: dict[str, list[Completion]]) -> SummEvalJudgment:
        parse = partial(parse_absolute, quoted=[item.response])
        per_slot = {dimension: slot_samples(outputs[dimension], parse) for dimension in DIMENSIONS}
        experts = {f"expert_{dimension}": item.labels.get(dimension) for dimension in DIMENSIONS}
        fields = {"benchmark": self.name, "id": item.id, "group": item.group, **experts}
        return SummEvalJudgment.model_validate(fields | by_slot(per_slot))

    def score(self, judgments: Sequence[Judgment], options: ScoringOptions) -> dict[str, Any]:
        summaries = [j for j in judgments if isinstance(j, SummEvalJudgment)]
        judge = {d: [j.judge_score(d) for j in summaries] for d in DIMENSIONS}
        unreadable = [np.isnan(value) for values in judge.values() for value in values]
        result = score_summeval(
            [j.group for j in summaries],
            judge,
            {d: [j.expert_score(d) for j in summaries] for d in DIMENSIONS},
            n_resamples=options.n_resamples,
            seed=options.seed,
        )
        return {
            "n_items": len(summaries),
            **result,
            "parse_failure_rate": float(np.mean(unreadable)) if unreadable else 0.0,
        }

    def report(self, metrics: dict[str, Any]) -> list[RenderableType]:
        table = score_table(
            f"{TABLE_TITLE}, bootstrap 95% CI over articles",
            ("", "Spearman", "CI", "Kendall", "CI", "articles", "dataset-level Spearman"),
        )
        for dimension, entry in metrics["dimensions"].items():
            rho, rho_ci, counted = format_estimate(entry["spearman"])
            tau, tau_ci, _ = format_estimate(entry["kendall"])
            pooled = format_estimate(entry["dataset_level"]["spearman"])[0]
            table.add_row(dimension, rho, rho_ci, tau, tau_ci, counted, pooled)
        rho, rho_ci, articles = format_estimate(metrics["avg_spearman"])
        tau, tau_ci, _ = format_estimate(metrics["avg_kendall"])
        table.add_row("AVG", rho, rho_ci, tau, tau_ci, articles, "", style="bold")
        return [table, rates_line(metrics, count="summaries")]

    def paired_headline(self, groups: Sequence[str]) -> PairedHeadline:
        def scores(judgment: Judgment) -> tuple[float, ...] | None:
            assert isinstance(judgment, SummEvalJudgment)
            judged = [judgment.judge_score(d) for d in DIMENSIONS]
            if all(np.isnan(judged)):
                return None
            return tuple(
                v
                for d, score in zip(DIMENSIONS, judged, strict=True)
                for v in (score, judgment.expert_score(d))
            )

        def avg_spearman(*columns: np.ndarray) -> float:
            *values, codes = columns
            per_article = [
                article_spearman(codes, values[2 * k], values[2 * k + 1]) for k in range(len(DIMENSIONS))
            ]
            return float(_mean_of_dimensions(*per_article))

        return PairedHeadline("summary-level Spearman, AVG", scores, avg_spearman, by_group=True)

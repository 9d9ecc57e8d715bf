"""Preference pairs from a judge's own sampled judgments, by named strategy.

- `ground-truth` (default): chosen = a judgment whose score equals the label; rejected = one whose
  score misses it by at least `min_margin` (an unparseable judgment counts as a miss, if
  `unparseable_as_rejected`).
- `majority`: chosen = judgments with the modal score (ties broken as self-consistency does: closest
  to the mean, then lower); rejected = the others. No labels needed.
- `meta-judge`: a judge model rates every parseable candidate's rationale (the meta prompt); chosen =
  the highest rated, rejected = a candidate rated at least `min_margin` lower.
Pairwise judgments (values "chosen"/"rejected"/"tie" for which response the judge preferred): with
ground truth, chosen = a judgment preferring the labelled response, rejected = one preferring the
other or calling a tie (margin 1 and 0.5; `min_margin` applies to scores only); majority and
meta-judge work as above on the winners. Unparseable judgments are never chosen. At most
`max_pairs_per_item` pairs per item: rejected candidates, largest miss first, are paired with the
chosen ones in turn.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from selfrat_eval.benchmarks import Judgment, PairJudgment, RatingJudgment
from selfrat_eval.judges import majority_score, majority_winner

CurationStrategy = Literal["ground-truth", "majority", "meta-judge"]


class CurationSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    strategy: CurationStrategy = "ground-truth"
    min_margin: float = Field(2.0, gt=0, description="Score distance (ground truth) or meta-rating gap.")
    max_pairs_per_item: int = Field(2, ge=1)
    unparseable_as_rejected: bool = True


@dataclass(frozen=True)
class Pair:
    item_id: str
    chosen: str
    rejected: str
    chosen_value: float | None
    rejected_value: float | None
    margin: float


def _pairs(
    item_id: str,
    texts: Sequence[str],
    chosen: list[int],
    rejected: list[tuple[float, int]],
    values: Sequence[float | None],
    cap: int,
) -> list[Pair]:
    """Rejected candidates, largest miss first (then sample order), each paired with the next chosen
    candidate in turn; a rejected text is used once, and never against an identical chosen text."""
    if not chosen:
        return []
    pairs: list[Pair] = []
    used: set[str] = set()
    for margin, r_index in sorted(rejected, key=lambda pair: (-pair[0], pair[1])):
        c_index = chosen[len(pairs) % len(chosen)]
        if len(pairs) == cap:
            break
        if texts[r_index] in used or texts[r_index] == texts[c_index]:
            continue
        used.add(texts[r_index])
        pairs.append(Pair(item_id, texts[c_index], texts[r_index], values[c_index], values[r_index], margin))
    return pairs


def _slot(judgment: Judgment) -> str:
    return "pair" if isinstance(judgment, PairJudgment) else "response"


def curate(judgments: Sequence[Judgment], settings: CurationSettings | None = None) -> list[Pair]:
    """Pairs for every judgment (one item's N samples each), in the judgments' order."""
    settings = settings or CurationSettings()
    pairs: list[Pair] = []
    for judgment in judgments:
        texts = judgment.outputs.get(_slot(judgment), [])
        raw = judgment.values.get(_slot(judgment), [])
        if isinstance(judgment, PairJudgment):
            winners = [v if isinstance(v, str) else None for v in raw]
            chosen, rejected = _pairwise_candidates(judgment, winners, settings)
            values: list[float | None] = [None] * len(winners)
        else:
            assert isinstance(judgment, RatingJudgment)
            values = [v if isinstance(v, int | float) else None for v in raw]
            chosen, rejected = _candidates(judgment, values, settings)
        pairs += _pairs(judgment.id, texts, chosen, rejected, values, settings.max_pairs_per_item)
    return pairs


_WINNER_MISS = {"rejected": 1.0, "tie": 0.5}


def _pairwise_candidates(
    judgment: PairJudgment, winners: list[str | None], settings: CurationSettings
) -> tuple[list[int], list[tuple[float, int]]]:
    unparseable = (
        [(math.inf, i) for i, w in enumerate(winners) if w is None]
        if settings.unparseable_as_rejected
        else []
    )
    if settings.strategy == "ground-truth":
        chosen = [i for i, w in enumerate(winners) if w == "chosen"]
        missed = [(_WINNER_MISS[w], i) for i, w in enumerate(winners) if w in _WINNER_MISS]
        return chosen, missed + unparseable
    if settings.strategy == "majority":
        mode = majority_winner(winners)
        if mode is None:
            return [], []
        chosen = [i for i, w in enumerate(winners) if w == mode]
        return chosen, [(1.0, i) for i, w in enumerate(winners) if w is not None and w != mode] + unparseable
    return _meta_candidates(judgment.meta_scores.get("pair", []), winners, settings, unparseable)


def _meta_candidates(
    ratings: Sequence[float | None],
    values: Sequence[object],
    settings: CurationSettings,
    unparseable: list[tuple[float, int]],
) -> tuple[list[int], list[tuple[float, int]]]:
    rated = [(r, i) for i, r in enumerate(ratings) if r is not None and values[i] is not None]
    if not rated:
        return [], []
    best = max(r for r, _ in rated)
    chosen = [i for r, i in rated if r == best]
    lower = [(best - r, i) for r, i in rated if best - r >= settings.min_margin]
    return chosen, lower + unparseable


def _candidates(
    judgment: RatingJudgment, values: list[float | None], settings: CurationSettings
) -> tuple[list[int], list[tuple[float, int]]]:
    unparseable = (
        [(math.inf, i) for i, v in enumerate(values) if v is None] if settings.unparseable_as_rejected else []
    )
    if settings.strategy == "ground-truth":
        label = judgment.label
        if label is None:
            return [], []
        chosen = [i for i, v in enumerate(values) if v is not None and v == label]
        missed = [
            (abs(v - label), i)
            for i, v in enumerate(values)
            if v is not None and abs(v - label) >= settings.min_margin
        ]
        return chosen, missed + unparseable
    if settings.strategy == "majority":
        mode = majority_score(values)
        if mode is None:
            return [], []
        chosen = [i for i, v in enumerate(values) if v == mode]
        others = [(abs(v - mode), i) for i, v in enumerate(values) if v is not None and v != mode]
        return chosen, others + unparseable
    return _meta_candidates(judgment.meta_scores.get("response", []), values, settings, unparseable)


def curation_stats(judgments: Sequence[Judgment], pairs: Sequence[Pair]) -> dict[str, Any]:
    """What curation kept: items, pairs per item, margin histogram, sample parse-failure rate."""
    per_item = Counter(pair.item_id for pair in pairs)
    samples = [v for j in judgments for v in j.values.get(_slot(j), [])]
    return {
        "items": len(judgments),
        "items_with_pairs": len(per_item),
        "pairs": len(pairs),
        "pairs_per_item": dict(sorted(Counter(per_item[j.id] for j in judgments).items())),
        "margin_histogram": dict(
            sorted(Counter("unparseable" if math.isinf(p.margin) else str(p.margin) for p in pairs).items())
        ),
        "sample_parse_failure_rate": sum(v is None for v in samples) / len(samples) if samples else 0.0,
    }

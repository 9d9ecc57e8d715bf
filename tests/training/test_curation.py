"""Pair curation against hand-computed expectations on scripted samples."""

from __future__ import annotations

import math

from selfrat_eval.benchmarks import PairJudgment, RatingJudgment
from selfrat_eval.training import CurationSettings, curate, curation_stats


def judgment(
    values: list[float | None],
    label: float | None = 4,
    meta: list[float | None] | None = None,
    item_id: str = "q",
) -> RatingJudgment:
    texts = [f"judgment {i} -> {v}" for i, v in enumerate(values)]
    return RatingJudgment(
        benchmark="rubric",
        id=item_id,
        group="g",
        label=label,
        outputs={"response": texts},
        values={"response": values},
        meta_scores={"response": meta} if meta else {},
    )


def test_ground_truth_margin_and_cap() -> None:
    j = judgment([4, 2, 5, None, 1, 4])  # label 4: chosen 0 and 5; misses by >= 2: 2 (by 2), 1 (by 3), None
    pairs = curate([j], CurationSettings(max_pairs_per_item=3))
    # largest miss first: the unparseable one, then 1 (margin 3), then 2 (margin 2); chosen alternate 0, 5
    assert [(p.chosen, p.rejected, p.margin) for p in pairs] == [
        ("judgment 0 -> 4", "judgment 3 -> None", math.inf),
        ("judgment 5 -> 4", "judgment 4 -> 1", 3),
        ("judgment 0 -> 4", "judgment 1 -> 2", 2),
    ]
    assert len(curate([j], CurationSettings(max_pairs_per_item=2))) == 2
    assert curate([j], CurationSettings(min_margin=1, unparseable_as_rejected=False, max_pairs_per_item=9))[
        -1
    ].rejected == (
        "judgment 2 -> 5"  # with margin 1, the 5 is a miss too (the smallest, so last)
    )


def test_no_pair_without_a_correct_judgment_or_a_clear_miss() -> None:
    assert curate([judgment([3, 5, 5, 3])]) == []  # no 4 among the samples
    assert curate([judgment([4, 4, 3, 5])]) == []  # no miss by 2 or more
    assert curate([judgment([4, 1], label=None)]) == []  # ground truth needs a label


def test_unparseable_is_never_chosen() -> None:
    pairs = curate([judgment([None, None, 4, 4, 2], label=None)], CurationSettings(strategy="majority"))
    assert all("None" not in p.chosen for p in pairs)
    assert [p.rejected for p in pairs] == ["judgment 0 -> None", "judgment 1 -> None"]


def test_majority_ties_go_to_the_mode_nearest_the_mean() -> None:
    # modes 2 and 5 (twice each), mean of 2,2,5,5,4 is 3.6: 5 is the majority
    pairs = curate(
        [judgment([2, 2, 5, 5, 4], label=None)], CurationSettings(strategy="majority", max_pairs_per_item=5)
    )
    assert {p.chosen for p in pairs} == {"judgment 2 -> 5", "judgment 3 -> 5"}
    assert [p.rejected for p in pairs] == ["judgment 0 -> 2", "judgment 1 -> 2", "judgment 4 -> 4"]


def test_meta_judge_prefers_the_best_rated_rationale() -> None:
    j = judgment([4, 2, 5, None], meta=[3.0, 5.0, 2.0, None], label=None)
    pairs = curate([j], CurationSettings(strategy="meta-judge"))
    # best rated: sample 1 (5); rated >= 2 lower: sample 2 (gap 3); sample 0 gap 2; None never chosen
    assert [(p.chosen, p.rejected, p.margin) for p in pairs] == [
        ("judgment 1 -> 2", "judgment 3 -> None", math.inf),
        ("judgment 1 -> 2", "judgment 2 -> 5", 3.0),
    ]


def test_stats() -> None:
    judgments = [judgment([4, 1, None], item_id="a"), judgment([3, 3, 3], item_id="b")]
    pairs = curate(judgments)
    stats = curation_stats(judgments, pairs)
    assert stats["items"] == 2 and stats["items_with_pairs"] == 1 and stats["pairs"] == 2
    assert stats["pairs_per_item"] == {0: 1, 2: 1}
    assert stats["margin_histogram"] == {"3.0": 1, "unparseable": 1}
    assert stats["sample_parse_failure_rate"] == 1 / 6


def pair_judgment(winners: list[str | None], meta: list[float | None] | None = None) -> PairJudgment:
    texts = [f"judgment {i} -> {w}" for i, w in enumerate(winners)]
    return PairJudgment(
        benchmark="pairwise",
        id="p",
        group="g",
        mode="pairwise",
        a_is_chosen=True,
        outputs={"pair": texts},
        values={"pair": winners},
        meta_scores={"pair": meta} if meta else {},
    )


def test_pairwise_ground_truth() -> None:
    j = pair_judgment(["chosen", "tie", "rejected", None, "chosen"])
    pairs = curate([j], CurationSettings(max_pairs_per_item=3))
    # misses: unparseable (inf), rejected (1), tie (0.5); chosen 0 and 4 in turn
    assert [(p.chosen, p.rejected, p.margin) for p in pairs] == [
        ("judgment 0 -> chosen", "judgment 3 -> None", math.inf),
        ("judgment 4 -> chosen", "judgment 2 -> rejected", 1.0),
        ("judgment 0 -> chosen", "judgment 1 -> tie", 0.5),
    ]
    assert curate([pair_judgment(["rejected", "rejected"])]) == []  # never right: nothing to prefer


def test_pairwise_majority_needs_no_label() -> None:
    pairs = curate(
        [pair_judgment(["rejected", "rejected", "chosen", None])], CurationSettings(strategy="majority")
    )
    assert {p.chosen for p in pairs} == {"judgment 0 -> rejected", "judgment 1 -> rejected"}
    assert sorted(p.rejected for p in pairs) == ["judgment 2 -> chosen", "judgment 3 -> None"]

from __future__ import annotations

from pathlib import Path

from selfrat_eval.benchmarks import RatingJudgment
from selfrat_eval.evaluation import JudgmentStore


def judgment(item_id: str) -> RatingJudgment:
    return RatingJudgment(benchmark="rubric", id=item_id, group="g", score=3, label=4)


def test_a_line_torn_by_a_kill_is_dropped_and_the_rest_kept(tmp_path: Path) -> None:
    store = JudgmentStore(tmp_path / "judgments.jsonl")
    store.append([judgment("1"), judgment("2")])
    with (tmp_path / "judgments.jsonl").open("a") as handle:
        handle.write('{"benchmark": "rubric", "id": "3", "gro')  # killed mid-write
    reopened = JudgmentStore(tmp_path / "judgments.jsonl")
    assert [j.id for j in reopened.load()] == ["1", "2"]
    reopened.append([judgment("3")])
    assert [j.id for j in reopened.load()] == ["1", "2", "3"]

"""Votes on rationale pairs, from people or a meta-judge, in one record type; import and export as
JSONL or CSV so that a study run elsewhere (a crowd platform, Label Studio, Argilla) comes back in.

A vote names the pair (`pair`: the key of a pairs.jsonl line, `<run a> vs <run b>/<item>::<slot>`),
the annotator, the winner as a run side (`a`, `b` or `tie`; `A`/`B`/`Tie` are read too), and, where
the page showed it, which side was shown on the left (`shown_left`), the annotator's reason and the
seconds the vote took. The schema follows MT-Bench's human judgments (one row per vote, the display
order stored so that scoring never depends on it).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from selfrat_eval._errors import InputError
from selfrat_eval.benchmarks._judgments import BothOrdersJudgment
from selfrat_eval.benchmarks.rationale_pairs import RationalePair, pair_preference
from selfrat_eval.data._io import atomic_write, read_rows, validate
from selfrat_eval.evaluation._runner import RUN_FILE
from selfrat_eval.evaluation._store import read_judgments
from selfrat_eval.metrics import Preference

#: Votes from a meta-judge carry this prefix on their annotator name (people's never do).
META_PREFIX = "meta-judge:"
VOTE_FIELDS = ("pair", "annotator", "winner", "shown_left", "reason", "seconds", "created")


class Vote(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    pair: str = Field(min_length=1)
    annotator: str = Field(min_length=1)
    winner: Preference
    shown_left: Literal["a", "b"] | None = None
    reason: str = ""
    seconds: float | None = None
    created: str | None = None

    @field_validator("winner", "shown_left", mode="before")
    @classmethod
    def _lower(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) and value.strip() else value or None

    @field_validator("seconds", "created", mode="before")
    @classmethod
    def _blank(cls, value: Any) -> Any:  # a CSV's empty cell
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("reason", mode="before")
    @classmethod
    def _text(cls, value: Any) -> Any:
        return "" if value is None else value

    @property
    def by_meta_judge(self) -> bool:
        return self.annotator.startswith(META_PREFIX)


def read_votes(path: Path, pairs: Sequence[RationalePair]) -> list[Vote]:
    """Votes from a JSONL/JSON/CSV file, each naming a pair of `pairs`; one vote per pair and annotator."""
    known = {pair.key for pair in pairs}
    votes: list[Vote] = []
    seen: set[tuple[str, str]] = set()
    for number, raw in read_rows(Path(path)):
        vote = validate(Vote, raw, source=str(path), record=number)
        if vote.pair not in known:
            raise InputError(
                "names no pair of the study's pairs", source=str(path), record=number, field="pair"
            )
        if (vote.pair, vote.annotator) in seen:
            raise InputError(
                f"{vote.annotator} voted on this pair twice", source=str(path), record=number, field="pair"
            )
        seen.add((vote.pair, vote.annotator))
        votes.append(vote)
    return votes


def write_votes(votes: Sequence[Vote], path: Path) -> None:
    """JSONL or CSV by the file's suffix, written whole (a temp file renamed into place)."""
    rows = [vote.model_dump() for vote in votes]
    if path.suffix.lower() == ".csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=VOTE_FIELDS)
        writer.writeheader()
        writer.writerows({k: "" if v is None else v for k, v in row.items()} for row in rows)
        text = buffer.getvalue()
    elif path.suffix.lower() in (".jsonl", ".ndjson"):
        text = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    else:
        raise InputError("votes are written as .jsonl or .csv", source=str(path))
    with atomic_write(path) as handle:
        handle.write(text)


def meta_judge_name(folder: Path) -> str:
    """How a meta-judge run's votes are signed: `meta-judge:<the judge's file or folder name>`."""
    identity = json.loads((Path(folder) / RUN_FILE).read_text(encoding="utf-8")).get("identity", {})
    return f"{META_PREFIX}{Path(str(identity.get('judge', Path(folder).name))).name}"


def meta_judge_votes(folder: Path, pairs: Sequence[RationalePair]) -> list[Vote]:
    """A `rationale_pairs` run's preferences as votes (annotator `meta_judge_name`); pairs whose
    two orders were both unreadable give no vote."""
    run_file = Path(folder) / RUN_FILE
    judgments_file = Path(folder) / "judgments.jsonl"
    if not run_file.exists() or not judgments_file.exists():
        raise InputError("not a meta-judge run folder (no run.json / judgments.jsonl)", source=str(folder))
    name = meta_judge_name(folder)
    known = {pair.key for pair in pairs}
    votes = []
    for judgment in read_judgments(judgments_file):
        if not isinstance(judgment, BothOrdersJudgment) or judgment.benchmark != "rationale_pairs":
            raise InputError("holds no rationale-pair judgments", source=str(judgments_file))
        preference = pair_preference(judgment)
        if preference is not None and judgment.key in known:
            votes.append(Vote(pair=judgment.key, annotator=name, winner=preference))
    return votes

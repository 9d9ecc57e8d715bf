"""Typed records that every benchmark loader produces and every later layer consumes."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

NonEmpty = Field(min_length=1)


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", str_strip_whitespace=False)


class Rubric(_Record):
    """A 1-5 score rubric: a criterion and one description per score level."""

    criteria: str = NonEmpty
    score1_description: str = NonEmpty
    score2_description: str = NonEmpty
    score3_description: str = NonEmpty
    score4_description: str = NonEmpty
    score5_description: str = NonEmpty

    def render(self) -> str:
        """Prometheus format: `[criteria]` then one `Score n: ...` line per level."""
        levels = (
            self.score1_description,
            self.score2_description,
            self.score3_description,
            self.score4_description,
            self.score5_description,
        )
        lines = [f"[{self.criteria}]"]
        lines += [f"Score {n}: {text}" for n, text in enumerate(levels, start=1)]
        return "\n".join(lines)


class RubricItem(_Record):
    """One response to grade on a 1-5 rubric (BiGGen-Bench rows, user rubric files).

    `labels` holds the reference scores to correlate with (e.g. `human_score`, `gpt4_score`, or
    `label`); a missing label is absent, never -1.
    """

    id: str = NonEmpty
    group: str = NonEmpty
    instruction: str = NonEmpty
    response: str = NonEmpty
    rubric: Rubric | str
    reference_answer: str | None = None
    labels: dict[str, float] = Field(default_factory=dict)
    meta: dict[str, str] = Field(default_factory=dict)

    @field_validator("rubric")
    @classmethod
    def _rubric_not_empty(cls, value: Rubric | str) -> Rubric | str:
        if isinstance(value, str) and not value.strip():
            raise ValueError("rubric is empty")
        return value

    def rubric_text(self) -> str:
        return self.rubric.render() if isinstance(self.rubric, Rubric) else self.rubric

    @property
    def key(self) -> str:
        return item_key(self.group, self.id)


class PairItem(_Record):
    """One pair: a prompt, a chosen (preferred) and a rejected response; RewardBench pairs have no
    rubric of their own, pairwise rubric files may carry one and a reference answer."""

    id: str = NonEmpty
    group: str = NonEmpty
    prompt: str = NonEmpty
    chosen: str = NonEmpty
    rejected: str = NonEmpty
    rubric: str | None = None
    reference_answer: str | None = None

    @property
    def key(self) -> str:
        return item_key(self.group, self.id)


class CandidatesItem(_Record):
    """A prompt with several candidate completions, the first `len(correct)` of them correct
    (RewardBench 2: one correct and three wrong, or for Ties several of each)."""

    id: str = NonEmpty
    group: str = NonEmpty
    prompt: str = NonEmpty
    correct: tuple[str, ...] = Field(min_length=1)
    incorrect: tuple[str, ...] = Field(min_length=1)

    @property
    def candidates(self) -> tuple[str, ...]:
        return self.correct + self.incorrect

    @property
    def key(self) -> str:
        return item_key(self.group, self.id)


def item_key(group: str, item_id: str) -> str:
    """Items are keyed by (group, id): RewardBench reuses id 3692 in two subsets."""
    return f"{group}/{item_id}"

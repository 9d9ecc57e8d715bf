"""What a benchmark declares, and the helpers its declaration uses.

A benchmark is one module under `selfrat_eval/benchmarks/` holding one `Benchmark` subclass, registered
with `@register`: its loader (hub id, split, local file, `$SELFRAT_DATA_DIR`), how an item becomes
judge requests, how the judge's texts become a judgment, its metric, its terminal table, what
`selfrat compare` pairs, and the numbers the harness plugins report. The runner, `selfrat score` and
`compare`, the CLI and the lm-eval and inspect tasks are all derived from these declarations.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from rich.console import RenderableType
from rich.table import Table

from selfrat_eval.benchmarks._judgments import Judgment
from selfrat_eval.data import CandidatesItem, HubDataset, PairItem, PublishedFile, RowSource, RubricItem
from selfrat_eval.judges import Completion
from selfrat_eval.metrics import TiePolicy
from selfrat_eval.parsing import ParsedJudgment
from selfrat_eval.prompts import Chat, GradingMode

Item = PairItem | RubricItem | CandidatesItem
#: A statistic over item-aligned columns (the judge's values first).
Statistic = Callable[..., float]


@dataclass(frozen=True)
class ScoringOptions:
    tie_policy: TiePolicy = "official"
    n_resamples: int = 1000
    seed: int = 0


@dataclass(frozen=True)
class HarnessMetric:
    """A number the lm-eval and inspect tasks report: its name, and where it is in `score()`'s output
    (an estimate's `value` is taken)."""

    name: str
    path: tuple[str, ...]
    higher_is_better: bool = True

    def estimate(self, metrics: dict[str, Any]) -> dict[str, Any] | None:
        """The estimate at `path` (value, ci_low, ci_high, n), or {"value": x} for a plain number."""
        found: Any = metrics
        for key in self.path:
            found = found.get(key) if isinstance(found, dict) else None
        if found is None or isinstance(found, dict):
            return found
        return {"value": found}

    def read(self, metrics: dict[str, Any]) -> float:
        found = self.estimate(metrics)
        value = None if found is None else found.get("value")
        return math.nan if value is None else float(value)


@dataclass(frozen=True)
class PairedHeadline:
    """What `selfrat compare` pairs item by item: each judgment's values (None: the item is left out)
    and the statistic over the item-aligned columns; with `by_group`, the items' groups follow as a
    last column of codes (their index in the sorted groups)."""

    name: str
    extract: Callable[[Judgment], tuple[float, ...] | None]
    statistic: Statistic
    by_group: bool = False


@dataclass(frozen=True)
class Benchmark(ABC):
    """One benchmark. Subclasses are frozen dataclasses whose fields are the options a run may set
    (`mode`, `seed`, `both_orders`, `use_reference`; every field needs a default)."""

    #: The `--benchmark` name, the `benchmark` field of its judgments, the harness task prefix.
    name: ClassVar[str]
    #: One line for help texts.
    title: ClassVar[str]
    item_type: ClassVar[type[Item]]
    judgment_type: ClassVar[type[Judgment]]
    #: How the judge may be asked (`--mode`), the default first.
    modes: ClassVar[tuple[GradingMode, ...]] = ("absolute",)
    #: Your own data: there is no published copy, `--data FILE` is required.
    user_data: ClassVar[bool] = False
    #: Options the benchmark's definition fixes whatever a run asks (JudgeBench: both orders).
    fixed_options: ClassVar[dict[str, Any]] = {}
    harness_metrics: ClassVar[tuple[HarnessMetric, ...]] = ()
    #: The published data it loads when no `--data` is given (None: only your own data).
    dataset: ClassVar[HubDataset | PublishedFile | None] = None

    @classmethod
    def sources(cls) -> tuple[HubDataset | PublishedFile, ...]:
        """Every published set it loads (a benchmark spread over several sets overrides this)."""
        return () if cls.dataset is None else (cls.dataset,)

    @abstractmethod
    def load(self, data: Path | None, revision: str | None) -> tuple[Sequence[Item], RowSource]:
        """The items, from `data` if given, else $SELFRAT_DATA_DIR, else the hub."""

    @abstractmethod
    def requests(self, item: Any) -> dict[str, Chat]:
        """The chats to send for one item, by slot (RewardBench absolute: `chosen` and `rejected`)."""

    def shown(self, item: Any, slot: str) -> tuple[str, ...]:
        """The responses request `slot` shows the judge, in display order (A, B, ...; one when a
        response is rated alone): what the trivial baselines decide from."""
        raise NotImplementedError(f"{self.name} does not say what its requests show")

    def picked(self, item: Any, slot: str, value: Any) -> int | None:
        """Which of `shown(item, slot)` a parsed verdict `value` picks (None: a tie, no verdict, or a
        request that rates one response): what the position and length diagnostics count."""
        return None

    @abstractmethod
    def judgment(self, item: Any, outputs: dict[str, list[Completion]]) -> Judgment:
        """Parse each slot's completions into a judgment (results are filled in by a Strategy)."""

    @abstractmethod
    def score(self, judgments: Sequence[Judgment], options: ScoringOptions) -> dict[str, Any]:
        """The metrics of results.json: headline, breakdown, bootstrap CIs, failure rates."""

    @abstractmethod
    def report(self, metrics: dict[str, Any]) -> list[RenderableType]:
        """What `selfrat eval` and `selfrat score` print: a table, then a line of rates."""

    @abstractmethod
    def paired_headline(self, groups: Sequence[str]) -> PairedHeadline: ...

    def write_outputs(
        self,
        folder: Path,
        judgments: Sequence[Judgment],
        results: dict[str, Any],
        model_name: str,
        options: ScoringOptions,
    ) -> None:
        """Files beside results.json (leaderboard submissions); none by default."""
        return None

    @classmethod
    def from_judgments(cls, judgments: Sequence[Judgment]) -> Benchmark:
        """The benchmark that scores stored judgments (`selfrat score`)."""
        return cls()


def slot_samples(outputs: list[Completion], parse: Callable[[str], ParsedJudgment]) -> dict[str, list[Any]]:
    """One slot's samples; a prompt that was not sent (too long) is never parsed."""
    parsed = [None if c.too_long else parse(c.text) for c in outputs]
    return {
        "outputs": [c.text for c in outputs],
        "parse_status": ["too_long" if p is None else p.status for p in parsed],
        "values": [p.value if p is not None and p.ok else None for p in parsed],
        "strengths": [None if p is None else p.strength for p in parsed],
        "logprobs": [c.mean_logprob for c in outputs],
        "finish": [c.finish for c in outputs],
    }


def by_slot(
    per_slot: dict[str, dict[str, list[Any]]], pairwise: bool = False
) -> dict[str, dict[str, list[Any]]]:
    """{slot: {field: list}} -> {field: {slot: list}}, the judgments.jsonl layout."""
    fields = (
        "outputs",
        "parse_status",
        "values",
        "logprobs",
        "finish",
        *(("strengths",) if pairwise else ()),
    )
    return {field: {slot: samples[field] for slot, samples in per_slot.items()} for field in fields}


def format_estimate(estimate: dict[str, Any], scale: float = 1.0) -> tuple[str, str, str]:
    """An estimate's value, 95% CI and n as table cells (x100 with one decimal when `scale` is 100)."""
    digits = 3 if scale == 1 else 1
    value, low, high = estimate.get("value"), estimate.get("ci_low"), estimate.get("ci_high")
    shown = "n/a" if value is None else f"{value * scale:.{digits}f}"
    interval = "" if low is None or high is None else f"[{low * scale:.{digits}f}, {high * scale:.{digits}f}]"
    return shown, interval, str(estimate.get("n", ""))


def score_table(title: str, columns: Sequence[str] = ("", "score", "95% CI", "n")) -> Table:
    """A results table: the first column (labels) left-aligned, the numbers right-aligned."""
    table = Table(title=title)
    for index, column in enumerate(columns):
        table.add_column(column, justify="left" if index == 0 else "right")
    return table


def rates_line(metrics: dict[str, Any], count: str = "items") -> str:
    """The tie and parse-failure rates (where the benchmark has them) and the number of items."""
    parts = [
        f"{label} {metrics[key]:.1%}"
        for key, label in (("tie_rate", "tie rate"), ("parse_failure_rate", "parse-failure rate"))
        if metrics.get(key) is not None
    ]
    return "   ".join([*parts, f"{count} {metrics['n_items']}"])

"""Judge output -> (rationale, result, status). Pure functions that never raise on model output.

Rules, in order:
1. A bracketed marker (`[RESULT]`, `[[SCORE]]`, `[Verdict]`, ...) is authoritative: the *last* one
   decides, and if its value is not valid the output is `invalid_result` (no fallback to an earlier
   marker: the judge's final word was not a valid result).
2. Without a bracketed marker, the last loose marker with a valid value wins (`Score: 4`,
   `**Final verdict:** B`); loose markers with no valid value are prose and are skipped.
3. A marker that the judge merely quoted is ignored: one inside a markdown quote or code block, or one
   whose surrounding text is copied verbatim from an evaluated response (pass those as `quoted`).
Absolute values are integers 1-5 (`4`, `4.0`, `(4)`, `**4**`, `4/5`, `four`); relative values are
`A`, `B` (also `Response A`, `[[A]]`) or `tie`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

ParseStatus = Literal["ok", "empty", "no_result", "invalid_result"]
Winner = Literal["A", "B", "tie"]

_STRONG = re.compile(
    r"\[{1,2}\s*(?:final\s+)?(?:result|score|rating|verdict|judgement|judgment)\s*\]{1,2}\s*:?",
    re.IGNORECASE,
)
_LOOSE = re.compile(
    r"(?<![\w-])(?:final\s+|overall\s+)?(?:result|score|rating|verdict)(?:\s+is)?\s*(?:\*\*|__)?\s*[:=]",
    re.IGNORECASE,
)
_LEAD = re.compile(r"[\s*_\"'`(\[{]*(?:score\s*[:=]?\s*)?[\s*_\"'`(\[{]*", re.IGNORECASE)
_NUMBER = re.compile(r"(\d+(?:\.\d+)?|one|two|three|four|five)(?![\d.]\d)", re.IGNORECASE)
_CHOICE = re.compile(r"(?:response\s+|assistant\s+|output\s+)?(A|B|tie)\b", re.IGNORECASE)
_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5}
_QUOTES = ('"', "\u201c", "'", "\u2018", "`")
_FEEDBACK_PREFIX = re.compile(
    r"^\s*(?:#+\s*)?(?:\*\*|__)?feedback(?:\*\*|__)?\s*:?\s*(?:\*\*|__)?\s*", re.IGNORECASE
)
_CODE_BLOCK = re.compile(r"```.*?(?:```|$)", re.DOTALL)
_BRACKET_VERDICT = re.compile(r"\[\[\s*(A|B|C)\s*\]\]")  # MT-Bench style: [[A]], [[B]], [[C]] = tie
_QUOTE_CONTEXT = 12


@dataclass(frozen=True)
class ParsedJudgment:
    """One parsed judge output. `value` is an int score (absolute) or a Winner (relative)."""

    rationale: str | None
    value: int | str | None
    status: ParseStatus

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def parse_absolute(output: str, quoted: Sequence[str] = ()) -> ParsedJudgment:
    """Parse a 1-5 grading; `quoted` are the evaluated texts whose markers must not be read."""
    return _parse(output, quoted, _score_value)


def parse_relative(output: str, quoted: Sequence[str] = ()) -> ParsedJudgment:
    """Parse an A/B comparison; the value is "A", "B" or "tie" (also from `[[A]]`/`[[B]]`/`[[C]]`)."""
    return _parse(output, quoted, _choice_value, verdicts=_BRACKET_VERDICT)


def score_value(parsed: ParsedJudgment) -> float | None:
    """An absolute judgment's score as a number, None if unparseable."""
    return float(parsed.value) if parsed.ok and isinstance(parsed.value, int) else None


def pair_winner(parsed: ParsedJudgment, a_is_chosen: bool) -> str | None:
    """A relative judgment as the pair's winner: "chosen", "rejected", "tie", None if unparseable."""
    if not parsed.ok:
        return None
    if parsed.value == "tie":
        return "tie"
    return "chosen" if (parsed.value == "A") == a_is_chosen else "rejected"


def _score_value(text: str) -> int | None:
    match = _NUMBER.match(text)
    if match is None:
        return None
    token = match.group(1).lower()
    if token in _WORDS:
        return _WORDS[token]
    number = float(token)
    if not number.is_integer() or not 1 <= number <= 5:
        return None
    return int(number)


def _choice_value(text: str) -> str | None:
    match = _CHOICE.match(text)
    if match is None:
        return None
    token = match.group(1)
    return "tie" if token.lower() == "tie" else token.upper()


def _parse(
    output: str,
    quoted: Sequence[str],
    read_value: Callable[[str], int | str | None],
    verdicts: re.Pattern[str] | None = None,
) -> ParsedJudgment:
    if not isinstance(output, str) or not output.strip():
        return ParsedJudgment(None, None, "empty")
    masked = _quoted_regions(output)

    def is_quotation(match: re.Match[str]) -> bool:
        inside = any(start <= match.start() < end for start, end in masked)
        return (
            inside
            or output[: match.start()].rstrip(" *").endswith(_QUOTES)
            or _is_copied(output, match, quoted)
        )

    def candidates(pattern: re.Pattern[str]) -> list[tuple[re.Match[str], int | str | None]]:
        found = []
        for match in pattern.finditer(output):
            if not is_quotation(match):
                rest = output[match.end() :]
                lead = _LEAD.match(rest)
                found.append((match, read_value(rest[lead.end() if lead else 0 :])))
        return found

    strong = candidates(_STRONG)
    if verdicts is not None:
        strong += [
            (match, read_value("tie" if match.group(1) == "C" else match.group(1)))
            for match in verdicts.finditer(output)
            if not is_quotation(match)
        ]
        strong.sort(key=lambda pair: pair[0].start())
    if strong:
        match, value = strong[-1]
        return ParsedJudgment(
            _rationale(output[: match.start()]), value, "ok" if value is not None else "invalid_result"
        )
    loose = [(match, value) for match, value in candidates(_LOOSE) if value is not None]
    if loose:
        match, value = loose[-1]
        return ParsedJudgment(_rationale(output[: match.start()]), value, "ok")
    return ParsedJudgment(_rationale(output), None, "no_result")


def _quoted_regions(output: str) -> list[tuple[int, int]]:
    """Spans of code blocks and markdown quote lines: markers there are quotations."""
    regions = [(m.start(), m.end()) for m in _CODE_BLOCK.finditer(output)]
    position = 0
    for line in output.splitlines(keepends=True):
        if line.lstrip().startswith(">"):
            regions.append((position, position + len(line)))
        position += len(line)
    return regions


def _is_copied(output: str, match: re.Match[str], quoted: Sequence[str]) -> bool:
    """A marker whose surrounding text appears verbatim in an evaluated text was quoted from it."""
    window = output[max(0, match.start() - _QUOTE_CONTEXT) : match.end() + 4].strip()
    return any(window in text for text in quoted)


def _rationale(text: str) -> str | None:
    cleaned = _FEEDBACK_PREFIX.sub("", text.strip(), count=1).strip().strip("*_#").strip()
    return cleaned or None

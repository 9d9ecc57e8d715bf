"""Judge output -> (rationale, verdict, status). Pure functions that never raise on model output.

Every verdict format this package reads is defined in this module (the README's "How judge outputs
are read" mirrors it; tests/parsing/ pins every rule):

Where a verdict is
1. A *bracketed marker* (`[RESULT]`, `[[RESULT]]`, `[SCORE]`, `[Verdict]`, `[Rating]`, ...) followed by
   a value, or a *bracketed verdict* (`[[7]]`, `[[A]]`, `[[C]]`, `[[A>>B]]`, `[[A=B]]`, `[[Tie]]`), is
   authoritative: the *last* one decides. If its value is not a valid verdict the output is
   `invalid_result`, with no fallback to an earlier one (the judge's final word was not valid).
2. Without either, the last *loose marker* decides (`Score: 4`, `**Final verdict:** B`,
   `So the overall score is 4.`); a loose marker followed by no verdict-like value is prose, skipped.
3. Not the judge's own word, so ignored: a marker inside a markdown quote or code block, right after a
   quotation mark, or with its surrounding text copied verbatim from an evaluated response (`quoted`);
   a marker followed by a template placeholder (`[RESULT] (an integer number between 1 and 5)`,
   `[RESULT] (Either "A" or "B")`), as when a judge echoes its prompt after answering; and a list of
   three or more different bracketed verdicts in a row (an echoed list of the allowed verdicts).

Structured and decorated judgments are read as the same markers
5. A JSON object (alone, or fenced in markdown; raw newlines inside its strings allowed) whose
   verdict field is `score`, `rating`, `result`, `verdict`, `winner`, `preference`, `choice`,
   `decision` or `judgment` (any case) is decided by that field alone, read as a value after a
   bracketed marker (a marker inside its rationale is prose); its `rationale` / `feedback` /
   `explanation` / `reasoning` / `justification` / `analysis` field is the rationale
   (`{"feedback": "...", "score": 4}`); a value that is not a plain string or number (a list, an
   object, null) is `invalid_result`. A markdown heading naming the verdict (`### Score`,
   `## Final verdict:`) reads as a bracketed marker before the text under it. End-of-sequence and
   end-of-turn tokens an engine left in the text (`</s>`, `<|im_end|>`, `<|eot_id|>`,
   `<end_of_turn>`, ...) are removed first.

Where a verdict is complete (generation may stop there: `VERDICT_STOPS`)
4. A strong verdict in the canonical spellings (`[RESULT] 4`, `[RESULT]: B`, `[[A]]`, `[[A>B]]`,
   `Rating: [[7]]`, a ranking letter `[RESULT] C`) is complete when its line ends: the newline settles
   the value (`[RESULT] 1` may still become `10`, or `3 or 4`). The first such line ends the sample,
   the line end kept, so the text is what the parser reads had the judge stopped there itself.

Values
- Scores are integers on a declared `Scale` (1-5 by default, 1-10 for MT-Bench-style ratings): `4`,
  `4.0`, `(4)`, `**4**`, `four`, `4/5` and `4 out of 5` (only when 5 is the scale's top). A value
  outside the scale, a fraction (`3.5`) or a fraction of another total (`7/10` on 1-5) is invalid.
- Pairwise verdicts: `A`, `B` (also `Response A`, `Assistant B`, `(B)`), and ties: `tie`, MT-Bench's
  `[[C]]`, `A=B`. The Arena-Hard family `A>>B`, `A>B`, `A=B`, `B>A`, `B>>A` (and `<` forms) also sets
  the strength: `strong`, `slight` or `tie`, kept beside the winner. Letters are upper case.
- k-way rankings (RewardBench 2's four candidates): one letter of `A`..`D` (`[[C]]` is then C).
- Undecided or multi-valued verdicts are invalid, never their first option: `3 or 4`, `3-4`, `3/4`,
  `3 to 4`, `A or B`, `A/B`, `A and B`, `both`, `either`, `neither`, and two verdicts joined by `or`
  or `/` (`[[A>B]] or [[A=B]]`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Literal

ParseStatus = Literal["ok", "empty", "no_result", "invalid_result"]
#: Every status a judgment sample can have: the parse statuses, and `too_long` for a prompt that did
#: not fit the judge's context and so was never sent.
SampleStatus = Literal["ok", "empty", "no_result", "invalid_result", "too_long"]
SAMPLE_STATUSES: tuple[SampleStatus, ...] = ("ok", "empty", "no_result", "invalid_result", "too_long")
Winner = Literal["A", "B", "tie"]
Strength = Literal["strong", "slight", "tie"]


@dataclass(frozen=True)
class Scale:
    """The declared integer score range of an absolute judgment."""

    low: int = 1
    high: int = 5
    #: MT-Bench's official extraction takes decimal ratings (`[[8.5]]`); the others are integers.
    integers: bool = True

    def __contains__(self, value: object) -> bool:
        return isinstance(value, int | float) and self.low <= value <= self.high


LIKERT_5 = Scale(1, 5)
RATING_10 = Scale(1, 10)
MT_BENCH_RATING = Scale(1, 10, integers=False)


@dataclass(frozen=True)
class ParsedJudgment:
    """One parsed judge output. `value` is an int score (absolute), a Winner (pairwise) or a letter
    (k-way); `strength` is set when a pairwise format states it (Arena-Hard family, ties)."""

    rationale: str | None
    value: float | str | None
    status: ParseStatus
    strength: Strength | None = None

    @property
    def ok(self) -> bool:
        return self.status == "ok"


# --- where verdicts are -------------------------------------------------------------------------

_MARKER_WORDS = r"(?:final\s+)?(?:result|score|rating|verdict|judgement|judgment|decision)"
_STRONG_MARKER = re.compile(rf"\[{{1,2}}\s*{_MARKER_WORDS}\s*\]{{1,2}}\s*:?", re.IGNORECASE)
_BRACKET_VERDICT = re.compile(r"\[\[\s*([^\[\]\n]{1,24}?)\s*\]\]")
_LOOSE_MARKER = re.compile(
    r"(?<![\w-])(?:final\s+|overall\s+)?(?:result|score|rating|rate|verdict|grade|decision)"
    r"(?:(?:\s+is)?\s*(?:\*\*|__)?\s*[:=]|\s+(?:is|would\s+be|should\s+be|will\s+be)\b\s*:?)"
    # prose ratings: "I would rate it a 10", "I rate the response as 1", "it is rated as a 10"
    r"|(?<![\w-])(?:i(?:\s+would|\s+will|'d)?\s+rate(?:\s+(?:it|this|(?:the|this)\s+\w+))?|(?:is|be)\s+rated)"
    r"(?:\s+(?:as|at))?(?:\s+an?)?(?=\s+\d)",
    re.IGNORECASE,
)
#: Decoration between a marker and its value: spaces, emphasis, quotes, brackets, `Score:`/`Rating:`.
_LEAD = re.compile(
    r"[\s*_\"'`(\[{]*(?:(?:score|rating|result|verdict)\s*[:=]?\s*)?[\s*_\"'`(\[{]*", re.IGNORECASE
)
#: A bracketed template placeholder right after a marker, e.g. `(an integer number between 1 and 5)`.
_PLACEHOLDER = re.compile(r"\s*[(<{\[]([^()<>{}\[\]\n]*[A-Za-z]{3}[^()<>{}\[\]\n]*)[)>}\]]")
_FINAL = re.compile(
    r"\b(?:final|overall)\s+(?:verdict|decision|rating|score|result|judge?ment|grade)\b", re.IGNORECASE
)
_CODE_BLOCK = re.compile(r"```.*?(?:```|$)", re.DOTALL)
_QUOTES = ('"', "\u201c", "'", "\u2018", "`")
_QUOTE_CONTEXT = 12
_MIN_COPIED_CONTEXT = 8
_VERDICT_LIKE = re.compile(r"\s*(?:[A-Za-z](?![A-Za-z])|\d)")
_OPTION_LIST = 3  # this many different bracketed verdicts in a row are an echoed list of options
_OPTION_LIST_GAP = 120
_FEEDBACK_PREFIX = re.compile(
    r"^\s*(?:#+\s*)?(?:\*\*|__)?feedback(?:\*\*|__)?\s*:?\s*(?:\*\*|__)?\s*", re.IGNORECASE
)

#: Verdict values in the canonical spellings of the package's prompts and of published judges.
_STOP_SCORES = tuple(str(score) for score in range(1, 11))
_STOP_LETTERS = ("A", "B", "C", "D")
_STOP_ARENA = ("A>>B", "A>B", "A=B", "B>A", "B>>A")
#: The lines that complete a strong verdict (rule 4): what engines stop generation at.
_STOP_MARKERS = ("[RESULT] ", "[RESULT]: ")
VERDICT_STOPS: tuple[str, ...] = (
    *(f"{marker}{value}\n" for marker in _STOP_MARKERS for value in (*_STOP_SCORES, *_STOP_LETTERS)),
    *(f"[[{value}]]\n" for value in _STOP_SCORES + _STOP_LETTERS + _STOP_ARENA + ("Tie", "tie")),
)


def stop_end(text: str, stops: Sequence[str]) -> int | None:
    """Where the first of `stops` to be completed ends in `text` (None: none is): a stopped
    sample's text, as any engine would have returned it with the stop text kept."""
    ends = [found + len(stop) for stop in stops if (found := text.find(stop)) >= 0]
    return min(ends) if ends else None


# --- values --------------------------------------------------------------------------------------

_WORDS = {w: n for n, w in enumerate(("one", "two", "three", "four", "five"), 1)}
_WORDS |= {w: n for n, w in enumerate(("six", "seven", "eight", "nine", "ten"), 6)}
_NUMBER = r"\d+(?:\.\d+)?|" + "|".join(_WORDS)
_SCORE = re.compile(
    rf"(?P<number>{_NUMBER})(?![\d.]\d)(?![A-Za-z])"
    r"(?:[ \t]*(?:/|out[ \t]+of)[ \t]*(?P<total>\d+)(?![\d.]\d))?",
    re.IGNORECASE,
)
_SCORE_ALTERNATIVE = re.compile(
    rf"[ \t]*(?:-|\u2013|\u2014|~|/|\bor\b|\bto\b|\band\b)[ \t]*(?:{_NUMBER})\b", re.IGNORECASE
)
_WHO = r"(?:(?:response|assistant|output|answer|model)[ \t]*)?\(?"
_ARENA = re.compile(
    rf"{_WHO}(?P<left>[AB])\)?[ \t]*(?P<op>>>|>|=|<<|<)[ \t]*{_WHO}(?P<right>[AB])\)?(?![A-Za-z])",
    re.IGNORECASE,
)
_TIE = re.compile(r"(?:an?[ \t]+)?(?:tie|draw)\b", re.IGNORECASE)
_UNDECIDED = re.compile(r"(?:both|either|neither|none)\b", re.IGNORECASE)
_LETTER = re.compile(rf"{_WHO}(?P<letter>[A-Z])\b(?!\s*[>=<])\)?", re.IGNORECASE)
_LETTER_ALTERNATIVE = re.compile(
    rf"[\]\)*_\"'`]*[ \t]*(?:\bor\b|/|\band\b|&|,)[ \t]*[\[(*_\"'`]*{_WHO}[A-Z]\b", re.IGNORECASE
)


@dataclass(frozen=True)
class _Reading:
    """What a value text says: a valid verdict, or an invalid one (`value` None), and its length."""

    value: float | str | None
    end: int
    strength: Strength | None = None


#: Reads the text right after a marker (or inside `[[...]]`); None when it holds no verdict attempt.
Reader = Callable[[str], _Reading | None]


def _score_reader(scale: Scale) -> Reader:
    def read(text: str) -> _Reading | None:
        match = _SCORE.match(text)
        if match is None:
            return None
        token = match["number"].lower()
        number = float(_WORDS[token]) if token in _WORDS else float(token)
        total = match["total"]
        if total is None and _SCORE_ALTERNATIVE.match(text, match.end()):
            return _Reading(None, match.end())  # `3 or 4`, `3-4`: undecided
        if total is not None and int(total) != scale.high:
            return _Reading(None, match.end())  # `3/4` or `7/10` on a 1-5 scale
        value: int | float | None = int(number) if number.is_integer() else number
        if (not scale.integers or isinstance(value, int)) and value in scale:
            return _Reading(value, match.end())
        return _Reading(None, match.end())

    return read


def _choice_reader(letters: str, ties: bool) -> Reader:
    """Pairwise (`AB`, ties and Arena-Hard strengths) or k-way (`ABCD`, no ties) choices."""

    def read(text: str) -> _Reading | None:
        if ties and (arena := _ARENA.match(text)):
            left, op, right = arena["left"].upper(), arena["op"], arena["right"].upper()
            if left == right:
                return _Reading(None, arena.end())
            if op == "=":
                return _checked(text, _Reading("tie", arena.end(), "tie"))
            better = left if op.startswith(">") else right
            return _checked(text, _Reading(better, arena.end(), "strong" if len(op) == 2 else "slight"))
        if ties and (tie := _TIE.match(text)):
            return _checked(text, _Reading("tie", tie.end(), "tie"))
        if undecided := _UNDECIDED.match(text):
            return _Reading(None, undecided.end())
        letter = _LETTER.match(text)
        if letter is None or (letter["letter"].islower() and letter.group(0) == letter["letter"]):
            return None  # a bare lower-case letter is a word ("a"), not a verdict
        choice = letter["letter"].upper()
        if choice not in letters:
            return None if len(letter.group(0)) == 1 else _Reading(None, letter.end())
        return _checked(text, _Reading(choice, letter.end()))

    return read


def _checked(text: str, reading: _Reading) -> _Reading:
    """A choice followed by `or B`, `/B`, `and B` is undecided."""
    if _LETTER_ALTERNATIVE.match(text, reading.end):
        return _Reading(None, reading.end)
    return reading


# --- public API ----------------------------------------------------------------------------------


def parse_absolute(output: str, quoted: Sequence[str] = (), scale: Scale = LIKERT_5) -> ParsedJudgment:
    """Parse a grading on `scale`; `quoted` are the evaluated texts whose markers must not be read."""
    return _parse(output, quoted, _score_reader(scale), bracket_map={})


def parse_relative(output: str, quoted: Sequence[str] = ()) -> ParsedJudgment:
    """Parse an A/B comparison: "A", "B" or "tie", with the strength where the format states it."""
    return _parse(output, quoted, _choice_reader("AB", ties=True), bracket_map={"C": "tie"})


def parse_ranking(output: str, letters: str = "ABCD", quoted: Sequence[str] = ()) -> ParsedJudgment:
    """Parse a k-way choice (`[[A]]`..`[[D]]`): the letter of the best candidate, no ties."""
    return _parse(output, quoted, _choice_reader(letters, ties=False), bracket_map={})


def score_value(parsed: ParsedJudgment) -> float | None:
    """An absolute judgment's score as a number, None if unparseable."""
    return float(parsed.value) if parsed.ok and isinstance(parsed.value, int) else None


def pair_winner(parsed: ParsedJudgment, a_is_chosen: bool) -> str | None:
    """A relative judgment as the pair's winner: "chosen", "rejected", "tie", None if unparseable."""
    return pair_side(parsed.value, a_is_chosen) if parsed.ok else None


def pair_side(value: object, a_is_chosen: bool) -> str | None:
    """A parsed A/B/tie value as "chosen", "rejected" or "tie" (None stays None)."""
    if value is None or value == "tie":
        return value  # type: ignore[return-value]
    return "chosen" if (value == "A") == a_is_chosen else "rejected"


# --- the parse -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Candidate:
    start: int
    end: int
    strong: bool
    bracketed: bool
    reading: _Reading


def _parse(output: str, quoted: Sequence[str], read: Reader, bracket_map: dict[str, str]) -> ParsedJudgment:
    if not isinstance(output, str) or not output.strip():
        return ParsedJudgment(None, None, "empty")
    output = _SPECIAL_TOKENS.sub("", output)
    structured = _json_judgment(output)
    if structured is not None:
        verdict, rationale = structured
        return replace(_parse(verdict, (), read, bracket_map), rationale=rationale)
    output = _VERDICT_HEADING.sub("[RESULT] ", output)  # a verdict heading reads as a marker
    masked = _quoted_regions(output)

    def is_quotation(match: re.Match[str]) -> bool:
        return (
            any(start <= match.start() < end for start, end in masked)
            or output[: match.start()].rstrip(" *").endswith(_QUOTES)
            or _is_copied(output, match, quoted)
        )

    def after_marker(match: re.Match[str], strong: bool) -> _Candidate | None:
        rest = output[match.end() :]
        placeholder = _PLACEHOLDER.match(rest)
        if placeholder and not _reads_fully(read, placeholder[1]):
            return None  # an echoed template, not a verdict
        lead = _LEAD.match(rest)
        offset = lead.end() if lead else 0
        reading = read(rest[offset:])
        if reading is None:
            return _Candidate(match.start(), match.end(), True, False, _Reading(None, 0)) if strong else None
        end = match.end() + offset + reading.end
        return _Candidate(match.start(), end, strong, False, reading)

    strong: list[_Candidate] = []
    for match in _STRONG_MARKER.finditer(output):
        if not is_quotation(match) and (found := after_marker(match, strong=True)):
            strong.append(found)
    for match in _BRACKET_VERDICT.finditer(output):
        content = bracket_map.get(match[1].strip(), match[1])
        if is_quotation(match) or re.fullmatch(_MARKER_WORDS, content.strip(), re.IGNORECASE):
            continue
        reading = read(content)
        if reading is None and _VERDICT_LIKE.match(content):
            reading = _Reading(None, len(content))  # `[[E]]` of four options, `[[A>B]]` for a ranking
        if reading is None or (reading.value is not None and content[reading.end :].strip(" *_\"'`)")):
            continue  # not a verdict: `[[rating]]`, a wiki link, `[[A is better]]`
        strong.append(_Candidate(match.start(), match.end(), True, True, reading))
    strong = _without_option_lists(output, sorted(strong, key=lambda c: c.start))
    if strong:
        return _decide(output, strong)
    loose = []
    for match in _LOOSE_MARKER.finditer(output):
        if not is_quotation(match) and (found := after_marker(match, strong=False)):
            loose.append(found)
    if loose:
        return _decide(output, loose)
    if _reads_fully(read, output.strip().removesuffix("</s>").rstrip(" .")):
        whole = read(output.strip())  # an output that is nothing but a verdict: `5.0`, `Tie`
        assert whole is not None
        return ParsedJudgment(None, whole.value, "ok", whole.strength)
    return ParsedJudgment(_rationale(output), None, "no_result")


_SPECIAL_TOKENS = re.compile(
    r"</s>|<\|(?:im_end|eot_id|end|endoftext|end_of_text|eom_id)\|>|<end_of_turn>|<eos>", re.IGNORECASE
)
_JSON_FENCE = re.compile(r"\A\s*```(?:json)?\s*\n?(?P<body>.*?)\n?\s*```\s*\Z", re.DOTALL | re.IGNORECASE)
_JSON_VERDICT = (
    "score",
    "rating",
    "result",
    "verdict",
    "winner",
    "preference",
    "choice",
    "decision",
    "judgment",
)
_JSON_RATIONALE = ("rationale", "feedback", "explanation", "reasoning", "justification", "analysis")
_VERDICT_HEADING = re.compile(
    rf"^[ \t]*#{{1,6}}[ \t]*\**[ \t]*{_MARKER_WORDS}[ \t]*\**[ \t]*:?[ \t]*\**[ \t]*\n\s*",
    re.IGNORECASE | re.MULTILINE,
)


def _json_judgment(output: str) -> tuple[str, str | None] | None:
    """A JSON judgment (rule 5) as its verdict after a bracketed marker and its rationale; None if
    `output` is not one. Only the verdict field decides: a marker inside the rationale is prose."""
    fenced = _JSON_FENCE.match(output)
    body = (fenced["body"] if fenced else output).strip()
    if not (body.startswith("{") and body.endswith("}")):
        return None
    import json

    try:
        loaded = json.loads(body, strict=False)  # judges write raw newlines inside strings
    except ValueError:
        return None
    if not isinstance(loaded, dict):
        return None
    fields = {str(key).strip().lower(): value for key, value in loaded.items()}
    verdict = next((fields[key] for key in _JSON_VERDICT if key in fields), _MISSING)
    if verdict is _MISSING:
        return None
    rationale = next((fields[key] for key in _JSON_RATIONALE if isinstance(fields.get(key), str)), None)
    plain = isinstance(verdict, str | int | float) and not isinstance(verdict, bool)
    return f"[RESULT] {verdict if plain else 'undecided'}", rationale or None


_MISSING = object()


def _decide(output: str, candidates: list[_Candidate]) -> ParsedJudgment:
    """The last candidate decides if every candidate agrees with it, or if it is the judge's final
    word (its line, or the line before, says "final verdict", "overall score", ...) and no other
    final word disagrees."""
    last = candidates[-1]
    reading = last.reading
    if len({c.reading.value for c in candidates}) > 1:
        finals = [c for c in candidates if _FINAL.search(_line_before(output, c))]
        if not finals or finals[-1] is not last or len({c.reading.value for c in finals}) > 1:
            reading = _Reading(None, reading.end)  # several different verdicts: undecided
    rationale = _rationale(output[: last.start])
    if reading.value is None:
        return ParsedJudgment(rationale, None, "invalid_result")
    return ParsedJudgment(rationale, reading.value, "ok", reading.strength)


def _line_before(output: str, candidate: _Candidate) -> str:
    """The candidate's line up to its value, and the previous non-empty line."""
    text = output[: candidate.end].rstrip("\n")
    lines = text.split("\n")
    own = lines[-1]
    previous = next((line for line in reversed(lines[:-1]) if line.strip()), "")
    return f"{previous}\n{own}"


def _reads_fully(read: Reader, text: str) -> bool:
    reading = read(text.strip())
    return reading is not None and reading.value is not None and not text.strip()[reading.end :].strip()


def _without_option_lists(output: str, candidates: list[_Candidate]) -> list[_Candidate]:
    """Drop lists (one per line) of several different bracketed verdicts: an echoed prompt."""
    kept: list[_Candidate] = []
    run: list[_Candidate] = []

    def flush() -> None:
        values = {(c.reading.value, c.reading.strength) for c in run}
        if len(values) < _OPTION_LIST:
            kept.extend(run)
        run.clear()

    def continues_list(candidate: _Candidate) -> bool:
        gap = (run[-1].end, candidate.start)
        return candidate.bracketed and gap[1] - gap[0] <= _OPTION_LIST_GAP and "\n" in output[slice(*gap)]

    for candidate in candidates:
        if run and not continues_list(candidate):
            flush()
        if candidate.bracketed:
            run.append(candidate)
        else:
            flush()
            kept.append(candidate)
    flush()
    return sorted(kept, key=lambda c: c.start)


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
    """A marker whose surrounding text appears verbatim in an evaluated text was quoted from it.

    It needs some context before the marker: a bare `[RESULT] 5` at the start of an output is the
    judge's own, even if an evaluated text happens to contain the same characters.
    """
    before = output[max(0, match.start() - _QUOTE_CONTEXT) : match.start()]
    if len(before.strip()) < _MIN_COPIED_CONTEXT:
        return False
    window = (before + output[match.start() : match.end() + 4]).strip()
    return any(window in text for text in quoted)


def _rationale(text: str) -> str | None:
    cleaned = _FEEDBACK_PREFIX.sub("", text.strip(), count=1).strip().strip("*_#").strip()
    return cleaned or None

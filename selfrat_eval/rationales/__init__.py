"""Rationale quality, as the Self-Rationalization paper measures it: blind pairwise comparisons of two or
more runs' rationales on the same items, by people (a local annotation page) or a meta-judge (the
`rationale_pairs` benchmark, any engine and strategy), with win rates, intervals and agreement.

- `_pairs`: pair the runs' judgments item by item (what is left out, and why, is listed)
- `_votes`: the vote record, JSONL/CSV import and export, a meta-judge run's votes
- `_study`: the SQLite-backed annotation server and its page (`annotate.html`)
- `_results`: win rates, agreement, the toy's known truth, Bradley-Terry, the report
"""

from selfrat_eval.rationales._pairs import PairSet, pair_runs, write_pairs
from selfrat_eval.rationales._results import study_results, write_study_report
from selfrat_eval.rationales._study import CHROMIUM, CHROMIUM_ARGS, STUDY_FILE, Study, make_server, open_study
from selfrat_eval.rationales._votes import (
    META_PREFIX,
    Vote,
    meta_judge_name,
    meta_judge_votes,
    read_votes,
    write_votes,
)

__all__ = [
    "CHROMIUM",
    "CHROMIUM_ARGS",
    "META_PREFIX",
    "STUDY_FILE",
    "PairSet",
    "Study",
    "Vote",
    "make_server",
    "meta_judge_name",
    "meta_judge_votes",
    "open_study",
    "pair_runs",
    "read_votes",
    "study_results",
    "write_pairs",
    "write_study_report",
    "write_votes",
]

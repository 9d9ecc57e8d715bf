"""Run a judge over a benchmark, store and resume its judgments, score, report and compare them."""

from selfrat_eval.evaluation._compare import compare_cards, compare_runs, write_cards_report, write_report
from selfrat_eval.evaluation._cost import Prices
from selfrat_eval.evaluation._generate import GenerateConfig, generate_responses
from selfrat_eval.evaluation._grade import grade_responses
from selfrat_eval.evaluation._jury import REDUCERS, jury, run_jury
from selfrat_eval.evaluation._ranking import ScoreTable, load_scores, rank_agreement, write_ranking_report
from selfrat_eval.evaluation._report import print_results
from selfrat_eval.evaluation._rescore import rereduce, rescore
from selfrat_eval.evaluation._results import samples_per_item
from selfrat_eval.evaluation._runner import JUDGMENTS_FILE, RESULTS_FILE, EvalConfig, run_eval
from selfrat_eval.evaluation._store import JudgmentStore, read_judgments
from selfrat_eval.evaluation._suite import panel, run_suite, write_card

__all__ = [
    "JUDGMENTS_FILE",
    "REDUCERS",
    "RESULTS_FILE",
    "EvalConfig",
    "GenerateConfig",
    "JudgmentStore",
    "Prices",
    "ScoreTable",
    "compare_cards",
    "compare_runs",
    "generate_responses",
    "grade_responses",
    "jury",
    "load_scores",
    "panel",
    "print_results",
    "rank_agreement",
    "read_judgments",
    "rereduce",
    "rescore",
    "run_eval",
    "run_jury",
    "run_suite",
    "samples_per_item",
    "write_card",
    "write_cards_report",
    "write_ranking_report",
    "write_report",
]

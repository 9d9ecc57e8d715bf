"""Typed records and the loaders for each benchmark (hub id, local file, or $SELFRAT_DATA_DIR)."""

from selfrat_eval.data._biggen import (
    BIGGEN_HUMAN_EVAL,
    BIGGEN_INSTANCES,
    BIGGEN_LABELS,
    BiggenInstance,
    load_biggen_human_eval,
    load_biggen_instances,
)
from selfrat_eval.data._pairwise_file import PairwiseFileRow, load_pairwise_file
from selfrat_eval.data._records import CandidatesItem, PairItem, Rubric, RubricItem, item_key
from selfrat_eval.data._rewardbench import REWARDBENCH, load_rewardbench
from selfrat_eval.data._rewardbench2 import REWARDBENCH2, REWARDBENCH2_SUBSETS, load_rewardbench2
from selfrat_eval.data._rubric_file import load_rubric_file
from selfrat_eval.data._samples import SAMPLES_DIR, sample_path
from selfrat_eval.data._sources import DATA_DIR_ENV, HubDataset, RowSource

__all__ = [
    "BIGGEN_HUMAN_EVAL",
    "BIGGEN_INSTANCES",
    "BIGGEN_LABELS",
    "DATA_DIR_ENV",
    "REWARDBENCH",
    "REWARDBENCH2",
    "REWARDBENCH2_SUBSETS",
    "SAMPLES_DIR",
    "BiggenInstance",
    "CandidatesItem",
    "HubDataset",
    "PairItem",
    "PairwiseFileRow",
    "RowSource",
    "Rubric",
    "RubricItem",
    "item_key",
    "load_biggen_human_eval",
    "load_biggen_instances",
    "load_pairwise_file",
    "load_rewardbench",
    "load_rewardbench2",
    "load_rubric_file",
    "sample_path",
]

"""Typed records shared by every benchmark, and where rows come from (a file, $SELFRAT_DATA_DIR, or
the hub). Each benchmark's own loader lives in its module under `selfrat_eval/benchmarks/`."""

from selfrat_eval.data._records import CandidatesItem, PairItem, Rubric, RubricItem, item_key
from selfrat_eval.data._samples import SAMPLES_DIR, sample_path
from selfrat_eval.data._sources import DATA_DIR_ENV, HubDataset, PublishedFile, RowSource, local_copy

__all__ = [
    "DATA_DIR_ENV",
    "SAMPLES_DIR",
    "CandidatesItem",
    "HubDataset",
    "PairItem",
    "PublishedFile",
    "RowSource",
    "Rubric",
    "RubricItem",
    "item_key",
    "local_copy",
    "sample_path",
]

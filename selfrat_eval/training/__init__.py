"""Self-Rationalization training: SFT with rationales, N sampled judgments, pair curation, DPO, the loop."""

from selfrat_eval.training._check import CheckSettings, HeldOutCheck
from selfrat_eval.training._curation import CurationSettings, CurationStrategy, Pair, curate, curation_stats
from selfrat_eval.training._data import (
    FEEDBACK_COLLECTION,
    PREFERENCE_COLLECTION,
    TrainItem,
    load_train_items,
    write_items_file,
)
from selfrat_eval.training._dpo import DPOSettings, train_dpo
from selfrat_eval.training._loop import HeldOutEval, LoopConfig, SamplingSettings, run_iteration, run_loop
from selfrat_eval.training._merge import merge_judges
from selfrat_eval.training._sft import SFTSettings, sft_dataset, train_sft

__all__ = [
    "FEEDBACK_COLLECTION",
    "PREFERENCE_COLLECTION",
    "CheckSettings",
    "CurationSettings",
    "CurationStrategy",
    "DPOSettings",
    "HeldOutCheck",
    "HeldOutEval",
    "LoopConfig",
    "Pair",
    "SFTSettings",
    "SamplingSettings",
    "TrainItem",
    "curate",
    "curation_stats",
    "load_train_items",
    "merge_judges",
    "run_iteration",
    "run_loop",
    "sft_dataset",
    "train_dpo",
    "train_sft",
    "write_items_file",
]

"""`selfrat --verbose`: the libraries' own logs and progress bars on the terminal again.

An environment variable, so that the processes a run starts (launched DPO, judge replicas) inherit it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

VERBOSE_ENV = "SELFRAT_VERBOSE"


def verbose() -> bool:
    return os.environ.get(VERBOSE_ENV) == "1"


def set_verbose() -> None:
    os.environ[VERBOSE_ENV] = "1"


@contextmanager
def library_bars_off() -> Iterator[None]:
    """The datasets and transformers progress bars off for the block, as they were afterwards."""
    import datasets
    from transformers.utils import logging as hf_logging

    shown = datasets.is_progress_bar_enabled(), hf_logging.is_progress_bar_enabled()  # type: ignore[no-untyped-call]
    datasets.disable_progress_bars()
    hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
    try:
        yield
    finally:
        if shown[0]:
            datasets.enable_progress_bars()
        if shown[1]:
            hf_logging.enable_progress_bar()  # type: ignore[no-untyped-call]

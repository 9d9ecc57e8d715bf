"""`selfrat --verbose`: the libraries' own logs and progress bars on the terminal again.

An environment variable, so that the processes a run starts (launched DPO, judge replicas) inherit it.
"""

from __future__ import annotations

import os

VERBOSE_ENV = "SELFRAT_VERBOSE"


def verbose() -> bool:
    return os.environ.get(VERBOSE_ENV) == "1"


def set_verbose() -> None:
    os.environ[VERBOSE_ENV] = "1"

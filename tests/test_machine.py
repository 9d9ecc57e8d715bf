"""Numbers carry their machine; a busy machine is reported once, before a long run."""

from __future__ import annotations

import io
import os

import pytest
from rich.console import Console

from selfrat_eval._machine import machine_info, versions, warn_if_busy


@pytest.mark.parametrize(("load_per_core", "warned"), [(0.1, False), (0.7, False), (1.5, True)])
def test_busy_warning_follows_the_load(
    monkeypatch: pytest.MonkeyPatch, load_per_core: float, warned: bool
) -> None:
    cores = os.cpu_count() or 1
    monkeypatch.setattr(os, "getloadavg", lambda: (load_per_core * cores, 0.0, 0.0))
    out = io.StringIO()
    assert warn_if_busy(Console(file=out, width=200), "the demo") is warned
    assert ("machine is busy" in out.getvalue()) is warned


def test_machine_and_versions_are_recorded() -> None:
    import torch

    info = machine_info()
    assert info["cpu"] and info["logical_cores"] == os.cpu_count()
    assert info["torch_threads"] == torch.get_num_threads() and info["torch_cpu_capability"]
    assert versions()["torch"] == torch.__version__.split("+")[0] or versions()["torch"] == torch.__version__

"""What machine and software a number was measured with, and whether something else is competing for it.

Absolute accuracies of small models trained on a CPU move with the CPU's floating-point path and
thread count; timings move with load. Results and reports record both so numbers carry their machine.
"""

from __future__ import annotations

import os
import platform
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from rich.console import Console

_VERSIONED = ("selfrat-eval", "numpy", "scipy", "datasets", "transformers", "torch", "trl", "vllm")

#: One-minute load above this share of the cores means another process is competing for them.
BUSY_LOAD_SHARE = 0.75


def versions() -> dict[str, str | None]:
    """Python's and the installed versions of the packages that change results."""
    found: dict[str, str | None] = {"python": platform.python_version()}
    for package in _VERSIONED:
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            found[package] = None
    return found


def cpu_model() -> str:
    """The CPU's model name (Linux /proc/cpuinfo), else what the platform module says."""
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine_info() -> dict[str, Any]:
    """CPU model, cores, and torch's threads and vector path (when torch is already loaded)."""
    info: dict[str, Any] = {
        "cpu": cpu_model(),
        "logical_cores": os.cpu_count(),
        "platform": platform.platform(),
        "omp_num_threads": os.environ.get("OMP_NUM_THREADS"),
        "aten_cpu_capability": os.environ.get("ATEN_CPU_CAPABILITY"),
    }
    torch = sys.modules.get("torch")  # never imported here just to describe it
    if torch is not None:
        info["torch_threads"] = torch.get_num_threads()
        info["torch_cpu_capability"] = torch.backends.cpu.get_cpu_capability()
        info["cuda"] = torch.cuda.get_device_name(0) if torch.cuda.is_available() else None
    return info


def busy_share() -> float | None:
    """The one-minute load average per core (None where the OS does not tell)."""
    try:
        return os.getloadavg()[0] / (os.cpu_count() or 1)
    except (AttributeError, OSError):
        return None


def warn_if_busy(console: Console, what: str) -> bool:
    """Say once, before a long run, that other processes are using the cores; True if it did."""
    share = busy_share()
    if share is None or share < BUSY_LOAD_SHARE:
        return False
    console.print(
        f"[yellow]warning:[/] the machine is busy (load {share * (os.cpu_count() or 1):.1f} on "
        f"{os.cpu_count()} cores) before {what} started: another process competes for the CPU, so "
        "it may take several times longer than measured on a quiet machine"
    )
    return True

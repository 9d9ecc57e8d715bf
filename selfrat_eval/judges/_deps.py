"""Optional dependencies, checked in one place with an error that names the extra to install."""

from __future__ import annotations

from importlib.util import find_spec

from selfrat_eval._errors import InputError


def available(module: str) -> bool:
    return find_spec(module) is not None


def require(module: str, extra: str) -> None:
    if not available(module):
        raise InputError(f"this needs the '{module}' package: pip install 'selfrat-eval[{extra}]'")

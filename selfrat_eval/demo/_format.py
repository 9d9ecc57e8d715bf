"""How the demo report writes its numbers: percentages, estimates with CIs, signed differences."""

from __future__ import annotations

from typing import Any


def pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}"


def ci(estimate: dict[str, Any], scale: float = 100, digits: int = 1) -> str:
    if estimate["value"] is None:
        return "n/a"
    value = f"{scale * estimate['value']:.{digits}f}"
    if estimate["ci_low"] is None:
        return value
    return f"{value} [{scale * estimate['ci_low']:.{digits}f}, {scale * estimate['ci_high']:.{digits}f}]"


def signed(estimate: dict[str, Any], scale: float = 100, digits: int = 1, unit: str = " points") -> str:
    value, low, high = (scale * estimate[k] for k in ("value", "ci_low", "ci_high"))
    return f"{value:+.{digits}f}{unit} [{low:+.{digits}f}, {high:+.{digits}f}]"


def ci_verdict(comparison: dict[str, Any], arm: str, where: str) -> str:
    """Whether a paired difference's 95% CI excludes zero, in words (`arm` is better or worse `where`)."""
    if comparison["excludes_zero"]:
        direction = "better" if comparison["value"] > 0 else "worse"
        return f"the 95% CI excludes zero: {arm} is {direction} {where}"
    return "the 95% CI includes zero: no difference is established"

"""Paths of the small real samples shipped with the package (see samples/ATTRIBUTION.md)."""

from __future__ import annotations

from pathlib import Path

SAMPLES_DIR = Path(__file__).parent / "samples"

_SAMPLES = {
    "rewardbench": "rewardbench_filtered_sample.jsonl",
    "rewardbench2": "rewardbench2_test_sample.jsonl",
    "biggen-instances": "biggen_test_sample.jsonl",
    "rubric": "rubric_scored_responses_sample.jsonl",
}


def sample_path(name: str) -> Path:
    """The vendored sample for `name` (one of: rewardbench, rewardbench2, biggen-instances, rubric)."""
    try:
        return SAMPLES_DIR / _SAMPLES[name]
    except KeyError:
        raise KeyError(f"no sample named {name!r}; choose from {sorted(_SAMPLES)}") from None

"""Weight merge of two judges of the same architecture (the paper merged a pointwise and a pairwise
judge; its recipe is unspecified): a linear interpolation of every parameter."""

from __future__ import annotations

from pathlib import Path

from selfrat_eval._errors import InputError
from selfrat_eval.judges import resolve_model
from selfrat_eval.training._common import save_servable


def merge_judges(first: str, second: str, out: Path, weight: float = 0.5) -> Path:
    """Save `weight * first + (1 - weight) * second` (tokenizer of `first`) to `out`."""
    if not 0 <= weight <= 1:
        raise InputError("weight must be in [0, 1]", field="weight")
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    first, second = resolve_model(first), resolve_model(second)  # GGUFs: converted folders
    model = AutoModelForCausalLM.from_pretrained(first)
    other = AutoModelForCausalLM.from_pretrained(second).state_dict()
    merged = {}
    for name, tensor in model.state_dict().items():
        if name not in other or other[name].shape != tensor.shape:
            raise InputError(
                f"the judges differ at parameter {name}: merge needs one architecture", field="second"
            )
        merged[name] = torch.lerp(other[name].to(tensor.dtype), tensor, weight)
    model.load_state_dict(merged)
    return save_servable(model, AutoTokenizer.from_pretrained(first), out)

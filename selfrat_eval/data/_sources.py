"""Where rows come from: a local file, a local mirror folder, or the Hugging Face hub."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar

from selfrat_eval._errors import DataNotFound, InputError
from selfrat_eval.data._io import Row, read_rows


class _Keyed(Protocol):
    @property
    def key(self) -> str: ...


KeyedItem = TypeVar("KeyedItem", bound=_Keyed)

#: Environment variable naming a local mirror laid out like `<dir>/reward-bench/filtered.jsonl`.
DATA_DIR_ENV = "SELFRAT_DATA_DIR"


@dataclass(frozen=True)
class HubDataset:
    """An official dataset: its hub id and split, and its file name inside a local mirror."""

    hub_id: str
    split: str
    mirror_path: str
    config: str | None = None


@dataclass(frozen=True)
class PublishedFile:
    """A set published as a file (e.g. on GitHub) and not on the hub: where to download it, and its
    file name inside a local mirror."""

    origin: str
    mirror_path: str


@dataclass(frozen=True)
class RowSource:
    """Rows plus the identity of where they came from (recorded in results.json)."""

    name: str
    rows: list[Row]
    identity: dict[str, Any]


def load_rows(
    dataset: HubDataset | PublishedFile, data: Path | None = None, revision: str | None = None
) -> RowSource:
    """Rows of `dataset` from `data` if given, else the mirror in $SELFRAT_DATA_DIR, else the hub."""
    if data is not None:
        return _from_file(Path(data))
    mirror = os.environ.get(DATA_DIR_ENV)
    if not mirror and isinstance(dataset, PublishedFile):
        raise DataNotFound(
            f"not on the Hugging Face hub: download {dataset.origin} and pass --data FILE, "
            f"or set {DATA_DIR_ENV} to a folder holding {dataset.mirror_path}"
        )
    if mirror:
        path = Path(mirror) / dataset.mirror_path
        if not path.exists():
            where = dataset.origin if isinstance(dataset, PublishedFile) else f"hub {dataset.hub_id}"
            raise DataNotFound(
                f"{DATA_DIR_ENV} is set but has no {dataset.mirror_path}: download {where} there",
                source=str(path),
            )
        return _from_file(path)
    assert isinstance(dataset, HubDataset)
    return _from_hub(dataset, revision)


def local_copy(dataset: HubDataset | PublishedFile) -> str | None:
    """Where a copy of `dataset` is on this machine without the network: the mirror file in
    $SELFRAT_DATA_DIR, or the Hugging Face cache for a hub dataset (None: not here)."""
    mirror = os.environ.get(DATA_DIR_ENV)
    if mirror and (Path(mirror) / dataset.mirror_path).exists():
        return str(Path(mirror) / dataset.mirror_path)
    if isinstance(dataset, HubDataset):
        from huggingface_hub import constants  # light, and only where the cache is asked about

        cached = Path(constants.HF_HUB_CACHE) / f"datasets--{dataset.hub_id.replace('/', '--')}"
        if cached.exists():
            return f"hub cache ({cached})"
    return None


def _from_file(path: Path) -> RowSource:
    rows = list(read_rows(path))
    if not rows:
        raise InputError("no items (the file is empty)", source=str(path))
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return RowSource(str(path), rows, {"path": str(path.resolve()), "sha256": digest})


def unique_items(items: Sequence[KeyedItem], source: RowSource) -> list[KeyedItem]:
    """Items keyed by (group, id) must be unique: name the input record that repeats a key.

    Loaders build one item per row, so items[i] came from source.rows[i].
    """
    first: dict[str, int] = {}
    for item, (number, _row) in zip(items, source.rows, strict=True):
        if item.key in first:
            raise InputError(
                f"duplicate item {item.key!r} (first at record {first[item.key]})",
                source=source.name,
                record=number,
                field="id",
            )
        first[item.key] = number
    return list(items)


def _from_hub(dataset: HubDataset, revision: str | None) -> RowSource:
    import datasets  # heavy: only when the hub is actually used

    try:
        loaded = datasets.load_dataset(dataset.hub_id, dataset.config, split=dataset.split, revision=revision)
    except Exception as error:  # offline, missing split, auth: all are input problems here
        raise DataNotFound(
            f"could not load from the hub ({type(error).__name__}: {error}); "
            f"offline, pass --data FILE or set {DATA_DIR_ENV} to a folder holding {dataset.mirror_path}",
            source=f"hub:{dataset.hub_id}[{dataset.split}]",
        ) from None
    rows: Iterator[dict[str, Any]] = iter(loaded)  # type: ignore[arg-type]
    if len(loaded) == 0:  # type: ignore[arg-type]
        raise InputError("no items", source=f"hub:{dataset.hub_id}[{dataset.split}]")
    identity = {
        "hub_id": dataset.hub_id,
        "split": dataset.split,
        "revision": revision,
        "fingerprint": getattr(loaded, "_fingerprint", None),
    }
    name = f"hub:{dataset.hub_id}[{dataset.split}]"
    return RowSource(name, list(enumerate(rows, start=1)), identity)

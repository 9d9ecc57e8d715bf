"""A judgment cache: wrap any engine so that a request it has answered before is never generated again.

Why: judging is the expensive step of `selfrat eval`, `selfrat grade`, `selfrat suite` and the
sampling step of training, and all of them go through `Engine.generate`. `CachingEngine` wraps an
engine (as lm-eval's `CachingLM` wraps an LM) and keeps every answer in one SQLite file, so an
interrupted run, a repeated grading, a suite re-run into a fresh folder or a training iteration
that re-samples the same items never pays for the same generation twice, whichever command made it.

The store is content-addressed. An entry's key is the sha256 of a canonical JSON (sorted keys, no
whitespace) of

* `engine`: the wrapped engine's `identity` (backend, model, revision, dtype, device or base_url,
  whatever that engine reports), plus `model_files`, a fingerprint (name, size, mtime) of the files
  of a local model folder, so that a checkpoint re-trained into the same folder is a new model;
* `chat`: the messages, exactly;
* `sampling`: every field of the `SamplingConfig` (n, temperature, top_p, max_new_tokens, seed,
  logprobs), floats written as floats so that `temperature=1` and `1.0` are one key;
* `seed`: the request's own seed (None when `generate` got no seeds; `sampling.seed` then decides);

and its value is the JSON list of that request's `Completion`s, every field. Entries written before
`Completion.prompt_tokens` existed read with 0 prompt tokens (the key and the format version are
unchanged, so old files stay valid): the input tokens such entries saved are then not counted, and
`CacheStats.cached_prompt_tokens` is a lower bound. Anything that changes
what an engine generates but is not in its identity is not in the key either: a model given by hub
name without a pinned `revision` that has moved since, a server that swapped the weights behind one
served name, engine options such as vLLM's `max_model_len` or `quantization`. Use one cache file per
such setting, or pin the revision. Never wrap an engine over a model whose weights change in memory
(`TransformersEngine.around` during training): its identity does not change with them.

What `generate` does: it looks every request up; sends only the misses (each distinct key once, in
request order, each with its own seed) to the wrapped engine in one batched call; stores their
answers in one transaction; returns all answers in request order. One transaction per call means a
run killed mid-way keeps every chunk that finished; when one of several replicas dies mid-call
(`judges.ReplicatedEngine`), the answers of the others are stored before the error goes on.
Answers that were not generated because the prompt did not fit the context (`too_long`) are not
stored: they cost nothing to recompute and depend on the context length, which engines do not all
report in their identity. The file is in WAL mode, so several processes (an eval and a suite, two
shards of a grading) can share it; writers wait for each other rather than fail. WAL needs a local
file system (not NFS) and a writable folder.

A file that is not a readable cache (corrupt, another program's database, a folder) is an
`InputError` naming it, never a traceback.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from types import TracebackType
from typing import Any

from selfrat_eval._errors import InputError, ReplicaFailed
from selfrat_eval.judges._engine import Completion, Engine, SamplingConfig, TokenCount, count_tokens
from selfrat_eval.prompts import Chat

FORMAT = "selfrat-judgment-cache"
VERSION = 1
#: Keys per SELECT ... IN (...): below SQLite's variable limit on every build (999 before 3.32).
_LOOKUP_BATCH = 500
#: Seconds a writer waits for another process's transaction before giving up.
_BUSY_TIMEOUT_S = 120.0


@dataclass(frozen=True)
class CacheStats:
    """What a `CachingEngine` served since it was created.

    `hits`/`misses` count requests (one chat each); `generated_tokens` are the output tokens
    (`Completion.num_tokens`, all samples) the wrapped engine generated for the misses, and
    `cached_tokens` those served from the file instead, i.e. the generation saved;
    `generated_prompt_tokens` / `cached_prompt_tokens` are the same for the input tokens
    (`Completion.prompt_tokens`). `engine_calls` counts calls to the wrapped engine.
    """

    requests: int = 0
    hits: int = 0
    misses: int = 0
    engine_calls: int = 0
    generated_tokens: int = 0
    cached_tokens: int = 0
    generated_prompt_tokens: int = 0
    cached_prompt_tokens: int = 0

    @property
    def hit_rate(self) -> float | None:
        return self.hits / self.requests if self.requests else None

    @property
    def saved(self) -> TokenCount:
        """The tokens served from the file instead of being generated (what the cache saved)."""
        return TokenCount(self.cached_prompt_tokens, self.cached_tokens)

    def since(self, earlier: CacheStats) -> CacheStats:
        """The counts between an earlier snapshot and this one: one run's share of an engine that
        several runs use (a suite shares one engine across its benchmarks)."""
        return CacheStats(**{f.name: getattr(self, f.name) - getattr(earlier, f.name) for f in fields(self)})


class CachingEngine:
    """An `Engine` that answers from a SQLite cache file and asks `engine` only for what it lacks."""

    def __init__(self, engine: Engine, path: str | Path) -> None:
        self.engine = engine
        self.path = Path(path).expanduser().resolve()
        self._stats = CacheStats()
        if self.path.is_dir():
            raise InputError("is a folder, not a judgment cache file", source=str(self.path))
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._errors():
            self._db = sqlite3.connect(self.path, timeout=_BUSY_TIMEOUT_S, isolation_level=None)
        try:
            self._open()
        except BaseException:
            self._db.close()
            raise

    # -- the Engine protocol ---------------------------------------------------------------------

    @property
    def identity(self) -> dict[str, Any]:
        """The wrapped engine's identity plus the cache file (recorded in results.json).

        Resume checks compare `EvalConfig.identity()`, which holds no engine identity, so adding,
        moving or dropping a cache never blocks resuming a run; the key uses the wrapped identity
        only, so the file's own path is not part of any key.
        """
        return {**self.engine.identity, "cache": str(self.path)}

    def generate(
        self, chats: Sequence[Chat], sampling: SamplingConfig, seeds: Sequence[int] | None = None
    ) -> list[list[Completion]]:
        if seeds is not None and len(seeds) != len(chats):
            raise ValueError(f"{len(seeds)} seeds for {len(chats)} chats")
        request_seeds: list[int | None] = (
            [int(s) for s in seeds] if seeds is not None else [None] * len(chats)
        )
        prefix = self._prefix(sampling)
        keys = [_key(prefix, chat, seed) for chat, seed in zip(chats, request_seeds, strict=True)]
        found = self._lookup(keys)

        # Each distinct missing key is generated once, in the order of its first request.
        missing: dict[str, int] = {}
        for index, key in enumerate(keys):
            if key not in found and key not in missing:
                missing[key] = index
        generated: dict[str, list[Completion]] = {}
        if missing:
            order = list(missing.values())
            try:
                answers = self.engine.generate(
                    [chats[i] for i in order],
                    sampling,
                    [int(seeds[i]) for i in order] if seeds is not None else None,
                )
            except ReplicaFailed as failure:  # keep what the surviving replicas made, then fail
                ordered = list(missing)
                self._store({ordered[i]: answer for i, answer in failure.finished.items()})
                raise
            if len(answers) != len(order):
                raise RuntimeError(f"the engine answered {len(answers)} of {len(order)} requests")
            generated = dict(zip(missing, answers, strict=True))
            self._store(generated)

        results = [found[key] if key in found else generated[key] for key in keys]
        made = count_tokens(generated.values())
        saved = count_tokens(results) - made  # hits, and repeats of a miss within this call
        self._stats = CacheStats(
            requests=self._stats.requests + len(keys),
            hits=self._stats.hits + len(keys) - len(missing),
            misses=self._stats.misses + len(missing),
            engine_calls=self._stats.engine_calls + (1 if missing else 0),
            generated_tokens=self._stats.generated_tokens + made.output,
            cached_tokens=self._stats.cached_tokens + saved.output,
            generated_prompt_tokens=self._stats.generated_prompt_tokens + made.input,
            cached_prompt_tokens=self._stats.cached_prompt_tokens + saved.input,
        )
        return results

    # -- the rest --------------------------------------------------------------------------------

    @property
    def stats(self) -> CacheStats:
        """Counters since this object was created (a snapshot)."""
        return self._stats

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> CachingEngine:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    @contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.Error as error:
            raise InputError(
                f"cannot use this judgment cache ({error}); delete it or choose another file",
                source=str(self.path),
            ) from error

    def _open(self) -> None:
        with self._errors():
            tables = {row[0] for row in self._db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            if tables:  # checked before anything is written: it may be another program's database
                meta = dict(self._db.execute("SELECT name, value FROM meta")) if "meta" in tables else {}
                if meta.get("format") != FORMAT or "completions" not in tables:
                    raise InputError("is an SQLite database but not a judgment cache", source=str(self.path))
                if meta.get("version") != str(VERSION):
                    raise InputError(
                        f"is a judgment cache of format version {meta.get('version')}, not {VERSION}: "
                        "delete it or choose another file",
                        source=str(self.path),
                    )
            self._db.execute("PRAGMA journal_mode=WAL")  # stored in the file; readers never block writers
            self._db.execute("PRAGMA synchronous=NORMAL")  # in WAL mode a killed process loses no commit
            if not tables:
                self._db.execute("BEGIN IMMEDIATE")  # two processes may create the file at once
                self._db.execute("CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT)")
                self._db.execute(
                    "CREATE TABLE IF NOT EXISTS completions (key TEXT PRIMARY KEY, value TEXT NOT NULL)"
                )
                self._db.executemany(
                    "INSERT OR IGNORE INTO meta VALUES (?, ?)",
                    [("format", FORMAT), ("version", str(VERSION))],
                )
                self._db.execute("COMMIT")

    def _prefix(self, sampling: SamplingConfig) -> dict[str, Any]:
        identity = dict(self.engine.identity)
        files = _fingerprint(identity.get("model"))
        if files is not None:
            identity["model_files"] = files
        return {"engine": identity, "sampling": _sampling(sampling), "format": VERSION}

    def _lookup(self, keys: Sequence[str]) -> dict[str, list[Completion]]:
        unique = list(dict.fromkeys(keys))
        found: dict[str, list[Completion]] = {}
        with self._errors():
            for start in range(0, len(unique), _LOOKUP_BATCH):
                batch = unique[start : start + _LOOKUP_BATCH]
                marks = ",".join("?" * len(batch))
                query = f"SELECT key, value FROM completions WHERE key IN ({marks})"
                for key, value in self._db.execute(query, batch):
                    found[key] = self._decode(key, value)
        return found

    def _decode(self, key: str, value: str) -> list[Completion]:
        try:
            return [Completion(**sample) for sample in json.loads(value)]
        except (ValueError, TypeError) as error:
            raise InputError(
                f"entry {key[:12]} is unreadable ({error}); delete the file or choose another",
                source=str(self.path),
            ) from error

    def _store(self, entries: dict[str, list[Completion]]) -> None:
        """Keep the answers that were generated (a `too_long` answer was not: see the docstring)."""
        rows = [
            (key, json.dumps([asdict(c) for c in value]))
            for key, value in entries.items()
            if not any(c.too_long for c in value)
        ]
        if not rows:
            return
        with self._errors():
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.executemany("INSERT OR REPLACE INTO completions VALUES (?, ?)", rows)
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")


def _sampling(sampling: SamplingConfig) -> dict[str, Any]:
    """Every field, floats as floats (so that 1 and 1.0 are one key)."""
    return {
        f.name: float(getattr(sampling, f.name)) if f.type in ("float", float) else getattr(sampling, f.name)
        for f in fields(sampling)
    }


def _key(prefix: dict[str, Any], chat: Chat, seed: int | None) -> str:
    payload = {**prefix, "chat": chat, "seed": seed}
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _fingerprint(model: Any) -> list[tuple[str, int, int]] | None:
    """(name, size, mtime) of a local model folder's files; None for a hub name or served name."""
    if not isinstance(model, str):
        return None
    folder = Path(model)
    if not folder.is_absolute() or not folder.is_dir():
        return None
    try:
        files = [(entry.name, entry.stat()) for entry in folder.iterdir() if entry.is_file()]
    except OSError:
        return None
    return sorted((name, stat.st_size, stat.st_mtime_ns) for name, stat in files)

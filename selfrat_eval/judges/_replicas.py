"""Data-parallel judging (`--replicas N`): N copies of one engine, each in its own process, with the
requests of every `generate` call dealt out among them and the answers put back in request order.

Why processes and not vLLM's own `data_parallel_size`: offline vLLM refuses data parallelism for
dense models, so (as lm-evaluation-harness does with Ray tasks) each replica is an ordinary engine,
with tensor or pipeline parallelism inside it through its own options. Plain processes keep the
default install as light as it is; a process per replica also gives each its own GPUs
(`CUDA_VISIBLE_DEVICES`) or, on a CPU, its own cores.

What makes the judgments the same whatever N: an engine call carries one seed per request (the run
seed, item, slot and sample), and identical chats (an adaptive round's samples of one request) are
always dealt to one replica, which also keeps their shared prefix in one prefix cache. Answers are
gathered by each request's index in the call, never by which replica answered or when. A different N
changes which requests share a batch; an engine whose numbers depend on the batch (vLLM's kernels can,
transformers' per-batch sampling seed does) may then differ in a last bit, as at another batch size.

A replica that dies or fails mid-call raises `ReplicaFailed` once the others have finished, holding
their answers: `CachingEngine` stores them before the error goes on, so a resumed run recomputes only
what the dead replica had not returned (and, without a cache, the chunks already written are kept).
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import weakref
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from typing import Any

from selfrat_eval._errors import InputError, ReplicaFailed
from selfrat_eval.judges._engine import Completion, Engine, SamplingConfig
from selfrat_eval.prompts import Chat

#: Seconds a replica may take to load its engine (a 70B model from a slow disk is minutes).
_LOAD_TIMEOUT_S = 3600.0


def deal(chats: Sequence[Chat], replicas: int) -> list[list[int]]:
    """Request indices per replica: identical chats together, in contiguous blocks of about equal size
    (neighbouring requests, often one item's, share a replica)."""
    groups: dict[str, list[int]] = {}
    for index, chat in enumerate(chats):
        groups.setdefault(json.dumps(list(chat), sort_keys=True), []).append(index)
    shards: list[list[int]] = [[] for _ in range(replicas)]
    dealt = 0
    for group in groups.values():
        # the replica whose share of the requests this group starts in
        shards[min(dealt * replicas // len(chats), replicas - 1)].extend(group)
        dealt += len(group)
    return [sorted(shard) for shard in shards]


def replica_environments(replicas: int, devices_per_replica: int = 1) -> list[dict[str, str]]:
    """Each replica's environment: its own GPUs where there are GPUs, else its own CPU cores.

    GPUs are those in `CUDA_VISIBLE_DEVICES` (or all that torch sees), `devices_per_replica` each
    (tensor x pipeline parallel size). On a CPU, the cores this process may use are split into N
    blocks (or, with more replicas than cores, replica i gets core i mod cores)."""
    gpus = _visible_gpus()
    if gpus:
        needed = replicas * devices_per_replica
        if len(gpus) < needed:
            raise InputError(
                f"{replicas} replicas x {devices_per_replica} GPU(s) each need {needed} GPUs; "
                f"{len(gpus)} visible",
                field="replicas",
            )
        return [
            {"CUDA_VISIBLE_DEVICES": ",".join(gpus[r * devices_per_replica : (r + 1) * devices_per_replica])}
            for r in range(replicas)
        ]
    cores = sorted(os.sched_getaffinity(0))
    if replicas <= len(cores):
        size = len(cores)
        blocks = [cores[r * size // replicas : (r + 1) * size // replicas] for r in range(replicas)]
    else:
        blocks = [[cores[r % len(cores)]] for r in range(replicas)]
    return [
        {
            "SELFRAT_REPLICA_CORES": ",".join(map(str, block)),
            "OMP_NUM_THREADS": str(len(block)),
            "VLLM_CPU_OMP_THREADS_BIND": ",".join(map(str, block)),
        }
        for block in blocks
    ]


def _visible_gpus() -> list[str]:
    listed = os.environ.get("CUDA_VISIBLE_DEVICES")
    if listed is not None:
        return [gpu for gpu in listed.split(",") if gpu.strip()]
    import torch

    return [str(index) for index in range(torch.cuda.device_count())]


class ReplicatedEngine:
    """An `Engine` made of `replicas` processes, each running the engine `factory` builds.

    `factory` must be picklable (a module-level function or a `functools.partial` of one): each
    process calls it once. The replicas load in parallel; the identity is the engine's own, so
    results and cache keys are the same whatever the number of replicas."""

    def __init__(
        self,
        factory: Callable[[], Engine],
        replicas: int,
        environments: Sequence[dict[str, str]] | None = None,
    ) -> None:
        if replicas < 1:
            raise InputError("--replicas must be at least 1", field="replicas")
        environments = list(environments) if environments is not None else replica_environments(replicas)
        context = multiprocessing.get_context("spawn")  # a fresh interpreter: no inherited CUDA or threads
        self._connections: list[Connection] = []
        self._processes: list[BaseProcess] = []
        for replica, environment in enumerate(environments[:replicas]):
            ours, theirs = context.Pipe()
            process = context.Process(
                target=_serve, args=(factory, environment, theirs), name=f"selfrat-replica-{replica}"
            )
            process.start()
            theirs.close()
            self._connections.append(ours)
            self._processes.append(process)
        self._closer = weakref.finalize(self, _shut_down, self._connections, self._processes)
        identities = [self._answer(replica, _LOAD_TIMEOUT_S) for replica in range(replicas)]
        if any(identity != identities[0] for identity in identities):
            self.close()
            raise RuntimeError(f"the replicas loaded different engines: {identities}")
        self._identity: dict[str, Any] = identities[0]

    @property
    def replicas(self) -> int:
        return len(self._processes)

    @property
    def identity(self) -> dict[str, Any]:
        return self._identity

    def generate(
        self, chats: Sequence[Chat], sampling: SamplingConfig, seeds: Sequence[int] | None = None
    ) -> list[list[Completion]]:
        if seeds is not None and len(seeds) != len(chats):
            raise ValueError(f"{len(seeds)} seeds for {len(chats)} chats")
        if not chats:
            return []
        shards = deal(chats, self.replicas)
        working: dict[Any, int] = {}  # connection -> replica
        for replica, shard in enumerate(shards):
            if shard:
                shard_seeds = [seeds[i] for i in shard] if seeds is not None else None
                self._connections[replica].send(([chats[i] for i in shard], sampling, shard_seeds))
                working[self._connections[replica]] = replica
        answers: dict[int, list[Completion]] = {}
        failures: list[str] = []
        while working:  # gathered as they finish, so a failure keeps every answer already made
            for ready in wait(list(working)):
                replica = working.pop(ready)
                try:
                    shard_answers = self._answer(replica, None)
                except (ReplicaFailed, InputError) as error:
                    failures.append(str(error))
                    continue
                answers.update(zip(shards[replica], shard_answers, strict=True))
        if failures:
            raise ReplicaFailed("; ".join(failures), answers)
        return [answers[index] for index in range(len(chats))]

    def close(self) -> None:
        self._closer()

    def _answer(self, replica: int, timeout: float | None) -> Any:
        """The replica's next message, or the error it reports (`InputError` as it was raised)."""
        connection, process = self._connections[replica], self._processes[replica]
        try:
            if timeout is not None and not connection.poll(timeout):
                raise ReplicaFailed(f"replica {replica} did not load its engine in {timeout:.0f} s", {})
            kind, payload = connection.recv()
        except (EOFError, OSError):
            process.join(5)
            raise ReplicaFailed(f"replica {replica} died (exit code {process.exitcode})", {}) from None
        if kind == "error":
            if isinstance(payload, InputError):
                raise payload
            detail = f"{type(payload).__name__}: {payload}" if isinstance(payload, BaseException) else payload
            raise ReplicaFailed(f"replica {replica} failed: {detail}", {})
        return payload


def _serve(factory: Callable[[], Engine], environment: dict[str, str], connection: Connection) -> None:
    """A replica process: build the engine, then answer `generate` calls until told to stop."""
    os.environ.update(environment)
    if "SELFRAT_REPLICA_CORES" in environment:
        os.sched_setaffinity(0, {int(core) for core in environment["SELFRAT_REPLICA_CORES"].split(",")})
    try:
        engine = factory()
        connection.send(("ready", engine.identity))
    except Exception as error:  # reported to the parent, which raises it there
        _send_error(connection, error)
        return
    while True:
        try:
            request = connection.recv()
        except EOFError:  # the parent is gone
            return
        if request is None:
            return
        chats, sampling, seeds = request
        try:
            connection.send(("answers", engine.generate(chats, sampling, seeds)))
        except Exception as error:
            _send_error(connection, error)


def _send_error(connection: Connection, error: Exception) -> None:
    try:
        connection.send(("error", error))
    except Exception:  # an exception that does not pickle goes as its text
        connection.send(("error", f"{type(error).__name__}: {error}"))


def _shut_down(connections: list[Connection], processes: list[BaseProcess]) -> None:
    for connection in connections:
        with contextlib.suppress(OSError):
            connection.send(None)
    for process in processes:
        process.join(30)
        if process.is_alive():
            process.terminate()
            process.join(5)
    for connection in connections:
        connection.close()

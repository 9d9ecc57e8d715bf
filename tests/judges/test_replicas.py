"""Data-parallel judging (`--replicas`): the same judgments at 1, 2 and 3 replicas, requests dealt by
chat, each replica on its own cores or GPUs, and a replica killed mid-run losing nothing finished."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

import pytest

from selfrat_eval._errors import InputError, ReplicaFailed
from selfrat_eval.data import sample_path
from selfrat_eval.evaluation import EvalConfig, run_eval
from selfrat_eval.judges import CachingEngine, Engine, EngineSettings, ReplicatedEngine, load_engine
from selfrat_eval.judges._replicas import deal, replica_environments
from tests.evaluation.test_adaptive_runs import SeededEngine
from tests.judges import replica_engines


def run(out: Path, engine: Engine, **options: Any) -> dict[str, Any]:
    data = sample_path("rewardbench")
    config = EvalConfig(judge="seeded", benchmark="rewardbench", out=out, data=data, n_resamples=9, **options)
    return run_eval(config, engine_factory=lambda: engine)


@pytest.mark.parametrize(
    "options",
    [
        {"strategy": "single"},
        {"strategy": "self-consistency:adaptive:6", "mode": "pairwise", "both_orders": True},
    ],
    ids=["greedy", "adaptive-pairwise"],
)
def test_judgments_are_identical_at_1_2_and_3_replicas(options: dict[str, Any], tmp_path: Path) -> None:
    run(tmp_path / "in-process", SeededEngine(), limit=12, chunk_size=5, **options)
    expected = (tmp_path / "in-process" / "judgments.jsonl").read_bytes()
    for replicas in (1, 2, 3):
        engine = ReplicatedEngine(replica_engines.seeded, replicas)
        try:
            run(tmp_path / str(replicas), engine, limit=12, chunk_size=5, **options)
        finally:
            engine.close()
        assert (tmp_path / str(replicas) / "judgments.jsonl").read_bytes() == expected


def test_a_killed_replica_loses_nothing_finished_and_the_run_resumes(tmp_path: Path) -> None:
    run(tmp_path / "whole", SeededEngine(), limit=12, chunk_size=4)
    cache, out = tmp_path / "cache.sqlite", tmp_path / "killed"
    factory = partial(replica_engines.killed_once, tmp_path / "killed.flag")

    engine = CachingEngine(ReplicatedEngine(factory, 2), cache)
    with pytest.raises(ReplicaFailed, match="died"):
        run(out, engine, limit=12, chunk_size=4)  # the second chunk loses one replica
    assert len((out / "judgments.jsonl").read_text().splitlines()) == 4  # the first chunk is kept

    engine = CachingEngine(ReplicatedEngine(factory, 2), cache)
    try:
        results = run(out, engine, limit=12, chunk_size=4)
    finally:
        engine.engine.close()  # type: ignore[attr-defined]
    # 8 items (2 requests each) were left; the survivor's share of the second chunk was cached
    stats = results["timings"]["cache"]
    assert stats["requests"] == 16 and stats["hits"] > 0
    assert stats["hits"] + stats["misses"] == 16 and stats["misses"] > 8
    assert (out / "judgments.jsonl").read_bytes() == (tmp_path / "whole" / "judgments.jsonl").read_bytes()


def test_a_replica_that_cannot_load_reports_the_error_as_it_was_raised() -> None:
    with pytest.raises(InputError, match="/nowhere/model: no such model folder"):
        ReplicatedEngine(replica_engines.missing_model, 2)


def test_requests_are_dealt_in_balanced_blocks_identical_chats_together() -> None:
    chats = [[{"role": "user", "content": f"item {i // 3}"}] for i in range(12)]  # 4 chats, 3 times each
    # blocks of about 12 / 3 requests, a chat's three copies never split
    assert deal(chats, 3) == [[0, 1, 2, 3, 4, 5], [6, 7, 8], [9, 10, 11]]
    assert deal(chats, 1) == [list(range(12))]
    assert deal(chats, 4) == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9, 10, 11]]
    assert deal(chats[:2], 3)[1:] == [[], []]  # fewer distinct chats than replicas: idle replicas


def test_each_replica_gets_its_own_gpus(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "4,5,6,7")
    assert replica_environments(2, 2) == [{"CUDA_VISIBLE_DEVICES": "4,5"}, {"CUDA_VISIBLE_DEVICES": "6,7"}]
    assert [e["CUDA_VISIBLE_DEVICES"] for e in replica_environments(4)] == ["4", "5", "6", "7"]
    with pytest.raises(InputError, match="need 6 GPUs; 4 visible"):
        replica_environments(3, 2)


def test_on_a_cpu_each_replica_gets_its_own_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "")
    monkeypatch.setattr("os.sched_getaffinity", lambda pid: {0, 1, 2, 3})
    environments = replica_environments(2)
    assert [e["VLLM_CPU_OMP_THREADS_BIND"] for e in environments] == ["0,1", "2,3"]
    assert [e["OMP_NUM_THREADS"] for e in environments] == ["2", "2"]
    # more replicas than cores: they take the cores in turn
    assert [e["SELFRAT_REPLICA_CORES"] for e in replica_environments(6)] == ["0", "1", "2", "3", "0", "1"]


def test_an_endpoint_is_scaled_on_the_server_not_by_replicas() -> None:
    with pytest.raises(InputError, match="data-parallel-size"):
        load_engine("openai", "served", EngineSettings(replicas=2), base_url="http://127.0.0.1:9/v1")

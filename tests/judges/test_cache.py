"""The judgment cache, with a scripted engine: what is sent, what is stored, what is served."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from selfrat_eval._errors import InputError
from selfrat_eval.data import sample_path
from selfrat_eval.evaluation import EvalConfig, read_judgments, run_eval
from selfrat_eval.judges import Completion, Engine, SamplingConfig, TokenCount
from selfrat_eval.judges._cache import CacheStats, CachingEngine
from selfrat_eval.prompts import Chat
from tests.conftest import ScriptedEngine, user_text

SAMPLED = SamplingConfig(n=2, temperature=1.0, max_new_tokens=16, seed=3, logprobs=True)


def chat(text: str) -> Chat:
    return [{"role": "system", "content": "judge"}, {"role": "user", "content": text}]


class SeedEcho(ScriptedEngine):
    """Answers `text|seed|sample` with (sample + 1) tokens, so every completion shows its request."""

    def __init__(self, identity: dict[str, Any] | None = None) -> None:
        super().__init__(lambda chat: "")
        self._identity = identity or {"backend": "scripted", "model": "scripted"}
        self.seeds: list[list[int] | None] = []

    @property
    def identity(self) -> dict[str, Any]:
        return self._identity

    def generate(
        self, chats: Sequence[Chat], sampling: SamplingConfig, seeds: Sequence[int] | None = None
    ) -> list[list[Completion]]:
        self.calls.append(len(chats))
        self.prompts += list(chats)
        self.seeds.append(list(seeds) if seeds is not None else None)
        used = list(seeds) if seeds is not None else [None] * len(chats)
        return [
            [Completion(f"{user_text(c)}|{seed}|{i}", i + 1, -0.5 * i) for i in range(sampling.n)]
            for c, seed in zip(chats, used, strict=True)
        ]


def test_a_rerun_makes_no_engine_call_and_returns_the_same(tmp_path: Path) -> None:
    chats, seeds = [chat("a"), chat("b"), chat("c")], [11, 12, 13]
    first = SeedEcho()
    with CachingEngine(first, tmp_path / "cache.sqlite") as cache:
        assert isinstance(cache, Engine)
        made = cache.generate(chats, SAMPLED, seeds)
        assert cache.stats == CacheStats(
            requests=3, hits=0, misses=3, engine_calls=1, generated_tokens=9, cached_tokens=0
        )
    assert first.calls == [3] and made[1] == [Completion("b|12|0", 1, -0.0), Completion("b|12|1", 2, -0.5)]

    second = SeedEcho()
    with CachingEngine(second, tmp_path / "cache.sqlite") as cache:
        assert cache.generate(chats, SAMPLED, seeds) == made
        assert cache.stats == CacheStats(
            requests=3, hits=3, misses=0, engine_calls=0, generated_tokens=0, cached_tokens=9
        )
        assert cache.stats.hit_rate == 1.0
    assert second.calls == []


def test_only_the_misses_are_sent_in_one_call_in_order_with_their_seeds(tmp_path: Path) -> None:
    engine = SeedEcho()
    cache = CachingEngine(engine, tmp_path / "cache.sqlite")
    cache.generate([chat("b"), chat("d")], SAMPLED, [2, 4])
    wanted = [chat("a"), chat("b"), chat("c"), chat("d"), chat("e"), chat("a")]
    results = cache.generate(wanted, SAMPLED, [1, 2, 3, 4, 5, 1])

    assert engine.calls == [2, 3]  # a, c, e: one batched call; the repeated `a` is generated once
    assert [user_text(c) for c in engine.prompts[2:]] == ["a", "c", "e"]
    assert engine.seeds[1] == [1, 3, 5]
    assert [r[0].text for r in results] == ["a|1|0", "b|2|0", "c|3|0", "d|4|0", "e|5|0", "a|1|0"]
    assert cache.stats.misses == 5 and cache.stats.hits == 3 and cache.stats.engine_calls == 2


@pytest.mark.parametrize(
    "change",
    [
        {"sampling": SamplingConfig(n=2, temperature=0.7, max_new_tokens=16, seed=3, logprobs=True)},
        {"sampling": SamplingConfig(n=2, temperature=1.0, max_new_tokens=16, seed=3, logprobs=False)},
        {"sampling": SamplingConfig(n=2, temperature=1.0, max_new_tokens=32, seed=3, logprobs=True)},
        {"sampling": SamplingConfig(n=2, temperature=1.0, max_new_tokens=16, seed=4, logprobs=True)},
        {"seeds": [8]},
        {"seeds": None},
        {"identity": {"backend": "scripted", "model": "scripted", "revision": "abc123"}},
        {"identity": {"backend": "scripted", "model": "scripted", "dtype": "bfloat16"}},
        {"chats": [[{"role": "user", "content": "x"}]]},  # the same user text without the system message
    ],
)
def test_any_change_to_the_request_is_a_miss(tmp_path: Path, change: dict[str, Any]) -> None:
    base: dict[str, Any] = {
        "chats": [chat("x")],
        "sampling": SAMPLED,
        "seeds": [7],
        "identity": {"backend": "scripted", "model": "scripted"},
    }
    CachingEngine(SeedEcho(base["identity"]), tmp_path / "c.sqlite").generate(
        base["chats"], base["sampling"], base["seeds"]
    )
    request = {**base, **change}
    engine = SeedEcho(request["identity"])
    CachingEngine(engine, tmp_path / "c.sqlite").generate(
        request["chats"], request["sampling"], request["seeds"]
    )
    assert engine.calls == [1]


def test_an_integer_temperature_is_the_same_key(tmp_path: Path) -> None:
    CachingEngine(SeedEcho(), tmp_path / "c.sqlite").generate([chat("x")], SAMPLED, [7])
    engine = SeedEcho()
    same = SamplingConfig(n=2, temperature=1, max_new_tokens=16, seed=3, logprobs=True)
    CachingEngine(engine, tmp_path / "c.sqlite").generate([chat("x")], same, [7])
    assert engine.calls == []


def test_a_retrained_local_model_is_a_miss(tmp_path: Path) -> None:
    model = tmp_path / "checkpoint"
    model.mkdir()
    (model / "model.safetensors").write_bytes(b"old weights")
    identity = {"backend": "hf", "model": str(model), "revision": None}
    CachingEngine(SeedEcho(identity), tmp_path / "c.sqlite").generate([chat("x")], SAMPLED, [7])
    (model / "model.safetensors").write_bytes(b"new weights, longer")
    engine = SeedEcho(identity)
    CachingEngine(engine, tmp_path / "c.sqlite").generate([chat("x")], SAMPLED, [7])
    assert engine.calls == [1]


def test_two_objects_on_one_file_share_entries(tmp_path: Path) -> None:
    one, two = SeedEcho(), SeedEcho()
    first = CachingEngine(one, tmp_path / "shared.sqlite")
    second = CachingEngine(two, tmp_path / "shared.sqlite")  # open at the same time, as two processes
    made = first.generate([chat("a"), chat("b")], SAMPLED, [1, 2])
    assert second.generate([chat("b"), chat("a")], SAMPLED, [2, 1]) == [made[1], made[0]]
    second.generate([chat("c")], SAMPLED, [3])
    first.generate([chat("c")], SAMPLED, [3])
    assert one.calls == [2] and two.calls == [1]
    mode = sqlite3.connect(tmp_path / "shared.sqlite").execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


def test_too_long_prompts_are_not_stored(tmp_path: Path) -> None:
    class Short(SeedEcho):
        def generate(
            self, chats: Sequence[Chat], sampling: SamplingConfig, seeds: Sequence[int] | None = None
        ) -> list[list[Completion]]:
            made = super().generate(chats, sampling, seeds)
            return [
                [Completion("", 0, too_long=True)] * sampling.n if user_text(c) == "long" else m
                for c, m in zip(chats, made, strict=True)
            ]

    CachingEngine(Short(), tmp_path / "c.sqlite").generate([chat("long"), chat("ok")], SAMPLED, [1, 2])
    engine = Short()
    results = CachingEngine(engine, tmp_path / "c.sqlite").generate(
        [chat("long"), chat("ok")], SAMPLED, [1, 2]
    )
    assert engine.calls == [1] and results[0][0].too_long and results[1][0].text == "ok|2|0"


def test_a_killed_run_keeps_the_chunks_that_finished(tmp_path: Path) -> None:
    common = {
        "benchmark": "rubric",
        "data": sample_path("rubric"),
        "limit": 6,
        "n_resamples": 0,
        "chunk_size": 3,
    }
    store = tmp_path / "cache.sqlite"

    def respond(chat: Chat) -> str:
        return "Feedback: fine. [RESULT] 4"

    class DiesOnSecondChunk(ScriptedEngine):
        def generate(
            self, chats: Sequence[Chat], sampling: SamplingConfig, seeds: Sequence[int] | None = None
        ) -> list[list[Completion]]:
            if self.calls:
                raise KeyboardInterrupt  # the run is killed while judging the second chunk
            return super().generate(chats, sampling, seeds)

    killed = CachingEngine(DiesOnSecondChunk(respond), store)
    with pytest.raises(KeyboardInterrupt):
        run_eval(EvalConfig(judge="s", out=tmp_path / "killed", **common), engine_factory=lambda: killed)  # type: ignore[arg-type]
    killed.close()

    engine = ScriptedEngine(respond)
    cache = CachingEngine(engine, store)
    run_eval(EvalConfig(judge="s", out=tmp_path / "fresh", **common), engine_factory=lambda: cache)  # type: ignore[arg-type]
    assert engine.calls == [
        3
    ]  # a fresh folder: the first chunk comes from the cache, only the second is judged
    assert cache.stats.hits == 3 and cache.stats.misses == 3

    plain = ScriptedEngine(respond)
    run_eval(EvalConfig(judge="s", out=tmp_path / "plain", **common), engine_factory=lambda: plain)  # type: ignore[arg-type]
    judged = read_judgments(tmp_path / "fresh" / "judgments.jsonl")
    assert [j.outputs for j in judged] == [
        j.outputs for j in read_judgments(tmp_path / "plain" / "judgments.jsonl")
    ]


def test_identity_names_the_cache_and_keeps_the_engine(tmp_path: Path) -> None:
    cache = CachingEngine(SeedEcho(), tmp_path / "sub" / "c.sqlite")
    assert cache.identity == {
        "backend": "scripted",
        "model": "scripted",
        "cache": str(tmp_path / "sub" / "c.sqlite"),
    }


@pytest.mark.parametrize(
    "content",
    [b"this is not a database, just some text that is long enough " * 20, "sqlite-other", "folder"],
)
def test_an_unusable_file_is_an_input_error_naming_it(tmp_path: Path, content: bytes | str) -> None:
    path = tmp_path / "cache.sqlite"
    if content == "folder":
        path.mkdir()
    elif content == "sqlite-other":
        sqlite3.connect(path).execute("CREATE TABLE other (x)").connection.commit()
    else:
        assert isinstance(content, bytes)
        path.write_bytes(content)
    with pytest.raises(InputError) as error:
        CachingEngine(SeedEcho(), path)
    assert str(path) in str(error.value)


def test_a_corrupt_entry_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite"
    CachingEngine(SeedEcho(), path).generate([chat("x")], SAMPLED, [7])
    db = sqlite3.connect(path)
    db.execute("UPDATE completions SET value = '{not json'")
    db.commit()
    db.close()
    with pytest.raises(InputError, match="unreadable"):
        CachingEngine(SeedEcho(), path).generate([chat("x")], SAMPLED, [7])


class Billed(SeedEcho):
    """SeedEcho whose requests are charged len(text) * 10 prompt tokens, on their first sample."""

    def generate(
        self, chats: Sequence[Chat], sampling: SamplingConfig, seeds: Sequence[int] | None = None
    ) -> list[list[Completion]]:
        return [
            [
                replace(c, prompt_tokens=10 * len(user_text(chat)) if i == 0 else 0)
                for i, c in enumerate(answer)
            ]
            for chat, answer in zip(chats, super().generate(chats, sampling, seeds), strict=True)
        ]


def test_prompt_tokens_are_stored_served_and_counted(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite"
    with CachingEngine(Billed(), path) as cache:
        made = cache.generate([chat("a"), chat("bb"), chat("a")], SAMPLED, [1, 2, 1])
        assert [[c.prompt_tokens for c in answer] for answer in made] == [[10, 0], [20, 0], [10, 0]]
        # `a` is generated once: the repeat is served, and saves its prompt and 1 + 2 output tokens
        assert cache.stats == CacheStats(
            requests=3,
            hits=1,
            misses=2,
            engine_calls=1,
            generated_tokens=6,
            cached_tokens=3,
            generated_prompt_tokens=30,
            cached_prompt_tokens=10,
        )
        earlier = cache.stats
        assert cache.generate([chat("bb")], SAMPLED, [2]) == [made[1]]
        assert cache.stats.since(earlier) == CacheStats(
            requests=1, hits=1, cached_tokens=3, cached_prompt_tokens=20
        )
        assert cache.stats.since(earlier).saved == TokenCount(input=20, output=3)


def test_entries_stored_before_prompt_tokens_were_recorded_read_as_zero(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite"
    with CachingEngine(Billed(), path) as cache:
        made = cache.generate([chat("a")], SAMPLED, [1])
    db = sqlite3.connect(path)  # what an older version wrote: every field but prompt_tokens
    db.execute("UPDATE completions SET value = ?", (json.dumps([{"text": "a|1|0", "num_tokens": 1}]),))
    db.commit()
    db.close()
    engine = Billed()
    with CachingEngine(engine, path) as cache:
        assert cache.generate([chat("a")], SAMPLED, [1]) == [[Completion("a|1|0", 1)]]
        assert engine.calls == [] and cache.stats.saved == TokenCount(input=0, output=1)
    assert made[0][0].prompt_tokens == 10

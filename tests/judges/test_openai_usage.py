"""The OpenAI-compatible engine's token counts against a scripted local server whose `usage` is known:
what the engine reports must add up to what the server billed."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from selfrat_eval.judges import SamplingConfig, TokenCount, count_tokens, load_engine
from selfrat_eval.prompts import Chat

pytest.importorskip("openai")


class UsageServer:
    """Answers every chat completion with `n` choices and a usage of len(user text) prompt tokens and
    5n + 1 completion tokens (uneven across choices, so a split must keep the sum); with log-probs,
    choice i gets i + 2 tokens and the usage is their sum. Choices come back in reverse order.
    `report_usage=False` leaves usage out, as some servers do. Every usage sent is kept in `billed`."""

    def __init__(self, report_usage: bool = True) -> None:
        self.billed: list[dict[str, int]] = []
        self.bodies: list[dict[str, Any]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                n, logprobs = body.get("n") or 1, bool(body.get("logprobs"))
                text = next(m["content"] for m in body["messages"] if m["role"] == "user")
                choices = [
                    {
                        "index": i,
                        "message": {"role": "assistant", "content": f"answer {i}"},
                        "finish_reason": "stop",
                        "logprobs": {
                            "content": [{"token": "x", "logprob": -0.5, "bytes": None, "top_logprobs": []}]
                            * (i + 2)
                        }
                        if logprobs
                        else None,
                    }
                    for i in reversed(range(n))
                ]
                completion = sum(i + 2 for i in range(n)) if logprobs else 5 * n + 1
                usage = {
                    "prompt_tokens": len(text),
                    "completion_tokens": completion,
                    "total_tokens": len(text) + completion,
                }
                payload: dict[str, Any] = {
                    "id": "cmpl",
                    "object": "chat.completion",
                    "created": 0,
                    "model": body["model"],
                    "choices": choices,
                }
                if report_usage:
                    payload["usage"] = usage
                    server.billed.append(usage)
                server.bodies.append(body)
                data = json.dumps(payload).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.http.server_address[1]}/v1"
        self._thread = threading.Thread(target=self.http.serve_forever, daemon=True)
        self._thread.start()

    def total(self) -> TokenCount:
        return TokenCount(
            sum(u["prompt_tokens"] for u in self.billed), sum(u["completion_tokens"] for u in self.billed)
        )

    def close(self) -> None:
        self.http.shutdown()
        self.http.server_close()


@pytest.fixture
def server() -> Iterator[UsageServer]:
    running = UsageServer()
    yield running
    running.close()


def chat(text: str) -> Chat:
    return [{"role": "system", "content": "You judge."}, {"role": "user", "content": text}]


CHATS = [chat("short"), chat("a longer question")]  # 5 and 17 prompt tokens on the scripted server
SAMPLED = SamplingConfig(n=3, temperature=1.0, max_new_tokens=16)


def test_n_samples_per_request_bill_the_prompt_once(server: UsageServer) -> None:
    engine = load_engine("openai", "scripted", base_url=server.url, max_retries=0)
    answers = engine.generate(CHATS, SAMPLED, [1, 2])
    assert [b["n"] for b in server.bodies] == [3, 3]
    assert [[c.text for c in a] for a in answers] == [["answer 0", "answer 1", "answer 2"]] * 2
    assert [[c.prompt_tokens for c in a] for a in answers] == [[5, 0, 0], [17, 0, 0]]
    # 16 completion tokens per request, only their sum known: split evenly, the remainder first
    assert [[c.num_tokens for c in a] for a in answers] == [[6, 5, 5], [6, 5, 5]]
    assert count_tokens(answers) == server.total() == TokenCount(input=22, output=32)


def test_log_probs_give_each_sample_its_own_count(server: UsageServer) -> None:
    engine = load_engine("openai", "scripted", base_url=server.url, max_retries=0)
    answers = engine.generate(CHATS, SamplingConfig(n=3, temperature=1.0, logprobs=True), [1, 2])
    assert [[c.num_tokens for c in a] for a in answers] == [[2, 3, 4], [2, 3, 4]]
    assert all(c.mean_logprob == -0.5 for a in answers for c in a)
    assert count_tokens(answers) == server.total() == TokenCount(input=22, output=18)


def test_one_request_per_sample_bills_the_prompt_per_sample(server: UsageServer) -> None:
    engine = load_engine("openai", "scripted", base_url=server.url, max_retries=0, server_supports_n=False)
    answers = engine.generate(CHATS, SAMPLED, [1, 2])
    assert len(server.bodies) == 6 and all(b["n"] == 1 for b in server.bodies)
    assert [[c.prompt_tokens for c in a] for a in answers] == [[5, 5, 5], [17, 17, 17]]
    assert [[c.num_tokens for c in a] for a in answers] == [[6, 6, 6], [6, 6, 6]]
    assert count_tokens(answers) == server.total() == TokenCount(input=66, output=36)


def test_a_server_without_usage_counts_nothing_it_did_not_report() -> None:
    silent = UsageServer(report_usage=False)
    try:
        engine = load_engine("openai", "scripted", base_url=silent.url, max_retries=0)
        answers = engine.generate(CHATS, SAMPLED, [1, 2])
    finally:
        silent.close()
    assert count_tokens(answers) == TokenCount(input=0, output=0)

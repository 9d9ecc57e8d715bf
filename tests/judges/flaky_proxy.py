"""A local HTTP proxy that fails part of the requests on purpose (test helper, loopback only)."""

from __future__ import annotations

import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class FlakyProxy:
    """Forwards to `upstream`; every `fail_every`-th POST gets a 503, every `stall_every`-th stalls
    for `stall_s` seconds (longer than the client's timeout) before answering."""

    def __init__(
        self, upstream: str, fail_every: int = 3, stall_every: int = 5, stall_s: float = 4.0
    ) -> None:
        self.upstream = upstream.rstrip("/")
        self.fail_every, self.stall_every, self.stall_s = fail_every, stall_every, stall_s
        self.posts = self.failed = self.stalled = 0
        self._lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                self._forward(None)

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with proxy._lock:
                    proxy.posts += 1
                    number = proxy.posts
                if number % proxy.fail_every == 0:
                    with proxy._lock:
                        proxy.failed += 1
                    self.send_response(503)
                    self.end_headers()
                    return
                if number % proxy.stall_every == 0:
                    with proxy._lock:
                        proxy.stalled += 1
                    time.sleep(proxy.stall_s)
                self._forward(body)

            def _forward(self, body: bytes | None) -> None:
                request = urllib.request.Request(
                    proxy.upstream + self.path,
                    data=body,
                    method=self.command,
                    headers={"Content-Type": "application/json"},
                )
                try:
                    with urllib.request.urlopen(request, timeout=60) as response:
                        status, payload = response.status, response.read()
                except urllib.error.HTTPError as error:
                    status, payload = error.code, error.read()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client timed out and went away: that is the point

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FlakyProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

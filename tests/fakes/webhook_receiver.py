"""A webhook receiver: a real HTTP server on 127.0.0.1 (in a thread) that records every request and
verifies its Standard Webhooks signature with the official `standardwebhooks` library.

- `secrets[path]` is the `whsec_` secret the receiver at PATH checks with; each recorded request has
  `verified` (True/False, or None with no secret for its path).
- `answers[path]` is a list of answers consumed one per request: an HTTP status, `(status, headers)`,
  or "timeout" (sleeps `slow_seconds` before answering). With none left it answers 200 (or `default`).
- `fail_rate` answers that share of requests with 500, seeded (the benchmark's 30 %).
- `ids()` / `delivered_ids()`: the `webhook-id`s seen, and those answered 2xx.
"""

from __future__ import annotations

import random
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks import Webhook


class _Server(ThreadingHTTPServer):
    # socketserver's default listen backlog is 5: a drain opening 8 connections at once overflowed it
    # and the kernel dropped SYNs, each retried a second later. Real receivers queue hundreds.
    request_queue_size = 128

    def handle_error(self, request: Any, client_address: Any) -> None:
        # a sender killed mid-request (the benchmark's SIGKILLed worker) is expected here, not news
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: str
    status: int
    verified: bool | None


@dataclass
class Receiver:
    secrets: dict[str, str] = field(default_factory=dict)
    answers: dict[str, list[Any]] = field(default_factory=dict)
    default: int = 200
    fail_rate: float = 0.0
    slow_seconds: float = 0.0
    seed: int = 7
    check_time: bool = False  # True: the library's full verify(), timestamp tolerance included (real clock)
    received: list[Received] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def base(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, path: str = "/hook") -> str:
        return self.base + path

    def verify(self, path: str, headers: dict[str, str], body: str) -> bool | None:
        secret = self.secrets.get(path)
        if secret is None:
            return None
        hook = Webhook(secret)
        try:
            if self.check_time:
                hook.verify(body, headers)
                return True
            # Frozen test clocks sit far from the wall clock: check the signature exactly as verify()
            # does (the library's own sign() over id.timestamp.body), without its 5-minute tolerance.
            stamp = datetime.fromtimestamp(int(headers["webhook-timestamp"]), tz=UTC)
            expected = hook.sign(headers["webhook-id"], stamp, body).split(",", 1)[1]
            sent = [s.split(",", 1)[1] for s in headers["webhook-signature"].split(" ") if s.startswith("v1,")]
            return expected in sent
        except Exception:
            return False

    def _answer(self, path: str) -> Any:
        with self._lock:
            queue = self.answers.get(path) or []
            if queue:
                return queue.pop(0)
            if self.fail_rate and self._random.random() < self.fail_rate:
                return 500
        return self.default

    def start(self) -> Receiver:
        receiver = self
        self._random = random.Random(self.seed)

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # a response is written in two sends; Nagle would hold the second ~40 ms

            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                import json

                with receiver._lock:
                    stats = {
                        "received": len(receiver.received),
                        "delivered_ids": [
                            r.headers.get("webhook-id", "") for r in receiver.received if 200 <= r.status < 300
                        ],
                        "unverified": sum(1 for r in receiver.received if r.verified is False),
                    }
                payload = json.dumps(stats).encode()
                self.send_response(200)
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length).decode("utf-8")
                headers = {k.lower(): v for k, v in self.headers.items()}
                path = self.path.split("?")[0]
                answer = receiver._answer(path)
                extra: dict[str, str] = {}
                if answer == "timeout":
                    time.sleep(receiver.slow_seconds)
                    answer = 200
                if isinstance(answer, tuple):
                    answer, extra = answer
                verified = receiver.verify(path, headers, body)
                with receiver._lock:
                    receiver.received.append(Received(path, headers, body, int(answer), verified))
                payload = b"ok"
                self.send_response(int(answer))
                for k, v in extra.items():
                    self.send_header(k, v)
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self._server = _Server(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def at(self, path: str) -> list[Received]:
        with self._lock:
            return [r for r in self.received if r.path == path]

    def ids(self) -> list[str]:
        with self._lock:
            return [r.headers.get("webhook-id", "") for r in self.received]

    def delivered_ids(self) -> list[str]:
        with self._lock:
            return [r.headers.get("webhook-id", "") for r in self.received if 200 <= r.status < 300]

"""A fake HTTP email API: a real HTTP server on 127.0.0.1 speaking the JSON shape core/email.py's
HttpProvider sends (SendGrid's `POST /v3/mail/send`).

- `Authorization: Bearer <key>` — anything else is 401 `{"errors": [{"message": …}]}`.
- The body must have `personalizations[0].to[0].email`, `from.email`, `subject` and `content` — else
  400 with `errors[].field`, as the real API answers a malformed request.
- `Idempotency-Key`: a key seen before answers 202 with the first answer's `X-Message-Id` and is not
  stored again, so `unique` counts each message once however often it was delivered.
- Faults, for the outbox's fault-injection test and benchmark: `fail_rate` (a random share of calls
  answered 503 before anything is stored), `hang_rate`/`hang_seconds` (stored, then the answer comes
  too late for the caller), `refuse` (address → 400), `script` (statuses to answer next).

Run it alone (`python -m tests.fakes.email_api --port 8025`) to point a local app at it.
"""

from __future__ import annotations

import argparse
import json
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

PATH = "/v3/mail/send"


@dataclass
class FakeEmailApi:
    key: str = "test-email-api-key"
    fail_rate: float = 0.0
    hang_rate: float = 0.0
    hang_seconds: float = 0.0
    seed: int = 21
    refuse: dict[str, str] = field(default_factory=dict)
    script: list[int] = field(default_factory=list)
    messages: dict[str, dict[str, Any]] = field(default_factory=dict)  # idempotency key -> body
    calls: Counter[str] = field(default_factory=Counter)  # idempotency key -> calls (any answer)
    answers: Counter[int] = field(default_factory=Counter)
    _server: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.random = random.Random(self.seed)

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def unique(self) -> int:
        return len(self.messages)

    def answer(self, headers: dict[str, str], raw: bytes) -> tuple[int, dict[str, Any], dict[str, str], float]:
        """(status, body, headers, delay before answering) for one call."""
        if headers.get("authorization") != f"Bearer {self.key}":
            return 401, {"errors": [{"message": "The provided authorization grant is invalid."}]}, {}, 0.0
        try:
            body = json.loads(raw)
        except ValueError:
            return 400, {"errors": [{"message": "Bad Request", "field": None}]}, {}, 0.0
        problems = self._problems(body)
        if problems:
            return 400, {"errors": problems}, {}, 0.0
        key = headers.get("idempotency-key") or f"anon-{time.monotonic_ns()}"
        to = body["personalizations"][0]["to"][0]["email"]
        with self._lock:
            self.calls[key] += 1
            if self.script:
                status = self.script.pop(0)
                if status >= 300:
                    return status, {"errors": [{"message": f"scripted {status}"}]}, {}, 0.0
            if to in self.refuse:
                return 400, {"errors": [{"message": self.refuse[to], "field": "personalizations.0.to"}]}, {}, 0.0
            if self.fail_rate and self.random.random() < self.fail_rate:
                return 503, {"errors": [{"message": "Service Unavailable"}]}, {}, 0.0
            hang = self.hang_seconds if self.hang_rate and self.random.random() < self.hang_rate else 0.0
            if key not in self.messages:
                self.messages[key] = {**body, "_id": f"fake-{len(self.messages) + 1}"}
            ref = self.messages[key]["_id"]
        return 202, {}, {"X-Message-Id": ref}, hang

    @staticmethod
    def _problems(body: Any) -> list[dict[str, str]]:
        problems = []
        try:
            if not body["personalizations"][0]["to"][0]["email"]:
                raise KeyError
        except (KeyError, IndexError, TypeError):
            problems.append({"message": "The to array is required.", "field": "personalizations.0.to"})
        if not isinstance(body, dict) or not (body.get("from") or {}).get("email"):
            problems.append({"message": "The from email is required.", "field": "from.email"})
        if isinstance(body, dict) and not body.get("subject"):
            problems.append({"message": "The subject is required.", "field": "subject"})
        if isinstance(body, dict) and not body.get("content"):
            problems.append({"message": "Content is required.", "field": "content"})
        return problems

    def start(self, port: int = 0) -> FakeEmailApi:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.path != PATH:
                    status, body, extra, hang = 404, {"errors": [{"message": "Not Found"}]}, {}, 0.0
                else:
                    status, body, extra, hang = fake.answer({k.lower(): v for k, v in self.headers.items()}, raw)
                with fake._lock:
                    fake.answers[status] += 1
                if hang:
                    time.sleep(hang)
                data = json.dumps(body).encode() if body else b""
                self.send_response(status)
                for k, v in extra.items():
                    self.send_header(k, v)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                try:
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the caller gave up waiting

        self._server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8025)
    parser.add_argument("--key", default="test-email-api-key")
    parser.add_argument("--fail-rate", type=float, default=0.0)
    args = parser.parse_args()
    server = FakeEmailApi(key=args.key, fail_rate=args.fail_rate).start(args.port)
    print(f"fake email API on {server.url}{PATH}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.stop()

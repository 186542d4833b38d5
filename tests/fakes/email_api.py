"""A fake HTTP email API: a real HTTP server on 127.0.0.1 speaking the JSON shape core/email.py's
HttpProvider sends (SendGrid's `POST /v3/mail/send`).

- `Authorization: Bearer <key>` — anything else is 401 `{"errors": [{"message": …}]}`.
- The body must have `personalizations[0].to[0].email`, `from.email`, `subject` and `content` — else
  400 with `errors[].field`, as the real API answers a malformed request.
- `attachments` (optional): each needs base64 `content`, `filename` and `type`, as the real API
  checks — else 400 naming `attachments.N.content`; accepted ones are kept decoded in `files`
  (idempotency key → [(filename, type, bytes)]).
- `Idempotency-Key`: a key seen before answers 202 with the first answer's `X-Message-Id` and is not
  stored again, so `unique` counts each message once however often it was delivered.
- Faults, for the outbox's fault-injection test and benchmark: `fail_rate` (a random share of calls
  answered 503 before anything is stored), `hang_rate`/`hang_seconds` (stored, then the answer comes
  too late for the caller), `refuse` (address → 400), `script` (statuses to answer next).

Run it alone (`python -m tests.fakes.email_api --port 8025`) to point a local app at it.
"""

from __future__ import annotations

import argparse
import base64
import binascii
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
    accepted: Counter[str] = field(default_factory=Counter)  # idempotency key -> calls answered 202
    answers: Counter[int] = field(default_factory=Counter)
    files: dict[str, list[tuple[str, str, bytes]]] = field(default_factory=dict)  # key -> attachments
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
            self.accepted[key] += 1
            if key not in self.messages:
                self.messages[key] = {**body, "_id": f"fake-{len(self.messages) + 1}"}
                self.files[key] = [
                    (a["filename"], a["type"], base64.b64decode(a["content"], validate=True))
                    for a in body.get("attachments") or []
                ]
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
        for n, a in enumerate(body.get("attachments") or [] if isinstance(body, dict) else []):
            try:
                if not (a["filename"] and a["type"]):
                    raise KeyError
                base64.b64decode(a["content"], validate=True)
            except (KeyError, TypeError, binascii.Error, ValueError):
                problems.append(
                    {"message": "Attachments need base64 content, a filename and a type.", "field": f"attachments.{n}"}
                )
        return problems

    def stats(self) -> dict[str, Any]:
        with self._lock:
            return {
                "unique": len(self.messages),
                "keys": sorted(self.messages),
                "calls": sum(self.calls.values()),
                "repeated_calls": sum(n - 1 for n in self.calls.values()),
                "repeats_absorbed": sum(n - 1 for n in self.accepted.values()),
                "answers": {str(k): v for k, v in self.answers.items()},
            }

    def start(self, port: int = 0) -> FakeEmailApi:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                data = json.dumps(fake.stats()).encode() if self.path == "/_stats" else b"{}"
                self.send_response(200 if self.path == "/_stats" else 404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

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

    async def serve_async(self, port: int = 0, ready: Any = None) -> None:
        """The same API on an asyncio server (keep-alive, minimal HTTP/1.1), for a benchmark that runs
        the fake in a process of its own: http.server's thread per connection and its header parsing
        cost more CPU than the client being measured. READY(url) is called once listening."""
        import asyncio

        async def connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            try:
                while True:
                    head = await reader.readuntil(b"\r\n\r\n")
                    lines = head.decode("latin-1").split("\r\n")
                    method, path, _ = lines[0].split(" ", 2)
                    headers = {
                        k.strip().lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:] if ln)
                    }
                    raw = await reader.readexactly(int(headers.get("content-length") or 0))
                    extra: dict[str, str] = {}
                    hang = 0.0
                    if method == "GET" and path == "/_stats":
                        status, body = 200, self.stats()
                    elif method == "POST" and path == PATH:
                        status, body, extra, hang = self.answer(headers, raw)
                    else:
                        status, body = 404, {"errors": [{"message": "Not Found"}]}
                    with self._lock:
                        self.answers[status] += 1 if path == PATH else 0
                    if hang:
                        await asyncio.sleep(hang)
                    data = json.dumps(body).encode() if body else b""
                    out = [f"HTTP/1.1 {status} X", "Content-Type: application/json", f"Content-Length: {len(data)}"]
                    out += [f"{k}: {v}" for k, v in extra.items()]
                    writer.write(("\r\n".join(out) + "\r\n\r\n").encode() + data)
                    await writer.drain()
            except (asyncio.IncompleteReadError, ConnectionError):
                pass
            finally:
                writer.close()

        server = await asyncio.start_server(connection, "127.0.0.1", port, backlog=256)
        if ready is not None:
            ready(f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}")
        async with server:
            await server.serve_forever()

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

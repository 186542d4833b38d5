"""A fake Anthropic Messages API: a real HTTP server on 127.0.0.1, in a thread, speaking the wire
format the `anthropic` SDK reads (point `ANTHROPIC_BASE_URL` at it).

- `POST /v1/messages` — checks the key (`x-api-key`, or `Authorization: Bearer` as SDK 2.x sends it;
  401 `authentication_error` otherwise) and
  `anthropic-version`, validates the conversation as the API does (roles alternate starting with
  `user`; every `tool_result` answers a `tool_use` id of the assistant turn just before it, and every
  such `tool_use` is answered; `tool_use` blocks need `tools`) → 400 `invalid_request_error`.
- Streaming (`"stream": true`) sends the real event sequence: `message_start` (usage.input_tokens),
  `content_block_start` / `ping` / `content_block_delta` (`text_delta`, `input_json_delta` in pieces)
  / `content_block_stop` per block, `message_delta` (stop_reason `end_turn` or `tool_use`, cumulative
  usage.output_tokens), `message_stop`; a scripted failure sends an `error` event part-way.
- Without `stream`, one Message JSON.
- Scripted 429 (`rate_limit_error`) and 529 (`overloaded_error`) answers carry `retry-after` and
  `retry-after-ms`, which the SDK honours before retrying.

The script is a list of `Reply` / `Failure` (or a callable taking the request JSON and answering one),
consumed one per request. Every request body is kept (`bodies`) so tests can prove what never reached
the model (secret canaries).
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

API_KEY = "sk-ant-test-key"


@dataclass
class Reply:
    text: str = ""
    tool_uses: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    input_tokens: int = 100
    output_tokens: int = 20
    fail_after: int | None = None  # send an `error` event after this many text pieces
    pieces: int = 3  # text is sent in this many deltas


@dataclass
class Failure:
    status: int = 529
    retry_after_ms: int = 5


Step = Reply | Failure | Callable[[dict[str, Any]], "Reply | Failure"]
_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    429: "rate_limit_error",
    529: "overloaded_error",
}


def _chunks(text: str, n: int) -> list[str]:
    if not text:
        return []
    size = max(1, -(-len(text) // max(1, n)))
    return [text[i : i + size] for i in range(0, len(text), size)]


def validate(body: dict[str, Any]) -> str | None:
    """The API's checks on a conversation; None when it is valid."""
    for name in ("model", "max_tokens", "messages"):
        if name not in body:
            return f"{name}: Field required"
    messages = body["messages"]
    if not messages or messages[0].get("role") != "user":
        return "messages: first message must use the user role"
    pending: set[str] = set()
    for i, m in enumerate(messages):
        if i and m.get("role") == messages[i - 1].get("role"):
            return "messages: roles must alternate between user and assistant"
        content = m.get("content")
        blocks = content if isinstance(content, list) else [{"type": "text", "text": content}]
        if m["role"] == "user":
            answered = {b.get("tool_use_id") for b in blocks if b.get("type") == "tool_result"}
            if answered != pending:
                return "messages: tool_use ids were found without tool_result blocks immediately after"
            pending = set()
        else:
            pending = {b["id"] for b in blocks if b.get("type") == "tool_use"}
            if pending and not body.get("tools"):
                return "tools: tool_use blocks require tools to be defined"
    return None


class FakeAnthropic:
    def __init__(self, api_key: str = API_KEY, event_delay: float = 0.0):
        self.api_key = api_key
        self.event_delay = event_delay
        self.script: list[Step] = []
        self.bodies: list[str] = []
        self.requests: list[dict[str, Any]] = []
        self.first_event_at: list[float] = []
        self._ids = 0
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> FakeAnthropic:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def queue(self, *steps: Step) -> None:
        with self._lock:
            self.script.extend(steps)

    def _next(self, body: dict[str, Any]) -> Reply | Failure:
        with self._lock:
            step = self.script.pop(0) if self.script else Reply(text="(the fake has no script left)")
        return step(body) if callable(step) else step

    def _id(self, prefix: str) -> str:
        with self._lock:
            self._ids += 1
            return f"{prefix}_{self._ids:06d}"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def setup(self) -> None:
                super().setup()
                # each event is its own small write, as a real streaming server sends them: no Nagle delay
                self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def _json(self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.send_header("request-id", fake._id("req"))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def _error(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
                kind = _ERROR_TYPES.get(status, "api_error")
                self._json(status, {"type": "error", "error": {"type": kind, "message": message}}, headers)

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("content-length") or 0)).decode()
                if self.path.split("?")[0] != "/v1/messages":
                    return self._error(404, "Not found")
                fake.bodies.append(raw)
                bearer = (self.headers.get("authorization") or "").removeprefix("Bearer ")
                if fake.api_key not in (self.headers.get("x-api-key"), bearer):
                    return self._error(401, "invalid x-api-key")
                if not self.headers.get("anthropic-version"):
                    return self._error(400, "anthropic-version: header is required")
                try:
                    body = json.loads(raw)
                except ValueError:
                    return self._error(400, "There was an issue with your request body")
                fake.requests.append(body)
                problem = validate(body)
                if problem:
                    return self._error(400, problem)
                step = fake._next(body)
                if isinstance(step, Failure):
                    headers = {
                        "retry-after": str(max(0, step.retry_after_ms // 1000)),
                        "retry-after-ms": str(step.retry_after_ms),
                        "x-should-retry": "true",
                    }
                    return self._error(step.status, "Overloaded" if step.status == 529 else "Rate limited", headers)
                if body.get("stream"):
                    return self._stream(body, step)
                return self._json(200, fake.message(body, step))

            def _send_event(self, name: str, payload: dict[str, Any]) -> None:
                if fake.event_delay:
                    time.sleep(fake.event_delay)
                if name == "message_start":
                    fake.first_event_at.append(time.perf_counter())
                data = f"event: {name}\ndata: {json.dumps(payload)}\n\n".encode()
                self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
                self.wfile.flush()

            def _stream(self, body: dict[str, Any], reply: Reply) -> None:
                self.send_response(200)
                self.send_header("content-type", "text/event-stream")
                self.send_header("cache-control", "no-cache")
                self.send_header("transfer-encoding", "chunked")
                self.send_header("request-id", fake._id("req"))
                self.end_headers()
                message = fake.message(body, reply)
                start = {
                    **message,
                    "content": [],
                    "stop_reason": None,
                    "usage": {**message["usage"], "output_tokens": 1},
                }
                self._send_event("message_start", {"type": "message_start", "message": start})
                index = 0
                sent = 0
                if reply.text:
                    self._send_event(
                        "content_block_start",
                        {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
                    )
                    self._send_event("ping", {"type": "ping"})
                    for piece in _chunks(reply.text, reply.pieces):
                        if reply.fail_after is not None and sent >= reply.fail_after:
                            self._send_event(
                                "error",
                                {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}},
                            )
                            return self._end()
                        self._send_event(
                            "content_block_delta",
                            {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": piece}},
                        )
                        sent += 1
                    self._send_event("content_block_stop", {"type": "content_block_stop", "index": 0})
                    index = 1
                for block in message["content"]:
                    if block["type"] != "tool_use":
                        continue
                    self._send_event(
                        "content_block_start",
                        {"type": "content_block_start", "index": index, "content_block": {**block, "input": {}}},
                    )
                    encoded = json.dumps(block["input"])
                    for piece in _chunks(encoded, 3):
                        self._send_event(
                            "content_block_delta",
                            {
                                "type": "content_block_delta",
                                "index": index,
                                "delta": {"type": "input_json_delta", "partial_json": piece},
                            },
                        )
                    self._send_event("content_block_stop", {"type": "content_block_stop", "index": index})
                    index += 1
                self._send_event(
                    "message_delta",
                    {
                        "type": "message_delta",
                        "delta": {"stop_reason": message["stop_reason"], "stop_sequence": None},
                        "usage": {"output_tokens": reply.output_tokens},
                    },
                )
                self._send_event("message_stop", {"type": "message_stop"})
                self._end()

            def _end(self) -> None:
                self.wfile.write(b"0\r\n\r\n")
                self.wfile.flush()
                self.close_connection = True

        return Handler

    def message(self, body: dict[str, Any], reply: Reply) -> dict[str, Any]:
        content: list[dict[str, Any]] = [{"type": "text", "text": reply.text}] if reply.text else []
        for name, given in reply.tool_uses:
            content.append({"type": "tool_use", "id": self._id("toolu"), "name": name, "input": given})
        return {
            "id": self._id("msg"),
            "type": "message",
            "role": "assistant",
            "model": body.get("model"),
            "content": content,
            "stop_reason": "tool_use" if reply.tool_uses else "end_turn",
            "stop_sequence": None,
            "usage": {"input_tokens": reply.input_tokens, "output_tokens": reply.output_tokens},
        }


def last_tool_results(body: dict[str, Any]) -> list[dict[str, Any]]:
    """The tool results the request's last user message carries, parsed."""
    content = body["messages"][-1]["content"]
    if not isinstance(content, list):
        return []
    return [json.loads(b["content"]) for b in content if b.get("type") == "tool_result"]

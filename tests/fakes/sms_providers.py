"""Fake SMS providers: real HTTP servers on 127.0.0.1, in a thread, speaking each provider's wire format.

`FakeTwilio` — Twilio's 2010-04-01 REST API:
- `POST /2010-04-01/Accounts/{sid}/Messages.json` — Basic auth (account SID, auth token; else 401
  with code 20003), a form body with `To`, `From`, `Body`, repeated `MediaUrl`, `StatusCallback`.
  Answers 201 with the message resource (`sid` "SM…", `status` "queued"). `To` not E.164 → 400 code
  21211; a number in `unsubscribed` → 400 code 21610; `Body` and no media → 400 code 21602.
- `GET /2010-04-01/Accounts/{sid}/IncomingPhoneNumbers.json?PageSize=N[&Page=P]` — our numbers, paged
  with `next_page_uri` as Twilio does.
- `sign(url, form)` makes the X-Twilio-Signature Twilio would send with a webhook.

`FakeCtm` — CallTrackingMetrics' v1 API: `POST /api/v1/accounts/{id}/sms` (form `to`, `from`, `msg`,
`media_url`; Basic auth with access and secret keys) answering `{"id", "status": "queued"}`, and
`GET /api/v1/accounts/{id}/numbers.json?page=&per_page=` answering `{"numbers", "page", "total_pages"}`.

Both record every accepted message in `sent` and take injected faults: `fail_next` is a list of
HTTP statuses (or "timeout", which sleeps past the client's timeout, or "drop", which closes the
connection) consumed one per send, and `fail_rate` fails that share of sends with 500 (seeded).
"""

from __future__ import annotations

import base64
import json
import random
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from core.sms_gateway import ctm_signature, twilio_signature

TWILIO_SID = "AC" + "0123456789abcdef" * 2
TWILIO_TOKEN = "fake-twilio-auth-token-0123456789"
CTM_ACCOUNT = "4242"
CTM_ACCESS = "ctm-access-key"
CTM_SECRET = "ctm-secret-key"
CTM_HOOK_SECRET = "ctm-webhook-secret"


@dataclass
class _Fake:
    numbers: list[dict[str, str]] = field(default_factory=list)
    sent: list[dict[str, Any]] = field(default_factory=list)
    fail_next: list[Any] = field(default_factory=list)
    fail_rate: float = 0.0
    unsubscribed: set[str] = field(default_factory=set)
    timeout_seconds: float = 12.0
    seed: int = 7
    calls: int = 0
    _server: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> Any:
        fake = self
        self._random = random.Random(self.seed)

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                fake._dispatch(self, "GET")

            def do_POST(self) -> None:
                fake._dispatch(self, "POST")

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def close(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    # -- plumbing ------------------------------------------------------------------------------------

    def _dispatch(self, h: BaseHTTPRequestHandler, method: str) -> None:
        parts = urlsplit(h.path)
        length = int(h.headers.get("content-length") or 0)
        raw = h.rfile.read(length) if length else b""
        form = parse_qs(raw.decode(), keep_blank_values=True)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        status, body = self.route(method, parts.path, form, query, h.headers.get("authorization", ""))
        if status == "drop":
            h.close_connection = True
            h.connection.shutdown(2)
            return
        if status == "timeout":
            time.sleep(self.timeout_seconds)
            status, body = 504, {"message": "late"}
        data = json.dumps(body).encode()
        h.send_response(int(status))
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(len(data)))
        h.end_headers()
        h.wfile.write(data)

    def _fault(self) -> Any:
        with self._lock:
            self.calls += 1
            if self.fail_next:
                return self.fail_next.pop(0)
            if self.fail_rate and self._random.random() < self.fail_rate:
                return 500
        return None

    @staticmethod
    def _basic(header: str) -> tuple[str, str]:
        if not header.startswith("Basic "):
            return "", ""
        user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        return user, password

    def route(self, method: str, path: str, form: dict, query: dict, auth: str) -> tuple[Any, Any]:
        raise NotImplementedError


@dataclass
class FakeTwilio(_Fake):
    def route(self, method: str, path: str, form: dict, query: dict, auth: str) -> tuple[Any, Any]:
        base = f"/2010-04-01/Accounts/{TWILIO_SID}"
        if self._basic(auth) != (TWILIO_SID, TWILIO_TOKEN):
            return 401, {"code": 20003, "message": "Authenticate", "status": 401}
        if method == "POST" and path == f"{base}/Messages.json":
            return self._send(form)
        if method == "GET" and path == f"{base}/IncomingPhoneNumbers.json":
            size, page = int(query.get("PageSize", 50)), int(query.get("Page", 0))
            rows = self.numbers[page * size : (page + 1) * size]
            more = (page + 1) * size < len(self.numbers)
            return 200, {
                "incoming_phone_numbers": [
                    {
                        "sid": n["sid"],
                        "phone_number": n["number"],
                        "friendly_name": n.get("name", ""),
                        "capabilities": {"sms": True, "mms": True, "voice": True},
                    }
                    for n in rows
                ],
                "next_page_uri": f"{base}/IncomingPhoneNumbers.json?PageSize={size}&Page={page + 1}" if more else None,
                "page": page,
                "page_size": size,
            }
        return 404, {"code": 20404, "message": "The requested resource was not found", "status": 404}

    def _send(self, form: dict) -> tuple[Any, Any]:
        fault = self._fault()
        if fault is not None:
            return fault, {"code": 20500, "message": "Internal Server Error", "status": fault}
        to, sender = form.get("To", [""])[0], form.get("From", [""])[0]
        body, media = form.get("Body", [""])[0], form.get("MediaUrl", [])
        if not to.startswith("+") or not to[1:].isdigit() or len(to) < 11:
            return 400, {"code": 21211, "message": f"The 'To' number {to} is not a valid phone number.", "status": 400}
        if to in self.unsubscribed:
            return 400, {"code": 21610, "message": "Attempt to send to unsubscribed recipient", "status": 400}
        if not body and not media:
            return 400, {"code": 21602, "message": "Message body is required.", "status": 400}
        sid = "SM" + secrets.token_hex(16)
        with self._lock:
            self.sent.append(
                {
                    "sid": sid,
                    "to": to,
                    "from": sender,
                    "body": body,
                    "media": media,
                    "status_callback": form.get("StatusCallback", [""])[0],
                }
            )
        return 201, {
            "sid": sid,
            "status": "queued",
            "to": to,
            "from": sender,
            "body": body,
            "num_media": str(len(media)),
            "account_sid": TWILIO_SID,
            "error_code": None,
        }

    @staticmethod
    def sign(url: str, form: dict[str, str]) -> str:
        return twilio_signature(TWILIO_TOKEN, url, form)


@dataclass
class FakeCtm(_Fake):
    def route(self, method: str, path: str, form: dict, query: dict, auth: str) -> tuple[Any, Any]:
        base = f"/api/v1/accounts/{CTM_ACCOUNT}"
        if self._basic(auth) != (CTM_ACCESS, CTM_SECRET):
            return 401, {"error": "Unauthorized"}
        if method == "POST" and path == f"{base}/sms":
            fault = self._fault()
            if fault is not None:
                return fault, {"error": "Internal error"}
            to = form.get("to", [""])[0]
            if not to.startswith("+") or len(to) < 11:
                return 422, {"error": f"Invalid destination number {to}"}
            if to in self.unsubscribed:
                return 422, {"error": "Recipient has opted out (STOP)"}
            ident = "SMS" + secrets.token_hex(12)
            with self._lock:
                self.sent.append(
                    {
                        "id": ident,
                        "to": to,
                        "from": form.get("from", [""])[0],
                        "body": form.get("msg", [""])[0],
                        "media": form.get("media_url", []),
                    }
                )
            return 201, {"id": ident, "status": "queued"}
        if method == "GET" and path == f"{base}/numbers.json":
            size, page = int(query.get("per_page", 10)), int(query.get("page", 1))
            rows = self.numbers[(page - 1) * size : page * size]
            pages = max(1, -(-len(self.numbers) // size))
            return 200, {
                "numbers": [{"id": n["sid"], "number": n["number"], "name": n.get("name", "")} for n in rows],
                "page": page,
                "per_page": size,
                "total_pages": pages,
                "total_entries": len(self.numbers),
            }
        return 404, {"error": "Not found"}

    @staticmethod
    def sign(raw: bytes) -> str:
        return ctm_signature(CTM_HOOK_SECRET, raw)

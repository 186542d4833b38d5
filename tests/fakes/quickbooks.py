"""A fake QuickBooks Online: a real HTTP server on 127.0.0.1, in a thread, speaking Intuit's wire format.

One server plays all of Intuit's hosts (the app's QBO_* URL overrides point at it):
- `GET  /connect/oauth2` — the consent screen: redirects to `redirect_uri?code&state&realmId`, or
  `error=access_denied` when `deny_consent` is set.
- `POST /oauth2/v1/tokens/bearer` — Basic auth, form body; `authorization_code` (each code once) and
  `refresh_token`. A refresh within 24 h returns the same refresh token, later a new one
  (`rotate_every` shortens that). Stricter than Intuit on purpose: a superseded refresh token is
  refused at once (`invalid_grant`), and a refresh token presented while another refresh with it is
  still in flight is refused too, so a client that loses a rotated token or refreshes twice at
  once fails loudly here.
- `POST /v2/oauth2/tokens/revoke` — JSON `{"token": …}`.
- `/v3/company/{realm}/query` (GET `?query=` or POST `application/text`), `/cdc`, `/{entity}/{id}`,
  `/companyinfo/{realm}`, and `POST /{entity}` (sparse update with SyncToken check → Fault 5010,
  `requestid` replays).

Errors as Intuit sends them: 401 with the lower-case `fault` body, 429 ThrottleExceeded, a Fault
inside an HTTP 200, an XML body (when `Accept` is not JSON, or injected). Every response carries an
`intuit_tid` header. Times are stamped in the company's offset (-08:00) from an injectable clock, so
tests share one frozen clock with the app.

Seeded from the recorded-shape fixtures in tests/fixtures/quickbooks/. Webhook helpers at the end
build and sign both payload shapes.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import itertools
import json
import re
import secrets
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "quickbooks"
REALM = "9341453050298464"
CLIENT_ID = "ABfakeClientIdForPorchlightTests0123456789"
CLIENT_SECRET = "fake-client-secret-0123456789abcdef"
VERIFIER_TOKEN = "4b1f3c0e-8d2a-4f6b-9c7e-1a2b3c4d5e6f"
COMPANY_TZ = timezone(timedelta(hours=-8))
ACCESS_SECONDS = 3600
REFRESH_SECONDS = 8_726_400
NAME_LISTS = {"Customer", "Account", "Vendor", "Item", "Employee", "Class", "Department", "Term", "PaymentMethod"}
FIXTURE_FILES = {
    "Customer": "customers.json",
    "Account": "accounts.json",
    "Estimate": "estimates.json",
    "Invoice": "invoices.json",
    "Payment": "payments.json",
    "SalesReceipt": "sales_receipts.json",
    "CreditMemo": "credit_memos.json",
    "RefundReceipt": "refund_receipts.json",
}
CDC_CAP = 1000
CDC_MAX_DAYS = 30


def load_fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def company_time(moment: datetime) -> str:
    """QuickBooks' own style: local offset, no fraction (MetaData) ..."""
    return moment.astimezone(COMPANY_TZ).strftime("%Y-%m-%dT%H:%M:%S%z")[:-2] + ":00"


def response_time(moment: datetime) -> str:
    """... and with milliseconds (the `time` field of every response)."""
    local = moment.astimezone(COMPANY_TZ)
    return local.strftime("%Y-%m-%dT%H:%M:%S.") + f"{local.microsecond // 1000:03d}-08:00"


def parse_time(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass
class RefreshToken:
    realm: str
    issued_at: datetime
    superseded: bool = False
    revoked: bool = False


@dataclass
class Injected:
    """A failure to serve instead of the next matching request."""

    kind: str  # "429" | "401" | "fault200" | "xml" | "500" | "hang" (no answer until `release_hang`)
    path_contains: str = ""


@dataclass
class FakeQuickBooks:
    now: Callable[[], datetime] = field(default_factory=lambda: lambda: datetime.now(UTC))
    realm: str = REALM
    client_id: str = CLIENT_ID
    client_secret: str = CLIENT_SECRET
    company_name: str = "Porchlight Test Plumbing"
    rotate_every: timedelta = timedelta(hours=24)
    refresh_delay: float = 0.0  # seconds a refresh takes: widens the window for concurrent refreshes
    deny_consent: bool = False
    per_minute_limit: int = 500

    def __post_init__(self) -> None:
        self.lock = threading.RLock()
        self.objects: dict[str, dict[str, dict[str, Any]]] = {}
        self.deleted: dict[str, dict[str, datetime]] = {}
        self.codes: dict[str, str] = {}
        self.access: dict[str, tuple[str, datetime]] = {}
        self.refresh: dict[str, RefreshToken] = {}
        self.in_flight: set[str] = set()
        self.injected: list[Injected] = []
        self.requests: list[tuple[str, str]] = []  # (method, path + query)
        self.token_requests: list[dict[str, str]] = []
        self.revoked: list[str] = []
        self.replays: dict[str, tuple[int, dict[str, Any]]] = {}
        self.minute_counts: dict[tuple[str, str], int] = {}
        self.company = load_fixture("company_info.json")["CompanyInfo"]
        self.company["CompanyName"] = self.company_name
        self._server: ThreadingHTTPServer | None = None
        self._ids = itertools.count(1000)
        self.hanging = threading.Event()  # set while a request is held by a "hang" injection
        self._hang_released = threading.Event()

    # --- data ------------------------------------------------------------------------------------

    def seed_fixtures(self) -> FakeQuickBooks:
        for entity, name in FIXTURE_FILES.items():
            for row in load_fixture(name)["QueryResponse"][entity]:
                self.put(entity, row, stamp=False)
        return self

    def put(self, entity: str, obj: dict[str, Any], *, stamp: bool = True) -> dict[str, Any]:
        """Create or replace an object as a QuickBooks user would (stamps LastUpdatedTime)."""
        with self.lock:
            obj = copy.deepcopy(obj)
            if "Id" not in obj:
                obj["Id"] = str(next(self._ids))
            existing = self.objects.get(entity, {}).get(obj["Id"])
            if stamp:
                at = company_time(self.now())
                created = (existing or obj).get("MetaData", {}).get("CreateTime", at)
                obj["MetaData"] = {"CreateTime": created, "LastUpdatedTime": at}
                if existing is not None:
                    obj["SyncToken"] = str(int(existing.get("SyncToken", "0")) + 1)
            obj.setdefault("SyncToken", "0")
            obj.setdefault("domain", "QBO")
            obj.setdefault("sparse", False)
            self.objects.setdefault(entity, {})[obj["Id"]] = obj
            self.deleted.get(entity, {}).pop(obj["Id"], None)
            return obj

    def update(self, entity: str, qbo_id: str, **changes: Any) -> dict[str, Any]:
        with self.lock:
            obj = {**self.objects[entity][qbo_id], **changes}
            return self.put(entity, obj)

    def delete(self, entity: str, qbo_id: str) -> None:
        with self.lock:
            self.objects[entity].pop(qbo_id)
            self.deleted.setdefault(entity, {})[qbo_id] = self.now()

    def generate(self, entity: str, count: int, start_id: int = 10_000) -> None:
        """Bulk rows for paging tests, shaped like the fixtures' first row."""
        template = next(iter(load_fixture(FIXTURE_FILES[entity])["QueryResponse"][entity]))
        with self.lock:
            for n in range(count):
                row = copy.deepcopy(template)
                row["Id"] = str(start_id + n)
                if "DocNumber" in row:
                    row["DocNumber"] = f"G{start_id + n}"
                if "DisplayName" in row:
                    row["DisplayName"] = row["FullyQualifiedName"] = f"Generated Customer {start_id + n}"
                row["Active"] = True if entity in NAME_LISTS else row.get("Active")
                self.put(entity, row, stamp=False)

    def count(self, entity: str) -> int:
        return len(self.objects.get(entity, {}))

    # --- tokens ----------------------------------------------------------------------------------

    def issue_code(self) -> str:
        code = "AB" + secrets.token_urlsafe(24)
        with self.lock:
            self.codes[code] = self.realm
        return code

    def expire_access_tokens(self) -> None:
        with self.lock:
            past = self.now() - timedelta(seconds=1)
            self.access = {t: (realm, past) for t, (realm, _) in self.access.items()}

    def revoke_refresh_tokens(self) -> None:
        with self.lock:
            for token in self.refresh.values():
                token.revoked = True

    def live_refresh_tokens(self) -> list[str]:
        with self.lock:
            return [t for t, r in self.refresh.items() if not (r.superseded or r.revoked)]

    def inject(self, kind: str, path_contains: str = "", times: int = 1) -> None:
        with self.lock:
            self.injected.extend(Injected(kind, path_contains) for _ in range(times))

    def release_hang(self) -> None:
        """Let a held request go (answered 503, as a gateway gives up), and any later "hang" too."""
        self._hang_released.set()

    def api_requests(self, needle: str = "") -> list[str]:
        return [p for m, p in self.requests if p.startswith("/v3/") and needle in p]

    # --- server ----------------------------------------------------------------------------------

    def start(self) -> FakeQuickBooks:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                return

            def do_GET(self) -> None:
                fake._handle(self, "GET")

            def do_POST(self) -> None:
                fake._handle(self, "POST")

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def stop(self) -> None:
        self.release_hang()
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    @property
    def base_url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def settings_env(self) -> dict[str, str]:
        """The app's QBO_* settings pointing at this server."""
        return {
            "QBO_CLIENT_ID": self.client_id,
            "QBO_CLIENT_SECRET": self.client_secret,
            "QBO_WEBHOOK_VERIFIER_TOKEN": VERIFIER_TOKEN,
            "QBO_ENVIRONMENT": "sandbox",
            "QBO_REDIRECT_URI": "http://testserver/quickbooks/callback",
            "QBO_API_BASE": self.base_url,
            "QBO_AUTH_URL": self.base_url + "/connect/oauth2",
            "QBO_TOKEN_URL": self.base_url + "/oauth2/v1/tokens/bearer",
            "QBO_REVOKE_URL": self.base_url + "/v2/oauth2/tokens/revoke",
        }

    # --- request handling ------------------------------------------------------------------------

    def _handle(self, h: BaseHTTPRequestHandler, method: str) -> None:
        length = int(h.headers.get("Content-Length") or 0)
        body = h.rfile.read(length) if length else b""
        parts = urlsplit(h.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        with self.lock:
            self.requests.append((method, h.path))
        try:
            status, headers, payload = self._route(method, parts.path, query, dict(h.headers.items()), body)
        except Exception as exc:  # a bug in the fake should read as a 500, not hang the client
            status, headers, payload = 500, {"Content-Type": "text/plain"}, f"fake error: {exc!r}".encode()
        h.send_response(status)
        headers = {"intuit_tid": f"1-{uuid.uuid4().hex[:24]}", **headers, "Content-Length": str(len(payload))}
        for k, v in headers.items():
            h.send_header(k, v)
        h.end_headers()
        h.wfile.write(payload)

    def _json(self, status: int, data: Any, **headers: str) -> tuple[int, dict[str, str], bytes]:
        return status, {"Content-Type": "application/json;charset=UTF-8", **headers}, json.dumps(data).encode()

    def _fault(self, status: int, code: str, message: str, detail: str = "", kind: str = "ValidationFault"):
        error = {"Message": message, "Detail": detail, "code": code, "element": ""}
        return self._json(status, {"Fault": {"Error": [error], "type": kind}, "time": response_time(self.now())})

    def _xml_fault(self, status: int) -> tuple[int, dict[str, str], bytes]:
        text = (FIXTURES / "fault_xml.xml").read_bytes()
        return status, {"Content-Type": "application/xml"}, text

    def _route(self, method: str, path: str, query: dict[str, str], headers: dict[str, str], body: bytes):
        lowered = {k.lower(): v for k, v in headers.items()}
        if path == "/connect/oauth2" and method == "GET":
            return self._authorize(query)
        if path == "/oauth2/v1/tokens/bearer" and method == "POST":
            return self._token(lowered, body)
        if path == "/v2/oauth2/tokens/revoke" and method == "POST":
            return self._revoke(lowered, body)
        m = re.fullmatch(r"/v3/company/([^/]+)/(.+)", path)
        if m:
            return self._api(method, m.group(1), m.group(2), query, lowered, body)
        return 404, {"Content-Type": "text/plain"}, b"not found"

    # OAuth

    def _authorize(self, q: dict[str, str]):
        if q.get("response_type") != "code" or q.get("client_id") != self.client_id:
            return 400, {"Content-Type": "text/plain"}, b"invalid_request"
        if "com.intuit.quickbooks.accounting" not in q.get("scope", "").split():
            return 302, {"Location": q["redirect_uri"] + "?" + urlencode({"error": "invalid_scope"})}, b""
        params = {"state": q.get("state", "")}
        if self.deny_consent:
            params["error"] = "access_denied"
        else:
            params.update(code=self.issue_code(), realmId=self.realm)
        return 302, {"Location": q["redirect_uri"] + "?" + urlencode(params)}, b""

    def _basic_ok(self, headers: dict[str, str]) -> bool:
        expected = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        return hmac.compare_digest(headers.get("authorization", ""), f"Basic {expected}")

    def _token(self, headers: dict[str, str], body: bytes):
        if not self._basic_ok(headers):
            return self._json(401, {"error": "invalid_client"})
        if not headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            return self._json(400, {"error": "invalid_request"})
        form = {k: v[-1] for k, v in parse_qs(body.decode()).items()}
        with self.lock:
            self.token_requests.append(form)
        grant = form.get("grant_type")
        if grant == "authorization_code":
            with self.lock:
                realm = self.codes.pop(form.get("code", ""), None)
            if realm is None:
                return self._json(400, {"error": "invalid_grant"})
            return self._json(200, self._new_tokens(realm, None))
        if grant == "refresh_token":
            return self._refresh(form.get("refresh_token", ""))
        return self._json(400, {"error": "unsupported_grant_type"})

    def _refresh(self, presented: str):
        with self.lock:
            record = self.refresh.get(presented)
            if record is None or record.superseded or record.revoked or presented in self.in_flight:
                return self._json(400, {"error": "invalid_grant"})
            self.in_flight.add(presented)
        try:
            if self.refresh_delay:
                time.sleep(self.refresh_delay)
            with self.lock:
                return self._json(200, self._new_tokens(record.realm, presented))
        finally:
            with self.lock:
                self.in_flight.discard(presented)

    def _new_tokens(self, realm: str, old_refresh: str | None) -> dict[str, Any]:
        now = self.now()
        access = "eyJ" + secrets.token_urlsafe(40)
        self.access[access] = (realm, now + timedelta(seconds=ACCESS_SECONDS))
        refresh = old_refresh
        if old_refresh is None or now - self.refresh[old_refresh].issued_at >= self.rotate_every:
            refresh = "AB11" + secrets.token_urlsafe(36)
            self.refresh[refresh] = RefreshToken(realm, now)
            if old_refresh is not None:
                self.refresh[old_refresh].superseded = True
        return {
            "token_type": "bearer",
            "access_token": access,
            "refresh_token": refresh,
            "expires_in": ACCESS_SECONDS,
            "x_refresh_token_expires_in": REFRESH_SECONDS,
        }

    def _revoke(self, headers: dict[str, str], body: bytes):
        if not self._basic_ok(headers):
            return self._json(401, {"error": "invalid_client"})
        try:
            token = json.loads(body)["token"]
        except (ValueError, KeyError, TypeError):
            return self._json(400, {"error": "invalid_request"})
        with self.lock:
            self.revoked.append(token)
            if token in self.refresh:
                self.refresh[token].revoked = True
                for a, (realm, _) in list(self.access.items()):
                    if realm == self.refresh[token].realm:
                        self.access.pop(a)
            self.access.pop(token, None)
        return self._json(200, {})

    # Accounting API

    def _authenticate(self, realm: str, headers: dict[str, str]):
        auth = headers.get("authorization", "")
        token = auth[7:] if auth.startswith("Bearer ") else ""
        entry = self.access.get(token)
        if entry is None or entry[0] != realm or entry[1] <= self.now():
            return self._unauthorized(token)
        return None

    def _unauthorized(self, token: str):
        body = load_fixture("fault_401.json")
        body["fault"]["error"][0]["detail"] = f"Token expired: {token[:6]}…"
        body["time"] = int(self.now().timestamp() * 1000)
        return self._json(401, body, **{"WWW-Authenticate": 'Bearer realm="Intuit", error="invalid_token"'})

    def _take_injection(self, rest: str) -> Injected | None:
        with self.lock:
            for i, item in enumerate(self.injected):
                if item.path_contains in rest:
                    return self.injected.pop(i)
        return None

    def _api(self, method: str, realm: str, rest: str, q: dict[str, str], headers: dict[str, str], body: bytes):
        # A query is POSTed as text: an injection can name what it asks for ("STARTPOSITION 2001").
        injected = self._take_injection(rest + "?" + urlencode(q) + " " + body.decode(errors="replace"))
        if injected and injected.kind == "hang":
            self.hanging.set()
            self._hang_released.wait(timeout=60)
            return 503, {"Content-Type": "text/html"}, b"<html><body>Gateway Timeout</body></html>"
        if injected and injected.kind == "401":
            return self._unauthorized("")
        denied = self._authenticate(realm, headers)
        if denied:
            return denied
        if "json" not in headers.get("accept", ""):
            return self._xml_fault(400)  # Intuit answers XML when JSON was not asked for
        minute = (realm, self.now().strftime("%Y%m%d%H%M"))
        with self.lock:
            self.minute_counts[minute] = self.minute_counts.get(minute, 0) + 1
            over = self.minute_counts[minute] > self.per_minute_limit
        if over or (injected and injected.kind == "429"):
            body429 = load_fixture("fault_429.json")
            body429["time"] = response_time(self.now())
            return self._json(429, body429)
        if injected and injected.kind == "fault200":
            data = load_fixture("fault_in_200.json")
            data["time"] = response_time(self.now())
            return self._json(200, data)
        if injected and injected.kind == "xml":
            return self._xml_fault(400)
        if injected and injected.kind == "500":
            return 503, {"Content-Type": "text/html"}, b"<html><body>Service Unavailable</body></html>"
        if realm != self.realm:
            return self._fault(403, "3100", "ApplicationAuthorizationFailed", "realm mismatch", "AuthorizationFault")
        with self.lock:
            if rest == "query":
                text = q.get("query", "") if method == "GET" else body.decode()
                return self._query(text)
            if rest == "cdc" and method == "GET":
                return self._cdc(q)
            if rest == f"companyinfo/{realm}" and method == "GET":
                return self._json(200, {"CompanyInfo": self.company, "time": response_time(self.now())})
            m = re.fullmatch(r"(\w+)/(\d+)", rest)
            if m and method == "GET":
                return self._read(m.group(1), m.group(2))
            if re.fullmatch(r"\w+", rest) and method == "POST":
                return self._write(rest, q, body)
        return self._fault(400, "4000", "Unsupported operation", rest)

    def _entity_name(self, lowered: str) -> str | None:
        for name in [*self.objects, *FIXTURE_FILES]:
            if name.lower() == lowered.lower():
                return name
        return None

    def _read(self, lowered: str, qbo_id: str):
        entity = self._entity_name(lowered)
        obj = self.objects.get(entity or "", {}).get(qbo_id)
        if entity is None or obj is None:
            return self._fault(
                400,
                "610",
                "Object Not Found",
                f"Object Not Found : Something you're trying to use has been made inactive. {lowered} {qbo_id}",
            )
        return self._json(200, {entity: obj, "time": response_time(self.now())})

    def _write(self, lowered: str, q: dict[str, str], body: bytes):
        entity = self._entity_name(lowered)
        request_id = q.get("requestid")
        if request_id and request_id in self.replays:
            status, data = self.replays[request_id]
            return self._json(status, data)
        change = json.loads(body)
        current = self.objects.get(entity or "", {}).get(str(change.get("Id")))
        if entity is None or current is None:
            return self._fault(400, "610", "Object Not Found", "Object Not Found")
        if str(change.get("SyncToken")) != current["SyncToken"]:
            stale = load_fixture("fault_5010.json")
            stale["time"] = response_time(self.now())
            return self._json(400, stale)
        if not change.get("sparse"):
            return self._fault(400, "2010", "Request has invalid or unsupported property", "send sparse updates")
        merged = {**current, **{k: v for k, v in change.items() if k not in {"sparse", "SyncToken", "Id"}}}
        saved = self.put(entity, merged)
        data = {entity: saved, "time": response_time(self.now())}
        if request_id:
            self.replays[request_id] = (200, data)
        return self._json(200, data)

    # The query language: only what clients send (no OR, one entity, AND-ed conditions).
    _SELECT = re.compile(
        r"^\s*select\s+(?P<what>\*|count\(\*\))\s+from\s+(?P<entity>\w+)"
        r"(?:\s+where\s+(?P<where>.+?))?"
        r"(?:\s+orderby\s+(?P<order>[\w.]+)(?:\s+(?P<dir>asc|desc))?)?"
        r"(?:\s+startposition\s+(?P<start>\d+))?"
        r"(?:\s+maxresults\s+(?P<max>\d+))?\s*$",
        re.IGNORECASE | re.DOTALL,
    )
    _COND = re.compile(r"^\s*([\w.]+)\s*(=|<=|>=|<|>|\bin\b|\blike\b)\s*(.+?)\s*$", re.IGNORECASE)

    def _query(self, text: str):
        m = self._SELECT.match(text)
        if not m or re.search(r"\sor\s", m.group("where") or "", re.IGNORECASE):
            return self._fault(
                400, "4000", "Error parsing query", f"QueryParserError: Encountered unexpected text in {text!r}"
            )
        entity = self._entity_name(m.group("entity")) or m.group("entity")
        rows = list(self.objects.get(entity, {}).values())
        conditions = [c for c in re.split(r"\s+and\s+", m.group("where") or "", flags=re.IGNORECASE) if c.strip()]
        wants_inactive = False
        for cond in conditions:
            c = self._COND.match(cond)
            if not c:
                return self._fault(400, "4000", "Error parsing query", cond)
            prop, op, raw = c.group(1), c.group(2).lower(), c.group(3)
            if prop.lower() == "active":
                wants_inactive = True
            rows = [r for r in rows if _matches(r, prop, op, raw)]
        if entity in NAME_LISTS and not wants_inactive:
            rows = [r for r in rows if r.get("Active", True)]
        if m.group("what") != "*":
            return self._json(200, {"QueryResponse": {"totalCount": len(rows)}, "time": response_time(self.now())})
        order = m.group("order") or "Id"
        rows.sort(key=lambda r: _sort_key(_get(r, order)), reverse=(m.group("dir") or "").lower() == "desc")
        start = int(m.group("start") or 1)
        size = int(m.group("max") or 100)
        if size > 1000:
            return self._fault(400, "4000", "Error parsing query", "MAXRESULTS may not exceed 1000")
        page = rows[start - 1 : start - 1 + size]
        envelope: dict[str, Any] = {}
        if page:
            envelope = {entity: page, "startPosition": start, "maxResults": len(page)}
        return self._json(200, {"QueryResponse": envelope, "time": response_time(self.now())})

    def _cdc(self, q: dict[str, str]):
        try:
            since = parse_time(q["changedSince"])
        except (KeyError, ValueError):
            return self._fault(400, "4000", "changedSince is required", "changedSince must be a date-time")
        if since < self.now() - timedelta(days=CDC_MAX_DAYS):
            return self._fault(400, "4001", "Invalid changedSince", "changedSince may be at most 30 days in the past")
        groups: list[dict[str, Any]] = []
        left = CDC_CAP
        for entity in [e.strip() for e in q.get("entities", "").split(",") if e.strip()]:
            name = self._entity_name(entity) or entity
            changed = [
                r for r in self.objects.get(name, {}).values() if parse_time(r["MetaData"]["LastUpdatedTime"]) >= since
            ]
            changed.sort(key=lambda r: parse_time(r["MetaData"]["LastUpdatedTime"]))
            stubs = [
                {"domain": "QBO", "status": "Deleted", "Id": i, "MetaData": {"LastUpdatedTime": company_time(at)}}
                for i, at in sorted(self.deleted.get(name, {}).items(), key=lambda kv: kv[1])
                if at >= since
            ]
            found = changed + stubs
            total = len(found)
            found = found[:left]
            left -= len(found)
            if found:
                groups.append({name: found, "startPosition": 1, "maxResults": len(found), "totalCount": total})
        return self._json(200, {"CDCResponse": [{"QueryResponse": groups or [{}]}], "time": response_time(self.now())})


def _get(obj: dict[str, Any], path: str) -> Any:
    value: Any = obj
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        key = next((k for k in value if k.lower() == part.lower()), None)
        value = value.get(key) if key else None
    if isinstance(value, dict) and "value" in value:
        return value["value"]  # CustomerRef = '3' compares the reference's id
    return value


def _literal(raw: str) -> Any:
    raw = raw.strip()
    if raw.lower() in {"true", "false"}:
        return raw.lower() == "true"
    if raw.startswith("'") and raw.endswith("'"):
        return raw[1:-1].replace("\\'", "'")
    return raw


def _sort_key(value: Any) -> tuple[int, Any]:
    if isinstance(value, str) and value.isdigit():
        return (0, int(value))
    if isinstance(value, int | float):
        return (0, value)
    if isinstance(value, str) and re.match(r"^\d{4}-\d{2}-\d{2}T", value):
        return (1, parse_time(value).timestamp())
    return (2, str(value))


def _matches(row: dict[str, Any], prop: str, op: str, raw: str) -> bool:
    actual = _get(row, prop)
    if op == "in":
        wanted = [_literal(v) for v in raw.strip()[1:-1].split(",")]
        if prop.lower() == "active" and actual is None:
            actual = True
        return actual in wanted
    value = _literal(raw)
    if op == "like":
        pattern = "^" + re.escape(str(value)).replace("%", ".*") + "$"
        return actual is not None and re.match(pattern, str(actual), re.IGNORECASE) is not None
    if actual is None:
        return False
    a, b = _sort_key(actual), _sort_key(value)
    if isinstance(value, str) and re.match(r"^\d{4}-\d{2}-\d{2}T", value):
        b = (1, parse_time(value).timestamp())
    return {"=": a == b, "<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b}[op]


# --- webhooks ------------------------------------------------------------------------------------


def sign(body: bytes, verifier_token: str = VERIFIER_TOKEN) -> str:
    """The `intuit-signature` header: base64(HMAC-SHA256(raw body, verifier token))."""
    return base64.b64encode(hmac.new(verifier_token.encode(), body, hashlib.sha256).digest()).decode()


def legacy_payload(realm: str, entities: Iterable[dict[str, str]]) -> bytes:
    """`{"eventNotifications": [...]}`, serialised compactly as Intuit sends it."""
    document = {"eventNotifications": [{"realmId": realm, "dataChangeEvent": {"entities": list(entities)}}]}
    return json.dumps(document, separators=(",", ":")).encode()


def cloudevents_payload(realm: str, events: Iterable[tuple[str, str, str]]) -> bytes:
    """A CloudEvents array: one event per (entity, id, action), e.g. ("Invoice", "131", "updated")."""
    out = []
    for entity, qbo_id, action in events:
        out.append(
            {
                "specversion": "1.0",
                "id": str(uuid.uuid4()),
                "source": "intuit.RmFrZVNvdXJjZUZvclBvcmNobGlnaHRUZXN0cw==",
                "type": f"qbo.{entity.lower()}.{action}.v1",
                "datacontenttype": "application/json",
                "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                "intuitentityid": qbo_id,
                "intuitaccountid": realm,
                "data": {},
            }
        )
    return json.dumps(out, separators=(",", ":")).encode()


def webhook_headers(body: bytes, verifier_token: str = VERIFIER_TOKEN) -> dict[str, str]:
    return {
        "content-type": "application/json; charset=utf-8",
        "intuit-signature": sign(body, verifier_token),
        "intuit-t-id": str(uuid.uuid4()),
        "intuit-created-time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "intuit-notification-schema-version": "0.1",
        "user-agent": "intuit_notification_server/0.1",
    }

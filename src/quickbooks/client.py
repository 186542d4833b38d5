"""The QuickBooks Online accounting API over the outbound chokepoint: endpoints, errors, calls.

Every call sends `minorversion=75` and `Accept: application/json`, and logs the method, path, status
and Intuit's `intuit_tid` (what Intuit support asks for) — never a token or a request body. Errors
come back in several shapes and all become a `QuickBooksError`: a `Fault` object (also inside an
HTTP 200), the 401 body with lower-case keys, an XML `IntuitResponse` (read with a regex, not an XML
parser: it is only a few fields and untrusted), or a bare HTML/text page.

`quickbooks/api.py`'s `Api` wraps `call` with the connection's access token (oauth.py), so this
module never imports oauth.py and oauth.py can use `call` with a fresh token.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import httpx

from core import config

log = logging.getLogger("porchlight.quickbooks")

MINOR_VERSION = "75"
SCOPE = "com.intuit.quickbooks.accounting"
MAX_RESULTS = 1000

INTUIT = {
    "auth_url": "https://appcenter.intuit.com/connect/oauth2",
    "token_url": "https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer",
    "revoke_url": "https://developer.api.intuit.com/v2/oauth2/tokens/revoke",
}
API_BASE = {
    "production": "https://quickbooks.api.intuit.com",
    "sandbox": "https://sandbox-quickbooks.api.intuit.com",
}
# Name-list entities: a query returns only active rows unless it asks for both.
NAME_LISTS = frozenset({"Customer", "Account"})


@dataclass(frozen=True)
class Endpoints:
    environment: str
    client_id: str
    client_secret: config.Secret | None
    redirect_uri: str
    auth_url: str
    token_url: str
    revoke_url: str
    api_base: str
    verifier_token: config.Secret | None

    @classmethod
    def from_settings(cls, settings: config.Settings) -> Endpoints:
        client_id = settings.secret("QBO_CLIENT_ID")
        return cls(
            environment=settings.qbo_environment,
            client_id=client_id.reveal() if client_id else "",
            client_secret=settings.secret("QBO_CLIENT_SECRET"),
            redirect_uri=settings.qbo_redirect_uri,
            auth_url=settings.qbo_auth_url or INTUIT["auth_url"],
            token_url=settings.qbo_token_url or INTUIT["token_url"],
            revoke_url=settings.qbo_revoke_url or INTUIT["revoke_url"],
            api_base=settings.qbo_api_base or API_BASE[settings.qbo_environment],
            verifier_token=settings.secret("QBO_WEBHOOK_VERIFIER_TOKEN"),
        )

    @property
    def configured(self) -> bool:
        return bool(self.client_id and self.client_secret and self.redirect_uri)

    def missing(self) -> list[str]:
        present = {
            "QBO_CLIENT_ID": bool(self.client_id),
            "QBO_CLIENT_SECRET": bool(self.client_secret),
            "QBO_REDIRECT_URI": bool(self.redirect_uri),
        }
        return [name for name, ok in present.items() if not ok]


# --- errors --------------------------------------------------------------------------------------


class QuickBooksError(Exception):
    """A call failed. `permanent` says whether repeating the same call could help."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str = "",
        detail: str = "",
        fault_type: str = "",
        intuit_tid: str | None = None,
        permanent: bool = False,
    ):
        super().__init__(message)
        self.message, self.status, self.code, self.detail = message, status, code, detail
        self.fault_type, self.intuit_tid, self.permanent = fault_type, intuit_tid, permanent

    def summary(self) -> str:
        """One line for the page and the run row (Intuit's text, our status; no secrets in either)."""
        parts = [f"HTTP {self.status}" if self.status else "", f"code {self.code}" if self.code else "", self.message]
        text = " · ".join(p for p in parts if p)
        if self.detail and self.detail != self.message:
            text += f": {self.detail}"
        return text[:300]


class Unauthorized(QuickBooksError):
    """401: the access token expired or was revoked."""


class Throttled(QuickBooksError):
    """429: over 500 requests a minute or 10 a second for this company."""


class StaleObject(QuickBooksError):
    """Fault 5010: the SyncToken sent is not the current one."""


class InvalidGrant(QuickBooksError):
    """The refresh token (or code) was refused: the connection needs the owner to connect again."""


class NotConnected(QuickBooksError):
    """No usable connection (never connected, disconnected, or broken)."""


_XML_FAULT = re.compile(r"<Fault\b[^>]*?type=\"(?P<type>[^\"]*)\"", re.IGNORECASE)
_XML_CODE = re.compile(r"<Error\b[^>]*?code=\"(?P<code>[^\"]*)\"", re.IGNORECASE)
_XML_TEXT = {name: re.compile(rf"<{name}>(.*?)</{name}>", re.IGNORECASE | re.DOTALL) for name in ("Message", "Detail")}


def _first(errors: Any) -> dict[str, Any]:
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        return errors[0]
    return {}


def fault_of(status: int, body: str, content_type: str, tid: str | None) -> QuickBooksError | None:
    """The error a response carries, or None for a clean answer. Never raises on odd bodies."""
    message = code = detail = fault_type = ""
    found = status >= 400
    text = body.lstrip()
    if text.startswith("<"):
        if "<Fault" in text or "<fault" in text:
            found = True
            t, c = _XML_FAULT.search(text), _XML_CODE.search(text)
            fault_type, code = (t.group("type") if t else ""), (c.group("code") if c else "")
            m, d = _XML_TEXT["Message"].search(text), _XML_TEXT["Detail"].search(text)
            message, detail = (m.group(1).strip() if m else ""), (d.group(1).strip() if d else "")
        elif found:
            message = "QuickBooks answered with a page instead of data"
    else:
        try:
            data = json.loads(body) if body else {}
        except ValueError:
            data = None
            if found:
                message = "QuickBooks answered with an unreadable body"
        if isinstance(data, dict):
            if isinstance(data.get("Fault"), dict):
                found = True
                error = _first(data["Fault"].get("Error"))
                fault_type = str(data["Fault"].get("type") or "")
                message, detail, code = (str(error.get(k) or "") for k in ("Message", "Detail", "code"))
            elif isinstance(data.get("fault"), dict):
                found = True
                error = _first(data["fault"].get("error"))
                fault_type = str(data["fault"].get("type") or "")
                message, detail, code = (str(error.get(k) or "") for k in ("message", "detail", "code"))
            elif isinstance(data.get("error"), str):
                found = True
                code = data["error"]
                message = str(data.get("error_description") or data["error"])
    if not found:
        return None
    message = message or f"QuickBooks answered HTTP {status}"
    if "Token expired" in detail or "token" in detail.lower():
        detail = "the access token was not accepted"  # Intuit echoes part of the token here: never keep it
    kwargs: dict[str, Any] = {
        "status": status,
        "code": code,
        "detail": detail,
        "fault_type": fault_type,
        "intuit_tid": tid,
    }
    if status == 401:
        return Unauthorized(message, **kwargs)
    if status == 429 or code in {"3001", "003001"} or "ThrottleExceeded" in message:
        return Throttled(message, **kwargs)
    if code == "5010":
        return StaleObject(message, permanent=True, **kwargs)
    # 4xx validation faults repeat if repeated; 5xx, transport trouble and Faults in a 200 may not.
    return QuickBooksError(message, permanent=400 <= status < 500, **kwargs)


def tid_of(response: httpx.Response) -> str | None:
    return response.headers.get("intuit_tid") or response.headers.get("intuit-tid")


def log_call(method: str, url: str, response: httpx.Response | None, note: str = "") -> None:
    path = urlsplit(url).path
    if response is None:
        log.warning("quickbooks %s %s failed before an answer: %s", method, path, note)
        return
    log.info("quickbooks %s %s -> %s intuit_tid=%s%s", method, path, response.status_code, tid_of(response), note)


async def send(http: httpx.AsyncClient, method: str, url: str, **kwargs: Any) -> httpx.Response:
    """One request; transport failures become a transient QuickBooksError."""
    try:
        response = await http.request(method, url, **kwargs)
    except httpx.HTTPError as exc:
        log_call(method, url, None, type(exc).__name__)
        raise QuickBooksError(f"could not reach QuickBooks ({type(exc).__name__})") from None
    log_call(method, url, response)
    return response


# --- the accounting API --------------------------------------------------------------------------


def qbo_time(moment: datetime) -> str:
    """A time for a query or `changedSince`: explicit UTC offset, as Intuit recommends."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S+00:00")


def quoted(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def select(
    entity: str,
    *,
    where: Sequence[str] = (),
    order: str = "Id",
    start: int = 1,
    size: int = MAX_RESULTS,
) -> str:
    """A query statement; name lists always include inactive rows."""
    conditions = list(where)
    if entity in NAME_LISTS:
        conditions.append("Active IN (true, false)")
    clause = f" WHERE {' AND '.join(conditions)}" if conditions else ""
    return f"SELECT * FROM {entity}{clause} ORDERBY {order} STARTPOSITION {start} MAXRESULTS {min(size, MAX_RESULTS)}"


def count_statement(entity: str) -> str:
    clause = " WHERE Active IN (true, false)" if entity in NAME_LISTS else ""
    return f"SELECT COUNT(*) FROM {entity}{clause}"


async def call(
    http: httpx.AsyncClient,
    endpoints: Endpoints,
    token: str,
    realm: str,
    method: str,
    path: str,
    params: dict[str, str] | None = None,
    **kwargs: Any,
) -> dict:
    """One call for the company `realm` with an access token in hand: the answer's JSON, or the error."""
    url = f"{endpoints.api_base}/v3/company/{realm}/{path}"
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json", **kwargs.pop("headers", {})}
    response = await send(
        http, method, url, params={**(params or {}), "minorversion": MINOR_VERSION}, headers=headers, **kwargs
    )
    error = fault_of(response.status_code, response.text, response.headers.get("content-type", ""), tid_of(response))
    if error is not None:
        raise error
    try:
        data = response.json()
    except ValueError:
        raise QuickBooksError("QuickBooks answered with an unreadable body", status=response.status_code) from None
    if not isinstance(data, dict):
        raise QuickBooksError("QuickBooks answered with an unexpected body", status=response.status_code)
    return data

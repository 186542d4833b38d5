"""SMS providers behind one interface (issue 21 "SMS"; NUM-1, SMS-5, SMS-12).

`bindings.sms` holds one `SmsGateway`: the **Twilio**-compatible REST provider, the
**CallTrackingMetrics**-compatible one (the seeds' "CTM"), or the **development** provider, which
sends nothing and answers "delivered" at once (the message stays in its thread, which is the local
capture). `from_environment` picks one from `SMS_PROVIDER` (empty = development).

Each gateway does four things, all over `core.outbound` clients the caller opens:
- `send(http, message)` → `SendResult`: `sent` (with the provider's message id), `retry` (5xx,
  429, timeouts, connection errors: the outbox tries again on its schedule) or `failed` (a 4xx that
  cannot succeed: invalid number, recipient opted out at the carrier; the provider's text kept).
- `lines(http)` → our numbers on the account (NUM-1: the caller upserts them by number).
- `verify(url, headers, raw, form)` → whether a webhook really comes from the provider.
- `parse_inbound(raw, form)` / `parse_status(raw, form)` → what the webhook says.

Wire formats: Twilio's 2010-04-01 REST API (form bodies, Basic auth with the account SID and auth
token, JSON answers; webhooks are forms signed with X-Twilio-Signature = base64 HMAC-SHA1 over the
URL Twilio called followed by every POST parameter's name and value, sorted by name). The CTM-
compatible provider speaks CTM's v1 REST API (`/api/v1/accounts/{id}/sms` with `to`, `from`, `msg`,
`/numbers.json`, Basic auth with the access and secret keys); its webhooks are JSON, authenticated
by `X-CTM-Signature` = base64 HMAC-SHA256 of the raw body under `CTM_WEBHOOK_SECRET` (set the same
secret as a custom header signature on the CTM trigger). docs/messaging.md says where to point them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlencode

import httpx

# Every variable `from_environment` reads (bindings lists them for the Worker's env).
VARS = (
    "SMS_PROVIDER",
    "SMS_PUBLIC_URL",
    "TWILIO_ACCOUNT_SID",
    "TWILIO_AUTH_TOKEN",
    "TWILIO_API_BASE",
    "CTM_ACCOUNT_ID",
    "CTM_ACCESS_KEY",
    "CTM_SECRET_KEY",
    "CTM_API_BASE",
    "CTM_WEBHOOK_SECRET",
)

TWILIO_BASE = "https://api.twilio.com"
CTM_BASE = "https://api.calltrackingmetrics.com"

# Twilio error codes a person can act on (status callbacks carry only the code).
TWILIO_ERRORS = {
    "21211": "Invalid 'To' phone number",
    "21408": "Permission to send to this region is not enabled",
    "21610": "Recipient has opted out at the carrier (replied STOP)",
    "21614": "'To' number is not a valid mobile number",
    "30003": "Unreachable destination handset",
    "30004": "Message blocked",
    "30005": "Unknown destination handset",
    "30006": "Landline or unreachable carrier",
    "30007": "Message filtered by the carrier",
    "30008": "Unknown error from the carrier",
}


class SettingsError(ValueError):
    """A provider was chosen but a variable it needs is missing."""


@dataclass(frozen=True)
class Outgoing:
    to: str
    from_: str
    body: str
    media_urls: tuple[str, ...] = ()
    status_callback: str = ""


@dataclass(frozen=True)
class SendResult:
    outcome: str  # "sent" | "retry" | "failed"
    provider_ref: str = ""
    error: str = ""


@dataclass(frozen=True)
class ProviderLine:
    number: str
    label: str
    provider_ref: str


@dataclass(frozen=True)
class InboundSms:
    provider_ref: str
    from_: str
    to: str
    body: str
    media: tuple[tuple[str, str], ...] = ()  # (url, content type)


@dataclass(frozen=True)
class StatusUpdate:
    provider_ref: str
    status: str  # "sent" | "delivered" | "failed"
    error: str = ""


class SmsGateway(Protocol):
    name: str
    public_url: str

    async def send(self, http: httpx.AsyncClient, message: Outgoing) -> SendResult: ...

    async def lines(self, http: httpx.AsyncClient) -> list[ProviderLine]: ...

    def verify(self, url: str, headers: Mapping[str, str], raw: bytes, form: Mapping[str, str]) -> bool: ...

    def parse_inbound(self, raw: bytes, form: Mapping[str, str]) -> InboundSms | None: ...

    def parse_status(self, raw: bytes, form: Mapping[str, str]) -> StatusUpdate | None: ...


def _outcome_of(response: httpx.Response, error: str) -> SendResult:
    if response.status_code == 429 or response.status_code >= 500:
        return SendResult("retry", error=f"HTTP {response.status_code}: {error}")
    return SendResult("failed", error=error or f"HTTP {response.status_code}")


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


async def _post(http: httpx.AsyncClient, url: str, **kwargs: Any) -> httpx.Response | SendResult:
    try:
        return await http.post(url, **kwargs)
    except (httpx.TimeoutException, httpx.TransportError) as exc:
        return SendResult("retry", error=f"{type(exc).__name__}: {exc}"[:300])


# --- Twilio ----------------------------------------------------------------------------------------


def twilio_signature(token: str, url: str, form: Mapping[str, str]) -> str:
    """Twilio's request signature: HMAC-SHA1 over the URL and the sorted POST parameters."""
    payload = url + "".join(f"{k}{form[k]}" for k in sorted(form))
    return base64.b64encode(hmac.new(token.encode(), payload.encode(), hashlib.sha1).digest()).decode()


@dataclass
class TwilioGateway:
    account_sid: str
    auth_token: str
    api_base: str = TWILIO_BASE
    public_url: str = ""
    name: str = "twilio"

    def _account(self) -> str:
        return f"{self.api_base}/2010-04-01/Accounts/{self.account_sid}"

    async def send(self, http: httpx.AsyncClient, message: Outgoing) -> SendResult:
        fields: list[tuple[str, str]] = [("To", message.to), ("From", message.from_), ("Body", message.body)]
        fields += [("MediaUrl", url) for url in message.media_urls]
        if message.status_callback:
            fields.append(("StatusCallback", message.status_callback))
        answer = await _post(
            http,
            f"{self._account()}/Messages.json",
            content=urlencode(fields),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            auth=(self.account_sid, self.auth_token),
        )
        if isinstance(answer, SendResult):
            return answer
        data = _json(answer)
        if answer.status_code in (200, 201) and data.get("sid"):
            return SendResult("sent", provider_ref=str(data["sid"]))
        code = str(data.get("code") or "")
        text = str(data.get("message") or TWILIO_ERRORS.get(code) or answer.reason_phrase)
        return _outcome_of(answer, f"{text} (Twilio {code})" if code else text)

    async def lines(self, http: httpx.AsyncClient) -> list[ProviderLine]:
        found: list[ProviderLine] = []
        url: str | None = f"{self._account()}/IncomingPhoneNumbers.json?PageSize=1000"
        while url:
            response = await http.get(url, auth=(self.account_sid, self.auth_token))
            response.raise_for_status()
            data = _json(response)
            for row in data.get("incoming_phone_numbers") or []:
                found.append(
                    ProviderLine(str(row["phone_number"]), str(row.get("friendly_name") or ""), str(row["sid"]))
                )
            nxt = data.get("next_page_uri")
            url = f"{self.api_base}{nxt}" if nxt else None
        return found

    def verify(self, url: str, headers: Mapping[str, str], raw: bytes, form: Mapping[str, str]) -> bool:
        sent = headers.get("x-twilio-signature", "")
        if not sent or not self.auth_token:
            return False
        return hmac.compare_digest(sent.encode(), twilio_signature(self.auth_token, url, form).encode())

    def parse_inbound(self, raw: bytes, form: Mapping[str, str]) -> InboundSms | None:
        if not form.get("MessageSid") or not form.get("From") or not form.get("To"):
            return None
        count = int(form.get("NumMedia") or 0) if str(form.get("NumMedia") or "0").isdigit() else 0
        media = tuple(
            (form[f"MediaUrl{i}"], form.get(f"MediaContentType{i}", "")) for i in range(count) if f"MediaUrl{i}" in form
        )
        return InboundSms(form["MessageSid"], form["From"], form["To"], form.get("Body", ""), media)

    def parse_status(self, raw: bytes, form: Mapping[str, str]) -> StatusUpdate | None:
        sid, status = form.get("MessageSid") or form.get("SmsSid"), form.get("MessageStatus") or form.get("SmsStatus")
        if not sid or not status:
            return None
        mapped = {"sent": "sent", "delivered": "delivered", "undelivered": "failed", "failed": "failed"}.get(status)
        if mapped is None:
            return None  # queued / sending / accepted: nothing new for us
        code = form.get("ErrorCode") or ""
        error = f"{TWILIO_ERRORS.get(code, 'Carrier error')} (Twilio {code})" if code else ""
        return StatusUpdate(sid, mapped, error if mapped == "failed" else "")


# --- CallTrackingMetrics ---------------------------------------------------------------------------


def ctm_signature(secret: str, raw: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), raw, hashlib.sha256).digest()).decode()


@dataclass
class CtmGateway:
    account_id: str
    access_key: str
    secret_key: str
    webhook_secret: str
    api_base: str = CTM_BASE
    public_url: str = ""
    name: str = "ctm"

    def _account(self) -> str:
        return f"{self.api_base}/api/v1/accounts/{self.account_id}"

    async def send(self, http: httpx.AsyncClient, message: Outgoing) -> SendResult:
        fields: list[tuple[str, str]] = [("to", message.to), ("from", message.from_), ("msg", message.body)]
        fields += [("media_url", url) for url in message.media_urls]
        answer = await _post(
            http,
            f"{self._account()}/sms",
            content=urlencode(fields),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            auth=(self.access_key, self.secret_key),
        )
        if isinstance(answer, SendResult):
            return answer
        data = _json(answer)
        if answer.status_code in (200, 201) and data.get("id"):
            return SendResult("sent", provider_ref=str(data["id"]))
        return _outcome_of(answer, str(data.get("error") or data.get("message") or answer.reason_phrase))

    async def lines(self, http: httpx.AsyncClient) -> list[ProviderLine]:
        found: list[ProviderLine] = []
        page, pages = 1, 1
        while page <= pages:
            response = await http.get(
                f"{self._account()}/numbers.json",
                params={"page": page, "per_page": 100},
                auth=(self.access_key, self.secret_key),
            )
            response.raise_for_status()
            data = _json(response)
            for row in data.get("numbers") or []:
                found.append(ProviderLine(str(row["number"]), str(row.get("name") or ""), str(row["id"])))
            pages = int(data.get("total_pages") or 1)
            page += 1
        return found

    def verify(self, url: str, headers: Mapping[str, str], raw: bytes, form: Mapping[str, str]) -> bool:
        sent = headers.get("x-ctm-signature", "")
        if not sent or not self.webhook_secret:
            return False
        return hmac.compare_digest(sent.encode(), ctm_signature(self.webhook_secret, raw).encode())

    @staticmethod
    def _body(raw: bytes) -> dict[str, Any]:
        try:
            data = json.loads(raw)
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}

    def parse_inbound(self, raw: bytes, form: Mapping[str, str]) -> InboundSms | None:
        data = self._body(raw)
        if data.get("event") != "text.received" or not data.get("id") or not data.get("from") or not data.get("to"):
            return None
        media = tuple((str(m.get("url", "")), str(m.get("content_type", ""))) for m in data.get("media") or [])
        return InboundSms(str(data["id"]), str(data["from"]), str(data["to"]), str(data.get("body") or ""), media)

    def parse_status(self, raw: bytes, form: Mapping[str, str]) -> StatusUpdate | None:
        data = self._body(raw)
        status = data.get("status")
        if data.get("event") != "text.status" or not data.get("id") or status not in ("sent", "delivered", "failed"):
            return None
        return StatusUpdate(str(data["id"]), str(status), str(data.get("error") or "") if status == "failed" else "")


# --- Development -----------------------------------------------------------------------------------


@dataclass
class DevGateway:
    """No account needed: every send is accepted and counts as delivered; the thread is the capture.
    Inbound traffic comes from `porchlight sms receive` (or the signed dev webhook in tests)."""

    public_url: str = ""
    name: str = "dev"
    sent: list[Outgoing] = field(default_factory=list)

    async def send(self, http: httpx.AsyncClient, message: Outgoing) -> SendResult:
        self.sent.append(message)
        return SendResult(
            "sent", provider_ref=f"dev-{hashlib.sha256(repr(message).encode()).hexdigest()[:12]}-{len(self.sent)}"
        )

    async def lines(self, http: httpx.AsyncClient) -> list[ProviderLine]:
        return []

    def verify(self, url: str, headers: Mapping[str, str], raw: bytes, form: Mapping[str, str]) -> bool:
        return False  # the dev provider has no webhook: the CLI calls the domain directly

    def parse_inbound(self, raw: bytes, form: Mapping[str, str]) -> InboundSms | None:
        return None

    def parse_status(self, raw: bytes, form: Mapping[str, str]) -> StatusUpdate | None:
        return None


def _need(source: Mapping[str, Any], *names: str) -> list[str]:
    values = [str(source.get(n) or "").strip() for n in names]
    missing = [n for n, v in zip(names, values, strict=True) if not v]
    if missing:
        raise SettingsError(f"SMS_PROVIDER needs {', '.join(missing)}")
    return values


def from_environment(source: Mapping[str, Any]) -> SmsGateway:
    kind = str(source.get("SMS_PROVIDER") or "").strip().lower()
    public = str(source.get("SMS_PUBLIC_URL") or "").strip().rstrip("/")
    if kind in ("", "dev", "development"):
        return DevGateway(public_url=public)
    if kind == "twilio":
        sid, token = _need(source, "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN")
        base = str(source.get("TWILIO_API_BASE") or TWILIO_BASE).rstrip("/")
        return TwilioGateway(sid, token, base, public)
    if kind == "ctm":
        account, access, secret, hook = _need(
            source, "CTM_ACCOUNT_ID", "CTM_ACCESS_KEY", "CTM_SECRET_KEY", "CTM_WEBHOOK_SECRET"
        )
        base = str(source.get("CTM_API_BASE") or CTM_BASE).rstrip("/")
        return CtmGateway(account, access, secret, hook, base, public)
    raise SettingsError(f"SMS_PROVIDER must be twilio, ctm or empty (development), got {kind!r}")

"""Email providers behind one interface (EML-6): SMTP locally, an HTTP email API at the edge (Workers
cannot open SMTP sockets), and a development provider that captures into `dev_mailbox`.

`provider(bindings)` picks one: `bindings.email` when set (tests, the CLI), else from the settings —
`EMAIL_PROVIDER` (smtp | http | development) when given; else `http` when `EMAIL_API_KEY` is set or
at the edge; else `smtp` in production and `development` everywhere else, so `make dev` works with
no account at all.

Every provider answers `Sent`: accepted (with the provider's reference and what the server said),
or refused — `permanent` when trying again cannot help (an SMTP 5xx, an HTTP 4xx other than 408 and
429), so the outbox fails it at once instead of retrying. The outbox message id goes out as the
`Message-ID` (SMTP) and the `Idempotency-Key` (HTTP), so a repeated delivery is recognisable.

Attachments (issue 24, a ticket summary's PDF): an `Attachment` names a file-store key; the outbox
payload keeps only the key, name and type, and messaging.email reads the bytes at delivery. SMTP
sends them as MIME parts, the HTTP API as base64 `attachments`, the development provider records
their names and keys so the Development mailbox can offer them for download.

Header injection (EML-7): a CR or LF in the sender's name or address, the recipient or the subject is
refused here too (`check_headers`), whatever let it through upstream.
"""

from __future__ import annotations

import asyncio
import base64
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from html import escape
from typing import TYPE_CHECKING, Any, Protocol

from core import devmail, outbound, outbox
from core.storage import Statement

if TYPE_CHECKING:  # ssl and smtplib load only when SMTP is used (Pyodide ships ssl apart)
    import ssl

SMTP_TIMEOUT = 15.0
HTTP_PATH = "/v3/mail/send"
PROVIDERS = ("smtp", "http", "development")
_ADDRESS = re.compile(r"^[^@\s]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9-]{1,63})+$")
_HOST = re.compile(r"^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9-]{1,63})*$")


class HeaderInjection(ValueError):
    def __init__(self, field_name: str):
        super().__init__(f"{field_name} may not contain a line break.")
        self.field = field_name


def has_line_break(value: str) -> bool:
    return any(c in value for c in "\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")


def valid_address(value: str) -> bool:
    return bool(_ADDRESS.match(value)) and not has_line_break(value)


def valid_host(value: str) -> bool:
    return bool(_HOST.match(value))


@dataclass(frozen=True)
class Sender:
    """Who sends: the identity's address and name, and (SMTP only) where and how to log in."""

    from_email: str
    from_name: str = ""
    host: str = ""
    port: int = 587
    password: str = field(default="", repr=False)


@dataclass(frozen=True)
class Attachment:
    """A file sent with an email: its name, content type and file-store key; `data` is filled at
    delivery (never in the outbox payload)."""

    filename: str
    content_type: str
    key: str
    data: bytes = field(default=b"", repr=False)

    def described(self) -> dict[str, Any]:
        return {"filename": self.filename, "content_type": self.content_type, "key": self.key}


@dataclass(frozen=True)
class Email:
    message_id: str  # the outbox id: Message-ID / Idempotency-Key
    sender: Sender
    to: str
    subject: str
    text: str
    office_id: int | None = None
    reply_to: str = ""
    html: str = ""  # issue 23: a full HTML alternative (the emailed report); else one built from text
    attachments: tuple[Attachment, ...] = ()


@dataclass(frozen=True)
class Sent:
    ok: bool
    said: str  # the server's answer, shown on Send Test and logged as the attempt's error
    ref: str | None = None
    permanent: bool = False
    statements: tuple[Statement, ...] = ()


class EmailProvider(Protocol):
    name: str

    async def send(self, bindings: Any, email: Email, now: datetime) -> Sent: ...


def check_headers(email: Email) -> None:
    for name, value in (
        ("from_name", email.sender.from_name),
        ("from_email", email.sender.from_email),
        ("to", email.to),
        ("subject", email.subject),
        ("reply_to", email.reply_to),
    ):
        if has_line_break(value):
            raise HeaderInjection(name)
    for attachment in email.attachments:
        if has_line_break(attachment.filename) or has_line_break(attachment.content_type):
            raise HeaderInjection("attachments")


def html_body(text: str) -> str:
    """Text plus minimal escaped HTML (EML-8): paragraphs and line breaks, nothing else."""
    paragraphs = [p for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]
    return "".join(f"<p>{escape(p).replace(chr(10), '<br>')}</p>" for p in paragraphs) or "<p></p>"


def mime(email: Email, now: datetime) -> EmailMessage:
    """The message as it goes over SMTP: text and an escaped HTML alternative."""
    check_headers(email)
    msg = EmailMessage()
    msg["From"] = Address(email.sender.from_name, addr_spec=email.sender.from_email)
    msg["To"] = email.to
    msg["Subject"] = email.subject
    msg["Date"] = format_datetime(now)
    domain = email.sender.from_email.rpartition("@")[2] or "porchlight.invalid"
    msg["Message-ID"] = f"<{email.message_id}@{domain}>"
    if email.reply_to:
        msg["Reply-To"] = email.reply_to
    msg.set_content(email.text)
    msg.add_alternative(email.html or html_body(email.text), subtype="html")
    for attachment in email.attachments:
        maintype, _, subtype = attachment.content_type.partition("/")
        msg.add_attachment(
            attachment.data,
            maintype=maintype or "application",
            subtype=subtype or "octet-stream",
            filename=attachment.filename,
        )
    return msg


# --- SMTP ----------------------------------------------------------------------------------------


class SmtpProvider:
    """stdlib smtplib in a thread (imported lazily: the Worker never loads it). 587 = STARTTLS, 465 =
    TLS from the first byte; either way the certificate is verified. `routes` maps an identity's
    (host, port) to where to connect instead (tests point smtp.example.test:587 at a local server)."""

    name = "smtp"

    def __init__(
        self,
        *,
        tls: ssl.SSLContext | None = None,
        routes: dict[tuple[str, int], tuple[str, int]] | None = None,
        timeout: float = SMTP_TIMEOUT,
    ):
        self.tls = tls
        self.routes = routes or {}
        self.timeout = timeout

    async def send(self, bindings: Any, email: Email, now: datetime) -> Sent:
        message = mime(email, now)
        return await asyncio.to_thread(self._send, email.sender, email.to, message)

    def _send(self, sender: Sender, to: str, message: EmailMessage) -> Sent:
        import smtplib
        import ssl

        host, port = self.routes.get((sender.host, sender.port), (sender.host, sender.port))
        context = self.tls or ssl.create_default_context()
        try:
            if sender.port == 465:
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=self.timeout, context=context)
            else:
                smtp = smtplib.SMTP(host, port, timeout=self.timeout)
            with smtp:
                if sender.port == 465:
                    smtp.ehlo()
                else:
                    smtp.ehlo()
                    smtp.starttls(context=context)
                    smtp.ehlo()
                smtp.login(sender.from_email, sender.password)
                smtp.mail(sender.from_email)
                code, said = smtp.rcpt(to)
                if code >= 300:
                    return Sent(False, f"{code} {_text(said)}", permanent=code >= 500)
                # CRLF line ends: smtplib passes bytes through as they are, and a server reads lines
                # up to CRLF (aiosmtpd refuses a bare-LF message longer than ~1000 bytes).
                code, said = smtp.data(message.as_bytes(policy=message.policy.clone(linesep="\r\n")))
                if code >= 300:
                    return Sent(False, f"{code} {_text(said)}", permanent=code >= 500)
                return Sent(True, f"{code} {_text(said)}", ref=str(message["Message-ID"]))
        except smtplib.SMTPResponseException as exc:
            return Sent(False, f"{exc.smtp_code} {_text(exc.smtp_error)}", permanent=exc.smtp_code >= 500)
        except smtplib.SMTPNotSupportedError as exc:
            return Sent(False, f"The server does not support this: {exc}", permanent=True)
        except ssl.SSLError as exc:
            return Sent(False, f"TLS failed: {exc.reason or exc}", permanent=False)
        except (OSError, smtplib.SMTPException) as exc:
            return Sent(False, f"Could not reach {sender.host}:{sender.port}: {exc}", permanent=False)


def _text(said: bytes | str) -> str:
    return (said.decode("utf-8", "replace") if isinstance(said, bytes) else str(said)).replace("\n", " ")[:300]


# --- the HTTP email API --------------------------------------------------------------------------


class HttpProvider:
    """A JSON email API (`POST {base}/v3/mail/send`, SendGrid's shape) through core/outbound, with
    `Authorization: Bearer <EMAIL_API_KEY>` and `Idempotency-Key: <message id>`. 2xx = accepted (the
    reference is the `X-Message-Id` header); 408, 429 and 5xx = try again; any other 4xx = refused."""

    name = "http"

    def __init__(self, base_url: str, api_key: str):
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key

    def body(self, email: Email) -> dict[str, Any]:
        check_headers(email)
        sender: dict[str, str] = {"email": email.sender.from_email}
        if email.sender.from_name:
            sender["name"] = email.sender.from_name
        body: dict[str, Any] = {
            "personalizations": [{"to": [{"email": email.to}]}],
            "from": sender,
            "subject": email.subject,
            "content": [
                {"type": "text/plain", "value": email.text},
                {"type": "text/html", "value": email.html or html_body(email.text)},
            ],
            "custom_args": {"porchlight_message_id": email.message_id},
        }
        if email.reply_to:
            body["reply_to"] = {"email": email.reply_to}
        if email.attachments:
            body["attachments"] = [
                {
                    "content": base64.b64encode(a.data).decode("ascii"),
                    "type": a.content_type,
                    "filename": a.filename,
                    "disposition": "attachment",
                }
                for a in email.attachments
            ]
        return body

    async def send(self, bindings: Any, email: Email, now: datetime) -> Sent:
        if not self.base_url or not self.api_key:
            return Sent(False, "The email API is not configured (EMAIL_API_URL and EMAIL_API_KEY).", permanent=False)
        headers = {"Authorization": f"Bearer {self.api_key}", "Idempotency-Key": email.message_id}
        try:
            async with outbox.http_client(bindings) as http:
                answer = await http.post(f"{self.base_url}{HTTP_PATH}", json=self.body(email), headers=headers)
        except outbound.BlockedDestination as exc:
            return Sent(False, f"The email API address is not allowed: {exc}", permanent=True)
        except Exception as exc:  # httpx transport errors, timeouts
            return Sent(False, f"Could not reach the email API: {type(exc).__name__}: {exc}")
        said = f"{answer.status_code} {answer.text[:300]}".strip()
        if 200 <= answer.status_code < 300:
            return Sent(True, said, ref=answer.headers.get("x-message-id") or email.message_id)
        transient = answer.status_code in (408, 429) or answer.status_code >= 500
        return Sent(False, said, permanent=not transient)


# --- development ---------------------------------------------------------------------------------


class DevelopmentProvider:
    """Captures into `dev_mailbox` (Maintenance → Development mailbox) instead of sending."""

    name = "development"

    async def send(self, bindings: Any, email: Email, now: datetime) -> Sent:
        check_headers(email)
        capture = devmail.capture(
            now,
            email.message_id,
            channel="email",
            office_id=email.office_id,
            sender=f"{email.sender.from_name} <{email.sender.from_email}>".strip(),
            recipient=email.to,
            subject=email.subject,
            body=email.text,
            headers={
                "Message-ID": email.message_id,
                **({"Reply-To": email.reply_to} if email.reply_to else {}),
                **({"html": email.html} if email.html else {}),  # issue 23: shown by the mailbox page
            },
            attachments=[{**a.described(), "size": len(a.data)} for a in email.attachments],
        )
        return Sent(True, "250 captured in the development mailbox", ref=email.message_id, statements=(capture,))


def for_settings(settings: Any, *, edge: bool) -> EmailProvider:
    chosen = getattr(settings, "email_provider", "") or ""
    key = settings.secret("EMAIL_API_KEY")
    if not chosen:
        if key is not None or edge:
            chosen = "http"
        else:
            chosen = "smtp" if settings.production else "development"
    if chosen == "http":
        return HttpProvider(getattr(settings, "email_api_url", "") or "", key.reveal() if key else "")
    if chosen == "smtp":
        return SmtpProvider()
    return DevelopmentProvider()


def provider(bindings: Any) -> EmailProvider:
    chosen = getattr(bindings, "email", None)
    return chosen if chosen is not None else for_settings(bindings.settings, edge=False)


def is_development(bindings: Any) -> bool:
    return provider(bindings).name == "development"


def needs_smtp_login(bindings: Any) -> bool:
    """Only SMTP uses the identity's host, port and app password (EML-4 checks them then)."""
    return provider(bindings).name == "smtp"


def joined(values: Sequence[str]) -> str:
    return ", ".join(v for v in values if v)

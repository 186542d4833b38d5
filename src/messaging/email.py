"""Email through the outbox (X-11, EML-3…EML-9): `queue` builds the message and its outbox statement
for the caller's batch; the registered `email` handler sends it through the sender identity and the
runtime's provider (core/email.py) when the outbox delivers it.

The payload names the identity (an office's, or Finance's) and holds the recipient, subject and text;
the identity — and its password — are read at delivery, so a corrected identity fixes queued mail
and no secret sits in the outbox. An incomplete identity fails the message at once with "SMTP not
fully configured for office X" (EML-4); a provider's permanent refusal fails it at once, anything
else is retried on the outbox's schedule.

Attachments (`queue(attachments=…)`) sit in the payload as their name, type and file-store key only;
`deliver` reads the bytes from the file store (core/filestore.py). A file gone from the store fails
the message at once, naming it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from accounts import offices
from core import email as mail
from core import outbox
from core.clock import iso
from core.errors import Invalid
from core.storage import Database, Row, Statement
from core.vault import KeyRing
from messaging import identities

KIND = "email"
MAX_SUBJECT = 200
MAX_TEXT = 50_000


def queue(
    now: Any,
    *,
    to: str,
    subject: str,
    text: str,
    office_id: int | None = None,
    finance: bool = False,
    reply_to: str = "",
    not_before: str | None = None,
    html: str = "",
    attachments: Sequence[mail.Attachment] = (),
) -> tuple[str, Statement]:
    """An email for the caller's batch: (message id, statement). Refuses a bad address, an empty or
    overlong text, and a line break in any header field (EML-7), naming the field (422)."""
    problems: dict[str, str] = {}
    for name, value in (("to", to), ("subject", subject), ("reply_to", reply_to)):
        if mail.has_line_break(value):
            problems[name] = "Line breaks are not allowed here."
    if "to" not in problems and not mail.valid_address(to.strip()):
        problems["to"] = "Enter an email address."
    if reply_to and "reply_to" not in problems and not mail.valid_address(reply_to.strip()):
        problems["reply_to"] = "Enter an email address."
    if "subject" not in problems and len(subject) > MAX_SUBJECT:
        problems["subject"] = f"At most {MAX_SUBJECT} characters."
    if not text.strip():
        problems["text"] = "Write a message."
    elif len(text) > MAX_TEXT:
        problems["text"] = f"At most {MAX_TEXT:,} characters."
    if not finance and office_id is None:
        problems["office_id"] = "Choose the office that sends it."
    if problems:
        raise Invalid(problems)
    payload: dict[str, Any] = {
        "identity": "finance" if finance else "office",
        "office_id": None if finance else office_id,
        "to": to.strip(),
        "subject": subject.strip(),
        "text": text,
        "reply_to": reply_to.strip(),
        **({"html": html} if html else {}),  # issue 23: the emailed report's HTML alternative
    }
    if attachments:
        payload["attachments"] = [a.described() for a in attachments]
    return outbox.enqueue(KIND, payload, office_id=office_id, not_before=not_before, now=iso(now))


async def _label(db: Database, kind: str, office_id: int | None) -> str:
    if kind == "finance":
        return "Finance"
    office = await offices.get(db, office_id) if office_id is not None else None
    return f"office {office.name}" if office else "this office"


async def _sender(bindings: Any, kind: str, office_id: int | None) -> tuple[Row | None, mail.Sender | None]:
    """The identity and its opened sender (read once per drain for all its messages)."""
    identity = await identities.get(bindings.db, kind, office_id)
    if identity is None:
        return None, None
    return identity, await identities.sender(bindings.db, KeyRing.from_settings(bindings.settings), identity)


async def _attachments(bindings: Any, listed: list[dict[str, Any]]) -> tuple[tuple[mail.Attachment, ...], str]:
    """The payload's attachments with their bytes read from the file store, or the name of one gone."""
    found: list[mail.Attachment] = []
    for a in listed:
        data = await bindings.files.get(a["key"]) if bindings.files is not None else None
        if data is None:
            return (), a["filename"]
        found.append(mail.Attachment(a["filename"], a["content_type"], a["key"], data))
    return tuple(found), ""


async def deliver(bindings: Any, row: Row) -> outbox.Result:
    p = row["payload"]
    db = bindings.db
    kind, office_id = p.get("identity", "office"), p.get("office_id")
    identity, sender = await outbox.remembered(
        ("email-sender", kind, office_id), lambda: _sender(bindings, kind, office_id)
    )
    need = identities.missing(identity, smtp=mail.needs_smtp_login(bindings))
    if identity is None or sender is None or need:
        return outbox.failed(identities.not_configured(await _label(db, kind, office_id)))
    attachments, gone = await _attachments(bindings, p.get("attachments") or [])
    if gone:
        return outbox.failed(f"The attachment {gone} is no longer in the file store.")
    message = mail.Email(
        message_id=row["id"],
        sender=sender,
        to=p["to"],
        subject=p.get("subject", ""),
        text=p.get("text", ""),
        office_id=office_id,
        reply_to=p.get("reply_to", ""),
        html=p.get("html", ""),
        attachments=attachments,
    )
    try:
        sent = await mail.provider(bindings).send(bindings, message, bindings.clock.now())
    except mail.HeaderInjection as exc:
        return outbox.failed(str(exc))
    if sent.ok:
        return outbox.delivered(sent.ref, sent.statements)
    return outbox.failed(sent.said) if sent.permanent else outbox.retry(sent.said)


outbox.register(KIND, deliver)

"""Replies from a lead (seed 001; LRS-1…LRS-6) and the same history on the customer record.

From the lead panel a person sends a text and/or an email through the lead's office identity: the
text from the office's sender line (NUM-2, through `sms.send_to_lead`, so every SMS rule holds), the
email through the office's sender identity (`messaging.email.queue`, EML-*). The first message a
person sends sets the lead's `first_response_at` (LRS-2); the status does not change (LRS-5); a
person's manual send ignores the contact preferences automations respect (LRS-6), but never an SMS
opt-out (the issue's decision). Owns `lead_emails`.

The history merges both channels, both directions, newest first (LRS-3), and says per channel the
last outbound state and when (LRS-4). Texts are found by the number's last 10 digits in the threads
the viewer may see; emails by the lead (or the customer) and its address.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from accounts import authz
from accounts.users import User
from core import phones
from core.clock import iso
from core.errors import Invalid
from core.records import Actor
from core.storage import Database, Row, Statement, q, sql_in
from leads import record as lead_record
from messaging import email as messaging_email
from messaging import lines, sms

CHANNELS = ("sms", "email")
# The outbox's row states as a person reads an email's delivery (an SMTP server's acceptance is "sent").
EMAIL_STATE = {"pending": "queued", "sending": "queued", "delivered": "sent", "failed": "failed", "dead": "failed"}
LIMIT = 100


def _record_email(
    now: datetime,
    outbox_id: str,
    *,
    lead_id: int | None,
    customer_id: int | None,
    office_id: int | None,
    to: str,
    subject: str,
    body: str,
    sent_by: int | None,
) -> Statement:
    return Statement(
        "INSERT INTO lead_emails (outbox_id, lead_id, customer_id, office_id, to_address, subject, body, sent_by,"
        " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (outbox_id, lead_id, customer_id, office_id, to, subject, body, sent_by, iso(now)),
    )


async def send(
    db: Database, now: datetime, actor: Actor, lead: Row, channels: list[str], body: str, subject: str = ""
) -> dict[str, str]:
    """LRS-1: the same words by SMS and/or email. Every channel is checked before anything is queued,
    so a refused channel sends nothing on the other either. Returns {channel: message id}."""
    chosen = [c for c in CHANNELS if c in channels]
    if not chosen:
        raise Invalid("Choose SMS, email or both.", "channels")
    if "email" in chosen and not (lead.get("email") or "").strip():
        raise Invalid("This lead has no email address.", "channels")
    if "sms" in chosen:
        if not lead.get("phone"):
            raise Invalid("This lead has no phone number to text.", "channels")
        line = await lines.sender_for(db, lead["office_id"])
        if line is None:
            raise Invalid("This lead's office has no SMS line yet: pick one under Maintenance → SMS.", "channels")
        await sms.check_text(db, now, sms.Text(line, lead["phone"], body))  # 403 / 422 before any queueing
    sent: dict[str, str] = {}
    statements: list[Statement] = []
    if "email" in chosen:
        subject = subject.strip() or f"Your request with {lead.get('office_name') or 'us'}"
        mid, enqueue = messaging_email.queue(
            now, to=lead["email"], subject=subject, text=body, office_id=lead["office_id"]
        )
        statements += [
            enqueue,
            _record_email(
                now,
                mid,
                lead_id=lead["id"],
                customer_id=lead.get("customer_id"),
                office_id=lead["office_id"],
                to=lead["email"].strip(),
                subject=subject,
                body=body,
                sent_by=actor.user_id,
            ),
            lead_record.first_response(now, lead["id"]),
        ]
        sent["email"] = mid
    if statements:
        await db.batch(statements)
    if "sms" in chosen:
        sent["sms"] = await sms.send_to_lead(db, now, actor, lead, body)
    return sent


async def _texts(db: Database, user: User, numbers: list[str]) -> list[dict[str, Any]]:
    tens = sorted({n for n in (phones.last10(x) for x in numbers if x) if n})
    if not tens:
        return []
    scope, params = authz.sms_thread_scope(user)
    cond, more = sql_in("t.their_last10", tens)
    rows = await db.all(
        "SELECT m.uid, m.direction, m.body, m.status, m.error, m.origin, m.created_at, m.updated_at, m.media,"
        " u.name AS by_name, l.number AS line_number FROM sms_threads t JOIN sms_messages m ON m.thread_id = t.id"
        f" JOIN sms_lines l ON l.id = t.line_id LEFT JOIN users u ON u.id = m.sent_by WHERE {cond} AND {scope}"
        " ORDER BY m.id DESC LIMIT ?",
        *more,
        *params,
        LIMIT,
    )
    return [
        {
            "channel": "sms",
            "direction": r["direction"],
            "body": r["body"],
            "subject": "",
            "state": "received" if r["direction"] == "in" else r["status"],
            "error": r["error"] or None,
            "at": r["created_at"],
            "updated_at": r["updated_at"],
            "by": r["by_name"] or _origin_label(r["origin"]),
            "via": r["line_number"],
            "attachments": r["media"] != "[]",
        }
        for r in rows
    ]


def _origin_label(origin: str) -> str:
    return {
        "inbound": "",
        "confirmation": "opt-out confirmation",
        "help": "help reply",
        "automation": "automation",
    }.get(origin, "")


async def _emails(db: Database, where: str, *params: Any) -> list[dict[str, Any]]:
    rows = await db.all(
        "SELECT e.subject, e.body, e.to_address, e.created_at, u.name AS by_name, o.status, o.last_error,"
        " o.updated_at FROM lead_emails e LEFT JOIN outbox o ON o.id = e.outbox_id"
        " LEFT JOIN users u ON u.id = e.sent_by"
        f" WHERE {where} ORDER BY e.id DESC LIMIT ?",
        *params,
        LIMIT,
    )
    return [
        {
            "channel": "email",
            "direction": "out",
            "body": r["body"],
            "subject": r["subject"],
            "state": EMAIL_STATE.get(r["status"] or "pending", "queued"),
            "error": r["last_error"] if EMAIL_STATE.get(r["status"] or "") == "failed" else None,
            "at": r["created_at"],
            "updated_at": r["updated_at"] or r["created_at"],
            "by": r["by_name"] or "",
            "via": r["to_address"],
            "attachments": False,
        }
        for r in rows
    ]


def channel_states(history: list[dict[str, Any]]) -> dict[str, dict[str, str] | None]:
    """LRS-4: per channel, the last outbound message's state and when it last moved."""
    states: dict[str, dict[str, str] | None] = dict.fromkeys(CHANNELS)
    for item in history:  # newest first
        if item["direction"] == "out" and states[item["channel"]] is None:
            states[item["channel"]] = {"state": item["state"], "at": item["updated_at"]}
    return states


def _merge(*parts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    merged = [item for part in parts for item in part]
    merged.sort(key=lambda i: i["at"], reverse=True)
    return merged[:LIMIT]


async def lead_history(db: Database, user: User, lead: Row) -> list[dict[str, Any]]:
    """LRS-3: the lead's texts and emails, both directions, newest first."""
    email = (lead.get("email") or "").strip()
    where, params = ("e.lead_id = ?", [lead["id"]])
    if email:
        where, params = ("(e.lead_id = ? OR e.to_address = ? COLLATE NOCASE)", [lead["id"], email])
    return _merge(await _texts(db, user, [lead.get("phone") or ""]), await _emails(db, where, *params))


async def customer_history(db: Database, user: User, customer: Row, contacts: list[Row]) -> list[dict[str, Any]]:
    """The same for a customer: every contact's numbers and addresses."""
    numbers = [customer.get("phone") or ""] + [c.get(k) or "" for c in contacts for k in ("phone", "alt_phone")]
    addresses = sorted(
        {
            a.strip().lower()
            for a in [customer.get("email") or ""] + [c.get("email") or "" for c in contacts]
            if a.strip()
        }
    )
    where, params = "e.customer_id = ?", [customer["id"]]
    if addresses:
        cond, more = sql_in("lower(e.to_address)", addresses)
        where, params = f"(e.customer_id = ? OR {cond})", [customer["id"], *more]
    return _merge(await _texts(db, user, numbers), await _emails(db, where, *params))


def move_customer(from_customer_id: int, to_customer_id: int) -> Statement:
    """Customer merge: emails sent from one customer's record show on the keeper's (ops/customer_merge.py)."""
    return q("UPDATE lead_emails SET customer_id = ? WHERE customer_id = ?", to_customer_id, from_customer_id)

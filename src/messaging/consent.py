"""SMS consent: the append-only ledger of opt-outs, opt-ins and help exchanges, and the suppression
list derived from it (STOP-3, STOP-5, STOP-6 as decided, STOP-7, STOP-8, STOP-9). Owns
`sms_consent_ledger` and `sms_suppressions`.

Suppression is keyed by the E.164 number across the whole workspace. Once a number opts out,
`refusal` refuses every send to it — automations, AI and a person's reply alike (the issue's decision,
overriding STOP-4) — except a single confirmation, queued by the opt-out itself and sent within five
minutes of it (STOP-9). The ledger is never updated or deleted (triggers in migration 0023).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from core.clock import iso, parse
from core.storage import Database, Param, Row, Statement

CONFIRMATION_WINDOW = timedelta(minutes=5)


def ledger(
    now: datetime, phone: str, kind: str, keyword: str, message: tuple[str, tuple[Param, ...]], line: Row
) -> Statement:
    message_sql, message_params = message
    return Statement(
        "INSERT INTO sms_consent_ledger (phone, kind, keyword, message_id, line_id, office_id, created_at)"
        f" VALUES (?, ?, ?, {message_sql}, ?, ?, ?)",
        (phone, kind, keyword[:40], *message_params, line["id"], line["office_id"], iso(now)),
    )


def suppress(now: datetime, phone: str, keyword: str) -> Statement:
    """After the ledger row of an opt-out, in the same batch."""
    return Statement(
        "INSERT INTO sms_suppressions (phone, keyword, ledger_id, since) VALUES (?, ?, last_insert_rowid(), ?)"
        " ON CONFLICT (phone) DO UPDATE SET keyword = excluded.keyword, ledger_id = excluded.ledger_id,"
        " since = excluded.since",
        (phone, keyword[:40], iso(now)),
    )


def lift(phone: str) -> Statement:
    return Statement("DELETE FROM sms_suppressions WHERE phone = ?", (phone,))


async def suppression(db: Database, phone: str) -> Row | None:
    return await db.first("SELECT * FROM sms_suppressions WHERE phone = ?", phone)


def opted_out_message(phone: str, row: Row) -> str:
    return f'Recipient {phone} has opted out of SMS (replied "{row["keyword"]}").'


async def refusal(db: Database, phone: str, origin: str, now: datetime, queued_at: str | None = None) -> str | None:
    """Why a text to PHONE may not go, or None. A confirmation may go when it was queued within five
    minutes after the opt-out and is sent within five minutes of it."""
    row = await suppression(db, phone)
    if row is None:
        return None
    if origin == "confirmation":
        since = parse(row["since"])
        queued = parse(queued_at) if queued_at else now
        if since <= queued <= since + CONFIRMATION_WINDOW and now <= since + CONFIRMATION_WINDOW:
            return None
    return opted_out_message(phone, row)


async def history(db: Database, phone: str, limit: int = 50) -> list[dict[str, Any]]:
    return await db.all(
        "SELECT kind, keyword, created_at FROM sms_consent_ledger WHERE phone = ? ORDER BY id DESC LIMIT ?",
        phone,
        limit,
    )


def confirmation_text(office_name: str) -> str:
    return f"{office_name}: You're unsubscribed and will get no more texts from us. Reply START to resubscribe."


def help_text(office_name: str, line_number: str) -> str:
    return (
        f"{office_name}: text or call us at {line_number} for help. Msg & data rates may apply. Reply STOP to opt out."
    )


def since_iso(row: Row) -> str:
    return str(row["since"])

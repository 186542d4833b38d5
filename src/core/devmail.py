"""The development providers' capture (issue 21, "Working without any account"): with no provider
configured outside production, what would have been sent lands in `dev_mailbox` instead, shown under
Maintenance → Development mailbox. Keyed by the outbox message id, so a redelivery is captured once
(the same idempotency a real provider gives)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from core.clock import iso
from core.storage import Row, Statement, q

LISTED = 100


def capture(
    now: datetime,
    message_id: str,
    *,
    channel: str,
    office_id: int | None,
    sender: str,
    recipient: str,
    subject: str = "",
    body: str = "",
    headers: dict[str, Any] | None = None,
    attachments: list[dict[str, Any]] | None = None,
) -> Statement:
    """`attachments`: [{filename, content_type, key, size}] — the file stays in the file store."""
    return q(
        "INSERT INTO dev_mailbox (message_id, channel, office_id, sender, recipient, subject, body, headers,"
        " attachments, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (message_id) DO NOTHING",
        message_id,
        channel,
        office_id,
        sender,
        recipient,
        subject,
        body,
        json.dumps(headers or {}),
        json.dumps(attachments or []),
        iso(now),
    )


async def listing(db: Any, *, channel: str | None = None, limit: int = LISTED) -> list[Row]:
    if channel:
        rows = await db.all(
            "SELECT * FROM dev_mailbox WHERE channel = ? ORDER BY created_at DESC, id DESC LIMIT ?", channel, limit
        )
    else:
        rows = await db.all("SELECT * FROM dev_mailbox ORDER BY created_at DESC, id DESC LIMIT ?", limit)
    return [_parsed(r) for r in rows]


def _parsed(row: Row) -> Row:
    return {**row, "headers": json.loads(row["headers"] or "{}"), "attachments": json.loads(row["attachments"] or "[]")}


async def attachment(db: Any, mailbox_id: int, index: int) -> dict[str, Any] | None:
    """The `index`th attachment of one captured message (its name, type and file-store key)."""
    row = await db.first("SELECT * FROM dev_mailbox WHERE id = ?", mailbox_id)
    if row is None:
        return None
    listed = _parsed(row)["attachments"]
    return listed[index] if 0 <= index < len(listed) else None


async def clear(db: Any) -> int:
    return (await db.run("DELETE FROM dev_mailbox")).changes

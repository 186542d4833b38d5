"""SMS threads and messages: the statements that write them and the reads of one thread (SMS-1,
SMS-6, SMS-7, SMS-12). Owns `sms_threads`, `sms_messages` and `sms_change_stamps`.

A thread is (our line, their number's last 10 digits). `sms_threads.unread` counts the thread's
unresolved inbound messages and `sms_change_stamps` keeps, per office (0 = a line without one), a
counter every change bumps and the office's unread total, so the top bar and the live panel read one
tiny table (`last_change`). Every statement here that changes a message's resolved state moves the
counts in the same batch, in an order that reads the old count before writing the new one.
"""

from __future__ import annotations

import json
import secrets
from datetime import datetime
from typing import Any

from core.clock import iso
from core.storage import Database, Param, Row, Statement, q

SNIPPET = 160
# Outbound states move forward only: a late "sent" never undoes "delivered" (SMS-12).
RANK = {"queued": 0, "sent": 1, "delivered": 2, "failed": 2}

_RANKED = "(CASE status WHEN 'queued' THEN 0 WHEN 'sent' THEN 1 ELSE 2 END)"
_THREAD_OFFICE = "coalesce((SELECT office_id FROM sms_threads WHERE id = ?), 0)"


def new_uid() -> str:
    return "sms_" + secrets.token_hex(10)


def bump(
    office_sql: str, params: tuple[Param, ...], unread_sql: str = "0", unread_params: tuple[Param, ...] = ()
) -> Statement:
    """Bump the change stamp of the office OFFICE_SQL names and add UNREAD_SQL to its unread count."""
    return Statement(
        f"INSERT INTO sms_change_stamps (office_id, stamp, unread) VALUES ({office_sql}, 1, max(0, {unread_sql}))"
        f" ON CONFLICT (office_id) DO UPDATE SET stamp = stamp + 1, unread = max(0, unread + ({unread_sql}))",
        (*params, *unread_params, *unread_params),
    )


def upsert_for_inbound(
    now: datetime, line: Row, their: str, last10: str, body: str, *, unread: int = 1
) -> list[Statement]:
    """The thread of (line, their number) gets a new inbound: created if new, unread + UNREAD."""
    return [
        q(
            "INSERT INTO sms_threads (line_id, their_number, their_last10, office_id, unread, last_at, last_body,"
            " last_direction, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'in', ?)"
            " ON CONFLICT (line_id, their_last10) DO UPDATE SET unread = unread + excluded.unread,"
            " their_number = excluded.their_number, last_at = excluded.last_at, last_body = excluded.last_body,"
            " last_direction = 'in'",
            line["id"],
            their,
            last10,
            line["office_id"],
            unread,
            iso(now),
            body[:SNIPPET],
            iso(now),
        ),
        bump("coalesce(?, 0)", (line["office_id"],), "?", (unread,)),
    ]


def ensure_thread(now: datetime, line: Row, their: str, last10: str) -> Statement:
    """A thread for an outbound to someone who never wrote (a lead's first text)."""
    return q(
        "INSERT INTO sms_threads (line_id, their_number, their_last10, office_id, last_at, last_direction, created_at)"
        " VALUES (?, ?, ?, ?, ?, 'out', ?) ON CONFLICT (line_id, their_last10) DO NOTHING",
        line["id"],
        their,
        last10,
        line["office_id"],
        iso(now),
        iso(now),
    )


def thread_ref(line_id: int, last10: str) -> tuple[str, tuple[Param, ...]]:
    return "(SELECT id FROM sms_threads WHERE line_id = ? AND their_last10 = ?)", (line_id, last10)


def insert_message(
    now: datetime,
    thread: tuple[str, tuple[Param, ...]],
    *,
    uid: str,
    direction: str,
    body: str,
    status: str,
    origin: str,
    media: list[dict[str, Any]] | None = None,
    provider_ref: str | None = None,
    sent_by: int | None = None,
) -> Statement:
    thread_sql, thread_params = thread
    return Statement(
        "INSERT INTO sms_messages (uid, thread_id, direction, body, media, status, origin, provider_ref, resolved,"
        f" sent_by, created_at, updated_at) VALUES (?, {thread_sql}, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            uid,
            *thread_params,
            direction,
            body,
            json.dumps(media or [], separators=(",", ":")),
            status,
            origin,
            provider_ref,
            int(direction == "out"),
            sent_by,
            iso(now),
            iso(now),
        ),
    )


def resolve(thread_id: int) -> list[Statement]:
    """SMS-6 Resolve (and SMS-7, a reply): every inbound of the thread resolved, its badge cleared."""
    return [
        bump(_THREAD_OFFICE, (thread_id,), "-(SELECT unread FROM sms_threads WHERE id = ?)", (thread_id,)),
        q("UPDATE sms_messages SET resolved = 1 WHERE thread_id = ? AND direction = 'in' AND resolved = 0", thread_id),
        q("UPDATE sms_threads SET unread = 0 WHERE id = ?", thread_id),
    ]


def mark_unread(thread_id: int) -> list[Statement]:
    """SMS-6 Unread: the latest inbound unresolved again (badge = the unresolved count, at least 1)."""
    latest = "(SELECT max(id) FROM sms_messages WHERE thread_id = ? AND direction = 'in')"
    return [
        q(f"UPDATE sms_messages SET resolved = 0 WHERE id = {latest} AND resolved = 1", thread_id),
        bump(_THREAD_OFFICE, (thread_id,), "(SELECT changes())"),
        q(
            "UPDATE sms_threads SET unread = (SELECT COUNT(*) FROM sms_messages WHERE thread_id = ?"
            " AND direction = 'in' AND resolved = 0) WHERE id = ?",
            thread_id,
            thread_id,
        ),
    ]


def after_outbound(now: datetime, thread_id: int | None, line_id: int, last10: str, body: str) -> list[Statement]:
    """A reply went into the thread: it is the thread's latest, and it resolves the earlier inbounds (SMS-7)."""
    if thread_id is None:
        ref_sql, ref_params = thread_ref(line_id, last10)
    else:
        ref_sql, ref_params = "?", (thread_id,)
    return [
        Statement(
            "INSERT INTO sms_change_stamps (office_id, stamp, unread) VALUES"
            f" (coalesce((SELECT office_id FROM sms_threads WHERE id = {ref_sql}), 0), 1, 0)"
            " ON CONFLICT (office_id) DO UPDATE SET stamp = stamp + 1,"
            f" unread = max(0, unread - coalesce((SELECT unread FROM sms_threads WHERE id = {ref_sql}), 0))",
            (*ref_params, *ref_params),
        ),
        Statement(
            f"UPDATE sms_messages SET resolved = 1 WHERE thread_id = {ref_sql} AND direction = 'in' AND resolved = 0",
            ref_params,
        ),
        Statement(
            "UPDATE sms_threads SET unread = 0, last_at = ?, last_body = ?, last_direction = 'out'"
            f" WHERE id = {ref_sql}",
            (iso(now), body[:SNIPPET], *ref_params),
        ),
    ]


def set_status(
    now: datetime, uid: str, status: str, *, provider_ref: str | None = None, error: str = ""
) -> list[Statement]:
    """Our send's outcome (from delivery): moves forward only."""
    rank = RANK[status]
    return [
        q(
            "UPDATE sms_messages SET status = ?, error = ?, provider_ref = coalesce(?, provider_ref), updated_at = ?"
            " WHERE uid = ? AND direction = 'out' AND " + _RANKED + " < ?",
            status,
            error[:500],
            provider_ref,
            iso(now),
            uid,
            rank,
        ),
        bump(
            "coalesce((SELECT t.office_id FROM sms_messages m JOIN sms_threads t ON t.id = m.thread_id"
            " WHERE m.uid = ?), 0)",
            (uid,),
        ),
    ]


def status_by_ref(now: datetime, provider_ref: str, status: str, error: str) -> list[Statement]:
    """A provider's delivery-status callback (SMS-12)."""
    rank = RANK[status]
    return [
        q(
            "UPDATE sms_messages SET status = ?, error = ?, updated_at = ? WHERE provider_ref = ? AND direction = 'out'"
            " AND " + _RANKED + " < ?",
            status,
            error[:500],
            iso(now),
            provider_ref,
            rank,
        ),
        bump(
            "coalesce((SELECT t.office_id FROM sms_messages m JOIN sms_threads t ON t.id = m.thread_id"
            " WHERE m.provider_ref = ?), 0)",
            (provider_ref,),
        ),
    ]


def move_line_office(line_id: int, old_office: int | None, new_office: int | None) -> list[Statement]:
    """A line changed office: its threads follow, and their unread counts move between the stamps."""
    total = "(SELECT coalesce(sum(unread), 0) FROM sms_threads WHERE line_id = ?)"
    return [
        bump("coalesce(?, 0)", (old_office,), f"-{total}", (line_id,)),
        bump("coalesce(?, 0)", (new_office,), total, (line_id,)),
        q("UPDATE sms_threads SET office_id = ? WHERE line_id = ?", new_office, line_id),
    ]


# --- reads -----------------------------------------------------------------------------------------


async def thread_row(db: Database, thread_id: int) -> Row | None:
    return await db.first(
        "SELECT t.*, l.number AS line_number, l.label AS line_label, l.no_reply, l.office_id AS line_office_id,"
        " o.name AS office_name FROM sms_threads t JOIN sms_lines l ON l.id = t.line_id"
        " LEFT JOIN offices o ON o.id = t.office_id WHERE t.id = ?",
        thread_id,
    )


async def messages(db: Database, thread_id: int, limit: int = 200) -> list[Row]:
    rows = await db.all(
        "SELECT m.*, u.name AS sent_by_name FROM sms_messages m LEFT JOIN users u ON u.id = m.sent_by"
        " WHERE m.thread_id = ? ORDER BY m.id DESC LIMIT ?",
        thread_id,
        limit,
    )
    for row in rows:
        row["media"] = json.loads(row["media"] or "[]")
    return rows[::-1]


async def message_by_uid(db: Database, uid: str) -> Row | None:
    return await db.first(
        "SELECT m.*, t.their_number, t.line_id, t.office_id FROM sms_messages m"
        " JOIN sms_threads t ON t.id = m.thread_id WHERE m.uid = ?",
        uid,
    )


async def by_provider_ref(db: Database, provider_ref: str) -> Row | None:
    return await db.first("SELECT id, uid FROM sms_messages WHERE provider_ref = ?", provider_ref)

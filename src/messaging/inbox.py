"""Reads for the SMS panel (SMS-1…SMS-3, SMS-8, SMS-9, SMS-11): the thread list with its filters,
who each thread is (the matched lead, else customer), and the change stamp the panel polls.

Scope comes from `authz` only (SMS-11). The list reads the newest threads first from
`sms_threads_recent` (or the office index) and matches names for the page's threads only, with one
query for leads and one for customers, so its cost follows the page, not the message count.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from accounts import authz
from accounts.users import User
from core.storage import Database, Param, Row, sql_in

PAGE = 50


@dataclass(frozen=True)
class Filters:
    search: str = ""
    offices: tuple[int, ...] = ()
    unread_only: bool = False
    before: str = ""  # the cursor: "<last_at>|<id>" of the previous page's last thread

    @property
    def active(self) -> bool:
        return bool(self.search or self.offices or self.unread_only)


@dataclass
class Page:
    threads: list[dict[str, Any]] = field(default_factory=list)
    next_cursor: str = ""


_THREAD_COLUMNS = (
    "t.id, t.line_id, t.their_number, t.their_last10, t.office_id, t.unread, t.last_at, t.last_body,"
    " t.last_direction, l.number AS line_number, l.label AS line_label, l.no_reply, o.name AS office_name"
)


def _search(text: str) -> tuple[str, list[Param]]:
    """SMS-3: digits match the phone; words match the lead's name or any message's body."""
    text = text.strip()[:80]
    digits = re.sub(r"\D", "", text)
    parts: list[str] = []
    params: list[Param] = []
    if len(digits) >= 3:
        parts.append("t.their_last10 LIKE ?")
        params.append(f"%{digits[-10:]}%")
    words = re.sub(r"[%_\\]", "", text)
    if words and not (digits and len(digits) == len(re.sub(r"\s|[-+().]", "", text))):
        like = f"%{words}%"
        parts.append(
            "EXISTS (SELECT 1 FROM leads le WHERE le.phone_last10 = t.their_last10 AND le.name LIKE ?)"
            " OR EXISTS (SELECT 1 FROM sms_messages m WHERE m.thread_id = t.id AND m.body LIKE ?)"
        )
        params += [like, like]
    if not parts:
        return "1 = 1", []
    return "(" + " OR ".join(parts) + ")", params


async def threads_page(db: Database, user: User, filters: Filters, limit: int = PAGE) -> Page:
    scope, params = authz.sms_thread_scope(user)
    where = [scope]
    asked = authz.requested_offices(user, filters.offices)
    if asked:
        cond, more = sql_in("t.office_id", asked)
        where.append(cond)
        params += more
    if filters.unread_only:
        where.append("t.unread > 0")
    if filters.search:
        cond, more = _search(filters.search)
        where.append(cond)
        params += more
    if filters.before and "|" in filters.before:
        at, _, ident = filters.before.rpartition("|")
        if ident.isascii() and ident.isdigit() and len(ident) < 16:
            where.append("(t.last_at < ? OR (t.last_at = ? AND t.id < ?))")
            params += [at, at, int(ident)]
    rows = await db.all(
        f"SELECT {_THREAD_COLUMNS} FROM sms_threads t JOIN sms_lines l ON l.id = t.line_id"
        f" LEFT JOIN offices o ON o.id = t.office_id WHERE {' AND '.join(where)}"
        " ORDER BY t.last_at DESC, t.id DESC LIMIT ?",
        *params,
        limit + 1,
    )
    page = Page(rows[:limit])
    if len(rows) > limit:
        last = rows[limit - 1]
        page.next_cursor = f"{last['last_at']}|{last['id']}"
    await attach_people(db, user, page.threads)
    return page


async def attach_people(db: Database, user: User, rows: list[dict[str, Any]]) -> None:
    """SMS-2: each thread's lead (the newest unarchived one with that number the user may see), else
    its customer."""
    numbers = sorted({r["their_last10"] for r in rows})
    leads: dict[str, Row] = {}
    customers: dict[str, Row] = {}
    if numbers:
        scope, params = authz.lead_scope(user, "l")
        cond, more = sql_in("l.phone_last10", numbers)
        for row in await db.all(
            f"SELECT l.id, l.display_id, l.name, l.phone_last10 FROM leads l WHERE {cond} AND l.archived_at IS NULL"
            f" AND {scope} ORDER BY l.created_at DESC, l.id DESC",
            *more,
            *params,
        ):
            leads.setdefault(row["phone_last10"], row)
        missing = [n for n in numbers if n not in leads]
        if missing:
            scope, params = authz.customer_scope(user, "c")
            cond, more = sql_in("c.phone_last10", missing)
            for row in await db.all(
                f"SELECT c.id, c.display_id, c.name, c.phone_last10 FROM customers c WHERE {cond}"
                f" AND c.archived_at IS NULL AND {scope} ORDER BY c.id DESC",
                *more,
                *params,
            ):
                customers.setdefault(row["phone_last10"], row)
    for row in rows:
        row["lead"] = leads.get(row["their_last10"])
        row["customer"] = None if row["lead"] else customers.get(row["their_last10"])


async def thread_for_user(db: Database, user: User, thread_id: int) -> Row | None:
    """The thread if this user may see it (SMS-11); None for another office's exactly as for none."""
    scope, params = authz.sms_thread_scope(user)
    row = await db.first(
        f"SELECT {_THREAD_COLUMNS} FROM sms_threads t JOIN sms_lines l ON l.id = t.line_id"
        f" LEFT JOIN offices o ON o.id = t.office_id WHERE t.id = ? AND {scope}",
        thread_id,
        *params,
    )
    if row is not None:
        await attach_people(db, user, [row])
    return row


async def last_change(db: Database, user: User) -> dict[str, int]:
    """SMS-8/SMS-9: one read of the per-office counters this user may see."""
    scope, params = authz.sms_stamp_scope(user)
    row = await db.first(
        f"SELECT total(stamp) AS stamp, total(unread) AS unread FROM sms_change_stamps WHERE {scope}", *params
    )
    return {"stamp": int(row["stamp"]) if row else 0, "unread": int(row["unread"]) if row else 0}


async def existing_thread(db: Database, user: User, line_id: int, number: str) -> Row | None:
    row = await db.first("SELECT id FROM sms_threads WHERE line_id = ? AND their_last10 = ?", line_id, number[-10:])
    return await thread_for_user(db, user, row["id"]) if row else None

"""The global timeline (seed 002 "Global timeline"): every lead's (and job's) timeline entries, newest
first, a page at a time by a (created_at, id) cursor, filtered by office, type, date range and user,
limited to the reader's offices. One read per page over the partial index `timeline_feed` (or
`timeline_feed_actor` when a user is chosen): the page costs the same at any depth."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from accounts import authz
from accounts.users import User
from core.clock import iso
from core.errors import Invalid
from core.storage import Database, Param, Row, sql_in

PAGE = 50
TYPES = {"status": "Status changes", "call": "Calls", "note": "Notes", "system": "System"}
_NAMED = ("status", "call", "note")


@dataclass(frozen=True)
class Filters:
    office_ids: tuple[int, ...] = ()
    types: tuple[str, ...] = ()
    start: date | None = None
    end: date | None = None
    user_id: int | None = None


def parse_cursor(text: str | None) -> tuple[str, int] | None:
    if not text:
        return None
    at, _, row_id = text.rpartition("|")
    if not at or not row_id.isdigit():
        raise Invalid("That page link is broken; start from the top.", "cursor")
    return at, int(row_id)


def _day_bound(day: date, zone: str) -> str:
    return iso(datetime.combine(day, time(0), ZoneInfo(zone)))


def _where(user: User, f: Filters) -> tuple[list[str], list[Param]]:
    where = ["e.subject_type IN ('lead', 'job')"]
    scope, params = authz.timeline_scope(user)
    where.append(scope)
    if f.office_ids:
        condition, more = sql_in("e.office_id", authz.requested_offices(user, f.office_ids))
        where.append(condition)
        params += more
    if f.types and set(f.types) != set(TYPES):
        named = [t for t in f.types if t in _NAMED]
        parts = []
        if named:
            condition, more = sql_in("e.kind", named)
            parts.append(condition)
            params += more
        if "system" in f.types:
            parts.append("e.kind NOT IN ('status', 'call', 'note')")
        where.append(f"({' OR '.join(parts) or '0 = 1'})")
    if f.start:
        where.append("e.created_at >= ?")
        params.append(_day_bound(f.start, user.time_zone))
    if f.end:
        where.append("e.created_at < ?")
        params.append(_day_bound(f.end + timedelta(days=1), user.time_zone))
    if f.user_id is not None:
        where.append("e.actor_user_id = ?")
        params.append(f.user_id)
    return where, params


def sql(user: User, f: Filters, cursor: tuple[str, int] | None, limit: int = PAGE) -> tuple[str, list[Param]]:
    where, params = _where(user, f)
    # named, so a planner without statistics never walks timeline_subject and sorts millions of rows
    index = "timeline_feed_actor" if f.user_id is not None else "timeline_feed"
    if cursor:
        where.append("(e.created_at, e.id) < (?, ?)")
        params += [cursor[0], cursor[1]]
    return (
        "SELECT e.id, e.subject_type, e.subject_id, e.office_id, e.kind, e.body, e.actor_label, e.created_at,"
        " o.name AS office_name, l.display_id AS lead_display_id, l.name AS lead_name,"
        " j.display_id AS job_display_id, trim(j.first_name || ' ' || j.last_name) AS job_name"
        f" FROM timeline_entries e INDEXED BY {index} LEFT JOIN offices o ON o.id = e.office_id"
        " LEFT JOIN leads l ON e.subject_type = 'lead' AND l.id = e.subject_id"
        " LEFT JOIN jobs j ON e.subject_type = 'job' AND j.id = e.subject_id"
        f" WHERE {' AND '.join(where)} ORDER BY e.created_at DESC, e.id DESC LIMIT ?",
        [*params, limit + 1],
    )


async def page(
    db: Database, user: User, f: Filters, cursor: tuple[str, int] | None = None, limit: int = PAGE
) -> tuple[list[Row], str | None]:
    """One page of entries and the cursor of the next (None at the end)."""
    text, params = sql(user, f, cursor, limit)
    rows = await db.all(text, *params)
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (f"{rows[-1]['created_at']}|{rows[-1]['id']}" if more and rows else None)


def type_of(kind: str) -> str:
    return kind if kind in _NAMED else "system"


def public(row: Row) -> dict[str, Any]:
    return {
        "id": row["id"],
        "at": row["created_at"],
        "type": type_of(row["kind"]),
        "kind": row["kind"],
        "body": row["body"],
        "by": row["actor_label"],
        "office": row["office_name"],
        "record": {
            "kind": row["subject_type"],
            "id": row.get("lead_display_id") or row.get("job_display_id") or str(row["subject_id"]),
            "name": row.get("lead_name") or row.get("job_name"),
        },
    }

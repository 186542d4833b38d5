"""Timeline entries and the audit log: the two records of what happened.

Both are written as statements inside the same `db.batch` as the change they describe, so a change
without its record (or a record of a change that rolled back) cannot exist. Helpers here only
*build* statements; the domain verbs put them in their batch.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from core import storage
from core.clock import iso
from core.storage import Database, Param, Row, Statement


@dataclass(frozen=True)
class Actor:
    """Who did it: a user, or the system (cron, webhooks)."""

    user_id: int | None
    label: str
    ip: str | None = None


SYSTEM = Actor(None, "System")


@dataclass(frozen=True)
class Ref:
    """An id not known until the batch runs, e.g. `Ref("SELECT id FROM users WHERE email = ?", e)`."""

    sql: str
    params: tuple[Param, ...] = ()


def _value(v: int | Ref | None) -> tuple[str, tuple[Param, ...]]:
    if isinstance(v, Ref):
        return f"({v.sql})", v.params
    return "?", (v,)


# One encoder for every record: json.dumps with options builds a new encoder on each call, which cost
# more than the encoding (two records per intake).
_META = json.JSONEncoder(sort_keys=True, default=str)


def _meta(meta: dict[str, Any] | None) -> str:
    return _META.encode(meta or {})


def audit(
    now: datetime,
    actor: Actor,
    action: str,
    summary: str,
    *,
    office_id: int | Ref | None = None,
    meta: dict[str, Any] | None = None,
) -> Statement:
    office_sql, office_params = _value(office_id)
    return Statement(
        "INSERT INTO audit_log (created_at, actor_user_id, actor_label, office_id, action, summary, meta, ip)"
        f" VALUES (?, ?, ?, {office_sql}, ?, ?, ?, ?)",
        (iso(now), actor.user_id, actor.label, *office_params, action, summary, _meta(meta), actor.ip),
    )


def if_changed(statement: Statement) -> Statement:
    """The same audit/timeline insert, made only when the batch's previous statement changed a row
    (SQLite's changes(), which D1 shares within a batch): a no-op leaves no record, atomically."""
    head, _, values = statement.sql.partition(" VALUES ")
    return Statement(f"{head} SELECT {values.strip()[1:-1]} WHERE changes() = 1", statement.params)


# --- the one write guard -------------------------------------------------------------------------
# A batch is one transaction in both runtimes, but D1 has no BEGIN: a conditional UPDATE that matched
# nothing (someone else got there first) does not stop the statements after it. A guard does. It
# inserts into `write_guard` only when its condition fails, and that row breaks the table's CHECK
# named `lost_race` (migration 0019), so the batch stops and rolls back whole: none of its timeline,
# audit or other rows are written, and the caller gets `LostRace` (the storage layer tells it from
# every other failure by that name). When the condition holds it inserts nothing, so the table stays
# empty. Like any INSERT it leaves changes() at 0: an `if_changed` record goes before a guard, not
# right after it.

LostRace = storage.LostRace


def guard(condition: str, *params: Param) -> Statement:
    """Stop the batch (`LostRace`) unless CONDITION, an SQL boolean, is true when this statement runs."""
    return Statement(f"INSERT INTO write_guard (ok) SELECT 0 WHERE NOT coalesce(({condition}), 0)", params)


def guard_changed(rows: int = 1) -> Statement:
    """Put right after a version-guarded UPDATE or DELETE: stop unless it changed ROWS rows (SQLite's
    changes(), which D1 shares within a batch, counts the statement's own rows, not its triggers')."""
    return guard("changes() = ?", rows)


def guard_at(table: str, row_id: int, version: int) -> Statement:
    """A batch's leading check: stop unless TABLE's row ROW_ID is still at VERSION (the one we read)."""
    return guard(f"EXISTS (SELECT 1 FROM {table} WHERE id = ? AND version = ?)", row_id, version)


def timeline(
    now: datetime,
    actor: Actor,
    subject_type: str,
    subject_id: int | Ref,
    kind: str,
    body: str,
    *,
    office_id: int | Ref | None = None,
    meta: dict[str, Any] | None = None,
) -> Statement:
    subject_sql, subject_params = _value(subject_id)
    office_sql, office_params = _value(office_id)
    return Statement(
        "INSERT INTO timeline_entries"
        " (subject_type, subject_id, office_id, kind, body, actor_user_id, actor_label, meta, created_at)"
        f" VALUES (?, {subject_sql}, {office_sql}, ?, ?, ?, ?, ?, ?)",
        (
            subject_type,
            *subject_params,
            *office_params,
            kind,
            body,
            actor.user_id,
            actor.label,
            _meta(meta),
            iso(now),
        ),
    )


# Set-based records: one row per row of a SELECT the caller writes (its columns in this order), for
# changes that touch many subjects in one statement. The column lists stay here, with the table.
AUDIT_COLUMNS = "created_at, actor_user_id, actor_label, office_id, action, summary, meta, ip"
TIMELINE_COLUMNS = "subject_type, subject_id, office_id, kind, body, actor_user_id, actor_label, meta, created_at"


def audit_rows(select: str, *params: Param) -> Statement:
    """`INSERT INTO audit_log (AUDIT_COLUMNS) <select>`."""
    return Statement(f"INSERT INTO audit_log ({AUDIT_COLUMNS}) {select}", params)


def timeline_rows(select: str, *params: Param) -> Statement:
    """`INSERT INTO timeline_entries (TIMELINE_COLUMNS) <select>`."""
    return Statement(f"INSERT INTO timeline_entries ({TIMELINE_COLUMNS}) {select}", params)


def _subject(subject_type: str) -> str:
    """A subject type written into SQL text (so the statement stays the one SQLite plans by its index)."""
    if not subject_type.isidentifier():
        raise ValueError(f"not a subject type: {subject_type!r}")
    return subject_type


def copy_timeline(
    subject_type: str, from_id: int, to_id: int, office_id: int, prefix: str, merged_from: str
) -> Statement:
    """Every entry of one subject, re-filed under another with its original time and author, its body
    prefixed and `merged_from` added to its meta."""
    subject_type = _subject(subject_type)
    return timeline_rows(
        f"SELECT '{subject_type}', ?, ?, kind, ? || body, actor_user_id, actor_label,"
        " json_set(meta, '$.merged_from', ?), created_at FROM timeline_entries"
        f" WHERE subject_type = '{subject_type}' AND subject_id = ? ORDER BY id",
        to_id,
        office_id,
        prefix,
        merged_from,
        from_id,
    )


def move_timeline(subject_type: str, from_id: int, to_id: int) -> Statement:
    """Hand a subject's whole timeline to another subject of the same type."""
    subject_type = _subject(subject_type)
    return Statement(
        f"UPDATE timeline_entries SET subject_id = ? WHERE subject_type = '{subject_type}' AND subject_id = ?",
        (to_id, from_id),
    )


def delete_timeline(subject_type: str, subject_id: int) -> Statement:
    """A subject deleted for good takes its timeline with it (the audit log keeps what happened)."""
    subject_type = _subject(subject_type)
    return Statement(
        f"DELETE FROM timeline_entries WHERE subject_type = '{subject_type}' AND subject_id = ?", (subject_id,)
    )


async def timeline_for(db: Database, subject_type: str, subject_id: int, limit: int = 200) -> list[Row]:
    return await db.all(
        "SELECT * FROM timeline_entries WHERE subject_type = ? AND subject_id = ? ORDER BY id DESC LIMIT ?",
        subject_type,
        subject_id,
        limit,
    )


AUDIT_PAGE = 50


async def audit_page(
    db: Database,
    *,
    action: str | None = None,
    since: str | None = None,
    until: str | None = None,
    actor_user_id: int | None = None,
    office_id: int | None = None,
    before_id: int | None = None,
    limit: int = AUDIT_PAGE,
) -> list[Row]:
    """Newest first, keyset-paged by id. Filters are optional and combine."""
    where: list[str] = ["1 = 1"]
    params: list[Param] = []
    if action:
        where.append("(a.action = ? OR a.action LIKE ?)")
        params += [action, f"{action}.%"]
    if since:
        where.append("a.created_at >= ?")
        params.append(since)
    if until:
        where.append("a.created_at < ?")
        params.append(until)
    if actor_user_id is not None:
        where.append("a.actor_user_id = ?")
        params.append(actor_user_id)
    if office_id is not None:
        where.append("a.office_id = ?")
        params.append(office_id)
    if before_id is not None:
        where.append("a.id < ?")
        params.append(before_id)
    return await db.all(
        "SELECT a.*, o.name AS office_name FROM audit_log a LEFT JOIN offices o ON o.id = a.office_id"
        f" WHERE {' AND '.join(where)} ORDER BY a.id DESC LIMIT ?",
        *params,
        limit,
    )


async def audit_count(db: Database) -> int:
    row = await db.first("SELECT COUNT(*) AS n FROM audit_log")
    return int(row["n"]) if row else 0


async def audit_actions(db: Database) -> list[str]:
    rows = await db.all("SELECT DISTINCT action FROM audit_log ORDER BY action")
    return [r["action"] for r in rows]

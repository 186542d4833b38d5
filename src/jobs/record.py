"""The job row and the tables that hang on it: the one module that writes `jobs`, `job_counter`,
`job_tag_links`, `job_events` (and, through the schema's triggers, `job_terms`).

Only statement builders and plain reads live here; the verbs (jobs.actions) put the statements in
their batch with the timeline and audit rows. Every change of an existing job is version-guarded:
`update(row, …)` followed by `records.guard_changed()` stops the batch when someone else changed the
job first, so the loser changes nothing (409).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from core.clock import iso
from core.records import Ref
from core.storage import Database, Param, Row, Statement, q

STATUSES = ("submitted", "in_progress", "deposit", "pending", "done", "cancelled")
ACTIVE = ("submitted", "in_progress", "deposit", "pending")  # FIND CONTRACTOR blinks only here (ATT-5)
STATUS_LABELS = {
    "submitted": "Submitted",
    "in_progress": "In Progress",
    "deposit": "Deposit",
    "pending": "Pending",
    "done": "Done",
    "cancelled": "Cancelled",
}
SHORT_CODES = {"submitted": "S", "in_progress": "IP", "deposit": "DEP", "pending": "P", "done": "D", "cancelled": "C"}
FIRST_NUMBER = 3542  # JOB-1: the counter starts at 3542

# Event types written with each change (the webhooks and automations issues deliver them).
EVENTS = (
    "job.created",
    "job.status_changed",
    "job.contractor_assigned",
    "job.rebooked",
    "job.k_confirmed",
    "job.expected_completion_changed",
    "job.archived",
    "job.restored",
    "job.deleted",
    "job.finance_cancelled",
    # Finance (jobs.finance): inline edits, paid toggles, undo of a finance-cancel
    "job.finance_updated",
    "job.paid_changed",
    "job.finance_uncancelled",
)


def by_uuid(uuid: str) -> Ref:
    return Ref("SELECT id FROM jobs WHERE uuid = ?", (uuid,))


def next_number() -> Statement:
    """Take the next job number (JOB-1: never reused, even after a hard delete). Put it first in the
    batch that inserts the job: the INSERT reads the counter back."""
    return q("UPDATE job_counter SET last = last + 1 WHERE id = 1")


def insert(now: datetime, uuid: str, columns: dict[str, Param]) -> Statement:
    """Insert a job with the number `next_number()` just took; `columns` by name (no id or display id)."""
    names = list(columns)
    marks = ", ".join("?" for _ in names)
    number = "(SELECT last FROM job_counter WHERE id = 1)"
    return Statement(
        f"INSERT INTO jobs (id, display_id, uuid, {', '.join(names)}, status_changed_at, created_at, updated_at)"
        f" VALUES ({number}, 'JOB-' || {number}, ?, {marks}, ?, ?, ?)",
        (uuid, *columns.values(), iso(now), iso(now), iso(now)),
    )


def update(row: Row, now: datetime, columns: dict[str, Param]) -> Statement:
    """Change a job the caller read at `row["version"]`; changes nothing when someone changed it
    meanwhile (follow it with `records.guard_changed()`)."""
    sets = "".join(f"{c} = ?, " for c in columns)
    return Statement(
        f"UPDATE jobs SET {sets}version = version + 1, updated_at = ? WHERE id = ? AND version = ?",
        (*columns.values(), iso(now), row["id"], row["version"]),
    )


def move_customer(now: datetime, from_customer_id: int, to_customer_id: int) -> Statement:
    """Customer merge: every job of one customer now links to another (JOB-5); office and all else stay."""
    return q(
        "UPDATE jobs SET customer_id = ?, version = version + 1, updated_at = ? WHERE customer_id = ?",
        to_customer_id,
        iso(now),
        from_customer_id,
    )


def delete(row: Row) -> Statement:
    return q("DELETE FROM jobs WHERE id = ? AND version = ?", row["id"], row["version"])


def set_tags(job: int | Ref, tag_ids: list[int]) -> list[Statement]:
    """Replace a job's tags with TAG_IDS (checked to exist by the caller)."""
    job_sql, job_params = (f"({job.sql})", job.params) if isinstance(job, Ref) else ("?", (job,))
    out = [Statement(f"DELETE FROM job_tag_links WHERE job_id = {job_sql}", job_params)]
    if tag_ids:
        out.append(
            Statement(
                f"INSERT INTO job_tag_links (job_id, tag_id) SELECT {job_sql}, value FROM json_each(?)",
                (*job_params, json.dumps(sorted(set(tag_ids)))),
            )
        )
    return out


def event(now: datetime, kind: str, job: Row | Ref, payload: dict[str, Any] | None = None) -> Statement:
    """One job event row, in the same batch as the change it reports."""
    assert kind in EVENTS, kind
    body = json.dumps(payload or {}, sort_keys=True, default=str)
    if isinstance(job, Ref):
        return Statement(
            "INSERT INTO job_events (type, job_id, display_id, office_id, payload, created_at)"
            f" SELECT ?, id, display_id, office_id, ?, ? FROM jobs WHERE id = ({job.sql})",
            (kind, body, iso(now), *job.params),
        )
    return q(
        "INSERT INTO job_events (type, job_id, display_id, office_id, payload, created_at) VALUES (?, ?, ?, ?, ?, ?)",
        kind,
        job["id"],
        job["display_id"],
        job["office_id"],
        body,
        iso(now),
    )


# --- reads ---------------------------------------------------------------------------------------------

# A job with its office's name and its tags: what the API and the panel show.
ROW_SQL = (
    "SELECT j.*, o.name AS office_name, o.jobs_enabled AS office_jobs_enabled,"
    " (SELECT json_group_array(l.tag_id) FROM job_tag_links l WHERE l.job_id = j.id) AS tag_ids_json"
    " FROM jobs j JOIN offices o ON o.id = j.office_id"
)


async def job_by_id(db: Database, job_id: int) -> Row | None:
    return await db.first(f"{ROW_SQL} WHERE j.id = ?", job_id)


async def job_by_display(db: Database, display_id: str) -> Row | None:
    return await db.first(f"{ROW_SQL} WHERE j.display_id = ?", display_id.strip().upper())


async def job_by_uuid(db: Database, uuid: str) -> Row | None:
    return await db.first(f"{ROW_SQL} WHERE j.uuid = ?", uuid)


async def events_of(db: Database, job_id: int) -> list[Row]:
    return await db.all("SELECT * FROM job_events WHERE job_id = ? ORDER BY id", job_id)


def tag_ids(row: Row) -> list[int]:
    return sorted(json.loads(row.get("tag_ids_json") or "[]"))


# --- set-based changes (issue 20, second half) ------------------------------------------------------

# Jobs named by a JSON list of [id, version] pairs that are still Submitted at that version: what
# Auto Status Change advances (ASC-8). The timeline, audit and event rows are written from this set
# BEFORE the update, in the same batch, so they name exactly the jobs the update then changes.
ADVANCE_SET = (
    "FROM jobs j JOIN json_each(?) p ON j.id = json_extract(p.value, '$[0]')"
    " AND j.version = json_extract(p.value, '$[1]') WHERE j.status = 'submitted' AND j.archived_at IS NULL"
)


def advance_events(now: datetime, pairs: str) -> Statement:
    """One `job.status_changed` event per job of ADVANCE_SET (actor System, like a manual change)."""
    body = json.dumps({"from": "submitted", "to": "in_progress", "note": "", "auto": True}, sort_keys=True)
    return Statement(
        "INSERT INTO job_events (type, job_id, display_id, office_id, payload, created_at)"
        f" SELECT 'job.status_changed', j.id, j.display_id, j.office_id, ?, ? {ADVANCE_SET}",
        (body, iso(now), pairs),
    )


def advance(now: datetime, pairs: str) -> Statement:
    """Submitted → In Progress for the jobs of ADVANCE_SET; a job a person changed since it was read
    (another version or status) is left alone, and so is one an overlapping tick advanced."""
    return Statement(
        "UPDATE jobs SET status = 'in_progress', status_changed_at = ?, version = version + 1, updated_at = ?"
        " WHERE id IN (SELECT j.id " + ADVANCE_SET + ")",
        (iso(now), iso(now), pairs),
    )


# Columns a bulk insert takes from each row object, by name (the Workiz import, IMP-2).
BULK_COLUMNS = (
    "uuid", "office_id", "company", "first_name", "last_name", "phone", "phone_last10", "address", "city", "state",
    "postal_code", "job_type_id", "job_type_label", "partner_id", "partner_label", "contractor_id",
    "contractor_name", "profit_share_bp", "time_zone", "date_start", "time_start", "date_end", "time_end",
    "start_at", "end_at", "advance_at", "status", "follow_up_date", "follow_up_time", "follow_up_at",
    "profit_bp", "workiz_number", "created_by",
)  # fmt: skip


def insert_many(now: datetime, rows_json: str, count: int) -> list[Statement]:
    """Insert the jobs of ROWS_JSON (a JSON array of objects with BULK_COLUMNS) in one statement,
    numbered from the counter in array order, then move the counter past them (JOB-1)."""
    names = ", ".join(BULK_COLUMNS)
    values = ", ".join(f"json_extract(r.value, '$.{c}')" for c in BULK_COLUMNS)
    number = "(c.last + r.key + 1)"
    return [
        Statement(
            f"INSERT INTO jobs (id, display_id, {names}, status_changed_at, created_at, updated_at)"
            f" SELECT {number}, 'JOB-' || {number}, {values}, ?, ?, ?"
            " FROM json_each(?) r JOIN job_counter c ON c.id = 1",
            (iso(now), iso(now), iso(now), rows_json),
        ),
        q("UPDATE job_counter SET last = last + ? WHERE id = 1", count),
    ]

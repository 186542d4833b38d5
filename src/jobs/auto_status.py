"""Auto Status Change (ASC-1…ASC-9): Submitted → In Progress at 19:00 local the day before.

A job is advanced when the rule is enabled AND its office is ticked AND it is Submitted, not archived,
`now ≥ advance_at` (its (date_start − 1 day) 19:00 in the job's own zone, stored as a UTC instant by
the schedule code with zoneinfo, so DST is already in it: 23:00 or 00:00 UTC in New York, ASC-9) AND
its `date_start` is today or later in its zone (ASC-4: past-dated jobs are never advanced).

The cron tick (every 15 minutes, ASC-7) runs per office on the `jobs_advance` index: the range
`advance_at ∈ (now − LOOKBACK, now]` (a job dated today or later has its threshold no further back
than that), at most BUDGET jobs a tick over all offices. The write is one batch per tick: timeline,
audit and event rows for the still-Submitted jobs at the version read, then the conditional update
(ASC-8), so a person's change or an overlapping tick is never overwritten and nothing is logged twice.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from accounts.users import User
from core import records
from core.clock import iso
from core.errors import Conflict, Invalid
from core.storage import Database, Row, Statement, q
from jobs import record, schedule

RULE = "submitted_to_in_progress"
NOTE = "⏱ Auto-advanced by the Submitted → In Progress rule"  # ASC-5
BUDGET = 500  # jobs a tick, over all offices
# (date_start − 1) 19:00 local for a date_start ≥ today local is later than now − 53 h in any zone
# (UTC−12…UTC+14); a little more keeps the range safe and still bounded.
LOOKBACK = timedelta(hours=60)


async def rule(db: Database) -> Row:
    row = await db.first("SELECT * FROM job_auto_rules WHERE rule = ?", RULE)
    assert row is not None, "migration 0029 seeds the rule"
    return row


def public(row: Row) -> dict[str, Any]:
    return {
        "rule": row["rule"],
        "label": "Submitted → In Progress at 7 PM local the day before",
        "enabled": bool(row["enabled"]),
        "office_ids": json.loads(row["office_ids"]),
        "version": row["version"],
        "updated_at": row["updated_at"],
    }


async def configure(
    db: Database, now: datetime, user: User, enabled: bool, office_ids: list[int], version: int | None
) -> Row:
    """ASC-1/ASC-6: the owner's Enabled toggle and office checkboxes."""
    current = await rule(db)
    if version is not None and version != current["version"]:
        raise Conflict("Someone else changed this rule a moment ago. Reload and try again.")
    known = {r["id"] for r in await db.all("SELECT id FROM offices WHERE active = 1")}
    unknown = sorted(set(office_ids) - known)
    if unknown:
        raise Invalid(f"office_ids: no such office {unknown[0]}.", "office_ids")
    ids = sorted(set(office_ids))
    await db.batch(
        [
            q(
                "UPDATE job_auto_rules SET enabled = ?, office_ids = ?, version = version + 1, updated_at = ?,"
                " updated_by = ? WHERE rule = ? AND version = ?",
                int(enabled), json.dumps(ids), iso(now), user.id, RULE, current["version"],
            ),
            records.guard_changed(),
            records.audit(
                now,
                user.actor,
                "jobs.auto_status",
                f"Auto Status Change {'on' if enabled else 'off'} for {len(ids)} offices",
                meta={"enabled": enabled, "office_ids": ids},
            ),
        ]
    )  # fmt: skip
    return await rule(db)


async def candidates(db: Database, office_id: int, now: datetime, limit: int) -> list[Row]:
    """Submitted jobs of OFFICE past their threshold, on the jobs_advance index's range; newest
    threshold first, so jobs dated today or later come before any past-dated ones in the range."""
    return await db.all(
        "SELECT id, version, office_id, date_start, time_zone FROM jobs"
        " WHERE status = 'submitted' AND archived_at IS NULL AND advance_at > ? AND advance_at <= ?"
        " AND office_id = ? ORDER BY advance_at DESC LIMIT ?",
        iso(now - LOOKBACK), iso(now), office_id, limit,
    )  # fmt: skip


def due(job: Row, now: datetime) -> bool:
    """ASC-3/ASC-4 for one candidate: its date is today or later in its own zone."""
    return job["date_start"] >= schedule.today_in(job["time_zone"], now).isoformat()


def statements(now: datetime, pairs: str) -> list[Statement]:
    """The tick's one batch: records first (from the still-Submitted set), then the update."""
    meta = json.dumps({"status": "in_progress", "rule": RULE}, sort_keys=True)
    audit_meta = "json_object('job', j.display_id, 'from', 'submitted', 'to', 'in_progress', 'rule', '" + RULE + "')"
    return [
        records.timeline_rows(
            f"SELECT 'job', j.id, j.office_id, 'status', ?, NULL, 'System', ?, ? {record.ADVANCE_SET}",
            NOTE, meta, iso(now), pairs,
        ),
        records.audit_rows(
            f"SELECT ?, NULL, 'System', j.office_id, 'job.status_changed',"
            f" 'Job ' || j.display_id || ': Submitted → In Progress (auto)', {audit_meta}, NULL {record.ADVANCE_SET}",
            iso(now), pairs,
        ),
        record.advance_events(now, pairs),
        record.advance(now, pairs),
        # the update's own rows: D1's meta.changes also counts the rows its triggers write (the
        # report rollup of migration 0034), changes() does not (core.records.guard_changed)
        q("SELECT changes() AS advanced"),
    ]  # fmt: skip


def due_probe() -> Statement:
    """A row when the rule is on, so `tick` may have work (the cron dispatcher's probe)."""
    return q("SELECT 1 AS due FROM job_auto_rules WHERE rule = ? AND enabled = 1", RULE)


async def tick(db: Database, now: datetime, budget: int = BUDGET) -> dict[str, int]:
    """One run: per ticked office with Jobs on, advance what is due; at most BUDGET jobs in all."""
    current = await rule(db)
    if not current["enabled"]:
        return {"auto_advanced": 0}
    ticked = json.loads(current["office_ids"])
    offices = await db.all(
        "SELECT id FROM offices WHERE jobs_enabled = 1 AND active = 1 AND id IN (SELECT value FROM json_each(?))"
        " ORDER BY id",
        json.dumps(ticked),
    )
    pairs: list[list[int]] = []
    for office in offices:
        left = budget - len(pairs)
        if left <= 0:
            break
        pairs += [[j["id"], j["version"]] for j in await candidates(db, office["id"], now, left) if due(j, now)]
    if not pairs:
        return {"auto_advanced": 0}
    results = await db.batch(statements(now, json.dumps(pairs)))
    return {"auto_advanced": int(results[-1].rows[0]["advanced"])}

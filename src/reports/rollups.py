"""The reporting rollups' one write path outside the triggers: building an office's rows from the
base tables (migration 0014 explains the tables and the triggers that keep them in step).

An office needs building when its rows were never built (a fresh migration, a new office) or were
built for another time zone (the owner changed it): local days moved, so every row is recomputed.
`prepare` finds those offices and rebuilds each in one batch — its zone shifts, then every rollup
from `leads`, `customers`, `jobs` and `audit_log` — so a report never reads half-built rows. It is
idempotent: two readers preparing at once produce the same rows.
"""

from __future__ import annotations

import asyncio
import json
from datetime import datetime

from core.clock import iso
from core.storage import Database, Param, Statement, drain_noted, noted_probe, q
from reports import periods as report_periods

# The SQL of the local day an instant falls on in an office, as the triggers compute it.
_DAY = (
    "date({t}, coalesce((SELECT z.minutes FROM report_zone_shifts z WHERE z.office_id = {o}"
    " AND z.starts_at <= {t} ORDER BY z.starts_at DESC LIMIT 1), 0) || ' minutes')"
)
_SECONDS = (
    "CASE WHEN l.first_response_at IS NULL THEN 0 ELSE max(0, CAST(round((julianday(l.first_response_at)"
    " - julianday(l.created_at)) * 86400) AS INTEGER)) END"
)
_IDS = "(SELECT value FROM json_each(?))"
ROLLUPS = (
    "report_lead_days",
    "report_source_days",
    "report_attempt_days",
    "report_pipeline",
    "report_activity_days",
    "report_customer_days",
    "report_job_days",  # migration 0034: the Jobs tab
    "report_job_facets",  # migration 0036: the Jobs tab by type, source and contractor
)


def day_sql(office: str, instant: str) -> str:
    return _DAY.format(o=office, t=instant)


async def stale_offices(db: Database) -> list[tuple[int, str]]:
    rows = await db.all(
        "SELECT o.id, o.time_zone FROM offices o LEFT JOIN report_zones z ON z.office_id = o.id"
        " WHERE z.time_zone IS NOT o.time_zone ORDER BY o.id"
    )
    return [(r["id"], r["time_zone"]) for r in rows]


async def prepare(db: Database, now: datetime) -> list[int]:
    """Build the rows of every office that needs it, all in one batch, then count the leads taken
    since the last `lead-indexes` tick. Returns the offices built."""
    # both checks at once (one D1 round trip); counting only when something is noted or was rebuilt
    stale, noted = await asyncio.gather(
        stale_offices(db), db.first("SELECT 1 AS noted FROM report_leads_pending LIMIT 1")
    )
    if stale:
        await db.batch(rebuild_statements(stale, now))
    if stale or noted:
        await count_pending(db)
    return [office_id for office_id, _ in stale]


def rebuild_statements(offices: list[tuple[int, str]], now: datetime) -> list[Statement]:
    """One pass over each base table for all the offices at once (the audit log has no office index)."""
    ids = json.dumps([office_id for office_id, _ in offices])
    shifts: list[Statement] = []
    for office_id, time_zone in offices:
        shifts += [
            q("DELETE FROM report_zone_shifts WHERE office_id = ?", office_id),
            q(
                "INSERT INTO report_zone_shifts (office_id, starts_at, minutes)"
                " SELECT ?, json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?)",
                office_id,
                json.dumps(report_periods.zone_shifts(time_zone)),
            ),
            q(
                "INSERT INTO report_zones (office_id, time_zone, built_at) VALUES (?, ?, ?) ON CONFLICT (office_id)"
                " DO UPDATE SET time_zone = excluded.time_zone, built_at = excluded.built_at",
                office_id,
                time_zone,
                iso(now),
            ),
        ]
    return [
        *shifts,
        *(q(f"DELETE FROM {table} WHERE office_id IN {_IDS}", ids) for table in ROLLUPS),
        # Every lead of these offices is counted below, noted ones included (migration 0018).
        q(f"DELETE FROM report_leads_pending WHERE lead_id IN (SELECT id FROM leads WHERE office_id IN {_IDS})", ids),
        *_lead_counts(f"l.office_id IN {_IDS}", ids, upsert=False),
        *_activity(ids),
        q(
            "INSERT INTO report_customer_days (office_id, day, source, customers)"
            f" SELECT c.office_id, {day_sql('c.office_id', 'c.created_at')} AS day, c.source, COUNT(*)"
            f" FROM customers c WHERE c.office_id IN {_IDS} AND c.archived_at IS NULL"
            " GROUP BY c.office_id, day, c.source",
            ids,
        ),
        *_jobs(ids),
    ]


def _jobs(ids: str) -> list[Statement]:
    """The Jobs tab's rollups (migrations 0034 and 0036), as their triggers count them."""
    job_day = day_sql("j.office_id", "j.created_at")
    return [
        q(
            "INSERT INTO report_job_days (office_id, day, status, jobs, k_accepted, rebooked, revenue_cents,"
            " deposits, deposit_cents, parts_cents)"
            f" SELECT j.office_id, {job_day} AS day, j.status, COUNT(*),"
            " SUM(j.k_confirmed), COUNT(j.rebooked_at), SUM(coalesce(j.closing_cents, 0)),"
            " SUM(coalesce(j.deposit_cents, 0) > 0), SUM(coalesce(j.deposit_cents, 0)), SUM(coalesce(j.parts_cents, 0))"
            f" FROM jobs j WHERE j.office_id IN {_IDS} AND j.archived_at IS NULL GROUP BY j.office_id, day, j.status",
            ids,
        ),
        q(
            "INSERT INTO report_job_facets (office_id, day, facet, key, jobs, done, cancelled, revenue_cents)"
            f" SELECT j.office_id, {job_day} AS day, f.facet, CASE f.facet WHEN 'type' THEN j.job_type_label"
            " WHEN 'source' THEN j.partner_label ELSE coalesce(CAST(j.contractor_id AS TEXT), '') END AS facet_key,"
            " COUNT(*), SUM(j.status = 'done'), SUM(j.status = 'cancelled'),"
            " SUM(CASE WHEN j.status = 'done' THEN coalesce(j.closing_cents, 0) ELSE 0 END)"
            " FROM jobs j CROSS JOIN (SELECT 'type' AS facet UNION ALL SELECT 'source' UNION ALL SELECT 'contractor') f"
            f" WHERE j.office_id IN {_IDS} AND j.archived_at IS NULL GROUP BY j.office_id, day, f.facet, facet_key",
            ids,
        ),
    ]


def _lead_counts(where: str, param: Param, *, upsert: bool) -> list[Statement]:
    """The four lead rollups for the leads matching WHERE (on `leads l`): written fresh after a
    rebuild's delete, or added to what is there for leads counted just behind intake."""
    lead_day = day_sql("l.office_id", "l.created_at")

    def add(*columns: str) -> str:
        return " ON CONFLICT DO UPDATE SET " + ", ".join(f"{c} = {c} + excluded.{c}" for c in columns) if upsert else ""

    return [
        q(
            "INSERT INTO report_lead_days (office_id, day, status, leads, responded, response_seconds)"
            f" SELECT l.office_id, {lead_day} AS day, l.status, COUNT(*), COUNT(l.first_response_at), SUM({_SECONDS})"
            f" FROM leads l WHERE {where} GROUP BY l.office_id, day, l.status"
            + add("leads", "responded", "response_seconds"),
            param,
        ),
        q(
            "INSERT INTO report_source_days (office_id, day, source_key, leads)"
            f" SELECT l.office_id, {lead_day} AS day, l.source_key, COUNT(*)"
            f" FROM leads l WHERE {where} GROUP BY l.office_id, day, l.source_key" + add("leads"),
            param,
        ),
        q(
            "INSERT INTO report_attempt_days (office_id, day, attempts, leads, converted)"
            f" SELECT l.office_id, {lead_day} AS day, min(l.call_count, 10) AS attempts, COUNT(*),"
            f" SUM(l.status = 'converted') FROM leads l WHERE {where} GROUP BY l.office_id, day, attempts"
            + add("leads", "converted"),
            param,
        ),
        q(
            "INSERT INTO report_pipeline (office_id, status, leads)"
            f" SELECT l.office_id, l.status, COUNT(*) FROM leads l WHERE {where} AND l.archived_at IS NULL"
            " GROUP BY l.office_id, l.status" + add("leads"),
            param,
        ),
    ]


CHUNK = 5_000  # noted leads counted per batch


def pending_probe() -> Statement:
    """A row when `count_pending` has something to do (the cron dispatcher's probe)."""
    return noted_probe("report_leads_pending")


async def count_pending(db: Database, *, limit: int | None = None) -> int:
    """Count the leads intake noted (migration 0018) into the rollups, all or up to LIMIT: the four
    grouped upserts and forgetting the same notes happen in one batch per chunk. A note whose lead
    was deleted meanwhile is just forgotten. Nothing to do costs one read."""

    def add(ids: str, size: int) -> list[Statement]:
        return _lead_counts(f"l.id IN ({ids})", size, upsert=True)

    return await drain_noted(db, "report_leads_pending", add, chunk=CHUNK, limit=limit)


def _activity(ids: str) -> list[Statement]:
    """The same events the audit trigger counts, read back from the audit log."""
    event_day = day_sql("a.office_id", "a.created_at")
    lead = "l.display_id = json_extract(a.meta, '$.lead')"
    insert = "INSERT INTO report_activity_days (office_id, day, kind, user_id, events, seconds)"
    upsert = " ON CONFLICT DO UPDATE SET events = events + excluded.events, seconds = seconds + excluded.seconds"
    return [
        q(
            f"{insert} SELECT a.office_id, {event_day} AS day, CASE a.action WHEN 'lead.call_attempt' THEN 'call'"
            " WHEN 'lead.claimed' THEN 'claim' WHEN 'lead.converted' THEN 'convert' ELSE 'reactivate' END AS kind,"
            " coalesce(a.actor_user_id, 0) AS user_id, COUNT(*), 0 FROM audit_log a"
            f" WHERE a.office_id IN {_IDS} AND a.action IN ('lead.call_attempt', 'lead.claimed', 'lead.converted',"
            " 'lead.reactivated') GROUP BY a.office_id, day, kind, user_id" + upsert,
            ids,
        ),
        q(
            f"{insert} SELECT a.office_id, {event_day} AS day, 'respond', coalesce(a.actor_user_id, 0) AS user_id,"
            f" COUNT(*), SUM({_SECONDS}) FROM audit_log a JOIN leads l ON {lead}"
            f" WHERE a.office_id IN {_IDS} AND a.action IN ('lead.call_attempt', 'lead.claimed', 'lead.converted',"
            " 'lead.status_changed') AND l.first_response_at = a.created_at GROUP BY a.office_id, day, user_id"
            + upsert,
            ids,
        ),
        q(
            f"{insert} SELECT a.office_id, {event_day} AS day, 'convert_earlier', coalesce(a.actor_user_id, 0)"
            f" AS user_id, COUNT(*), 0 FROM audit_log a JOIN leads l ON {lead}"
            f" WHERE a.office_id IN {_IDS} AND a.action = 'lead.converted' AND {day_sql('l.office_id', 'l.created_at')}"
            f" < {event_day} GROUP BY a.office_id, day, user_id" + upsert,
            ids,
        ),
        q(
            f"{insert} SELECT a.office_id, {event_day} AS day, 'convert_bookback', coalesce(a.actor_user_id, 0)"
            f" AS user_id, COUNT(*), 0 FROM audit_log a JOIN leads l ON {lead}"
            f" WHERE a.office_id IN {_IDS} AND a.action = 'lead.converted' AND (l.reactivated = 1"
            " OR l.source_key = 'bookback') GROUP BY a.office_id, day, user_id" + upsert,
            ids,
        ),
    ]

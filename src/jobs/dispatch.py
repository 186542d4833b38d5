"""Who does the job: Find Contractor (FC-1…FC-6), K-confirmation (KC-1…KC-7) and Rebook (RB-1…RB-8).
Every time a contractor is set the profit share is snapshotted from them (FC-4, FC-5); later edits of
the contractor's percentages never touch existing jobs.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from accounts.users import User
from core import records
from core.clock import iso
from core.errors import Invalid
from core.storage import Database, Row, Statement
from jobs import actions, inputs, record, schedule
from network import matching

K_CLEARED: dict[str, Any] = {"k_confirmed": 0, "k_confirmed_at": None, "k_confirmed_by": None}


def _point(job: Row) -> tuple[float, float] | None:
    return (job["lat"], job["lng"]) if job["lat"] is not None and job["lng"] is not None else None


async def offered(db: Database, job: Row) -> list[dict[str, Any]]:
    """FC-1 / RB-2: the contractors who cover the job's area and do its type, zone priority first."""
    if job["area_id"] is None or job["job_type_id"] is None:
        return []
    return await matching.eligible(db, job_type_id=job["job_type_id"], area_id=job["area_id"], point=_point(job))


async def _filtered(db: Database, job: Row, contractor_id: Any) -> Row:
    if job["job_type_id"] is None:
        raise Invalid("contractor_id: the job has no job type to match contractors on.", "contractor_id")
    return await inputs.eligible_contractor(
        db, contractor_id, job_type_id=job["job_type_id"], area_id=job["area_id"], point=_point(job)
    )


async def _contractor_columns(db: Database, job: Row, contractor: Row) -> dict[str, Any]:
    share = await inputs.profit_share(db, contractor, job["postal_code"], job["partner_label"])
    return {"contractor_id": contractor["id"], "contractor_name": contractor["name"], "profit_share_bp": share}


def _audit(now: datetime, user: User, job: Row, action: str, summary: str, **meta: Any) -> Statement:
    return records.audit(
        now,
        user.actor,
        action,
        f"Job {job['display_id']}: {summary}",
        office_id=job["office_id"],
        meta={"job": job["display_id"], **meta},
    )


async def assign(db: Database, now: datetime, user: User, job: Row, contractor_id: Any) -> Row:
    """FC-1: set the contractor from the filtered list (not a K-confirmation, FC-2: a changed contractor
    needs K again). None removes the contractor, its K and its snapshot (FC-6)."""
    if contractor_id is None:
        if job["contractor_id"] is None and not job["contractor_name"]:
            return job
        columns: dict[str, Any] = {"contractor_id": None, "contractor_name": "", "profit_share_bp": None} | K_CLEARED
        body = f"🔍 Contractor removed: {job['contractor_name']}"
        events: list[Statement] = []
    else:
        if contractor_id == job["contractor_id"]:
            return job
        contractor = await _filtered(db, job, contractor_id)
        columns = await _contractor_columns(db, job, contractor) | K_CLEARED
        body = f"🔍 Contractor assigned: {contractor['name']}"
        if job["contractor_name"]:
            body += f" (was {job['contractor_name']})"
        events = [
            record.event(
                now, "job.contractor_assigned", job, {"contractor_id": contractor["id"], "via": "find_contractor"}
            )
        ]
    return await actions.run(
        db,
        job,
        [
            record.update(job, now, columns),
            records.guard_changed(),
            actions.timeline(now, user.actor, job, body),
            _audit(
                now, user, job, "job.contractor_set", body.removeprefix("🔍 "), contractor_id=columns["contractor_id"]
            ),
            *events,
        ],
    )


def question(job: Row) -> str:
    """KC-2: the K dialog's question."""
    where = job["address"] or job["city"] or "the address on file"
    when = schedule.k_moment(schedule.of_row(job))
    if not job["contractor_name"]:
        return "Which contractor accepted?"
    return f"Did {job['contractor_name']} accept the job at {where} on {when}?"


async def k_confirm(db: Database, now: datetime, user: User, job: Row, contractor_id: Any = None) -> Row:
    """KC-2/KC-3: mark accepted; a different contractor picked also reassigns (and re-snapshots)."""
    columns: dict[str, Any] = {"k_confirmed": 1, "k_confirmed_at": iso(now), "k_confirmed_by": user.id}
    events: list[Statement] = []
    name = job["contractor_name"]
    if contractor_id is not None and contractor_id != job["contractor_id"]:
        contractor = await inputs.active_contractor(db, contractor_id)  # KC-8: not filtered
        columns |= await _contractor_columns(db, job, contractor)
        name = contractor["name"]
        events.append(
            record.event(now, "job.contractor_assigned", job, {"contractor_id": contractor["id"], "via": "k_confirm"})
        )
    elif job["contractor_id"] is None:
        raise Invalid("contractor_id: Which contractor accepted? Pick one.", "contractor_id")
    elif job["k_confirmed"]:
        return job
    body = f"✅ K-confirmed — {name} accepted the job."
    return await actions.run(
        db,
        job,
        [
            record.update(job, now, columns),
            records.guard_changed(),
            actions.timeline(now, user.actor, job, body, "k"),
            _audit(
                now,
                user,
                job,
                "job.k_confirmed",
                f"K-confirmed ({name})",
                contractor_id=columns.get("contractor_id", job["contractor_id"]),
            ),
            record.event(now, "job.k_confirmed", job, {"contractor": name}),
            *events,
        ],
    )


async def clear_k(db: Database, now: datetime, user: User, job: Row) -> Row:
    """KC-4: un-K; the row needs K again."""
    if not job["k_confirmed"]:
        return job
    return await actions.run(
        db,
        job,
        [
            record.update(job, now, K_CLEARED),
            records.guard_changed(),
            actions.timeline(now, user.actor, job, "↩ K-confirmation cleared.", "k"),
            _audit(now, user, job, "job.k_cleared", "K-confirmation cleared"),
        ],
    )


async def rebook(db: Database, now: datetime, user: User, job: Row, fields: dict[str, Any]) -> Row:
    """RB-1…RB-7: stamp rebooked_at/by, apply the new window and/or contractor, always clear K, and
    write one 🔁 Rebooked marker naming only what changed (never also 📅 Schedule changed)."""
    columns: dict[str, Any] = {
        "rebooked_at": iso(now),
        "rebooked_by": user.id,
        "rebook_count": job["rebook_count"] + 1,
    } | K_CLEARED
    parts: list[str] = []
    events: list[Statement] = []
    if fields.get("change_window"):
        before = schedule.of_row(job)
        after = schedule.window(fields, before)
        if after != before:
            columns |= after.columns(job["time_zone"])
            parts.append(f"new window {schedule.rebook_window(after)}")
    if fields.get("change_contractor"):
        if fields.get("contractor_id") is None:
            raise Invalid("contractor_id: pick the new contractor (or untick Change contractor).", "contractor_id")
        if fields["contractor_id"] != job["contractor_id"]:
            contractor = await _filtered(db, job, fields["contractor_id"])
            columns |= await _contractor_columns(db, job, contractor)
            parts.append(f"new contractor: {contractor['name']}")
            events.append(
                record.event(now, "job.contractor_assigned", job, {"contractor_id": contractor["id"], "via": "rebook"})
            )
    body = "🔁 Rebooked — " + " · ".join([*parts, "K-confirmation cleared."])
    return await actions.run(
        db,
        job,
        [
            record.update(job, now, columns),
            records.guard_changed(),
            actions.timeline(now, user.actor, job, body, "rebook"),
            _audit(now, user, job, "job.rebooked", body.removeprefix("🔁 ")),
            record.event(now, "job.rebooked", job, {"window": "new window" in body, "contractor": bool(events)}),
            *events,
        ],
    )

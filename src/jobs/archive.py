"""Archive, restore and hard delete (ARC-1…ARC-6). Archiving hides a job from the board, the counters,
attention and the duplicate-address check and keeps the row and its timeline; wherever it happens
(Jobs or Finance) it writes one timeline note and one audit row. A hard delete (owner) removes the
row; its events stay, by display id.
"""

from __future__ import annotations

from datetime import datetime

from accounts.users import User
from core import records
from core.clock import iso
from core.errors import Conflict
from core.storage import Database, Row
from jobs import actions, record


async def archive(db: Database, now: datetime, user: User, job: Row) -> Row:
    if job["archived_at"]:
        return job
    return await actions.run(
        db,
        job,
        [
            record.update(job, now, {"archived_at": iso(now), "archived_by": user.id}),
            records.guard_changed(),
            actions.timeline(now, user.actor, job, f"📦 Job {job['display_id']} archived"),
            records.audit(
                now,
                user.actor,
                "job.archived",
                f"Job {job['display_id']} archived",
                office_id=job["office_id"],
                meta={"job": job["display_id"]},
            ),
            record.event(now, "job.archived", job),
        ],
    )


async def restore(db: Database, now: datetime, user: User, job: Row) -> Row:
    if not job["archived_at"]:
        return job
    return await actions.run(
        db,
        job,
        [
            record.update(job, now, {"archived_at": None, "archived_by": None}),
            records.guard_changed(),
            actions.timeline(now, user.actor, job, f"↩ Job {job['display_id']} restored"),
            records.audit(
                now,
                user.actor,
                "job.restored",
                f"Job {job['display_id']} restored",
                office_id=job["office_id"],
                meta={"job": job["display_id"]},
            ),
            record.event(now, "job.restored", job),
        ],
    )


async def delete(db: Database, now: datetime, user: User, job: Row) -> None:
    """ARC-5: gone for good (its timeline entries go with it; the audit row and the event stay)."""
    try:
        await db.batch(
            [
                record.event(now, "job.deleted", job),
                records.audit(
                    now,
                    user.actor,
                    "job.deleted",
                    f"Job {job['display_id']} deleted",
                    office_id=job["office_id"],
                    meta={"job": job["display_id"]},
                ),
                records.delete_timeline("job", job["id"]),
                record.delete(job),
                records.guard_changed(),
            ]
        )
    except records.LostRace:
        raise Conflict(actions.CHANGED) from None

"""Archive, restore and hard delete (ARC-1…ARC-6). Archiving hides a job from the board, the counters,
attention and the duplicate-address check and keeps the row and its timeline; wherever it happens
(Jobs or Finance) it writes one timeline note and one audit row. A hard delete (owner) removes the
row; its events stay, by display id.

`archived_page` is the Archived Jobs modal's list (ARC-3, ARC-4): the archived jobs of the user's
offices (the board's scope), newest archived first, searchable like the board, cursor-paged.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime

from accounts.users import User
from core import records
from core.clock import iso
from core.errors import Conflict, Invalid
from core.storage import Database, Param, Row
from core.text import search_expression
from jobs import actions, board, record

ARCHIVED_PAGE = 25


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


# --- the Archived Jobs modal (ARC-3, ARC-4) -------------------------------------------------------------


@dataclass(frozen=True)
class ArchivedPage:
    rows: list[Row]
    next_cursor: str | None


def _cursor(row: Row) -> str:
    return base64.urlsafe_b64encode(json.dumps([row["archived_at"], row["id"]]).encode()).decode().rstrip("=")


def _decode(text: str) -> tuple[str, int]:
    try:
        at, job_id = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
        return str(at), int(job_id)
    except (ValueError, TypeError):
        raise Invalid("cursor: not a cursor this list gave out.", "cursor") from None


async def archived_page(
    db: Database, user: User, *, q: str = "", cursor: str = "", limit: int = ARCHIVED_PAGE
) -> ArchivedPage:
    """The archived jobs the user may see (their offices with Jobs on; a partner's own), newest
    archived first, with who archived each. `q` searches like the board (≥ 3 characters; the newest
    matches first); the cursor is the last row's (archived_at, id)."""
    condition, params = await board.scope(db, user)
    where: list[str] = ["j.archived_at IS NOT NULL", condition]
    args: list[Param] = [*params]
    if q.strip():
        expression = search_expression(q)
        if expression is None:
            raise Invalid("q: type at least 3 characters to search.", "q")
        where.append("j.id IN (SELECT rowid FROM job_terms WHERE job_terms MATCH ? ORDER BY rowid DESC LIMIT ?)")
        args += [expression, board.SEARCH_CAP]
    if cursor:
        at, job_id = _decode(cursor)
        where.append("(j.archived_at, j.id) < (?, ?)")
        args += [at, job_id]
    rows = await db.all(
        "SELECT j.id, j.display_id, j.status, j.address, j.unit, j.city, j.first_name, j.last_name,"
        " j.partner_label, j.archived_at, j.version, o.name AS office_name, u.name AS archived_by_name"
        " FROM jobs j JOIN offices o ON o.id = j.office_id LEFT JOIN users u ON u.id = j.archived_by"
        f" WHERE {' AND '.join(where)} ORDER BY j.archived_at DESC, j.id DESC LIMIT ?",
        *args,
        limit + 1,
    )
    more = len(rows) > limit
    rows = rows[:limit]
    return ArchivedPage(rows, _cursor(rows[-1]) if more and rows else None)

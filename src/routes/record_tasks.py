"""The Tasks card on the customer, job and ticket records (issue 23, TSK-5; seed 003 "All Client
Tasks"): the record's linked tasks with Done / Re-open / Delete posting to the /tasks verbs, which
come back to the record. The read joins the record page's `asyncio.gather` (one D1 round trip)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from accounts import authz
from accounts.users import User
from core.storage import Database
from tasks import tasks


async def rows(db: Database, user: User, kind: str, link_id: int) -> list[Any]:
    """The card's tasks, or none (no read) for a role without tasks (partners)."""
    if not authz.can(user, "tasks.view"):
        return []
    return await tasks.for_link(db, user, kind, link_id)


def card(user: User, now: datetime, found: list[Any], back: str) -> dict[str, Any]:
    """What `tasks/_record_tasks.html` shows: each task with its overdue and may-edit flags."""
    return {
        "shown": authz.can(user, "tasks.view"),
        "back": back,
        "items": [
            dict(r) | {"overdue": tasks.is_overdue(r, now), "may_edit": authz.may_edit_task(user, r)} for r in found
        ],
    }

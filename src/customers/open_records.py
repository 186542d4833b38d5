"""The open-records tray: the leads and customers a user has pinned to switch between in one click.

This module owns `open_records` (migration 0009). The tray belongs to the user, not the session, so
it survives signing out. It never shows a record the user can no longer see: reads join each pin to
its record under the same scope as the record's access function, and a pin on such a record is
cleared by the user's next pin, so it does not hold a place under the LIMIT either. Pins are the
user's own navigation state, not a change to the record, so they write no timeline or audit rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from accounts import authz
from accounts.users import User
from core.clock import iso
from core.errors import Conflict
from core.storage import Database, Param, Statement

LIMIT = 12
KINDS = ("lead", "customer", "job")
_PATHS = {"lead": "/leads", "customer": "/clients", "job": "/jobs"}
_TABLES = {"lead": "leads", "customer": "customers", "job": "jobs"}
# Jobs of offices with the Jobs feature on, as authz.job_scope's office list, read in the query.
_JOBS_ON = "SELECT id FROM offices WHERE jobs_enabled = 1"


@dataclass(frozen=True)
class Pinned:
    kind: str
    display_id: str
    name: str
    archived: bool

    @property
    def url(self) -> str:
        return f"{_PATHS[self.kind]}/{self.display_id}"

    def public(self) -> dict[str, object]:
        return {"kind": self.kind, "id": self.display_id, "name": self.name, "url": self.url, "archived": self.archived}


def _visible(user: User) -> tuple[str, str, list[Param], list[Param]]:
    """Conditions on `l` (leads) and `c` (customers) for what this user may open, with their values."""
    lead_scope, lead_params = authz.lead_scope(user)
    customer_scope, customer_params = authz.customer_scope(user)
    return lead_scope, customer_scope, lead_params, customer_params


async def _job_scope(db: Database, user: User) -> tuple[str, list[Param]]:
    enabled = [r["id"] for r in await db.all(_JOBS_ON)]
    return authz.job_scope(user, enabled, "j")


async def tray_for(db: Database, user: User) -> list[Pinned]:
    """The user's pins in pinning order, leaving out records they may no longer open."""
    lead_scope, customer_scope, lead_params, customer_params = _visible(user)
    job_scope, job_params = await _job_scope(db, user)
    rows = await db.all(
        "SELECT 'lead' AS kind, r.position, l.display_id, l.name, l.archived_at FROM open_records r"
        f" JOIN leads l ON l.id = r.record_id WHERE r.user_id = ? AND r.kind = 'lead' AND {lead_scope}"
        " UNION ALL"
        " SELECT 'customer', r.position, c.display_id, c.name, c.archived_at FROM open_records r"
        f" JOIN customers c ON c.id = r.record_id WHERE r.user_id = ? AND r.kind = 'customer' AND {customer_scope}"
        " UNION ALL"
        " SELECT 'job', r.position, j.display_id, j.first_name || ' ' || j.last_name, j.archived_at FROM open_records r"
        f" JOIN jobs j ON j.id = r.record_id WHERE r.user_id = ? AND r.kind = 'job' AND {job_scope}"
        " ORDER BY 2",
        user.id,
        *lead_params,
        user.id,
        *customer_params,
        user.id,
        *job_params,
    )
    return [Pinned(r["kind"], r["display_id"], r["name"] or "(no name)", bool(r["archived_at"])) for r in rows]


def _clear_hidden(user: User, job_scope: tuple[str, list[Param]]) -> list[Statement]:
    """Drop the user's pins on records they may no longer open (or that are gone)."""
    lead_scope, customer_scope, lead_params, customer_params = _visible(user)
    return [
        Statement(
            "DELETE FROM open_records WHERE user_id = ? AND kind = 'job' AND NOT EXISTS"
            f" (SELECT 1 FROM jobs j WHERE j.id = open_records.record_id AND {job_scope[0]})",
            (user.id, *job_scope[1]),
        ),
        Statement(
            "DELETE FROM open_records WHERE user_id = ? AND kind = 'lead' AND NOT EXISTS"
            f" (SELECT 1 FROM leads l WHERE l.id = open_records.record_id AND {lead_scope})",
            (user.id, *lead_params),
        ),
        Statement(
            "DELETE FROM open_records WHERE user_id = ? AND kind = 'customer' AND NOT EXISTS"
            f" (SELECT 1 FROM customers c WHERE c.id = open_records.record_id AND {customer_scope})",
            (user.id, *customer_params),
        ),
    ]


async def pin(db: Database, now: datetime, user: User, kind: str, record_id: int) -> bool:
    """Put a record (already checked visible by its access function) at the end of the user's tray.
    False when it was pinned already; Conflict when the tray holds LIMIT records."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}")
    # The limit is checked inside the insert, so two pins at once cannot pass it.
    insert = Statement(
        "INSERT OR IGNORE INTO open_records (user_id, kind, record_id, position, pinned_at)"
        " SELECT ?, ?, ?, coalesce((SELECT MAX(position) FROM open_records WHERE user_id = ?), 0) + 1, ?"
        " WHERE (SELECT COUNT(*) FROM open_records WHERE user_id = ?) < ?",
        (user.id, kind, record_id, user.id, iso(now), user.id, LIMIT),
    )
    results = await db.batch([*_clear_hidden(user, await _job_scope(db, user)), insert])
    if results[-1].changes == 1:
        return True
    held = await db.first(
        "SELECT 1 FROM open_records WHERE user_id = ? AND kind = ? AND record_id = ?", user.id, kind, record_id
    )
    if held is None:
        raise Conflict(f"Your tray already holds {LIMIT} records. Unpin one to make room.")
    return False


async def unpin(db: Database, user: User, kind: str, display_id: str) -> bool:
    """Take a record off the user's tray, visible or not. False when it was not there."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}")
    table = _TABLES[kind]
    result = await db.run(
        "DELETE FROM open_records WHERE user_id = ? AND kind = ?"
        f" AND record_id = (SELECT id FROM {table} WHERE display_id = ?)",
        user.id,
        kind,
        display_id.upper()[:20],
    )
    return result.changes == 1

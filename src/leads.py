"""Leads: the prospects staff work (seed 002 "Leads dashboard", "Lead statuses & urgency").

Urgency is derived at read time from status, next contact and the clock — never stored — both in
Python (`urgency`) and in SQL (`_TIER`, used for the queue's sort order and urgency filter).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime

import authz
from clock import iso
from storage import Database, Param, Row
from users import User

STATUSES = ("fresh", "not_yet_scheduled", "needs_follow_up", "consultation_call", "converted", "irrelevant")
STATUS_LABELS = {
    "fresh": "Fresh",
    "not_yet_scheduled": "Not yet scheduled",
    "needs_follow_up": "Needs a follow up",
    "consultation_call": "Consultation call",
    "converted": "Converted",
    "irrelevant": "Irrelevant",
}
CALLBACK = ("not_yet_scheduled", "needs_follow_up", "consultation_call")
URGENCIES = ("high", "medium", "low")
PER_PAGE = 25


def urgency(status: str, next_contact_at: str | None, now: datetime) -> str:
    if status in ("converted", "irrelevant"):
        return "low"
    if status == "fresh":
        return "high"
    if next_contact_at is not None and next_contact_at <= iso(now):
        return "high"
    return "medium"


# Sort tiers (seed 002 "How rows are sorted"): overdue callbacks → fresh without a callback →
# callbacks in the future → converted → irrelevant. `?` is now.
_TIER = (
    "CASE"
    " WHEN l.status IN ('not_yet_scheduled', 'needs_follow_up', 'consultation_call', 'fresh')"
    "  AND l.next_contact_at IS NOT NULL AND l.next_contact_at <= ? THEN 0"
    " WHEN l.status = 'fresh' AND l.next_contact_at IS NULL THEN 1"
    " WHEN l.status IN ('not_yet_scheduled', 'needs_follow_up', 'consultation_call', 'fresh') THEN 2"
    " WHEN l.status = 'converted' THEN 3"
    " ELSE 4 END"
)
_URGENCY_SQL = {
    "high": "(l.status = 'fresh' OR (l.status IN ('not_yet_scheduled', 'needs_follow_up', 'consultation_call')"
    " AND l.next_contact_at <= ?))",
    "medium": "(l.status IN ('not_yet_scheduled', 'needs_follow_up', 'consultation_call')"
    " AND (l.next_contact_at IS NULL OR l.next_contact_at > ?))",
    "low": "(l.status IN ('converted', 'irrelevant') AND ? IS NOT NULL)",
}


@dataclass
class Query:
    offices: list[int] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    urgencies: list[str] = field(default_factory=list)
    search: str = ""
    since: str | None = None  # UTC ISO bounds on created_at
    until: str | None = None
    transferred: bool = False
    reactivated: bool = False
    archived: bool = False
    page: int = 1
    per_page: int = PER_PAGE


def _scope(user: User) -> tuple[list[str], list[Param]]:
    """Rows this user may see at all: their offices, and for partners only their partner's leads."""
    where: list[str] = []
    params: list[Param] = []
    condition, args = authz.office_filter(user, "l.office_id")
    where.append(condition)
    params.extend(args)
    if user.role == "partner":
        where.append("l.partner_name = ?")
        params.append(user.partner_name or "\x00")
    return where, params


def _filters(query: Query, now: datetime) -> tuple[list[str], list[Param]]:
    where: list[str] = ["l.archived_at IS NOT NULL" if query.archived else "l.archived_at IS NULL"]
    params: list[Param] = []
    for column, values in (
        ("l.office_id", query.offices),
        ("l.status", query.statuses),
        ("l.source_key", query.sources),
    ):
        if values:
            where.append(f"{column} IN (SELECT value FROM json_each(?))")
            params.append(json.dumps(values))
    if query.urgencies:
        where.append("(" + " OR ".join(_URGENCY_SQL[u] for u in query.urgencies) + ")")
        params.extend(iso(now) for _ in query.urgencies)
    if query.since:
        where.append("l.created_at >= ?")
        params.append(query.since)
    if query.until:
        where.append("l.created_at < ?")
        params.append(query.until)
    if query.transferred:
        where.append("l.transferred = 1")
    if query.reactivated:
        where.append("l.reactivated = 1")
    term = query.search.strip()[:40]
    if term:
        digits = re.sub(r"\D", "", term)
        like = f"%{term}%"
        options = ["l.name LIKE ?", "l.email LIKE ?", "l.campaign LIKE ?", "l.zip LIKE ?", "l.display_id = ?"]
        params.extend([like, like, like, like, term.upper()])
        if len(digits) >= 3:
            options.append("l.phone_last10 LIKE ?")
            params.append(f"%{digits}%")
        where.append("(" + " OR ".join(options) + ")")
    return where, params


_COLUMNS = (
    "l.id, l.display_id, l.office_id, o.name AS office_name, o.time_zone, l.source_key, s.label AS source_label,"
    " s.color AS source_color, l.status, l.name, l.phone, l.phone_raw, l.phone_flagged, l.email, l.zip,"
    " l.campaign, l.next_contact_at, l.claimed_by, cu.name AS claimed_by_name, l.created_at, l.received_at,"
    " l.reactivated, l.transferred, l.fee_cents, l.call_count, l.archived_at, l.next_action, l.assigned_user_id,"
    " l.first_response_at"
)
_FROM = (
    " FROM leads l JOIN offices o ON o.id = l.office_id LEFT JOIN lead_sources s ON s.key = l.source_key"
    " LEFT JOIN users cu ON cu.id = l.claimed_by"
)


async def queue(db: Database, user: User, query: Query, now: datetime) -> tuple[list[Row], int]:
    """One page of the queue in sort-tier order, newest first inside a tier, and the total."""
    scope, scope_params = _scope(user)
    filters, filter_params = _filters(query, now)
    where = " AND ".join(scope + filters)
    params = [*scope_params, *filter_params]
    total_row = await db.first(f"SELECT COUNT(*) AS n FROM leads l WHERE {where}", *params)
    per_page = max(1, min(query.per_page, 100))
    rows = await db.all(
        f"SELECT {_COLUMNS}, {_TIER} AS tier {_FROM} WHERE {where} ORDER BY tier, l.created_at DESC, l.id DESC"
        " LIMIT ? OFFSET ?",
        iso(now),
        *params,
        per_page,
        (max(query.page, 1) - 1) * per_page,
    )
    return rows, int(total_row["n"]) if total_row else 0


async def lead_for_user(db: Database, user: User, display_id: str) -> Row | None:
    """The one access function: None for a missing lead and for one the user may not see, alike."""
    scope, params = _scope(user)
    return await db.first(
        f"SELECT l.*, o.name AS office_name, o.time_zone, s.label AS source_label, s.color AS source_color,"
        f" cu.name AS claimed_by_name {_FROM} WHERE l.display_id = ? AND {' AND '.join(scope)}",
        display_id.upper()[:20],
        *params,
    )


def phone_visible(row: Row, user: User) -> bool:
    """Fresh leads hide the phone until this user claims them (seed 002 "Claiming")."""
    return row["status"] != "fresh" or row["claimed_by"] == user.id


def masked_phone(row: Row) -> str:
    phone = row["phone"] or row["phone_raw"] or ""
    return phone[:5] + "•" * max(0, len(phone) - 5) if phone else ""


def public(row: Row, user: User, now: datetime) -> dict[str, object]:
    """A lead as the JSON API and the page show it."""
    return {
        "id": row["display_id"],
        "status": row["status"],
        "urgency": urgency(row["status"], row["next_contact_at"], now),
        "office": row["office_name"],
        "source": row["source_key"],
        "name": row["name"],
        "phone": (row["phone"] or row["phone_raw"]) if phone_visible(row, user) else masked_phone(row),
        "phone_flagged": bool(row["phone_flagged"]),
        "email": row["email"],
        "zip": row["zip"],
        "campaign": row["campaign"],
        "claimed_by": row["claimed_by_name"],
        "next_contact_at": row["next_contact_at"],
        "created_at": row["created_at"],
        "received_at": row["received_at"],
        "next_action": row.get("next_action"),
        "assigned_user_id": row.get("assigned_user_id"),
        "first_response_at": row.get("first_response_at"),
    }


async def latest_change(db: Database, user: User) -> str:
    """A cheap marker for polling: changes whenever a visible lead is added or updated."""
    scope, params = _scope(user)
    row = await db.first(
        f"SELECT MAX(l.updated_at) AS at, COUNT(*) AS n FROM leads l WHERE {' AND '.join(scope)}", *params
    )
    return f"{row['at'] or ''}/{row['n']}" if row else ""

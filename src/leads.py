"""Leads: the prospects staff work (seed 002 "Leads dashboard", "Lead statuses & urgency").

Urgency is derived at read time from status, next contact and the clock — never stored — both in
Python (`urgency`) and in SQL (`_TIERS` for the queue's sort order, `_URGENCY_SQL` for its filter).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime

import authz
from clock import iso
from storage import Database, Param, Row, sql_in
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
    count_cap: int = 10_000  # beyond this the queue says "10,000+": an exact count of a million rows costs more


def _scope(user: User) -> tuple[list[str], list[Param]]:
    """Rows this user may see at all: their offices, and for partners only their partner's leads."""
    condition, params = authz.office_filter(user, "l.office_id")
    where = [condition]
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
            condition, args = sql_in(column, list(values))
            where.append(condition)
            params.extend(args)
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


# The queue's tiers as separate conditions, so each can be read in created order off an index
# instead of sorting every matching row by a computed tier. `?` is now.
_OPEN = "('not_yet_scheduled', 'needs_follow_up', 'consultation_call', 'fresh')"
_TIERS = (
    (f"l.status IN {_OPEN} AND l.next_contact_at <= ?", 1),
    ("l.status = 'fresh' AND l.next_contact_at IS NULL", 0),
    (
        f"((l.status IN {_OPEN} AND l.next_contact_at > ?) OR (l.status IN {_OPEN} AND l.status != 'fresh'"
        " AND l.next_contact_at IS NULL))",
        1,
    ),
    ("l.status = 'converted'", 0),
    ("l.status = 'irrelevant'", 0),
)
# Tiers 0 and 2 are ranges of next_contact_at. When few rows fall in them, reading those rows off the
# (status, next_contact_at) index and sorting them is cheapest; when many do, walking the created-order
# index and skipping the rest is. A capped count picks the way per request.
_RANGE_TIERS = {0, 2}
_SORT_LIMIT = 2_000


def _walk_by_created(condition: str) -> str:
    """The same condition with its status/next-contact terms hidden from the planner (unary +), so
    it reads rows in created order instead of by next contact."""
    return condition.replace("l.status", "+l.status").replace("l.next_contact_at", "+l.next_contact_at")


async def queue(db: Database, user: User, query: Query, now: datetime) -> tuple[list[Row], int]:
    """One page of the queue in sort-tier order, newest first inside a tier, and the total — counted up to
    `count_cap + 1`, so a total above the cap means "more than the cap"."""
    scope, scope_params = _scope(user)
    filters, filter_params = _filters(query, now)
    where = " AND ".join(scope + filters)
    params: list[Param] = [*scope_params, *filter_params]
    per_page = max(1, min(query.per_page, 100))
    offset = (max(query.page, 1) - 1) * per_page
    filtered = f"SELECT l.id, l.status, l.next_contact_at, l.created_at FROM leads l WHERE {where}"
    total_row = await db.first(f"SELECT COUNT(*) AS n FROM ({filtered} LIMIT ?)", *params, query.count_cap + 1)
    # One branch per tier, each cut at the page's end; the filter is a non-materialized CTE so its
    # parameters are bound once and every branch still reaches the indexes.
    branches: list[str] = []
    branch_params: list[Param] = []
    for tier, (condition, uses_now) in enumerate(_TIERS):
        tier_params: list[Param] = [iso(now)] * uses_now
        if tier in _RANGE_TIERS:
            dense = await db.first(
                f"SELECT COUNT(*) AS n FROM (SELECT 1 FROM ({filtered}) AS l WHERE {condition} LIMIT ?)",
                *params,
                *tier_params,
                _SORT_LIMIT + 1,
            )
            if dense and dense["n"] > _SORT_LIMIT:
                condition = _walk_by_created(condition)
        branches.append(
            f"SELECT * FROM (SELECT l.id, {tier} AS tier, l.created_at FROM f AS l WHERE {condition}"
            " ORDER BY l.created_at DESC, l.id DESC LIMIT ?)"
        )
        branch_params += [*tier_params, offset + per_page]
    page = (
        f"WITH f AS NOT MATERIALIZED ({filtered})"
        f" SELECT p.tier, {_COLUMNS} FROM ({' UNION ALL '.join(branches)}) p JOIN leads l ON l.id = p.id"
        " JOIN offices o ON o.id = l.office_id LEFT JOIN lead_sources s ON s.key = l.source_key"
        " LEFT JOIN users cu ON cu.id = l.claimed_by ORDER BY p.tier, p.created_at DESC, p.id DESC LIMIT ? OFFSET ?"
    )
    rows = await db.all(page, *params, *branch_params, per_page, offset)
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
    """A cheap marker for polling: moves whenever a lead in the user's offices is added or updated.
    One index probe per office (leads_office_updated), however many leads there are."""
    if user.all_offices:
        row = await db.first("SELECT MAX(updated_at) AS at FROM leads")
    else:
        row = await db.first(
            "SELECT MAX((SELECT MAX(updated_at) FROM leads WHERE office_id = j.value)) AS at FROM json_each(?) j",
            json.dumps(sorted(user.office_ids)),
        )
    return (row["at"] if row else None) or ""

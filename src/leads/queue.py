"""Leads: the prospects staff work (seed 002 "Leads dashboard", "Lead statuses & urgency").

Urgency is derived at read time from status, next contact and the clock — never stored — both in
Python (`urgency`) and in SQL (`_TIERS` for the queue's sort order, `_URGENCY_SQL` for its filter).

Seed 001's queue views are presets of the same query (`Query.view`, `_view_sql`). Now, Today and
Later split the open leads with nothing left over and nothing counted twice:
- **now**: urgency high: every fresh lead, and callbacks whose next contact has come (≤ now);
- **today**: callbacks whose next contact is later today: after now, before the viewer's next local
  midnight (`Query.day_end`, worked out by the caller in the viewer's time zone);
- **later**: callbacks due after today, and callbacks with no next contact at all.
A fresh lead is always Now, even with a call-back time set: it is urgency high until someone works it.
**recovery** is the stalled subset of Now: callbacks overdue by more than 24 hours, and fresh leads past
the escalation timer that nobody claimed (exactly what the queue marks "escalated").
Every view condition reads only covering-index columns except `claimed_by`, which is looked up (one
table visit) only for fresh leads already past the timer.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from accounts import authz
from accounts.users import User
from core import geo
from core.clock import iso
from core.storage import Database, Param, Row, sql_in
from core.text import search_expression
from leads import search as lead_search

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
VIEWS = {"now": "Now", "today": "Today", "later": "Later", "recovery": "Recovery"}
VIEW_HINTS = {
    "now": "Fresh leads and callbacks that are due",
    "today": "Callbacks due later today",
    "later": "Callbacks due after today, or not yet timed",
    "recovery": "Callbacks a day overdue, and fresh leads nobody claimed in time",
}
STALLED_AFTER = timedelta(hours=24)  # a callback this far overdue has stalled (the Recovery view)
DEFAULT_ESCALATION_MINUTES = 15  # lead_settings owns the real value; the caller passes it in


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
    view: str = ""  # one of VIEWS, or "" for the whole queue
    day_end: str | None = None  # UTC ISO of the viewer's next local midnight (the Today/Later line)
    escalation_minutes: int = DEFAULT_ESCALATION_MINUTES  # Recovery: fresh and unclaimed this long
    page: int = 1
    per_page: int = PER_PAGE
    count_cap: int = 10_000  # beyond this the queue says "10,000+": an exact count of a million rows costs more


_COLUMNS = (
    "l.id, l.display_id, l.office_id, o.name AS office_name, o.time_zone, l.source_key, s.label AS source_label,"
    " s.color AS source_color, l.status, l.name, l.phone, l.phone_raw, l.phone_flagged, l.email, l.zip,"
    " l.campaign, l.next_contact_at, l.claimed_by, cu.name AS claimed_by_name, l.created_at, l.received_at,"
    " l.reactivated, l.transferred, l.fee_cents, l.call_count, l.archived_at, l.next_action, l.assigned_user_id,"
    " l.first_response_at, l.customer_id, l.review_status, l.service"
)
_FROM = (
    " FROM leads l JOIN offices o ON o.id = l.office_id LEFT JOIN lead_sources s ON s.key = l.source_key"
    " LEFT JOIN users cu ON cu.id = l.claimed_by"
)


# The queue's tiers, each a condition on status and next contact (`?N` placeholders bound to now), with
# the statuses it can hold and the urgencies it can show, so a filter that rules a tier out skips it.
_OPEN = "('not_yet_scheduled', 'needs_follow_up', 'consultation_call', 'fresh')"


@dataclass(frozen=True)
class _Tier:
    condition: str  # `{now}` stands for the bound clock
    statuses: tuple[str, ...]
    urgencies: tuple[str, ...]
    status_key: str | None = None  # one status, read off leads_q_status in created order


_TIERS = (
    _Tier(f"l.status IN {_OPEN} AND l.next_contact_at <= {{now}}", ("fresh", *CALLBACK), ("high",)),
    _Tier("l.status = 'fresh' AND l.next_contact_at IS NULL", ("fresh",), ("high",), "fresh"),
    _Tier(
        f"l.status IN {_OPEN} AND (l.next_contact_at > {{now}} OR (l.status != 'fresh' AND l.next_contact_at IS NULL))",
        ("fresh", *CALLBACK),
        ("high", "medium"),
    ),
    _Tier("l.status = 'converted'", ("converted",), ("low",), "converted"),
    _Tier("l.status = 'irrelevant'", ("irrelevant",), ("low",), "irrelevant"),
)
_TIER_CASE = (
    "CASE " + " ".join(f"WHEN {t.condition} THEN {n}" for n, t in enumerate(_TIERS)) + f" ELSE {len(_TIERS)} END"
)
# Below this many matching leads the page is read whole and sorted; above it each tier is read in
# created order off an index and stopped at the page's end.
_SMALL = 2_000
# Search looks at this many of the newest matches (FTS5 hands them over newest first, cheaply).
SEARCH_CAP = 2_000


class _Binder:
    """Numbered placeholders (`?1`, `?2`…), so one condition can appear in several branches of a
    statement while each value is bound once (D1 allows 100 parameters per statement)."""

    def __init__(self) -> None:
        self.values: list[Param] = []

    def __call__(self, sql: str, args: list[Param]) -> str:
        parts = sql.split("?")
        if len(parts) - 1 != len(args):
            raise ValueError("placeholder count does not match the arguments")
        out = [parts[0]]
        for value, rest in zip(args, parts[1:], strict=True):
            self.values.append(value)
            out.append(f"?{len(self.values)}{rest}")
        return "".join(out)

    def one(self, value: Param) -> str:
        return self("?", [value])

    def args(self, sql: str) -> list[Param]:
        """The values for one statement: SQLite wants exactly as many as its highest `?N`."""
        used = [int(n) for n in _NUMBERED.findall(sql)]
        return self.values[: max(used, default=0)]


_NUMBERED = re.compile(r"\?(\d+)")


def _filters(query: Query, now: datetime, bind: _Binder) -> list[str]:
    where = ["l.archived_at IS NOT NULL" if query.archived else "l.archived_at IS NULL"]
    for column, values in (
        ("l.office_id", query.offices),
        ("l.status", query.statuses),
        ("l.source_key", query.sources),
    ):
        if values:
            condition, args = sql_in(column, list(values))
            where.append(bind(condition, args))
    if query.urgencies:
        moment = bind.one(iso(now))
        where.append("(" + " OR ".join(_URGENCY_SQL[u].replace("?", moment) for u in query.urgencies) + ")")
    if query.since:
        where.append(bind("l.created_at >= ?", [query.since]))
    if query.until:
        where.append(bind("l.created_at < ?", [query.until]))
    if query.transferred:
        where.append("l.transferred = 1")
    if query.reactivated:
        where.append("l.reactivated = 1")
    if query.view:
        where.append(_view_sql(query, now, bind))
    return where


_CALLBACK_SQL = "('not_yet_scheduled', 'needs_follow_up', 'consultation_call')"
# What each view allows, so the index choice and the tier walk skip what it rules out.
_VIEW_STATUSES = {
    "now": ("fresh", *CALLBACK),
    "today": CALLBACK,
    "later": CALLBACK,
    "recovery": ("fresh", *CALLBACK),
}
_VIEW_URGENCIES = {"now": ("high",), "today": ("medium",), "later": ("medium",), "recovery": ("high",)}


def _day_end(query: Query, now: datetime) -> str:
    """The Today/Later line; UTC midnight when the caller gave no time zone."""
    if query.day_end:
        return query.day_end
    return iso(now.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1))


def _view_sql(query: Query, now: datetime, bind: _Binder) -> str:
    """The view's condition (see the module docstring for what each view holds)."""
    if query.view not in VIEWS:
        raise ValueError(f"unknown queue view {query.view!r}")
    moment = bind.one(iso(now))
    if query.view == "now":
        return _URGENCY_SQL["high"].replace("?", moment)
    if query.view == "recovery":
        stalled = bind.one(iso(now - STALLED_AFTER))
        unclaimed = bind.one(iso(now - timedelta(minutes=query.escalation_minutes)))
        # claimed_by last: the table is read only for fresh leads already past the timer.
        return (
            f"((l.status IN {_CALLBACK_SQL} AND l.next_contact_at <= {stalled})"
            f" OR (l.status = 'fresh' AND l.created_at <= {unclaimed} AND l.claimed_by IS NULL))"
        )
    end = bind.one(_day_end(query, now))
    if query.view == "today":
        return f"(l.status IN {_CALLBACK_SQL} AND l.next_contact_at > {moment} AND l.next_contact_at < {end})"
    return f"(l.status IN {_CALLBACK_SQL} AND (l.next_contact_at >= {end} OR l.next_contact_at IS NULL))"


_DISPLAY_ID = re.compile(r"^L-?(\d{1,12})$", re.IGNORECASE)


@dataclass
class QueuePage:
    rows: list[Row]
    total: int  # exact up to the query's count_cap; `capped` says there are more
    capped: bool = False
    search_limited: bool = False  # the search matched more than SEARCH_CAP leads; only the newest were looked at
    search_too_short: bool = False


@dataclass(frozen=True)
class _Range:
    index: str
    condition: str  # the entries of `index` a read would walk
    ordered: bool  # an equality-only prefix: the entries come out in created order
    probe: bool = True  # worth counting to compare; False: assume it is large


async def _choose(
    db: Database, user: User, query: Query, now: datetime, bind: _Binder, where: str = ""
) -> tuple[str, str]:
    """The indexes this query reads: one for counting, one that yields created order for the tier walks.

    Each index holds every filter column (migration 0007), so any of them gives the right answer and
    the choice only decides how many entries are skipped on the way. With several filters, each
    candidate's range is counted (capped, index-only) and the smallest wins; the planner has no
    statistics to know that "consultation calls in one office" is smaller by status than by office."""
    if query.transferred or query.reactivated:
        index = "leads_q_transferred" if query.transferred else "leads_q_reactivated"
        return index, index
    offices = query.offices or authz.scope_office_ids(user) or []
    if query.archived:
        index = "leads_q_office" if len(offices) == 1 else "leads_q_created"
        return index, index
    candidates: list[_Range] = []
    for index, column, values, archived in (
        ("leads_q_source", "l.source_key", query.sources, ""),
        ("leads_q_office", "l.office_id", offices, " AND l.archived_at IS NULL"),
        (
            "leads_q_status",
            "l.status",
            query.statuses or _implied_statuses(query.urgencies, query.view),
            " AND l.archived_at IS NULL",
        ),
    ):
        if values:
            condition, args = sql_in(column, list(values))
            candidates.append(_Range(index, bind(condition, args) + archived, len(values) == 1))
    if query.view == "today":  # a next-contact range: the callbacks due today, wherever they were created
        today = (
            f"l.status IN {_CALLBACK_SQL} AND l.archived_at IS NULL AND l.next_contact_at > ? AND l.next_contact_at < ?"
        )
        candidates.append(_Range("leads_q_next", bind(today, [iso(now), _day_end(query, now)]), False))
    dated = [bind(sql, [v]) for sql, v in (("l.created_at >= ?", query.since), ("l.created_at < ?", query.until)) if v]
    candidates.append(_Range("leads_q_created", " AND ".join(["l.archived_at IS NULL", *dated]), True, bool(dated)))
    sizes = [_PROBE + 1] * len(candidates)
    if sum(c.probe for c in candidates) > 1:
        for n, c in enumerate(candidates):
            if c.probe:
                sizes[n] = await _count(db, f"leads l INDEXED BY {c.index}", c.condition, bind, _PROBE + 1)
    by_size = sorted(range(len(candidates)), key=lambda n: sizes[n])  # stable: ties keep the order above
    walking = next(candidates[n].index for n in by_size if candidates[n].ordered)
    counting = candidates[by_size[0]].index
    # Ranges past the cap look alike by size, but the count pays for every entry it skips before it has
    # cap + 1 matches. A covered sample of each range's first entries (in the order the count reads
    # them) shows how often the whole filter matches there; count where it matches most often.
    big = [n for n in by_size if candidates[n].probe and sizes[n] > _PROBE]
    if len(big) > 1 and by_size[0] in big and where:  # only when no range is known to be small
        hits = {n: await _sample_hits(db, candidates[n], where, bind) for n in big}
        counting = candidates[max(big, key=lambda n: hits[n])].index
    return counting, walking


_PROBE = 10_000
_SAMPLE = 1_000
# Every column a queue filter may test; each covering index holds all but the last two (partners, Recovery).
_SAMPLED = "l.archived_at, l.created_at, l.status, l.next_contact_at, l.office_id, l.source_key"


async def _sample_hits(db: Database, candidate: _Range, where: str, bind: _Binder) -> int:
    """How many of the first _SAMPLE entries of the candidate's range the whole filter keeps."""
    columns = _SAMPLED + "".join(f", l.{c}" for c in ("partner_name", "claimed_by") if f"l.{c}" in where)
    sql = (
        f"SELECT TOTAL(CASE WHEN {where} THEN 1 ELSE 0 END) AS hits FROM (SELECT {columns} FROM leads l"
        f" INDEXED BY {candidate.index} WHERE {candidate.condition} LIMIT {_SAMPLE}) AS l"
    )
    row = await db.first(sql, *bind.args(sql))
    return int(row["hits"]) if row else 0


def _implied_statuses(urgencies: list[str], view: str = "") -> list[str]:
    """The statuses an urgency filter and a view allow (urgency is derived from status and next contact)."""
    allowed = {"high": ("fresh", *CALLBACK), "medium": CALLBACK, "low": ("converted", "irrelevant")}
    sets = [{s for u in urgencies for s in allowed[u]}] if urgencies else []
    if view:
        sets.append(set(_VIEW_STATUSES[view]))
    return sorted(set.intersection(*sets)) if sets else []


def _tiers_for(query: Query) -> list[int]:
    """Tiers the filters leave possible, so no branch walks an index looking for rows that cannot be."""
    return [
        n
        for n, tier in enumerate(_TIERS)
        if (not query.statuses or set(tier.statuses) & set(query.statuses))
        and (not query.urgencies or set(tier.urgencies) & set(query.urgencies))
        and (not query.view or set(tier.urgencies) & set(_VIEW_URGENCIES[query.view]))
        and (not query.view or set(tier.statuses) & set(_VIEW_STATUSES[query.view]))
    ]


async def _count(db: Database, source: str, where: str, bind: _Binder, limit: int) -> int:
    sql = f"SELECT COUNT(*) AS n FROM (SELECT 1 FROM {source} WHERE {where} LIMIT {int(limit)})"
    row = await db.first(sql, *bind.args(sql))
    return int(row["n"]) if row else 0


async def queue(db: Database, user: User, query: Query, now: datetime) -> QueuePage:
    """One page of the queue in sort-tier order, newest first inside a tier (archived leads: most recently
    archived first), and the total, counted up to `count_cap + 1`.

    Every statement reads one named index without visiting the table (see `_index`): a capped count;
    then either the whole match, when it is small, sorted; or one branch per tier, each read in created
    order and stopped at the page's end, merged. Search first narrows to the newest SEARCH_CAP matches
    of the trigram index, which is always small."""
    # long: one SQL statement assembled from scope, filters, search and the page's plan; its binder
    # numbers the parameters as they are placed, so a reader needs the whole assembly in one place.
    bind = _Binder()
    scope, scope_params = authz.lead_scope(user)
    conditions = [bind(scope, scope_params), *_filters(query, now, bind)]
    moment = bind.one(iso(now))
    per_page = max(1, min(query.per_page, 100))
    offset = (max(query.page, 1) - 1) * per_page
    counting, walking = await _choose(db, user, query, now, bind, " AND ".join(conditions))
    source = f"leads l INDEXED BY {counting}"
    limited = False
    term = query.search.strip()
    if term:
        if m := _DISPLAY_ID.match(term):
            conditions.append(bind("l.display_id = ?", [f"L-{m.group(1)}"]))
        else:
            expression = search_expression(term)
            if expression is None:
                return QueuePage([], 0, search_too_short=True)
            await lead_search.index_pending(db)  # leads taken since the last index tick
            matches = bind(
                "SELECT rowid FROM lead_terms WHERE lead_terms MATCH ? ORDER BY rowid DESC LIMIT ?",
                [expression, SEARCH_CAP],
            )
            conditions.append(f"l.id IN ({matches})")
            found = await db.first(
                "SELECT COUNT(*) AS n FROM (SELECT 1 FROM lead_terms WHERE lead_terms MATCH ? LIMIT ?)",
                expression,
                SEARCH_CAP + 1,
            )
            limited = bool(found and found["n"] > SEARCH_CAP)
        source = "leads l NOT INDEXED"  # a handful of rows by rowid
    where = " AND ".join(conditions)
    total = await _count(db, source, where, bind, query.count_cap + 1)
    if query.archived:
        picked = (
            f"SELECT l.id, l.archived_at, l.created_at FROM {source} WHERE {where}"
            f" ORDER BY l.archived_at DESC, l.created_at DESC, l.id DESC LIMIT {per_page} OFFSET {offset}"
        )
        order = "p.archived_at DESC, p.created_at DESC, p.id DESC"
    elif total <= _SMALL or term:
        tier = _TIER_CASE.replace("{now}", moment)
        picked = (
            f"SELECT l.id, {tier} AS tier, l.created_at FROM {source} WHERE {where}"
            f" ORDER BY tier, l.created_at DESC, l.id DESC LIMIT {per_page} OFFSET {offset}"
        )
        order = "p.tier, p.created_at DESC, p.id DESC"
    else:
        picked = await _tier_branches(db, query, walking, where, moment, bind, offset + per_page)
        picked = f"SELECT * FROM ({picked}) ORDER BY tier, created_at DESC, id DESC LIMIT {per_page} OFFSET {offset}"
        order = "p.tier, p.created_at DESC, p.id DESC"
    sql = (
        f"SELECT {_COLUMNS} FROM ({picked}) p JOIN leads l ON l.id = p.id JOIN offices o ON o.id = l.office_id"
        " LEFT JOIN lead_sources s ON s.key = l.source_key LEFT JOIN users cu ON cu.id = l.claimed_by"
        f" ORDER BY {order}"
    )
    rows = await db.all(sql, *bind.args(sql))
    return QueuePage(rows, min(total, query.count_cap), total > query.count_cap, limited)


_NEXT = "leads l INDEXED BY leads_q_next"


async def _tier_branches(
    db: Database, query: Query, walk: str, where: str, moment: str, bind: _Binder, limit: int
) -> str:
    """One SELECT per possible tier, each its first `limit` rows newest first, as a UNION ALL."""
    branches = []
    for n in _tiers_for(query):
        tier = _TIERS[n]
        condition = tier.condition.replace("{now}", moment)
        if walk in ("leads_q_transferred", "leads_q_reactivated"):  # small, and the only ones holding the flag
            index = walk
        elif tier.status_key:
            index = "leads_q_status"  # one status: its rows in created order
        elif await _count(db, _NEXT, f"l.archived_at IS NULL AND {condition}", bind, _SMALL + 1) <= _SMALL:
            # Few open leads at all in this next-contact range: read them by next contact and sort.
            # Counted without the other filters, since this is the cost of that read, all that matters.
            index = "leads_q_next"
        else:
            index = walk
        branches.append(
            f"SELECT * FROM (SELECT l.id, {n} AS tier, l.created_at FROM leads l INDEXED BY {index}"
            f" WHERE {where} AND {condition} ORDER BY l.created_at DESC, l.id DESC LIMIT {int(limit)})"
        )
    if not branches:
        return "SELECT NULL AS id, NULL AS tier, NULL AS created_at WHERE 0"
    return " UNION ALL ".join(branches)


async def lead_for_user(db: Database, user: User, display_id: str) -> Row | None:
    """The one access function: None for a missing lead and for one the user may not see, alike."""
    scope, params = authz.lead_scope(user)
    return await db.first(
        f"SELECT l.*, o.name AS office_name, o.time_zone, s.label AS source_label, s.color AS source_color,"
        f" cu.name AS claimed_by_name, rq.name AS review_requested_by_name, rr.name AS review_resolved_by_name"
        f" {_FROM} LEFT JOIN users rq ON rq.id = l.review_requested_by"
        " LEFT JOIN users rr ON rr.id = l.review_resolved_by"
        f" WHERE l.display_id = ? AND {scope}",
        display_id.upper()[:20],
        *params,
    )


def phone_visible(row: Row, user: User) -> bool:
    """Fresh leads hide the phone until this user claims them; the rule is authz's."""
    return authz.sees_lead_phone(user, row)


def review(row: Row) -> dict[str, object] | None:
    """The review-request progression with who and when (only the full record reads the names)."""
    if row.get("review_status") is None:
        return None
    return {
        "status": row["review_status"],
        "requested_at": row["review_requested_at"],
        "requested_by": row.get("review_requested_by_name"),
        "resolved_at": row["review_resolved_at"],
        "resolved_by": row.get("review_resolved_by_name"),
    }


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
        "metro": geo.metro_for_zip(row["zip"]),  # from the ZIP prefix, at read time
        "campaign": row["campaign"],
        "fee_cents": row.get("fee_cents"),  # what the partner charged for the lead (Angi's `fee`)
        "claimed_by": row["claimed_by_name"],
        "next_contact_at": row["next_contact_at"],
        "created_at": row["created_at"],
        "received_at": row["received_at"],
        "next_action": row.get("next_action"),
        "assigned_user_id": row.get("assigned_user_id"),
        "first_response_at": row.get("first_response_at"),
        "review_status": row.get("review_status"),
    }


async def latest_change(db: Database, user: User) -> str:
    """A cheap marker for polling: moves whenever a lead in the user's offices is added or updated.
    One index probe per office (leads_office_updated), however many leads there are."""
    mine = authz.scope_office_ids(user)
    offices = "SELECT id FROM offices" if mine is None else "SELECT value AS id FROM json_each(?)"
    params = [] if mine is None else [json.dumps(mine)]
    row = await db.first(
        f"SELECT MAX((SELECT MAX(updated_at) FROM leads WHERE office_id = j.id)) AS at FROM ({offices}) j", *params
    )
    return (row["at"] if row else None) or ""

"""Reading jobs: the one access function, the board's list with its filters (BRD-2…BRD-8), the
attention count (ATT-7), date groups (BRD-9, BRD-10) and the job as JSON (with its derived flags,
`copy_text` and, for the finance roles, `payout_cents`).

Every read is scoped by `authz.job_scope`: the user's offices with the Jobs feature on, and a
partner's own partner. The list walks `jobs_board` (office, archived, local date, time) for a date
window; the attention count walks the per-status partial indexes.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from accounts import authz
from accounts.users import User
from core.clock import parse
from core.errors import Invalid
from core.storage import Database, Param, Row, sql_in
from core.text import search_expression
from jobs import attention, dispatch, record
from jobs.record import SHORT_CODES, STATUS_LABELS, STATUSES

PAGE = 100
MAX_PAGE = 500
ATTENTION_CAP = 500  # BRD-11: the Needs Attention view is not paged beyond this
SEARCH_CAP = 500  # a search sorts at most this many of its newest matches
SORT_RANK = {"submitted": 0, "in_progress": 1, "pending": 2, "deposit": 3, "done": 4, "cancelled": 5}  # BRD-4
PRESETS = ("all", "today", "default", "week", "month", "next_month")
PRESET_LABELS = {
    "all": "All Dates",
    "today": "Today only",
    "default": "Today · -3D / +7D",
    "week": "This week",
    "month": "This month",
    "next_month": "Next month",
}
_CONTACTS = "(SELECT json_object('phone', c.phone, 'email', c.email) FROM contractors c WHERE c.id = j.contractor_id)"
LIST_SQL = (
    "SELECT j.*, o.name AS office_name, NULL AS tag_ids_json, "
    f"{_CONTACTS} AS contractor_contacts FROM jobs j JOIN offices o ON o.id = j.office_id"
)


@dataclass(frozen=True)
class Context:
    """What every jobs read needs, read once per request: the offices with Jobs on (X-8) and the
    ASK FOR UPDATE hours (ATT-10)."""

    enabled: list[int]
    hours: int


async def context(db: Database) -> Context:
    row = await db.first(
        "SELECT (SELECT json_group_array(id) FROM offices WHERE jobs_enabled = 1) AS enabled,"
        " (SELECT ask_for_update_hours FROM job_settings WHERE id = 1) AS hours"
    )
    assert row is not None
    return Context(sorted(json.loads(row["enabled"] or "[]")), int(row["hours"] or 4))


async def enabled_office_ids(db: Database) -> list[int]:
    return (await context(db)).enabled


async def scope(db: Database, user: User, alias: str = "j", ctx: Context | None = None) -> tuple[str, list[Param]]:
    ctx = ctx or await context(db)
    return authz.job_scope(user, ctx.enabled, alias)


async def job_for_user(db: Database, user: User, display_id: str) -> Row | None:
    """The one access function: None for a missing job and for one the user may not see, alike."""
    condition, params = await scope(db, user)
    return await db.first(
        f"{record.ROW_SQL.replace('FROM jobs j', f', {_CONTACTS} AS contractor_contacts FROM jobs j')}"
        f" WHERE j.display_id = ? AND {condition}",
        display_id.strip().upper()[:20],
        *params,
    )


async def hours(db: Database) -> int:
    """ATT-10: the N of ASK FOR UPDATE (Job Settings)."""
    return (await context(db)).hours


# --- the list -----------------------------------------------------------------------------------------


@dataclass
class Filters:
    statuses: list[str] = field(default_factory=list)
    job_type_ids: list[int] = field(default_factory=list)
    partner_ids: list[int] = field(default_factory=list)
    office_ids: list[int] = field(default_factory=list)
    contractor_ids: list[int] = field(default_factory=list)
    unassigned: bool = False
    date_from: str | None = None
    date_to: str | None = None
    attention: bool = False
    rebooked: bool = False
    q: str = ""
    archived: bool = False

    def active(self) -> bool:
        """BRD-8: whether ✕ Clear filters shows."""
        return bool(
            self.statuses
            or self.job_type_ids
            or self.partner_ids
            or self.office_ids
            or self.contractor_ids
            or self.unassigned
            or self.attention
            or self.rebooked
            or self.q.strip()
        )


def window(preset: str, today: date) -> tuple[str | None, str | None]:
    """BRD-5: a preset's first and last day (None: open). This week is Sunday–Saturday."""
    if preset not in PRESETS:
        raise Invalid(f"range: one of {', '.join(PRESETS)}.", "range")
    if preset == "all":
        return None, None
    if preset == "today":
        return today.isoformat(), today.isoformat()
    if preset == "default":
        return (today - timedelta(days=3)).isoformat(), (today + timedelta(days=7)).isoformat()
    if preset == "week":
        start = today - timedelta(days=(today.weekday() + 1) % 7)
        return start.isoformat(), (start + timedelta(days=6)).isoformat()
    first = today.replace(day=1)
    if preset == "next_month":
        first = (first + timedelta(days=32)).replace(day=1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return first.isoformat(), last.isoformat()


def _conditions(f: Filters, now: datetime, n_hours: int) -> tuple[list[str], list[Param]]:
    where: list[str] = ["j.archived_at IS NOT NULL" if f.archived else "j.archived_at IS NULL"]
    params: list[Param] = []
    for column, values in (
        ("j.status", f.statuses),
        ("j.job_type_id", f.job_type_ids),
        ("j.partner_id", f.partner_ids),
        ("j.office_id", f.office_ids),
    ):
        if values:
            sql, p = sql_in(column, list(values))
            where.append(sql)
            params += p
    if f.contractor_ids or f.unassigned:
        parts = []
        if f.contractor_ids:
            sql, p = sql_in("j.contractor_id", list(f.contractor_ids))
            parts.append(sql)
            params += p
        if f.unassigned:
            parts.append("j.contractor_id IS NULL")
        where.append("(" + " OR ".join(parts) + ")")
    if f.attention:  # BRD-6: bypasses the date filter
        sql, p = attention.union(now, n_hours, "1 = 1", [])
        where.append(f"j.id IN ({sql})")
        params += p
    elif f.date_from or f.date_to:  # local dates, on the jobs_board index
        if f.date_from:
            where.append("j.date_start >= ?")
            params.append(f.date_from)
        if f.date_to:
            where.append("j.date_start <= ?")
            params.append(f.date_to)
    if f.rebooked:
        where.append("j.rebooked_at IS NOT NULL")
    if f.q.strip():
        expression = search_expression(f.q)
        if expression is None:
            raise Invalid("q: type at least 3 characters to search.", "q")
        # Like the leads search: the newest SEARCH_CAP matches (job numbers grow with time) are sorted.
        where.append("j.id IN (SELECT rowid FROM job_terms WHERE job_terms MATCH ? ORDER BY rowid DESC LIMIT ?)")
        params += [expression, SEARCH_CAP]
    return where, params


def encode_cursor(row: Row) -> str:
    key = [row["date_start"], row["time_start"], row["id"]]
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode().rstrip("=")


def decode_cursor(text: str) -> tuple[str, str, int]:
    try:
        day, at, job_id = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
        return str(day), str(at), int(job_id)
    except (ValueError, TypeError):
        raise Invalid("cursor: not a cursor this list gave out.", "cursor") from None


@dataclass(frozen=True)
class Page:
    rows: list[Row]
    next_cursor: str | None


async def listing(
    db: Database,
    user: User,
    now: datetime,
    f: Filters,
    *,
    limit: int = PAGE,
    cursor: str | None = None,
    ctx: Context | None = None,
) -> Page:
    """One page in appointment order (local date, time, then id); the board groups it by date."""
    ctx = ctx or await context(db)
    where, params = _conditions(f, now, ctx.hours)
    condition, scope_params = await scope(db, user, ctx=ctx)
    where.append(condition)
    params += scope_params
    if cursor:
        day, at, job_id = decode_cursor(cursor)
        where.append("(j.date_start, j.time_start, j.id) > (?, ?, ?)")
        params += [day, at, job_id]
    limit = min(ATTENTION_CAP if f.attention else limit, MAX_PAGE)
    # The page's ids first, from the index (narrow rows to sort), then those rows whole.
    order = "j.date_start, j.time_start, j.id"  # BRD-4: appointment order, in each job's own wall clock
    ids = f"SELECT j.id FROM jobs j WHERE {' AND '.join(where)} ORDER BY {order} LIMIT ?"
    rows = await db.all(f"{LIST_SQL} WHERE j.id IN ({ids}) ORDER BY {order}", *params, limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(rows, encode_cursor(rows[-1]) if more and rows else None)


async def attention_count(db: Database, user: User, now: datetime, ctx: Context | None = None) -> int:
    """ATT-7: jobs (not flags) the user may see that need attention, independent of filters. Each
    flag's jobs come from its own partial index; UNION counts a job with two flags once (ATT-6)."""
    ctx = ctx or await context(db)
    condition, params = await scope(db, user, "x", ctx)
    sql, p = attention.union(now, ctx.hours, condition, params)
    row = await db.first(f"SELECT COUNT(*) AS n FROM ({sql})", *p)
    return int(row["n"]) if row else 0


async def status_counts(db: Database, user: User, ctx: Context | None = None) -> dict[str, int]:
    """BRD-14: the top-bar counters, by status, of the user's visible non-archived jobs."""
    condition, params = await scope(db, user, ctx=ctx)
    rows = await db.all(
        f"SELECT j.status, COUNT(*) AS n FROM jobs j WHERE j.archived_at IS NULL AND {condition} GROUP BY j.status",
        *params,
    )
    counts = {s: 0 for s in STATUSES}
    counts |= {r["status"]: r["n"] for r in rows}
    return counts


async def jobs_of_customer(db: Database, user: User, customer_id: int) -> list[Row]:
    condition, params = await scope(db, user)
    return await db.all(
        f"{LIST_SQL} WHERE j.customer_id = ? AND {condition} ORDER BY j.start_at DESC LIMIT 200", customer_id, *params
    )


async def jobs_of_lead(db: Database, lead_id: int) -> list[Row]:
    """JT-3: the non-archived jobs linked to a lead (the Open Job Creation panel hides once one exists)."""
    return await db.all(
        "SELECT id, display_id, status FROM jobs WHERE lead_id = ? AND archived_at IS NULL ORDER BY id", lead_id
    )


# --- date groups (BRD-9, BRD-10) ------------------------------------------------------------------------


@dataclass
class Group:
    day: str
    label: str
    rows: list[dict[str, Any]]
    collapsed: bool
    today: bool
    needs_attention: bool


def _sort_key(sort: str) -> Any:
    def key(j: dict[str, Any]) -> tuple[Any, ...]:
        number = j.get("serial_id", j.get("id"))
        if sort == "contractor":
            return (j["contractor_name"].casefold() or "\uffff", j["time_start"], number)
        if sort == "time":
            return (j["time_start"], number)
        if sort == "status":
            return (SORT_RANK[j["status"]], j["time_start"], number)
        return (j["time_start"], SORT_RANK[j["status"]], number)  # BRD-4: time, then status priority

    return key


def day_label(day: str, today: date) -> str:
    d = date.fromisoformat(day)
    words = {today: "Today", today + timedelta(days=1): "Tomorrow", today - timedelta(days=1): "Yesterday"}
    head = f"{words[d]} · " if d in words else ""
    return f"📅 {head}{d.strftime('%A')}, {d.strftime('%b')} {d.day}"


def groups(jobs: list[dict[str, Any]], today: date, sort: str = "default", force_open: bool = False) -> list[Group]:
    """Date groups, chronological; empty days never appear; past days start collapsed (unless the
    Needs Attention view forces every group open); a collapsed day holding an attention job says so."""
    by_day: dict[str, list[dict[str, Any]]] = {}
    for job in jobs:
        by_day.setdefault(job["date_start"], []).append(job)
    out = []
    for day in sorted(by_day):
        rows = sorted(by_day[day], key=_sort_key(sort))
        past = date.fromisoformat(day) < today
        collapsed = past and not force_open
        out.append(
            Group(
                day, day_label(day, today), rows, collapsed, day == today.isoformat(), any(r["attention"] for r in rows)
            )
        )
    return out


# --- JSON -----------------------------------------------------------------------------------------------


def ago(instant: str, now: datetime) -> str:
    """BRD-1: "3 days ago"."""
    seconds = max(0, int((now - parse(instant)).total_seconds()))
    for size, unit in ((86400 * 30, "month"), (86400, "day"), (3600, "hour"), (60, "minute")):
        if seconds >= size:
            n = seconds // size
            return f"{n} {unit}{'s' if n != 1 else ''} ago"
    return "just now"


def payout_cents(job: Row) -> int | None:
    """FIN-3: (closing − parts) × (1 − profit %), rounded half up to the cent in integer arithmetic."""
    profit = job["profit_bp"] if job["profit_bp"] is not None else job["profit_share_bp"]
    if job["closing_cents"] is None or job["parts_cents"] is None or profit is None:
        return None
    base = (job["closing_cents"] - job["parts_cents"]) * (10000 - profit)
    sign = -1 if base < 0 else 1
    return sign * ((abs(base) + 5000) // 10000)


FIELDS = (
    "display_id",
    "uuid",
    "status",
    "company",
    "first_name",
    "last_name",
    "phone",
    "email",
    "address",
    "unit",
    "city",
    "state",
    "postal_code",
    "country",
    "lat",
    "lng",
    "area_id",
    "area_label",
    "area_code",
    "area_office_address",
    "job_type_id",
    "job_type_label",
    "partner_id",
    "partner_label",
    "contractor_id",
    "contractor_name",
    "profit_share_bp",
    "time_zone",
    "date_start",
    "time_start",
    "date_end",
    "time_end",
    "start_at",
    "end_at",
    "notes",
    "deposit_cents",
    "expected_completion_date",
    "follow_up_date",
    "follow_up_time",
    "follow_up_at",
    "cancel_reason",
    "closing_cents",
    "parts_cents",
    "profit_bp",
    "k_confirmed_at",
    "rebooked_at",
    "rebook_count",
    "status_changed_at",
    "archived_at",
    "created_at",
    "updated_at",
    "version",
)


def public(
    job: Row, user: User, now: datetime, n_hours: int, *, lead: str | None = None, customer: str | None = None
) -> dict[str, Any]:
    found = attention.flags(job, now, n_hours)
    out: dict[str, Any] = {k: job[k] for k in FIELDS}
    out |= {
        "serial_id": job["id"],
        "office_id": job["office_id"],
        "office_name": job.get("office_name"),
        "status_label": STATUS_LABELS[job["status"]],
        "status_code": SHORT_CODES[job["status"]],
        "k_confirmed": bool(job["k_confirmed"]),
        "attention": found,
        "copy_text": attention.copy_text(job, found),
        "lead_id": lead,
        "customer_id": customer,
        "tag_ids": record.tag_ids(job) if job.get("tag_ids_json") else [],
        "k_question": dispatch.question(job),
        "created_ago": ago(job["created_at"], now),
    }
    contacts = json.loads(job["contractor_contacts"]) if job.get("contractor_contacts") else None
    if contacts is not None and authz.sees_contractor_contacts(user):
        out["contractor_phone"], out["contractor_email"] = contacts["phone"], contacts["email"]
    if authz.can(user, "jobs.finance"):
        out["payout_cents"] = payout_cents(job)
    return out


async def link_ids(db: Database, rows: list[Row]) -> tuple[dict[int, str], dict[int, str]]:
    """Display ids of the leads and customers the rows link to, in two reads."""
    lead_ids = sorted({r["lead_id"] for r in rows if r["lead_id"]})
    customer_ids = sorted({r["customer_id"] for r in rows if r["customer_id"]})
    leads: dict[int, str] = {}
    customers: dict[int, str] = {}
    if lead_ids:
        leads = {
            r["id"]: r["display_id"]
            for r in await db.all(
                "SELECT id, display_id FROM leads WHERE id IN (SELECT value FROM json_each(?))", json.dumps(lead_ids)
            )
        }
    if customer_ids:
        customers = {
            r["id"]: r["display_id"]
            for r in await db.all(
                "SELECT id, display_id FROM customers WHERE id IN (SELECT value FROM json_each(?))",
                json.dumps(customer_ids),
            )
        }
    return leads, customers


async def public_many(
    db: Database, user: User, now: datetime, rows: list[Row], ctx: Context | None = None
) -> list[dict[str, Any]]:
    n_hours = (ctx or await context(db)).hours
    leads, customers = await link_ids(db, rows)
    return [
        public(r, user, now, n_hours, lead=leads.get(r["lead_id"]), customer=customers.get(r["customer_id"]))
        for r in rows
    ]


async def latest_change(db: Database, user: User, ctx: Context | None = None) -> str:
    """A cheap marker for the board's polling (like the leads queue's): moves whenever a job the user
    may see is added, changed or deleted. One index probe and one index count per office."""
    offices = [o for o in (ctx or await context(db)).enabled if authz.visible_office(user, o)]
    if not offices:
        return ""
    row = await db.first(
        "SELECT MAX((SELECT MAX(updated_at) FROM jobs WHERE office_id = o.value)) AS at,"
        " SUM((SELECT COUNT(*) FROM jobs WHERE office_id = o.value)) AS n FROM json_each(?) o",
        json.dumps(offices),
    )
    return f"{row['at'] or ''}/{row['n'] or 0}" if row else ""


_CHOICES_SQL = (
    "SELECT"
    " (SELECT json_group_array(json_object('id', id, 'label', label)) FROM (SELECT id, label FROM job_types"
    "  WHERE active = 1 ORDER BY position, label COLLATE NOCASE, id)) AS job_types,"
    " (SELECT json_group_array(json_object('id', id, 'name', name)) FROM (SELECT id, name FROM job_partners"
    "  WHERE active = 1 ORDER BY position, name COLLATE NOCASE, id)) AS partners,"
    " (SELECT json_group_array(json_object('id', id, 'label', label)) FROM (SELECT id, label FROM cancel_reasons"
    "  WHERE active = 1 ORDER BY position, label COLLATE NOCASE, id)) AS cancel_reasons,"
    " (SELECT json_group_array(json_object('id', id, 'label', label, 'color', color)) FROM (SELECT id, label, color"
    "  FROM job_tags WHERE active = 1 ORDER BY position, label COLLATE NOCASE, id)) AS job_tags,"
    " (SELECT json_group_array(json_object('id', id, 'name', name)) FROM (SELECT id, name FROM contractors"
    "  WHERE active = 1 ORDER BY name COLLATE NOCASE)) AS contractors,"
    " (SELECT json_group_array(json_object('id', id, 'name', name, 'time_zone', time_zone)) FROM (SELECT id, name,"
    "  time_zone FROM offices WHERE jobs_enabled = 1 AND active = 1 ORDER BY id)) AS offices"
)


async def choices(db: Database, user: User) -> dict[str, list[dict[str, Any]]]:
    """The board's and the modal's dropdowns in one read: active job types, partners, cancel reasons,
    tags and contractors, and the user's offices with Jobs on."""
    row = await db.first(_CHOICES_SQL)
    assert row is not None
    out = {k: json.loads(row[k] or "[]") for k in row}
    out["offices"] = [o for o in out["offices"] if authz.visible_office(user, o["id"])]
    return out

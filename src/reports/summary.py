"""Reporting: every figure of `/reports` and `GET /api/reports/summary`, from one function.

`summary` sums the daily rollups of migration 0014 (kept in step by triggers, built by
`report_rollups`) over the period, each office on its own calendar, and never reads lead rows one by
one. Definitions of every figure are in docs/reports.md; the names here follow it.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from accounts import authz, offices
from accounts.users import User
from core.clock import iso
from core.storage import Database, Row
from leads import queue as leads
from leads import sources as lead_sources
from reports import jobs_section as report_jobs
from reports import periods as report_periods
from reports import quickbooks_panel as reports_quickbooks
from reports import rollups as report_rollups
from reports.periods import Period

OPEN = ("fresh", "not_yet_scheduled", "needs_follow_up", "consultation_call")
MAX_ATTEMPTS = 10  # the rollup's last bucket: ten or more call attempts
MISSING_LISTED = 50


@dataclass(frozen=True)
class Selection:
    """The offices a report covers (only ones the user may see) and each office's own period."""

    offices: list[offices.Office]
    kind: str
    periods: dict[int, Period]  # office id → the period on that office's calendar
    reference: Period  # the first office's, for labels and the company-wide QuickBooks panel
    today: date  # the first office's date now

    @property
    def ranges(self) -> str:
        """JSON [[office id, first date, last date], …] for the rollup queries."""
        return json.dumps(
            [[o.id, self.periods[o.id].start.isoformat(), self.periods[o.id].end.isoformat()] for o in self.offices]
        )

    @property
    def ids(self) -> str:
        return json.dumps([o.id for o in self.offices])


async def visible_offices(db: Database, user: User) -> list[offices.Office]:
    return authz.visible_offices(user, await offices.all_offices(db))


async def select(
    db: Database,
    user: User,
    now: datetime,
    kind: str,
    *,
    office_ids: list[int] | None = None,
    start: date | None = None,
    end: date | None = None,
) -> Selection:
    """Resolve the filters. Offices the user may not see are dropped as if they did not exist; asking
    only for those selects nothing (empty figures), never someone else's data."""
    visible = await visible_offices(db, user)
    chosen = [o for o in visible if o.id in set(office_ids)] if office_ids else visible
    periods = {
        o.id: report_periods.period_for(kind, report_periods.local_today(now, o.zone), start, end) for o in chosen
    }
    first = chosen[0] if chosen else (visible[0] if visible else None)
    today = report_periods.local_today(now, first.zone) if first else now.date()
    reference = report_periods.period_for(kind, today, start, end)
    return Selection(chosen, kind, periods, reference, today)


# Every rollup read joins the selection's ranges to the rollup's (office, day) key, ranges first.
def _ranged(table: str) -> str:
    return (
        f"FROM json_each(?) r CROSS JOIN {table} d WHERE d.office_id = json_extract(r.value, '$[0]')"
        " AND d.day BETWEEN json_extract(r.value, '$[1]') AND json_extract(r.value, '$[2]')"
    )


def _rate(part: int, whole: int) -> float | None:
    return round(part * 100 / whole, 1) if whole else None


def _average(total: int, count: int) -> int | None:
    return round(total / count) if count else None


async def summary(
    db: Database,
    user: User,
    now: datetime,
    kind: str = "month",
    *,
    office_ids: list[int] | None = None,
    start: date | None = None,
    end: date | None = None,
    accounts: tuple[str, str] = ("", ""),
) -> dict[str, Any]:
    """Every figure of the report for `user`, as plain JSON-ready data. `accounts` names QuickBooks'
    master checking and card accounts (settings; empty picks them automatically)."""
    # Independent reads are gathered: on D1, reads made together go out as one batch, so the page
    # costs a handful of round trips instead of one per figure (docs/performance.md).
    _, sel, sources = await asyncio.gather(
        report_rollups.prepare(db, now),
        select(db, user, now, kind, office_ids=office_ids, start=start, end=end),
        lead_sources.all_sources(db),
    )
    labels = {s.key: s.label for s in sources}

    async def billing_and_customers() -> tuple[dict[str, Any], dict[str, Any]]:
        billing = await _billing(db, user, sel, accounts)
        return billing, await _customers_by_source(db, sel, labels, billing)

    sections: list[Any] = await asyncio.gather(
        _by_office_status(db, sel),
        billing_and_customers(),
        missing_sources(db, sel, labels),
        _source_mix(db, sel, labels),
        _pipeline(db, sel),
        _status_by_day(db, sel),
        _reactivation_by_day(db, sel),
        _follow_up_by_day(db, sel),
        _conversion_by_attempt(db, sel),
        _agents(db, sel),
        report_jobs.rows(db, user, sel),
    )
    return _report(sel, now, *sections)


def _report(
    sel: Selection,
    now: datetime,
    status_rows: Any,
    billing_and_customers: tuple[dict[str, Any], dict[str, Any]],
    missing: dict[str, Any],
    source_mix: Any,
    pipeline: Any,
    status_by_day: Any,
    reactivation_by_day: Any,
    follow_up_by_day: Any,
    conversion_by_attempt: Any,
    agents: Any,
    job_rows: Any,
) -> dict[str, Any]:
    """The summary's JSON from its sections (in the order `summary` gathers them): the tiles and the
    cohort come from the per-status rows."""
    billing, customers = billing_and_customers
    cohort = _cohort(sel, status_rows)
    outstanding = billing.get("outstanding_invoices") if billing.get("state") == "connected" else None
    estimates = billing.get("active_estimates") if billing.get("state") == "connected" else None
    return {
        "period": _period_json(sel, now),
        "offices": [{"id": o.id, "name": o.name, "time_zone": o.time_zone} for o in sel.offices],
        "tiles": {
            **cohort["tiles"],
            "customers": customers["total"],
            "missing_source": missing["total"],
            "outstanding_invoices": outstanding,
            "active_estimates": {"count": estimates["count"], "cents": estimates["cents"]} if estimates else None,
        },
        "leads_by_status": cohort["by_status"],
        "leads_by_office": cohort["by_office"],
        "source_mix": source_mix,
        "pipeline": pipeline,
        "status_by_day": status_by_day,
        "customers_by_source": customers,
        "reactivation_by_day": reactivation_by_day,
        "follow_up_by_day": follow_up_by_day,
        "conversion_by_attempt": conversion_by_attempt,
        "agents": agents,
        "missing_source": missing,
        "quickbooks": billing,
        "jobs": report_jobs.section(sel, job_rows),
    }


def _period_json(sel: Selection, now: datetime) -> dict[str, Any]:
    ref = sel.reference
    per_office = []
    for o in sel.offices:
        p = sel.periods[o.id]
        starts, ends = report_periods.bounds(p, o.zone)
        per_office.append(
            {
                "office_id": o.id,
                "office": o.name,
                "time_zone": o.time_zone,
                "start": p.start.isoformat(),
                "end": p.end.isoformat(),
                "starts_at": starts.isoformat().replace("+00:00", "Z"),
                "ends_at": ends.isoformat().replace("+00:00", "Z"),
            }
        )
    return {
        "kind": sel.kind,
        "label": ref.label,
        "start": ref.start.isoformat(),
        "end": ref.end.isoformat(),
        "description": ref.describe(),
        "days": ref.days,
        "per_office": per_office,
        "generated_at": now.isoformat().replace("+00:00", "Z"),
    }


# --- leads: the period's cohort ----------------------------------------------------------------


async def _by_office_status(db: Database, sel: Selection) -> list[dict[str, Any]]:
    if not sel.offices:
        return []
    return await db.all(
        "SELECT d.office_id, d.status, SUM(d.leads) AS leads, SUM(d.responded) AS responded,"
        f" SUM(d.response_seconds) AS seconds {_ranged('report_lead_days')} GROUP BY d.office_id, d.status",
        sel.ranges,
    )


def _cohort(sel: Selection, rows: list[dict[str, Any]]) -> dict[str, Any]:
    by_status = dict.fromkeys(leads.STATUSES, 0)
    per_office: dict[int, dict[str, int]] = {o.id: dict.fromkeys(leads.STATUSES, 0) for o in sel.offices}
    responded = seconds = 0
    for r in rows:
        if r["status"] in by_status:
            by_status[r["status"]] += int(r["leads"])
            per_office[r["office_id"]][r["status"]] += int(r["leads"])
        responded += int(r["responded"])
        seconds += int(r["seconds"])
    total = sum(by_status.values())
    tiles = {
        "leads": total,
        "converted": by_status["converted"],
        "irrelevant": by_status["irrelevant"],
        "conversion_rate": _rate(by_status["converted"], total),
        "fresh": by_status["fresh"],
        "not_yet_scheduled": by_status["not_yet_scheduled"],
        "needs_follow_up": by_status["needs_follow_up"],
        "consultation_call": by_status["consultation_call"],
        "responded": responded,
        "avg_response_seconds": _average(seconds, responded),
    }
    office_rows = []
    for o in sel.offices:
        counts = per_office[o.id]
        n = sum(counts.values())
        office_rows.append(
            {
                "office_id": o.id,
                "office": o.name,
                "leads": n,
                "converted": counts["converted"],
                "irrelevant": counts["irrelevant"],
                "open": sum(counts[s] for s in OPEN),
                "conversion_rate": _rate(counts["converted"], n),
            }
        )
    status_rows = [
        {"status": s, "label": leads.STATUS_LABELS[s], "leads": by_status[s], "share": _rate(by_status[s], total)}
        for s in leads.STATUSES
    ]
    return {"tiles": tiles, "by_status": status_rows, "by_office": office_rows}


async def _source_mix(db: Database, sel: Selection, labels: dict[str, str]) -> list[dict[str, Any]]:
    if not sel.offices:
        return []
    rows = await db.all(
        f"SELECT d.source_key AS source, SUM(d.leads) AS leads {_ranged('report_source_days')}"
        " GROUP BY d.source_key HAVING SUM(d.leads) != 0 ORDER BY leads DESC, source",
        sel.ranges,
    )
    total = sum(int(r["leads"]) for r in rows)
    return [
        {
            "source": r["source"],
            "label": labels.get(r["source"]) or (r["source"] or "(none)"),
            "leads": int(r["leads"]),
            "share": _rate(int(r["leads"]), total),
        }
        for r in rows
    ]


async def _pipeline(db: Database, sel: Selection) -> list[dict[str, Any]]:
    """Leads in the queue now (not archived), by status: not limited to the period."""
    counts = dict.fromkeys(leads.STATUSES, 0)
    if sel.offices:
        for r in await db.all(
            "SELECT status, SUM(leads) AS leads FROM report_pipeline"
            " WHERE office_id IN (SELECT value FROM json_each(?)) GROUP BY status",
            sel.ids,
        ):
            counts[r["status"]] = int(r["leads"])
    return [{"status": s, "label": leads.STATUS_LABELS[s], "leads": counts[s]} for s in leads.STATUSES]


def _days(sel: Selection) -> list[str]:
    """The dates a daily chart shows: every date of the period on any selected office's calendar (they
    differ only for the hours when the offices' dates differ)."""
    if not sel.offices:
        return []
    first = min(p.start for p in sel.periods.values())
    last = max(p.end for p in sel.periods.values())
    return [d.isoformat() for d in report_periods.dates(first, last)]


async def _status_by_day(db: Database, sel: Selection) -> list[dict[str, Any]]:
    found = {
        r["day"]: r
        for r in (
            await db.all(
                "SELECT d.day, SUM(CASE WHEN d.status = 'converted' THEN d.leads ELSE 0 END) AS converted,"
                " SUM(CASE WHEN d.status = 'irrelevant' THEN d.leads ELSE 0 END) AS irrelevant,"
                " SUM(CASE WHEN d.status IN ('converted', 'irrelevant') THEN 0 ELSE d.leads END) AS open"
                f" {_ranged('report_lead_days')} GROUP BY d.day",
                sel.ranges,
            )
            if sel.offices
            else []
        )
    }
    out = []
    for day in _days(sel):
        r = found.get(day, {})
        out.append(
            {
                "date": day,
                "converted": int(r.get("converted") or 0),
                "open": int(r.get("open") or 0),
                "irrelevant": int(r.get("irrelevant") or 0),
            }
        )
    return out


async def _conversion_by_attempt(db: Database, sel: Selection) -> list[dict[str, Any]]:
    found = {
        int(r["attempts"]): r
        for r in (
            await db.all(
                "SELECT d.attempts, SUM(d.leads) AS leads, SUM(d.converted) AS converted"
                f" {_ranged('report_attempt_days')} GROUP BY d.attempts",
                sel.ranges,
            )
            if sel.offices
            else []
        )
    }
    out = []
    for n in range(MAX_ATTEMPTS + 1):
        r = found.get(n, {})
        total, converted = int(r.get("leads") or 0), int(r.get("converted") or 0)
        label = (
            "No call logged" if n == 0 else (f"{n}+ calls" if n == MAX_ATTEMPTS else f"{n} call{'s' if n > 1 else ''}")
        )
        out.append(
            {"attempts": n, "label": label, "leads": total, "converted": converted, "rate": _rate(converted, total)}
        )
    return out


# --- activity: what people did in the period -------------------------------------------------------


async def _activity_by_day(db: Database, sel: Selection, kinds: tuple[str, ...]) -> dict[str, dict[str, int]]:
    if not sel.offices:
        return {}
    rows = await db.all(
        f"SELECT d.day, d.kind, SUM(d.events) AS events {_ranged('report_activity_days')}"
        " AND d.kind IN (SELECT value FROM json_each(?)) GROUP BY d.day, d.kind",
        sel.ranges,
        json.dumps(kinds),
    )
    out: dict[str, dict[str, int]] = {}
    for r in rows:
        out.setdefault(r["day"], {})[r["kind"]] = int(r["events"])
    return out


async def _reactivation_by_day(db: Database, sel: Selection) -> list[dict[str, Any]]:
    """BookBack: leads it brought (new BookBack leads plus reactivations), reactivations, and
    conversions of BookBack or reactivated leads, per day."""
    events = await _activity_by_day(db, sel, ("reactivate", "convert_bookback"))
    new = {}
    if sel.offices:
        new = {
            r["day"]: int(r["leads"])
            for r in await db.all(
                f"SELECT d.day, SUM(d.leads) AS leads {_ranged('report_source_days')} AND d.source_key = 'bookback'"
                " GROUP BY d.day",
                sel.ranges,
            )
        }
    out = []
    for day in _days(sel):
        e = events.get(day, {})
        reactivated = e.get("reactivate", 0)
        out.append(
            {
                "date": day,
                "detected": new.get(day, 0) + reactivated,
                "reactivated": reactivated,
                "converted": e.get("convert_bookback", 0),
            }
        )
    return out


async def _follow_up_by_day(db: Database, sel: Selection) -> list[dict[str, Any]]:
    """Call attempts per day beside conversions that day of leads created on an earlier day."""
    events = await _activity_by_day(db, sel, ("call", "convert_earlier"))
    return [
        {
            "date": day,
            "call_attempts": events.get(day, {}).get("call", 0),
            "conversions": events.get(day, {}).get("convert_earlier", 0),
        }
        for day in _days(sel)
    ]


async def _agents(db: Database, sel: Selection) -> list[dict[str, Any]]:
    """Per person: call attempts, claims, conversions and first responses (with their average time)
    made in the period on leads of the selected offices."""
    if not sel.offices:
        return []
    rows = await db.all(
        "SELECT d.user_id, d.kind, SUM(d.events) AS events, SUM(d.seconds) AS seconds"
        f" {_ranged('report_activity_days')}"
        " AND d.kind IN ('call', 'claim', 'convert', 'respond') AND d.user_id != 0 GROUP BY d.user_id, d.kind",
        sel.ranges,
    )
    people: dict[int, dict[str, int]] = {}
    for r in rows:
        person = people.setdefault(int(r["user_id"]), {})
        person[r["kind"]] = int(r["events"])
        if r["kind"] == "respond":
            person["seconds"] = int(r["seconds"])
    names = {
        r["id"]: r["name"]
        for r in await db.all(
            "SELECT id, name FROM users WHERE id IN (SELECT value FROM json_each(?))", json.dumps(list(people))
        )
    }
    out = [
        {
            "user_id": uid,
            "name": names.get(uid, f"User #{uid}"),
            "calls": p.get("call", 0),
            "claims": p.get("claim", 0),
            "conversions": p.get("convert", 0),
            "responses": p.get("respond", 0),
            "avg_response_seconds": _average(p.get("seconds", 0), p.get("respond", 0)),
        }
        for uid, p in people.items()
    ]
    out = [a for a in out if a["calls"] or a["claims"] or a["conversions"] or a["responses"]]
    return sorted(out, key=lambda a: (-a["conversions"], -a["calls"], a["name"].lower()))


# --- customers -------------------------------------------------------------------------------------


async def _customers_by_source(
    db: Database, sel: Selection, labels: dict[str, str], billing: dict[str, Any]
) -> dict[str, Any]:
    """Customers created in the period (not archived) by source. Sources that are not configured lead
    sources go to "Other", with its customers listed; '' is "No source"."""
    rows = (
        await db.all(
            f"SELECT d.source, SUM(d.customers) AS customers {_ranged('report_customer_days')}"
            " GROUP BY d.source HAVING SUM(d.customers) != 0 ORDER BY customers DESC, d.source",
            sel.ranges,
        )
        if sel.offices
        else []
    )
    sales = None
    conn = await reports_quickbooks.connection(db) if billing.get("state") == "connected" else None
    if conn and sel.offices:
        sales = await reports_quickbooks.sales_by_customer_source(
            db, conn["realm_id"], [o.id for o in sel.offices], sel.reference.start, sel.reference.end
        )
    total = sum(int(r["customers"]) for r in rows)
    named: list[dict[str, Any]] = []
    other: list[dict[str, Any]] = []
    for r in rows:
        n, key = int(r["customers"]), r["source"]
        entry = {
            "source": key,
            "label": "No source" if key == "" else labels.get(key, key),
            "customers": n,
            "share": _rate(n, total),
            "sales_cents": None if sales is None else sales.get(key, 0),
        }
        (named if key == "" or key in labels else other).append(entry)
    if other:
        count = sum(int(e["customers"]) for e in other)
        named.append(
            {
                "source": "other",
                "label": "Other",
                "customers": count,
                "share": _rate(count, total),
                "sales_cents": None if sales is None else sum(int(e["sales_cents"] or 0) for e in other),
                "sources": [e["source"] for e in other],
                "detail": await _other_customers(db, sel, [e["source"] for e in other]),
            }
        )
    return {"total": total, "sales_shown": sales is not None, "rows": named}


async def _other_customers(db: Database, sel: Selection, keys: list[str]) -> list[dict[str, Any]]:
    """The customers behind "Other" (created in the period, not archived): name and what their source says."""
    spans = []
    for o in sel.offices:
        starts, ends = report_periods.bounds(sel.periods[o.id], o.zone)
        spans.append([o.id, iso(starts), iso(ends)])
    rows = await db.all(
        "SELECT c.display_id, c.name, c.source FROM json_each(?) r CROSS JOIN customers c INDEXED BY customers_l_source"
        " WHERE c.source IN (SELECT value FROM json_each(?)) AND c.archived_at IS NULL"
        " AND c.office_id = json_extract(r.value, '$[0]') AND c.created_at >= json_extract(r.value, '$[1]')"
        " AND c.created_at < json_extract(r.value, '$[2]') ORDER BY c.name COLLATE NOCASE, c.id LIMIT ?",
        json.dumps(spans),
        json.dumps(keys),
        MISSING_LISTED,
    )
    return [
        {"display_id": r["display_id"], "name": r["name"], "source": r["source"], "url": f"/clients/{r['display_id']}"}
        for r in rows
    ]


async def missing_sources(db: Database, sel: Selection, labels: dict[str, str]) -> dict[str, Any]:
    """Records to fix, whenever created: customers with no source, and leads whose source is empty or
    not a configured source. Counted in full; the first MISSING_LISTED of each are listed."""
    if not sel.offices:
        return {"total": 0, "customers": 0, "leads": 0, "items": []}
    ids = sel.ids
    names = {o.id: o.name for o in sel.offices}
    customers_n, customer_rows, keys = await asyncio.gather(  # one round trip on D1
        db.first(
            "SELECT COUNT(*) AS n FROM customers INDEXED BY customers_l_source WHERE source = ''"
            " AND archived_at IS NULL AND office_id IN (SELECT value FROM json_each(?))",
            ids,
        ),
        db.all(
            "SELECT display_id, name, office_id, created_at FROM customers INDEXED BY customers_l_source"
            " WHERE source = '' AND archived_at IS NULL AND office_id IN (SELECT value FROM json_each(?))"
            " ORDER BY name COLLATE NOCASE, id LIMIT ?",
            ids,
            MISSING_LISTED,
        ),
        _lead_source_keys(db),
    )
    unknown = [k for k in keys if k not in labels]
    lead_n, lead_rows = 0, list[Row]()
    if unknown:
        where = (
            "source_key IN (SELECT value FROM json_each(?)) AND archived_at IS NULL"
            " AND office_id IN (SELECT value FROM json_each(?))"
        )
        counted, lead_rows = await asyncio.gather(
            db.first(
                f"SELECT COUNT(*) AS n FROM leads INDEXED BY leads_q_source WHERE {where}", json.dumps(unknown), ids
            ),
            db.all(
                "SELECT display_id, name, office_id, source_key, created_at FROM leads INDEXED BY leads_q_source"
                f" WHERE {where} ORDER BY created_at DESC LIMIT ?",
                json.dumps(unknown),
                ids,
                MISSING_LISTED,
            ),
        )
        lead_n = int(counted["n"]) if counted else 0
    items = _missing_items(lead_rows, customer_rows, names)
    customers_total = int(customers_n["n"]) if customers_n else 0
    return {"total": customers_total + lead_n, "customers": customers_total, "leads": lead_n, "items": items}


def _missing_items(lead_rows: list[Row], customer_rows: list[Row], names: dict[int, str]) -> list[dict[str, Any]]:
    return [
        {
            "kind": "lead",
            "display_id": r["display_id"],
            "name": r["name"] or "(no name)",
            "office": names.get(r["office_id"], ""),
            "detail": f"source “{r['source_key']}” is not a configured source" if r["source_key"] else "no source",
            "created_at": r["created_at"],
            "url": f"/leads/{r['display_id']}",
        }
        for r in lead_rows
    ] + [
        {
            "kind": "customer",
            "display_id": r["display_id"],
            "name": r["name"],
            "office": names.get(r["office_id"], ""),
            "detail": "no source",
            "created_at": r["created_at"],
            "url": f"/clients/{r['display_id']}",
        }
        for r in customer_rows
    ]


async def _lead_source_keys(db: Database) -> list[str]:
    """Every distinct source key on leads, by hopping along the source index (one seek per key)."""
    rows = await db.all(
        "WITH RECURSIVE k(key) AS (SELECT min(source_key) FROM leads INDEXED BY leads_q_source"
        " UNION ALL SELECT (SELECT min(source_key) FROM leads INDEXED BY leads_q_source WHERE source_key > k.key)"
        " FROM k WHERE k.key IS NOT NULL) SELECT key FROM k WHERE key IS NOT NULL"
    )
    return [r["key"] for r in rows]


# --- QuickBooks --------------------------------------------------------------------------------------


def sees_billing(user: User) -> bool:
    """QuickBooks figures are company-wide: only for people who may see billing and every office."""
    return authz.can(user, "billing.view") and authz.sees_every_office(user)


async def _billing(db: Database, user: User, sel: Selection, accounts: tuple[str, str]) -> dict[str, Any]:
    if not sees_billing(user):
        return {"state": "hidden"}
    return await reports_quickbooks.billing_metrics(db, sel.today, accounts)

"""The reports' Jobs tab (002 › Reports › Jobs tab; issue 20): jobs created in the period — the tiles
(total, completed and cancelled with their rates, revenue of the Done jobs, deposits, rebooked,
K-accepted, parts cost), the bars by status, office, type and source, the daily chart (Done / Open /
Cancelled) and the top contractors — from `report_job_days` (migrations 0034, 0036) and
`report_job_facets` (0036), never from job rows.

Only offices with the Jobs feature on count (X-8); a user none of whose selected offices has it gets
no Jobs tab (`None`). Definitions are in docs/reports.md.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from accounts import authz
from accounts.users import User
from core.storage import Database
from jobs.record import STATUS_LABELS
from reports import periods as report_periods

TOP_CONTRACTORS = 10


# Every rollup read joins the selection's ranges to the rollup's (office, day) key, ranges first.
def _ranged(table: str) -> str:
    return (
        f"FROM json_each(?) r CROSS JOIN {table} d WHERE d.office_id = json_extract(r.value, '$[0]')"
        " AND d.day BETWEEN json_extract(r.value, '$[1]') AND json_extract(r.value, '$[2]')"
    )


def _chosen(sel: Any) -> list[Any]:
    return [o for o in sel.offices if o.jobs_enabled]


def _ranges(sel: Any) -> str | None:
    """The selection's ranges for the offices with Jobs on, or None when there are none."""
    chosen = _chosen(sel)
    if not chosen:
        return None
    return json.dumps([[o.id, sel.periods[o.id].start.isoformat(), sel.periods[o.id].end.isoformat()] for o in chosen])


async def rows(db: Database, user: User, sel: Any) -> dict[str, list[dict[str, Any]]] | None:
    """The period's rollup rows (per office and status, per day, per facet key); None when the user
    gets no Jobs tab. The three reads are made together (one D1 round trip with the report's others)."""
    if not authz.sees_report_jobs(user):
        return None
    ranges = _ranges(sel)
    if ranges is None:
        return None
    by_status, by_day, facets = await asyncio.gather(
        db.all(
            "SELECT d.office_id, d.status, SUM(d.jobs) AS jobs, SUM(d.k_accepted) AS k_accepted,"
            " SUM(d.rebooked) AS rebooked, SUM(d.revenue_cents) AS revenue_cents, SUM(d.deposits) AS deposits,"
            " SUM(d.deposit_cents) AS deposit_cents, SUM(d.parts_cents) AS parts_cents"
            f" {_ranged('report_job_days')} GROUP BY d.office_id, d.status",
            ranges,
        ),
        db.all(
            "SELECT d.day, SUM(CASE WHEN d.status = 'done' THEN d.jobs ELSE 0 END) AS done,"
            " SUM(CASE WHEN d.status = 'cancelled' THEN d.jobs ELSE 0 END) AS cancelled,"
            " SUM(CASE WHEN d.status IN ('done', 'cancelled') THEN 0 ELSE d.jobs END) AS open"
            f" {_ranged('report_job_days')} GROUP BY d.day",
            ranges,
        ),
        db.all(
            "SELECT g.*, CASE WHEN g.facet = 'contractor' AND g.key != '' THEN (SELECT c.name FROM contractors c"
            " WHERE c.id = CAST(g.key AS INTEGER)) END AS name FROM (SELECT d.facet, d.key, SUM(d.jobs) AS jobs,"
            " SUM(d.done) AS done, SUM(d.cancelled) AS cancelled, SUM(d.revenue_cents) AS revenue_cents"
            f" {_ranged('report_job_facets')} GROUP BY d.facet, d.key HAVING SUM(d.jobs) != 0) g",
            ranges,
        ),
    )
    return {"by_status": by_status, "by_day": by_day, "facets": facets}


def _rate(part: int, whole: int) -> float | None:
    return round(part * 100 / whole, 1) if whole else None


def _int(row: dict[str, Any], key: str) -> int:
    return int(row[key] or 0)


def section(sel: Any, found: dict[str, list[dict[str, Any]]] | None) -> dict[str, Any] | None:
    """The Jobs tab's JSON from the rows `rows` read."""
    if found is None:
        return None
    by_status = dict.fromkeys(STATUS_LABELS, 0)
    offices = {
        o.id: {"office_id": o.id, "office": o.name, "jobs": 0, "done": 0, "cancelled": 0, "revenue_cents": 0}
        for o in _chosen(sel)
    }
    sums = dict.fromkeys(("k_accepted", "rebooked", "revenue_cents", "deposits", "deposit_cents", "parts_cents"), 0)
    for r in found["by_status"]:
        n = _int(r, "jobs")
        by_status[r["status"]] = by_status.get(r["status"], 0) + n
        for key in sums:
            if key != "revenue_cents" or r["status"] == "done":
                sums[key] += _int(r, key)
        office = offices.get(r["office_id"])
        if office is not None:
            office["jobs"] += n
            if r["status"] in ("done", "cancelled"):
                office[r["status"]] += n
            if r["status"] == "done":
                office["revenue_cents"] += _int(r, "revenue_cents")
    total = sum(by_status.values())
    return {
        "tiles": {
            "jobs": total,
            "done": by_status["done"],
            "done_rate": _rate(by_status["done"], total),
            "cancelled": by_status["cancelled"],
            "cancel_rate": _rate(by_status["cancelled"], total),
            **sums,
        },
        "jobs_by_status": [
            {"status": s, "label": label, "jobs": by_status.get(s, 0), "share": _rate(by_status.get(s, 0), total)}
            for s, label in STATUS_LABELS.items()
        ],
        "jobs_by_office": [{**o, "share": _rate(o["jobs"], total)} for o in offices.values()],
        "jobs_by_type": _facet(found["facets"], "type", total),
        "jobs_by_source": _facet(found["facets"], "source", total),
        "jobs_by_day": _by_day(sel, found["by_day"]),
        "top_contractors": _contractors(found["facets"]),
    }


def _figures(r: dict[str, Any]) -> dict[str, int]:
    return {k: _int(r, k) for k in ("jobs", "done", "cancelled", "revenue_cents")}


def _facet(facets: list[dict[str, Any]], facet: str, total: int) -> list[dict[str, Any]]:
    """Jobs by type (or source): the label the jobs carry, most jobs first."""
    out = [
        {"label": r["key"] or "(none)", **_figures(r), "share": _rate(_int(r, "jobs"), total)}
        for r in facets
        if r["facet"] == facet
    ]
    return sorted(out, key=lambda e: (-e["jobs"], e["label"].lower()))


def _contractors(facets: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The contractors with the most jobs created in the period (unassigned jobs are not a contractor)."""
    out: list[dict[str, Any]] = [
        {
            "contractor_id": int(r["key"]),
            "name": r["name"] or f"Contractor #{r['key']}",
            **_figures(r),
            "done_rate": _rate(_int(r, "done"), _int(r, "jobs")),
        }
        for r in facets
        if r["facet"] == "contractor" and r["key"] != ""
    ]
    out.sort(key=lambda e: (-e["jobs"], -e["done"], -e["revenue_cents"], e["name"].lower()))
    return out[:TOP_CONTRACTORS]


def _by_day(sel: Any, found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Jobs created each day of the period, by their status now: Done, Open (any other) and Cancelled."""
    chosen = _chosen(sel)
    days = {r["day"]: r for r in found}
    first = min(sel.periods[o.id].start for o in chosen)
    last = max(sel.periods[o.id].end for o in chosen)
    empty = {"done": 0, "open": 0, "cancelled": 0}
    out = []
    for d in report_periods.dates(first, last):
        r = days.get(d.isoformat(), empty)
        out.append({"date": d.isoformat(), **{k: _int(r, k) for k in ("done", "open", "cancelled")}})
    return out

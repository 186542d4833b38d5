"""The reports' Jobs tab (002 › Reports › Jobs tab; issue 20): jobs created in the period by status,
completed and cancelled with their rates, rebooked, K-accepted and the revenue of the Done jobs
(their closing amounts), by status and by office, from `report_job_days` (migration 0034).

Only offices with the Jobs feature on count (X-8); a user none of whose selected offices has it gets
no Jobs tab (`None`). Definitions are in docs/reports.md.
"""

from __future__ import annotations

import json
from typing import Any

from accounts import authz
from accounts.users import User
from core.storage import Database
from jobs.record import STATUS_LABELS

# Every rollup read joins the selection's ranges to the rollup's (office, day) key, ranges first.
_RANGED = (
    "FROM json_each(?) r CROSS JOIN report_job_days d WHERE d.office_id = json_extract(r.value, '$[0]')"
    " AND d.day BETWEEN json_extract(r.value, '$[1]') AND json_extract(r.value, '$[2]')"
)


def _ranges(sel: Any) -> str | None:
    """The selection's ranges for the offices with Jobs on, or None when there are none."""
    chosen = [o for o in sel.offices if o.jobs_enabled]
    if not chosen:
        return None
    return json.dumps([[o.id, sel.periods[o.id].start.isoformat(), sel.periods[o.id].end.isoformat()] for o in chosen])


async def rows(db: Database, user: User, sel: Any) -> list[dict[str, Any]] | None:
    """The period's rows per office and status; None when the user gets no Jobs tab."""
    if not authz.sees_report_jobs(user):
        return None
    ranges = _ranges(sel)
    if ranges is None:
        return None
    return await db.all(
        "SELECT d.office_id, d.status, SUM(d.jobs) AS jobs, SUM(d.k_accepted) AS k_accepted,"
        f" SUM(d.rebooked) AS rebooked, SUM(d.revenue_cents) AS revenue_cents {_RANGED}"
        " GROUP BY d.office_id, d.status",
        ranges,
    )


def _rate(part: int, whole: int) -> float | None:
    return round(part * 100 / whole, 1) if whole else None


def section(sel: Any, found: list[dict[str, Any]] | None) -> dict[str, Any] | None:
    """The Jobs tab's JSON from the rows `rows` read."""
    if found is None:
        return None
    by_status = {s: 0 for s in STATUS_LABELS}
    offices = {
        o.id: {"office_id": o.id, "office": o.name, "jobs": 0, "done": 0, "revenue_cents": 0}
        for o in sel.offices
        if o.jobs_enabled
    }
    k_accepted = rebooked = revenue = 0
    for r in found:
        n = int(r["jobs"] or 0)
        by_status[r["status"]] = by_status.get(r["status"], 0) + n
        k_accepted += int(r["k_accepted"] or 0)
        rebooked += int(r["rebooked"] or 0)
        office = offices.get(r["office_id"])
        if office is not None:
            office["jobs"] += n
        if r["status"] == "done":
            cents = int(r["revenue_cents"] or 0)
            revenue += cents
            if office is not None:
                office["done"] += n
                office["revenue_cents"] += cents
    total = sum(by_status.values())
    return {
        "tiles": {
            "jobs": total,
            "done": by_status["done"],
            "done_rate": _rate(by_status["done"], total),
            "cancelled": by_status["cancelled"],
            "cancel_rate": _rate(by_status["cancelled"], total),
            "revenue_cents": revenue,
            "rebooked": rebooked,
            "k_accepted": k_accepted,
        },
        "jobs_by_status": [
            {"status": s, "label": label, "jobs": by_status.get(s, 0), "share": _rate(by_status.get(s, 0), total)}
            for s, label in STATUS_LABELS.items()
        ],
        "jobs_by_office": list(offices.values()),
    }

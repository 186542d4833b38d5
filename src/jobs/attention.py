"""Attention flags (ATT-1…ATT-10): derived at read time from a job's status and its UTC instants,
never stored. Archived jobs never need attention.

- update_needed     Deposit and the expected completion date is before today in the job's zone (ATT-2)
- follow_up_needed  Pending and the follow-up time has come (ATT-3)
- ask_for_update    In Progress and the job's end + N hours has passed; N from Job Settings (ATT-4, ATT-10)
- find_contractor   Submitted / In Progress / Deposit / Pending with no contractor (ATT-5)

`flags` answers one job in hand; `condition` is the same rule as SQL for the count and the filter,
each clause on an index of migration 0028. The board shows one badge, by PRIORITY (ATT-6).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from core.clock import iso
from core.storage import Param
from jobs import schedule
from jobs.record import ACTIVE

PRIORITY = ("update_needed", "ask_for_update", "follow_up_needed", "find_contractor")
LABELS = {
    "update_needed": "🔴 UPDATE NEEDED",
    "follow_up_needed": "🟣 FOLLOW UP NEEDED",
    "ask_for_update": "🔵 ASK FOR UPDATE",
    "find_contractor": "🟡 FIND CONTRACTOR",
}
# ATT-9: the detail panel's banner for each (find contractor has the pill instead).
BANNERS = {
    "update_needed": (
        "red",
        "🔴 UPDATE NEEDED — the expected completion date has passed. Ask the contractor for an update.",
    ),
    "follow_up_needed": ("purple", "🟣 FOLLOW UP NEEDED — the follow-up time has come. Call the client back."),
    "ask_for_update": ("cyan", "🔵 ASK FOR UPDATE — the job window ended a while ago. Ask the contractor how it went."),
}


def flags(job: dict[str, Any], now: datetime, hours: int) -> list[str]:
    """The job's flags, in PRIORITY order."""
    if job.get("archived_at"):
        return []
    status = job["status"]
    stamp = iso(now)
    found: set[str] = set()
    if status == "deposit" and job.get("completion_due_at") and job["completion_due_at"] <= stamp:
        found.add("update_needed")
    if status == "pending" and job.get("follow_up_at") and job["follow_up_at"] <= stamp:
        found.add("follow_up_needed")
    if status == "in_progress" and job["end_at"] <= iso(now - timedelta(hours=hours)):
        found.add("ask_for_update")
    if status in ACTIVE and job.get("contractor_id") is None:
        found.add("find_contractor")
    return [f for f in PRIORITY if f in found]


def condition(now: datetime, hours: int, alias: str = "j") -> tuple[str, list[Param]]:
    """SQL: the job needs attention now (archived rows are the caller's to exclude)."""
    a = alias
    active = ", ".join(f"'{s}'" for s in ACTIVE)
    return (
        f"(({a}.status = 'deposit' AND {a}.completion_due_at <= ?)"
        f" OR ({a}.status = 'pending' AND {a}.follow_up_at <= ?)"
        f" OR ({a}.status = 'in_progress' AND {a}.end_at <= ?)"
        f" OR ({a}.contractor_id IS NULL AND {a}.status IN ({active})))",
        [iso(now), iso(now), iso(now - timedelta(hours=hours))],
    )


def union(now: datetime, hours: int, scope: str, scope_params: list[Param]) -> tuple[str, list[Param]]:
    """SQL: the ids of non-archived jobs needing attention, within SCOPE (a condition on alias `x`),
    one SELECT per flag, each on its own partial index (migration 0028); UNION keeps a job once."""
    active = ", ".join(f"'{s}'" for s in ACTIVE)
    parts = [
        ("x.status = 'deposit' AND x.archived_at IS NULL AND x.completion_due_at <= ?", [iso(now)]),
        ("x.status = 'pending' AND x.archived_at IS NULL AND x.follow_up_at <= ?", [iso(now)]),
        ("x.status = 'in_progress' AND x.archived_at IS NULL AND x.end_at <= ?", [iso(now - timedelta(hours=hours))]),
        (f"x.contractor_id IS NULL AND x.archived_at IS NULL AND x.status IN ({active})", []),
    ]
    sql = " UNION ".join(f"SELECT x.id FROM jobs x WHERE {cond} AND {scope}" for cond, _ in parts)
    params: list[Param] = []
    for _, p in parts:
        params += [*p, *scope_params]
    return sql, params


def badge(found: list[str]) -> str | None:
    return found[0] if found else None


def _address_line(job: dict[str, Any]) -> str:
    street = ", ".join(p for p in (job["address"], job["unit"]) if p)
    tail = " ".join(p for p in (job["state"], job["postal_code"]) if p)
    return ", ".join(p for p in (street, job["city"], tail) if p)


def copy_text(job: dict[str, Any], found: list[str]) -> str | None:
    """ATT-8: the contractor message the 🔴 / 🔵 badges copy, or None when neither is up.
    `🔔Update Needed🔔 🏷️Job #3542 - Emily Harrison 📍 1379 Algiers St, Pt Charlotte, FL 33980 🕒 5/3 9AM-11AM
    - DUE What's the update please?`; UPDATE NEEDED adds the date the deposit was collected."""
    if "update_needed" not in found and "ask_for_update" not in found:
        return None
    name = " ".join(p for p in (job["first_name"], job["last_name"]) if p)
    number = str(job["display_id"]).removeprefix("JOB-")
    when = schedule.short_window(schedule.of_row(job))
    if "update_needed" in found and job.get("status_changed_at"):
        collected = schedule.parse_local_day(job["status_changed_at"], job["time_zone"])
        when += f" · Deposit collected {schedule.month_day(collected)}"
    return (
        f"🔔Update Needed🔔 🏷️Job #{number} - {name} 📍 {_address_line(job)} 🕒 {when} - DUE What's the update please?"
    )

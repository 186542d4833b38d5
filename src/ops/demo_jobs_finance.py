"""Demo finance values, the Auto Status Change rule and reminder-ready jobs (issue 20, second half).

Deterministic and idempotent, through the owning verbs only: `jobs.actions.create_job` and
`jobs.status.set_status` for a few jobs when the demo has none in Deposit/Done yet, then
`jobs.finance` for the money (profit %, paid stamps, one finance-cancel) and `jobs.auto_status` to
turn the rule on for the offices with Jobs. A second run changes nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from accounts.users import User
from core.bindings import Bindings
from jobs import actions, auto_status, finance, record, schedule, status

# (first, last, street, hour, status, closing $, parts $)
PEOPLE = (
    ("Emily", "Harrison", "1379 Algiers St", 9, "done", 1000_00, 200_00),
    ("Marcus", "Reed", "220 W 49th St", 11, "done", 640_00, 85_50),
    ("Priya", "Nair", "75 E 8th Ave", 13, "done", 1325_00, 410_00),
    ("Daniel", "Ortiz", "901 Palm Ave", 8, "deposit", None, None),
    ("Grace", "Kim", "14 Lake Dr", 10, "submitted", None, None),
    ("Omar", "Haddad", "3300 W 16th Ave", 14, "in_progress", None, None),
)


async def _network(bindings: Bindings) -> dict[str, Any] | None:
    db = bindings.db
    area = await db.first("SELECT id, zip, city, state FROM service_areas ORDER BY id LIMIT 1")
    partner = await db.first("SELECT id FROM job_partners WHERE active = 1 ORDER BY id LIMIT 1")
    if area is None or partner is None:
        return None
    contractor = await db.first(
        "SELECT c.id, t.job_type_id FROM contractors c JOIN contractor_areas a ON a.contractor_id = c.id"
        " JOIN contractor_job_types t ON t.contractor_id = c.id WHERE c.active = 1 AND a.area_id = ? LIMIT 1",
        area["id"],
    )
    if contractor is None:
        return None
    return {
        "area": area,
        "job_partner": partner["id"],
        "contractor": contractor["id"],
        "job_type": contractor["job_type_id"],
    }


async def _jobs(bindings: Bindings, now: datetime, owner: User, net: dict[str, Any]) -> None:
    """A day of jobs for one contractor (tomorrow, so the EOD reminders have rows), some Done."""
    office = (await actions.enabled_offices(bindings.db))[0]
    day = (schedule.today_in(office["time_zone"], now) + timedelta(days=1)).isoformat()
    for i, (first, last, street, hour, target, closing, parts) in enumerate(PEOPLE):
        fields = {
            "office_id": office["id"], "first_name": first, "last_name": last, "phone": f"(305) 794-{2210 + i:04d}",
            "address": street, "city": net["area"]["city"], "state": net["area"]["state"],
            "postal_code": net["area"]["zip"], "service_area_id": net["area"]["id"], "job_type_id": net["job_type"],
            "partner_id": net["job_partner"], "contractor_id": net["contractor"], "date_start": day,
            "time_start": f"{hour:02d}:00", "notes": "Demo job" if i % 2 else "",
        }  # fmt: skip
        created = await actions.create_job(bindings.db, bindings.geocoder, now, owner, fields)
        job = created.job
        if target == "done":
            more: dict[str, Any] = {"closing_cents": closing, "parts_cents": parts}
            job = await status.set_status(bindings.db, now, owner, job, "done", more)
        elif target == "deposit":
            more = {"note": "Deposit taken", "deposit_cents": 150_00, "expected_completion_date": day}
            job = await status.set_status(bindings.db, now, owner, job, "deposit", more)
        elif target == "in_progress":
            job = await status.set_status(bindings.db, now, owner, job, "in_progress", {})


async def seed_jobs_finance(bindings: Bindings, now: datetime, owner: User | None) -> int:
    """Finance values on the demo's Deposit/Done jobs; answers how many jobs it touched."""
    db = bindings.db
    if owner is None or not await actions.enabled_offices(db):
        return 0
    rule = await auto_status.rule(db)
    if not rule["enabled"]:
        offices = [o["id"] for o in await actions.enabled_offices(db)]
        await auto_status.configure(db, now, owner, True, offices, rule["version"])
    money = await db.all("SELECT id FROM jobs WHERE status IN ('deposit', 'done') AND archived_at IS NULL ORDER BY id")
    if not money:
        net = await _network(bindings)
        if net is None:
            return 0
        await _jobs(bindings, now, owner, net)
        money = await db.all(
            "SELECT id FROM jobs WHERE status IN ('deposit', 'done') AND archived_at IS NULL ORDER BY id"
        )
    touched = 0
    for i, row in enumerate(money[:12]):
        job = await record.job_by_id(db, row["id"])
        if job is None:
            continue
        version = job["version"]
        if job["status"] == "done" and job["profit_bp"] is None:
            job = await finance.edit(db, now, owner, job, {"profit_bp": 3000})
        if i % 3 == 0:
            job = await finance.set_paid(db, now, owner, job, "contractor_paid", True)
        if i % 3 == 1 and job["status"] == "done":
            job = await finance.set_paid(db, now, owner, job, "partner_paid", True)
        if i == 2 and not job["finance_cancelled_at"]:
            job = await finance.cancel(db, now, owner, job, {"reason": "Chargeback", "note": "Card holder disputed it"})
        touched += job["version"] != version  # a second run changes nothing
    return touched

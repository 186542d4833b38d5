"""Demo history for the reports' Jobs tab (issue 20): five weeks of finished Garage jobs before the
demo's dispatcher fortnight, so the daily chart, the by type / by source bars and the top
contractors have something to show. Every job is created at its own past instant and moved to Done
(some through a Deposit, most K-confirmed) or Cancelled through the jobs verbs, so the rollups count
them as they count any job. Their windows end at least five days before the demo day: they stay off
the board's default window and never need attention. Deterministic and idempotent (nothing is added
when a job created over a week before the demo day exists)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from accounts import authz, offices, users
from core.bindings import Bindings
from core.clock import iso
from core.errors import Invalid
from jobs import actions, dispatch, schedule, status

COUNT = 36
AREAS = ("Brooklyn", "Queens", "Bronx", "Staten Island", "Hoboken", "Yonkers", "Hempstead", "Stamford")
STREETS = ("Court St", "Atlantic Ave", "Main St", "Park Ave", "Ocean Pkwy", "Broadway", "Elm St", "Maple Ave")
NAMES = (
    ("Nora", "Quinn"), ("Ethan", "Park"), ("Sofia", "Alvarez"), ("Liam", "Oconnor"), ("Ava", "Brooks"),
    ("Noah", "Kim"), ("Mia", "Rossi"), ("Lucas", "Meyer"), ("Zoe", "Clarke"), ("Owen", "Patel"),
    ("Ivy", "Nguyen"), ("Caleb", "Stone"),
)  # fmt: skip
CANCEL_REASONS = ("Customer cancelled", "Price too high", "No show")


async def seed(bindings: Bindings, now: datetime) -> int:
    """Seed once; returns how many jobs were added."""
    db = bindings.db
    garage = await offices.by_name(db, "Garage")
    owner = next((u for u in await users.all_users(db) if u.active and authz.can(u, "jobs.delete")), None)
    if garage is None or owner is None or not garage.jobs_enabled:
        return 0
    if await db.first("SELECT 1 AS x FROM jobs WHERE created_at < ? LIMIT 1", iso(now - timedelta(days=7))):
        return 0
    areas = {r["label"]: r for r in await db.all("SELECT id, label, zip, city, state FROM service_areas")}
    types = [r["id"] for r in await db.all("SELECT id FROM job_types ORDER BY id")]
    partners = [r["id"] for r in await db.all("SELECT id FROM job_partners ORDER BY id")]
    contractors = [r["id"] for r in await db.all("SELECT id FROM contractors WHERE active = 1 ORDER BY id")]
    if not types or not partners or not any(a in areas for a in AREAS):
        return 0
    rng = random.Random(2026)  # noqa: S311 (demo data, not secrets)
    made = 0
    for n in range(COUNT):
        created = now - timedelta(days=rng.randint(8, 40), hours=rng.randint(0, 9), minutes=15 * rng.randint(0, 3))
        label = rng.choice([a for a in AREAS if a in areas])
        first, last = NAMES[n % len(NAMES)]
        day = schedule.today_in(garage.time_zone, created) + timedelta(days=rng.randint(1, 3))
        fields = {
            "office_id": garage.id,
            "first_name": first,
            "last_name": last,
            "phone": f"(718) 555-{2100 + n:04d}",
            "address": f"{10 + 7 * n} {STREETS[n % len(STREETS)]}",
            "city": areas[label]["city"],
            "state": areas[label]["state"],
            "postal_code": areas[label]["zip"],
            "service_area_id": areas[label]["id"],
            "job_type_id": types[rng.choice((0, 0, 0, 1, 1, 3, 4)) % len(types)],
            "partner_id": partners[rng.choice((0, 0, 1, 2)) % len(partners)],
            "date_start": day.isoformat(),
            "time_start": rng.choice(("08:00", "09:30", "11:00", "13:00", "15:30")),
        }
        job = await _create(bindings, created, owner, fields, contractors[n % max(len(contractors), 1) :] + contractors)
        await _finish(bindings, created, owner, job, rng)
        made += 1
    return made


async def _create(bindings: Bindings, at: datetime, owner: users.User, fields: dict[str, Any], order: list[int]) -> Any:
    """The job with the first contractor (in ORDER) the matching rules accept, else unassigned."""
    for contractor_id in dict.fromkeys(order):
        try:
            return (
                await actions.create_job(
                    bindings.db, bindings.geocoder, at, owner, fields | {"contractor_id": contractor_id}
                )
            ).job
        except Invalid:
            continue
    return (await actions.create_job(bindings.db, bindings.geocoder, at, owner, fields)).job


async def _finish(bindings: Bindings, created: datetime, owner: users.User, job: Any, rng: random.Random) -> None:
    """Done (a third through a Deposit; most K-confirmed first) or, one in six, Cancelled."""
    db = bindings.db
    at = created + timedelta(hours=2)
    if rng.random() < 1 / 6:
        reason = rng.choice(CANCEL_REASONS)
        await status.set_status(db, at, owner, job, "cancelled", {"cancel_reason": reason})
        return
    if job["contractor_id"] is not None and rng.random() < 0.8:
        job = await dispatch.k_confirm(db, at, owner, job)
    job = await status.set_status(db, at, owner, job, "in_progress", {})
    if rng.random() < 1 / 3:
        fields = {"note": "Deposit taken on site.", "deposit_cents": 5000 * rng.randint(2, 6)}
        fields["expected_completion_date"] = job["date_start"]
        job = await status.set_status(db, at, owner, job, "deposit", fields)
    closing = 100 * rng.randint(180, 2400)
    parts = 100 * rng.randint(0, closing // 400)
    await status.set_status(
        db, at + timedelta(days=1), owner, job, "done", {"closing_cents": closing, "parts_cents": parts}
    )

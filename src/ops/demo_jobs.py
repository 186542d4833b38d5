"""Demo jobs (issue 20): a dispatcher's fortnight in the Garage office around the demo day, across
every status, some K-confirmed, one rebooked, and a few needing attention (no contractor, a deposit
past its completion date, a pending follow-up that is due, an in-progress job long past its window).
Deterministic and idempotent (nothing is added when jobs exist), written through the jobs verbs."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from accounts import authz, offices, users
from core.bindings import Bindings
from jobs import actions, dispatch, schedule, status

# first, last, phone, street, city, ZIP, area, job type, partner, contractor, day offset, start, status
JOBS: tuple[tuple[Any, ...], ...] = (
    (
        "Emily",
        "Harrison",
        "(718) 555-0101",
        "135 Court St",
        "Brooklyn",
        "11201",
        "Brooklyn",
        0,
        0,
        "Five Boroughs Garage Doors",
        0,
        "09:00",
        "in_progress",
    ),
    (
        "Marcus",
        "Bell",
        "(718) 555-0102",
        "88 Smith St",
        "Brooklyn",
        "11201",
        "Brooklyn",
        0,
        1,
        "Jordan Ellis",
        0,
        "11:30",
        "submitted",
    ),
    (
        "Priya",
        "Nair",
        "(718) 555-0103",
        "71-20 Austin St",
        "Forest Hills",
        "11375",
        "Queens",
        1,
        0,
        None,
        0,
        "14:00",
        "submitted",
    ),
    (
        "Tom",
        "Alvarez",
        "(718) 555-0104",
        "560 Grand Concourse",
        "Bronx",
        "10451",
        "Bronx",
        0,
        2,
        "Five Boroughs Garage Doors",
        1,
        "08:00",
        "submitted",
    ),
    (
        "Grace",
        "Kim",
        "(718) 555-0105",
        "45 Bay St",
        "Staten Island",
        "10301",
        "Staten Island",
        0,
        0,
        "Five Boroughs Garage Doors",
        1,
        "10:00",
        "submitted",
    ),
    (
        "Leo",
        "Martins",
        "(201) 555-0106",
        "300 Washington St",
        "Hoboken",
        "07030",
        "Hoboken",
        3,
        1,
        None,
        1,
        "13:00",
        "submitted",
    ),
    (
        "Sofia",
        "Rossi",
        "(718) 555-0107",
        "210 Atlantic Ave",
        "Brooklyn",
        "11201",
        "Brooklyn",
        4,
        0,
        "Jordan Ellis",
        2,
        "09:00",
        "submitted",
    ),
    (
        "Daniel",
        "Okoro",
        "(718) 555-0108",
        "108-10 Queens Blvd",
        "Forest Hills",
        "11375",
        "Queens",
        0,
        2,
        "Five Boroughs Garage Doors",
        3,
        "15:00",
        "submitted",
    ),
    (
        "Hannah",
        "Weiss",
        "(914) 555-0109",
        "20 S Broadway",
        "Yonkers",
        "10701",
        "Yonkers",
        0,
        0,
        None,
        5,
        "10:30",
        "submitted",
    ),
    (
        "Carlos",
        "Mendez",
        "(718) 555-0110",
        "99 Henry St",
        "Brooklyn",
        "11201",
        "Brooklyn",
        1,
        1,
        "Five Boroughs Garage Doors",
        6,
        "08:30",
        "submitted",
    ),
    (
        "Olivia",
        "Grant",
        "(718) 555-0111",
        "400 Fulton St",
        "Brooklyn",
        "11201",
        "Brooklyn",
        0,
        0,
        "Five Boroughs Garage Doors",
        -1,
        "09:00",
        "deposit",
    ),
    (
        "Noah",
        "Fischer",
        "(718) 555-0112",
        "62-05 Woodhaven Blvd",
        "Rego Park",
        "11375",
        "Queens",
        0,
        2,
        "Jordan Ellis",
        -1,
        "13:00",
        "pending",
    ),
    (
        "Ava",
        "Lopez",
        "(718) 555-0113",
        "1 Fordham Plaza",
        "Bronx",
        "10451",
        "Bronx",
        0,
        0,
        "Five Boroughs Garage Doors",
        -2,
        "10:00",
        "done",
    ),
    (
        "Ethan",
        "Brooks",
        "(718) 555-0114",
        "77 Clinton St",
        "Brooklyn",
        "11201",
        "Brooklyn",
        4,
        1,
        "Jordan Ellis",
        -2,
        "15:00",
        "done",
    ),
    (
        "Mia",
        "Chen",
        "(718) 555-0115",
        "30 Joralemon St",
        "Brooklyn",
        "11201",
        "Brooklyn",
        0,
        0,
        "Five Boroughs Garage Doors",
        -3,
        "11:00",
        "cancelled",
    ),
    (
        "Lucas",
        "Reyes",
        "(718) 555-0116",
        "150 Montague St",
        "Brooklyn",
        "11201",
        "Brooklyn",
        1,
        2,
        "Five Boroughs Garage Doors",
        -3,
        "09:30",
        "deposit_late",
    ),
)


def _day(now: datetime, zone: str, offset: int) -> str:
    return (schedule.today_in(zone, now) + timedelta(days=offset)).isoformat()


async def _moves(bindings: Bindings, now: datetime, owner: users.User, job: Any, target: str, zone: str) -> None:
    db = bindings.db
    if target in ("in_progress", "deposit", "deposit_late", "pending", "done"):
        job = await status.set_status(db, now, owner, job, "in_progress", {})
    if target == "deposit":
        fields = {"note": "Deposit taken on site; part on order.", "deposit_cents": 15000}
        job = await status.set_status(
            db, now, owner, job, "deposit", fields | {"expected_completion_date": _day(now, zone, 4)}
        )
    if target == "deposit_late":  # UPDATE NEEDED: the expected completion date has passed
        fields = {"note": "Spring ordered.", "deposit_cents": 20000, "expected_completion_date": _day(now, zone, -1)}
        job = await status.set_status(db, now, owner, job, "deposit", fields)
    if target == "pending":  # FOLLOW UP NEEDED: the call-back time has come
        fields = {
            "note": "Customer checking with the HOA.",
            "follow_up_date": _day(now, zone, -1),
            "follow_up_time": "10:00",
        }
        job = await status.set_status(db, now, owner, job, "pending", fields)
    if target == "done":
        job = await status.set_status(db, now, owner, job, "done", {"closing_cents": 48500, "parts_cents": 9500})
    if target == "cancelled":
        job = await status.set_status(db, now, owner, job, "cancelled", {"cancel_reason": "Customer cancelled"})


async def seed_jobs(bindings: Bindings, now: datetime) -> int:
    """Seed once; returns how many jobs were added (0 when jobs exist or the network is missing)."""
    db = bindings.db
    if await db.first("SELECT 1 AS x FROM jobs LIMIT 1"):
        return 0
    garage = await offices.by_name(db, "Garage")
    owner = next((u for u in await users.all_users(db) if u.active and authz.can(u, "jobs.delete")), None)
    types = await db.all("SELECT id FROM job_types ORDER BY id")
    partners = await db.all("SELECT id FROM job_partners ORDER BY id")
    if garage is None or owner is None or not types or not partners or not garage.jobs_enabled:
        return 0
    area_ids = {r["label"]: r["id"] for r in await db.all("SELECT id, label FROM service_areas")}
    contractor_ids = {r["name"]: r["id"] for r in await db.all("SELECT id, name FROM contractors")}
    made = 0
    for first, last, phone, street, city, zip_code, area, type_i, partner_i, contractor, offset, start, target in JOBS:
        fields = {
            "office_id": garage.id,
            "first_name": first,
            "last_name": last,
            "phone": phone,
            "address": street,
            "city": city,
            "state": "NJ" if zip_code.startswith("07") else "NY",
            "postal_code": zip_code,
            "service_area_id": area_ids.get(area),
            "job_type_id": types[type_i % len(types)]["id"],
            "partner_id": partners[partner_i % len(partners)]["id"],
            "date_start": _day(now, garage.time_zone, offset),
            "time_start": start,
            "notes": "Side gate code 2580." if made % 3 == 0 else "",
        }
        if contractor and contractor in contractor_ids:
            fields["contractor_id"] = contractor_ids[contractor]
        try:
            job = (await actions.create_job(db, bindings.geocoder, now, owner, fields)).job
        except Exception:
            fields.pop("contractor_id", None)
            job = (await actions.create_job(db, bindings.geocoder, now, owner, fields)).job
        await _moves(bindings, now, owner, job, target, job["time_zone"])
        made += 1
    await _dispatch_touches(bindings, now, owner)
    return made


async def _dispatch_touches(bindings: Bindings, now: datetime, owner: users.User) -> None:
    """Some jobs K-confirmed, one rebooked (a 🔁 on the board)."""
    from jobs import record

    db = bindings.db
    for display in ("JOB-3542", "JOB-3545", "JOB-3546", "JOB-3552", "JOB-3554"):
        job = await record.job_by_display(db, display)
        if job is not None and job["contractor_id"] is not None:
            await dispatch.k_confirm(db, now, owner, job)
    job = await record.job_by_display(db, "JOB-3549")
    if job is not None:
        await dispatch.rebook(db, now, owner, job, {"change_window": True, "time_start": "10:00", "time_end": "12:00"})

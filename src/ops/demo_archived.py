"""Demo archived jobs (issue 20, ARC-3): two Garage jobs a dispatcher archived — one entered twice,
one the customer called off before it was dispatched — so 📦 Archived on the board and on Finance
opens on something to restore. Made through the jobs verbs (create, then archive: one timeline note
and one audit row each), archived a few days before the demo day by the demo admin. Deterministic
and idempotent: nothing is added once any job is archived, or without the demo jobs."""

from __future__ import annotations

from datetime import datetime, timedelta

from accounts import authz, offices, users
from core.bindings import Bindings
from jobs import actions, archive, schedule

# first, last, phone, street, city, ZIP, day offset, start, days before the demo day it was archived
ARCHIVED = (
    ("Dana", "Whitfield", "(718) 555-0190", "412 Atlantic Ave", "Brooklyn", "11217", -9, "10:00", 8),
    ("Omar", "Haddad", "(718) 555-0191", "77 Prospect Park W", "Brooklyn", "11215", 1, "13:00", 3),
)


async def seed(bindings: Bindings, now: datetime) -> int:
    """Returns how many archived jobs were added."""
    db = bindings.db
    if await db.first("SELECT 1 AS x FROM jobs WHERE archived_at IS NOT NULL LIMIT 1"):
        return 0
    garage = await offices.by_name(db, "Garage")
    people = [u for u in await users.all_users(db) if u.active]
    archivers = [u for u in people if authz.can(u, "jobs.archive")]
    # an admin rather than the owner (who may also delete): the first archiver who cannot delete
    archiver = next((u for u in archivers if not authz.can(u, "jobs.delete")), archivers[0] if archivers else None)
    types = await db.all("SELECT id FROM job_types ORDER BY id")
    partners = await db.all("SELECT id FROM job_partners WHERE active = 1 ORDER BY id")
    area = await db.first("SELECT id FROM service_areas ORDER BY label = 'Brooklyn' DESC, id LIMIT 1")
    if garage is None or archiver is None or not types or not partners or not area or not garage.jobs_enabled:
        return 0
    made = 0
    for i, (first, last, phone, street, city, zip_code, offset, start, archived_ago) in enumerate(ARCHIVED):
        day = (schedule.today_in(garage.time_zone, now) + timedelta(days=offset)).isoformat()
        fields = {
            "office_id": garage.id,
            "first_name": first,
            "last_name": last,
            "phone": phone,
            "address": street,
            "city": city,
            "state": "NY",
            "postal_code": zip_code,
            "service_area_id": area["id"],
            "job_type_id": types[i % len(types)]["id"],
            "partner_id": partners[i % len(partners)]["id"],
            "date_start": day,
            "time_start": start,
            "notes": "Entered twice; the other one is the real job." if i == 0 else "Customer called it off.",
        }
        created = now - timedelta(days=archived_ago + 2)
        job = (await actions.create_job(db, bindings.geocoder, created, archiver, fields)).job
        await archive.archive(db, now - timedelta(days=archived_ago), archiver, job)
        made += 1
    return made

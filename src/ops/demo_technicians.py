"""Demo technicians (issue 19, TECH-1…TECH-6): office addresses, three in-house technicians (one without
a home base, so the day plan shows the office fallback; those the network demo made are used as they
are), and two days of placeholder appointments (network/appointments.py) for the feed and the day plan.

Deterministic and idempotent: an office that has an address, a technician that exists and a technician
that already has appointments are left alone. Everything goes through the owning verbs.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from accounts import offices
from core.bindings import Bindings
from core.records import Actor
from network import appointments, areas, contractors, coverage, settings, technicians

OFFICE_ADDRESSES = {
    "Garage": "1 Hanson Pl, Brooklyn, NY 11217",
    "Sliding": "600 Wilshire Blvd, Los Angeles, CA 90017",
    "General": "233 S Wacker Dr, Chicago, IL 60606",
}

# name, office, home base ('' = none), the ZIPs of the day's stops. The first two are the network demo's
# technicians (ops/demo_network.py) when it ran; any that is missing is made here.
TECHNICIANS = (
    ("Jordan Ellis", "Garage", "245 Atlantic Ave, Brooklyn, NY 11201", ("11215", "11217", "11238", "10003")),
    ("Sam Okafor", "Sliding", "88 N Lake Ave, Pasadena, CA 91101", ("91106", "91001", "91030")),
    ("Rita Alvarez", "General", "", ("60614", "60657", "60647")),
)
JOBS = ("Spring replacement", "Opener install", "Tune-up", "Track repair", "Panel replacement")
START_HOURS = (8, 10, 13, 15)
STREETS = ("Prospect Ave", "Court St", "Fulton St", "Broadway")


async def seed_technicians(bindings: Bindings, now: datetime, actor: Actor) -> int:
    """Returns how many appointments it added."""
    db, geo = bindings.db, bindings.geocoder
    by_name = {o.name: o for o in await offices.all_offices(db)}
    for name, address in OFFICE_ADDRESSES.items():
        office = by_name.get(name)
        if office is not None and not office.address:
            by_name[name] = await technicians.set_office_address(db, now, actor, geo, office, address)
    job_type_id = await _job_type(bindings, now, actor)
    added = 0
    for index, (name, office_name, home, stops) in enumerate(TECHNICIANS):
        office = by_name.get(office_name)
        if office is None:
            continue
        row = await contractors.by_name(db, name)
        if row is None:
            fields = {"name": name, "kind": "technician", "contact_name": name, "job_type_ids": [job_type_id]}
            fields["home_address"] = home
            data = await contractors.check_input(db, fields, creating=True, geocoder=geo)
            row = await contractors.create_contractor(db, now, actor, data)
            place = await geo.zip(stops[0])
            if place is not None:
                for area in await areas.nearest(db, place.lat, place.lng, limit=2):
                    await coverage.set_area(db, now, actor, row, area, True)
        if row["kind"] != "technician":
            continue
        if await appointments.between(db, row["id"], now - timedelta(days=30), now + timedelta(days=30)):
            continue
        added += await _book_days(bindings, now, row["id"], office, stops, index)
    return added


async def _job_type(bindings: Bindings, now: datetime, actor: Actor) -> int:
    """The first active job type (the network demo's), or one made for the technicians."""
    kind = settings.KINDS["job_types"]
    existing = await settings.all_values(bindings.db, kind, active_only=True)
    if existing:
        return int(existing[0]["id"])
    return int((await settings.create_value(bindings.db, now, actor, kind, {"label": "Garage door repair"}))["id"])


async def _book_days(
    bindings: Bindings, now: datetime, contractor_id: int, office: offices.Office, stops: tuple[str, ...], seed: int
) -> int:
    zone = ZoneInfo(office.time_zone)
    today = now.astimezone(zone).date()
    added = 0
    for day_offset in (0, 1):
        day = today + timedelta(days=day_offset)
        for n, zip_code in enumerate(stops):
            place = await bindings.geocoder.zip(zip_code)
            start = datetime.combine(day, time(START_HOURS[n % len(START_HOURS)]), zone)
            await appointments.add(
                bindings.db,
                now,
                contractor_id=contractor_id,
                office_id=office.id,
                title=JOBS[(seed + n + day_offset) % len(JOBS)],
                address=f"{100 + 17 * n} {STREETS[n % len(STREETS)]}, {place.city}, {place.state} {zip_code}"
                if place
                else zip_code,
                lat=place.lat if place else None,
                lng=place.lng if place else None,
                starts=start,
                ends=start + timedelta(minutes=90),
                status="done" if day_offset == 0 and n == 0 else "scheduled",
            )
            added += 1
    return added

"""Technicians' days (TECH-3…TECH-5): where each appointment's travel starts, and how far it is.

A technician is a contractor of `kind = 'technician'` (CTR-11). For each of their appointments on a
day, the travel origin is, in this order (TECH-3):
1. `prior_appointment`: the latest of their other appointments that day ending at or before this one
   starts (a cancelled one never counts, a done one does: TECH-5);
2. `home_base`: the technician's home base address, when set;
3. `office`: the address of the appointment's office, when set;
and otherwise `none`. The distance and minutes come from the routing binding (`core/routing.py`); the
offline default is an estimate and the answer says so in `travel.estimate` and `travel.basis`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from accounts import offices as office_records
from core.errors import Invalid, NotFound
from core.geocoding import Geocoder, Place
from core.records import Actor
from core.routing import Point, Routing
from core.storage import Database, Row
from network import appointments, contractors, values
from network.appointments import Appointment

ORIGIN_KINDS = ("prior_appointment", "home_base", "office", "none")


@dataclass(frozen=True)
class Origin:
    kind: str
    address: str
    point: Point | None
    appointment_id: int | None = None

    def out(self) -> dict[str, Any]:
        return {"kind": self.kind, "address": self.address, "appointment_id": self.appointment_id}


def _point(lat: float | None, lng: float | None) -> Point | None:
    return Point(lat, lng) if lat is not None and lng is not None else None


def prior_appointment(item: Appointment, day: list[Appointment]) -> Appointment | None:
    """The latest appointment of DAY ending at or before ITEM starts (cancelled ones never count)."""
    before = [
        other
        for other in day
        if other.id != item.id and other.status != "cancelled" and other.ends_at <= item.starts_at
    ]
    return max(before, key=lambda o: (o.ends_at, o.starts_at, o.id), default=None)


def origin_for(item: Appointment, day: list[Appointment], technician: Row, office: Row | None) -> Origin:
    prior = prior_appointment(item, day)
    if prior is not None:
        return Origin("prior_appointment", prior.address, _point(prior.lat, prior.lng), prior.id)
    if technician["home_address"]:
        return Origin("home_base", technician["home_address"], _point(technician["home_lat"], technician["home_lng"]))
    if office is not None and office["address"]:
        return Origin("office", office["address"], _point(office["address_lat"], office["address_lng"]))
    return Origin("none", "", None)


async def _offices(db: Database, ids: set[int]) -> dict[int, Row]:
    if not ids:
        return {}
    rows = await db.all(
        "SELECT id, name, address, address_lat, address_lng FROM offices WHERE id IN (SELECT value FROM json_each(?))",
        "[" + ",".join(str(i) for i in sorted(ids)) + "]",
    )
    return {r["id"]: r for r in rows}


async def _position(origin: Origin, geocoder: Geocoder | None) -> Point | None:
    """The origin's position; an address saved without one (e.g. typed on the contractor form) is
    geocoded now."""
    if origin.point is not None or not origin.address or geocoder is None or origin.kind == "prior_appointment":
        return origin.point
    place = await geocoder.address(origin.address)
    return Point(place.lat, place.lng) if place else None


async def day_plan(
    db: Database,
    routing: Routing,
    technician: Row,
    day: date,
    office_ids: list[int] | None = None,
    geocoder: Geocoder | None = None,
) -> dict[str, Any]:
    """The technician's appointments on DAY (not cancelled, not archived), in start order, each with its
    travel origin and the distance from it. OFFICE_IDS limits the appointments to those offices."""
    booked = await appointments.on_day(db, technician["id"], day, office_ids)
    offices = await _offices(db, {a.office_id for a in booked if a.office_id is not None})
    plan = []
    for item in booked:
        if item.status == "cancelled":
            continue
        origin = origin_for(item, booked, technician, offices.get(item.office_id) if item.office_id else None)
        destination = _point(item.lat, item.lng)
        start = await _position(origin, geocoder) if destination is not None else None
        travel = None
        if start is not None and destination is not None:
            route = await routing.route(start, destination)
            travel = {"miles": route.miles, "minutes": route.minutes, "estimate": route.estimate, "basis": route.basis}
        plan.append(
            {
                "id": item.id,
                "title": item.title,
                "address": item.address,
                "office_id": item.office_id,
                "status": item.status,
                "starts_at": item.starts_at,
                "ends_at": item.ends_at,
                "time_zone": item.time_zone,
                "origin": origin.out(),
                "travel": travel,
            }
        )
    return {
        "technician": {"id": technician["id"], "name": technician["name"]},
        "date": day.isoformat(),
        "appointments": plan,
    }


_TECHNICIAN = (
    "SELECT id, name, kind, active, home_address, home_zip, home_city, home_state, home_lat, home_lng"
    " FROM contractors WHERE kind = 'technician'"
)


async def get(db: Database, contractor_id: int) -> Row | None:
    """A technician (a contractor of kind `technician`) by id; None for a company or a missing id."""
    return await db.first(_TECHNICIAN + " AND id = ?", contractor_id)


async def all_technicians(db: Database) -> list[Row]:
    return await db.all(_TECHNICIAN + " ORDER BY name COLLATE NOCASE, id")


# --- addresses: the technician's home base (TECH-1) and the office's (TECH-3) ----------------------------

NOT_FOUND = "We couldn't find that address. Give the street, city, state and 5-digit ZIP."


async def _locate(geocoder: Geocoder, address: str, field: str) -> Place | None:
    """ADDRESS geocoded ('' is no address: None); an address that cannot be found is a 422 on FIELD."""
    if not address:
        return None
    place = await geocoder.address(address)
    if place is None:
        raise Invalid(NOT_FOUND, field)
    return place


async def set_home_base(
    db: Database, now: datetime, actor: Actor, geocoder: Geocoder, technician: Row, address: str
) -> Row:
    """Save the technician's home base address, geocoded by the contractor verbs ('' clears it)."""
    data = await contractors.check_input(db, {"home_address": address}, creating=False, geocoder=geocoder)
    row = await contractors.contractor_for(db, technician["id"])
    if row is None:
        raise NotFound("That technician was removed meanwhile.")
    await contractors.update_contractor(db, now, actor, row, data)
    updated = await get(db, technician["id"])
    assert updated is not None
    return updated


async def set_office_address(
    db: Database, now: datetime, actor: Actor, geocoder: Geocoder, office: office_records.Office, address: str
) -> office_records.Office:
    """Save the office's address, geocoded ('' clears it): the last travel origin (TECH-3)."""
    address = values.optional_text(address, "address", 200)
    place = await _locate(geocoder, address, "address")
    lat, lng = (place.lat, place.lng) if place else (None, None)
    return await office_records.set_address(db, now, actor, office, address, lat, lng)

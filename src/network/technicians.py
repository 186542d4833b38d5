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
from datetime import date
from typing import Any

from core.routing import Point, Routing
from core.storage import Database, Row
from network import appointments
from network.appointments import Appointment

ORIGIN_KINDS = ("prior_appointment", "home_base", "office", "none")


@dataclass(frozen=True)
class Origin:
    kind: str
    address: str
    point: Point | None
    appointment_id: int | None = None

    def out(self) -> dict[str, Any]:
        data: dict[str, Any] = {"kind": self.kind, "address": self.address}
        if self.appointment_id is not None:
            data["appointment_id"] = self.appointment_id
        return data


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


async def day_plan(
    db: Database, routing: Routing, technician: Row, day: date, office_ids: list[int] | None = None
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
        travel = None
        if origin.point is not None and destination is not None:
            route = await routing.route(origin.point, destination)
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

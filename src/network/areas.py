"""Service areas (SA-1…SA-7): 50-mile pins that contractors opt into, geocoded from their main ZIP.

Owns `service_areas`. "Covers a ZIP" is the ZIP's centroid within `RADIUS_MILES` (great-circle) of an
area's pin; the nearest areas to a point are found from a latitude band read from the
`service_areas_position` index (lat, lng, id), widened until enough areas are inside it, then
measured exactly in Python.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from core import records
from core.clock import iso
from core.errors import Conflict, Invalid, NotFound
from core.geocoding import Geocoder, Place, miles_between
from core.records import Actor
from core.storage import Database, IntegrityError, Row, Statement, q, sql_in
from network import values

RADIUS_MILES = 50.0
MILES_PER_DEGREE_LAT = 69.0
NEAREST_MAX = 50
HALF_EARTH_MILES = 12_500.0  # past this every point on Earth is inside
_AREA_CODE_DIGITS = 3


@dataclass(frozen=True)
class AreaInput:
    """A checked area: what create, update and the bulk upload write."""

    label: str
    zip: str
    place: Place
    area_code: str
    office_address: str


async def all_areas(db: Database) -> list[Row]:
    return await db.all("SELECT * FROM service_areas ORDER BY label COLLATE NOCASE, id")


async def area_for(db: Database, area_id: int) -> Row | None:
    """The access function: areas are company-wide (the network is shared by every office)."""
    return await db.first("SELECT * FROM service_areas WHERE id = ?", area_id)


async def lookup_zip(geocoder: Geocoder, raw: Any, field: str = "zip") -> Place:
    """SA-2: the ZIP's city, state and centroid, or a 422 on the field."""
    code = values.zip5(raw, field)
    place = await geocoder.zip(code)
    if place is None:
        raise Invalid(f"{field}: we couldn't find ZIP {code}. Check the digits.", field)
    return place


def area_code(raw: Any) -> str:
    text = values.optional_text(raw, "area_code", 10)
    if text and (len(text) != _AREA_CODE_DIGITS or not text.isascii() or not text.isdigit()):
        raise Invalid("area_code: an area code is 3 digits.", "area_code")
    return text


async def check_input(geocoder: Geocoder, fields: dict[str, Any], current: Row | None = None) -> AreaInput:
    """Every field checked, the ZIP geocoded (a field may be left out to keep the current value)."""

    def pick(name: str) -> Any:
        return fields[name] if name in fields else (current[name] if current else "")

    label = values.label(pick("label"), "label", 80)
    zip_code = values.zip5(pick("zip"))
    if current is not None and zip_code == current["zip"]:
        place = Place(zip_code, current["city"], current["state"], current["lat"], current["lng"], current["time_zone"])
    else:
        place = await lookup_zip(geocoder, zip_code)
    return AreaInput(
        label=label,
        zip=zip_code,
        place=place,
        area_code=area_code(pick("area_code")),
        office_address=values.optional_text(pick("office_address"), "office_address", 200),
    )


def _taken(label: str) -> Conflict:
    return Conflict(f"label: a service area named {label!r} already exists.")


def insert_statement(now: datetime, area: AreaInput) -> Statement:
    """The INSERT for one area, for this module's verbs and the bulk upload's batch."""
    p = area.place
    return q(
        "INSERT INTO service_areas (label, zip, city, state, lat, lng, time_zone, area_code, office_address,"
        " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        area.label,
        area.zip,
        p.city,
        p.state,
        p.lat,
        p.lng,
        p.time_zone,
        area.area_code,
        area.office_address,
        iso(now),
        iso(now),
    )


async def labels_taken(db: Database) -> set[str]:
    return {r["label"].casefold() for r in await db.all("SELECT label FROM service_areas")}


async def create_area(db: Database, now: datetime, actor: Actor, area: AreaInput) -> Row:
    try:
        await db.batch(
            [
                insert_statement(now, area),
                records.audit(now, actor, "service_area.created", f"Service area {area.label} ({area.zip}) added"),
            ]
        )
    except IntegrityError:
        raise _taken(area.label) from None
    row = await db.first("SELECT * FROM service_areas WHERE label = ? COLLATE NOCASE", area.label)
    assert row is not None
    return row


async def update_area(db: Database, now: datetime, actor: Actor, row: Row, area: AreaInput) -> Row:
    p = area.place
    try:
        await db.batch(
            [
                q(
                    "UPDATE service_areas SET label = ?, zip = ?, city = ?, state = ?, lat = ?, lng = ?, time_zone = ?,"
                    " area_code = ?, office_address = ?, version = version + 1, updated_at = ?"
                    " WHERE id = ? AND version = ?",
                    area.label,
                    area.zip,
                    p.city,
                    p.state,
                    p.lat,
                    p.lng,
                    p.time_zone,
                    area.area_code,
                    area.office_address,
                    iso(now),
                    row["id"],
                    row["version"],
                ),
                records.guard_changed(),
                records.audit(
                    now,
                    actor,
                    "service_area.updated",
                    f"Service area {area.label} ({area.zip}) changed",
                    meta={"id": row["id"]},
                ),
            ]
        )
    except records.LostRace:
        raise Conflict() from None
    except IntegrityError:
        raise _taken(area.label) from None
    updated = await area_for(db, row["id"])
    if updated is None:
        raise NotFound("That service area was removed meanwhile.")
    return updated


async def delete_area(db: Database, now: datetime, actor: Actor, row: Row) -> None:
    """SA-7: contractors' coverage of the area goes with it (ON DELETE CASCADE). A job that points at
    it will refuse the delete through its foreign key once jobs exist (a 409 then)."""
    try:
        await db.batch(
            [
                q("DELETE FROM service_areas WHERE id = ? AND version = ?", row["id"], row["version"]),
                records.guard_changed(),
                records.audit(
                    now,
                    actor,
                    "service_area.deleted",
                    f"Service area {row['label']} ({row['zip']}) deleted",
                    meta={"id": row["id"]},
                ),
            ]
        )
    except records.LostRace:
        raise Conflict() from None
    except IntegrityError:
        raise Conflict("Jobs use this service area: it can't be deleted.") from None


# --- where: nearest areas and covering areas --------------------------------------------------------


_COLUMNS = "id, label, zip, city, state, lat, lng"
_POSITION = "id, lat, lng"  # the search reads the index alone; the answer's rows are read once, at the end


def _band(lat: float, lng: float, miles: float) -> tuple[float, float, float, float]:
    dlat = miles / MILES_PER_DEGREE_LAT
    cos = max(math.cos(math.radians(min(89.0, abs(lat) + dlat))), 0.01)
    dlng = miles / (MILES_PER_DEGREE_LAT * cos)
    if dlng >= 180 or abs(lat) + dlat >= 89:  # the band reaches round the globe or over a pole
        return lat - dlat, lat + dlat, -180.0, 180.0
    return lat - dlat, lat + dlat, lng - dlng, lng + dlng


async def _within_box(db: Database, box: tuple[float, float, float, float], columns: str = _COLUMNS) -> list[Row]:
    lo_lat, hi_lat, lo_lng, hi_lng = box
    return await db.all(
        f"SELECT {columns} FROM service_areas INDEXED BY service_areas_position"
        " WHERE lat BETWEEN ? AND ? AND lng BETWEEN ? AND ?",
        lo_lat,
        hi_lat,
        lo_lng,
        hi_lng,
    )


def _measured(rows: list[Row], lat: float, lng: float) -> list[Row]:
    out = [{**r, "miles": round(miles_between(lat, lng, r["lat"], r["lng"]), 2)} for r in rows]
    out.sort(key=lambda r: (r["miles"], r["id"]))
    return out


async def within(db: Database, lat: float, lng: float, miles: float = RADIUS_MILES) -> list[Row]:
    """Areas whose pin is within MILES of the point, nearest first (each with `miles`)."""
    rows = _measured(await _within_box(db, _band(lat, lng, miles)), lat, lng)
    return [r for r in rows if r["miles"] <= miles]


async def covering(db: Database, place: Place) -> list[Row]:
    """SA-6: the areas that cover the ZIP (its centroid within 50 miles of their pin), nearest first."""
    return await within(db, place.lat, place.lng, RADIUS_MILES)


async def nearest(db: Database, lat: float, lng: float, limit: int = 5) -> list[Row]:
    """The LIMIT areas nearest to the point, nearest first. A box of half-width R (starting at 50
    miles) surely holds every area within R, so once LIMIT areas lie within R the answer is known.
    When the box holds LIMIT areas but some lie in its corners, the LIMIT-th nearest of them bounds
    the answer, so one more box of exactly that radius settles it; an emptier box grows ×4."""
    if not 1 <= limit <= NEAREST_MAX:
        raise Invalid(f"limit: from 1 to {NEAREST_MAX}.", "limit")
    check_point(lat, lng)
    miles = RADIUS_MILES
    while True:
        rows = _measured(await _within_box(db, _band(lat, lng, miles), _POSITION), lat, lng)
        inside = [r for r in rows if r["miles"] <= miles]
        if len(inside) >= limit or miles >= HALF_EARTH_MILES:
            return await _whole(db, inside[:limit])
        miles = rows[limit - 1]["miles"] + 0.01 if len(rows) >= limit else miles * 2


async def _whole(db: Database, found: list[Row]) -> list[Row]:
    """The found areas' rows, in the found order, each with its `miles`."""
    if not found:
        return []
    ids = [r["id"] for r in found]
    rows = {
        r["id"]: r for r in await db.all(f"SELECT {_COLUMNS} FROM service_areas WHERE {sql_in('id', ids)[0]}", *ids)
    }
    return [{**rows[r["id"]], "miles": r["miles"]} for r in found if r["id"] in rows]


def check_point(lat: Any, lng: Any) -> tuple[float, float]:
    if not isinstance(lat, int | float) or isinstance(lat, bool) or not -90 <= lat <= 90:
        raise Invalid("lat: a latitude from -90 to 90.", "lat")
    if not isinstance(lng, int | float) or isinstance(lng, bool) or not -180 <= lng <= 180:
        raise Invalid("lng: a longitude from -180 to 180.", "lng")
    return float(lat), float(lng)

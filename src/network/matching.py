"""Who can do this job here: the matching function dispatch calls (FC-1, CTR-5, CTR-9, PZ-3).

`eligible(db, job_type_id=…, area_id=… | point=…)` answers the active contractors who do the job
type and cover the place, each with why it matched, in dispatch order: first the contractors of
every priority zone of that job type holding the point (in each zone's order, older zones first),
then the rest A–Z. A contractor appears once. The place is a service area (its pin is the point
unless a job's own point is given) or a bare point (every area whose pin is within 50 miles of it
counts). Inactive contractors, and contractors without the job type (bulk-uploaded ones have none
yet, CTR-9), never match, not even from a zone.

The answer carries names and ids only: never a contractor's phone or email (X-4, CTR-12).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from core.errors import Invalid
from core.storage import Database, Row
from network import areas, zones

# The one query matching rests on (bench/network.py times it bare): active contractors of the job
# type covering any of the given areas, with the areas each covers.
ELIGIBLE_SQL = (
    "SELECT c.id, c.name, c.kind, group_concat(ca.area_id) AS area_ids"
    " FROM contractor_areas ca INDEXED BY contractor_areas_by_area"
    " JOIN contractors c ON c.id = ca.contractor_id"
    " JOIN contractor_job_types t ON t.contractor_id = ca.contractor_id AND t.job_type_id = ?1"
    " WHERE ca.area_id IN (SELECT value FROM json_each(?2)) AND c.active = 1"
    " GROUP BY c.id"
)
ZONE_MEMBERS_SQL = (
    "SELECT z.zone_id, z.position, c.id, c.name, c.kind FROM priority_zone_contractors z"
    " JOIN contractors c ON c.id = z.contractor_id"
    " JOIN contractor_job_types t ON t.contractor_id = c.id AND t.job_type_id = ?1"
    " WHERE z.zone_id IN (SELECT value FROM json_each(?2)) AND c.active = 1 ORDER BY z.zone_id, z.position"
)


@dataclass(frozen=True)
class Place:
    lat: float | None
    lng: float | None
    area_ids: list[int]
    labels: dict[int, str]


# The job type, the area (each by primary key) and the zones of that type whose box holds the point
# (the job's point, else the area's pin) in one read: a job type that does not exist gives no row, an
# area that does not exist gives NULLs.
START_SQL = (
    "SELECT t.id, t.label, a.id AS area_id, a.label AS area_label, a.lat, a.lng,"
    " (SELECT json_group_array(json_array(z.id, z.label, json(z.ring))) FROM priority_zones z"
    "  WHERE z.job_type_id = t.id AND z.min_lat <= coalesce(?3, a.lat) AND z.max_lat >= coalesce(?3, a.lat)"
    "  AND z.min_lng <= coalesce(?4, a.lng) AND z.max_lng >= coalesce(?4, a.lng)) AS zones"
    " FROM job_types t LEFT JOIN service_areas a ON a.id = ?2 WHERE t.id = ?1"
)


async def _place(db: Database, start: Row, area_id: int | None, point: tuple[float, float] | None) -> Place:
    if area_id is not None:
        if start["area_id"] is None:
            raise Invalid("service_area: no such service area.", "service_area")
        lat, lng = point if point is not None else (start["lat"], start["lng"])
        return Place(lat, lng, [area_id], {area_id: start["area_label"]})
    if point is None:
        raise Invalid("service_area: give a service area or a point (lat and lng).", "service_area")
    near = await areas.within(db, point[0], point[1])
    return Place(point[0], point[1], [r["id"] for r in near], {r["id"]: r["label"] for r in near})


async def eligible(
    db: Database, *, job_type_id: int, area_id: int | None = None, point: tuple[float, float] | None = None
) -> list[dict[str, Any]]:
    lat, lng = point if point is not None else (None, None)
    job_type = await db.first(START_SQL, job_type_id, area_id, lat, lng)
    if job_type is None:
        raise Invalid("job_type: no such job type.", "job_type")
    place = await _place(db, job_type, area_id, point)
    covering = await db.all(ELIGIBLE_SQL, job_type_id, json.dumps(place.area_ids)) if place.area_ids else []
    zoned: list[Row] = []
    zone_rows: list[Row] = []
    if place.lat is not None and place.lng is not None:
        if area_id is None:  # a bare point: the zones were not known before the point was
            zone_rows = await zones.containing(db, place.lat, place.lng, job_type_id)
        else:
            zone_rows = zones.holding(json.loads(job_type["zones"] or "[]"), place.lat, place.lng)
        if zone_rows:
            zoned = await db.all(ZONE_MEMBERS_SQL, job_type_id, json.dumps([z["id"] for z in zone_rows]))
    return _ordered(job_type, place, covering, zoned, {z["id"]: z["label"] for z in zone_rows})


def _ordered(
    job_type: Row, place: Place, covering: list[Row], zoned: list[Row], zone_labels: dict[int, str]
) -> list[dict[str, Any]]:
    by_id = {r["id"]: r for r in covering}
    out: list[dict[str, Any]] = []
    seen: set[int] = set()
    for member in zoned:  # zone order: zone id, then position
        if member["id"] in seen:
            continue
        seen.add(member["id"])
        why = [f"#{member['position']} in priority zone {zone_labels[member['zone_id']]}"]
        out.append(_entry(member, job_type, place, by_id.get(member["id"]), why, member))
    for row in sorted(covering, key=lambda r: (r["name"].casefold(), r["id"])):
        if row["id"] not in seen:
            seen.add(row["id"])
            out.append(_entry(row, job_type, place, row, [], None))
    return out


def _entry(
    contractor: Row, job_type: Row, place: Place, covering: Row | None, why: list[str], zone: Row | None
) -> dict[str, Any]:
    area_ids = sorted(int(a) for a in str(covering["area_ids"]).split(",")) if covering else []
    if area_ids:
        why.append("covers " + ", ".join(place.labels[a] for a in area_ids))
    why.append(f"does {job_type['label']}")
    return {
        "contractor_id": contractor["id"],
        "name": contractor["name"],
        "kind": contractor["kind"],
        "priority": {"zone_id": zone["zone_id"], "position": zone["position"]} if zone else None,
        "area_ids": area_ids,
        "why": why,
    }

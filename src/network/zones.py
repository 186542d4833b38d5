"""Priority zones (PZ-1…PZ-4): a polygon of one job type with an ordered list of contractors that
dispatch tries first for a job inside it. Owns `priority_zones` and `priority_zone_contractors`.

The polygon is a GeoJSON linear ring of [lng, lat] positions: closed (last = first), at least three
distinct points, at most 500 positions. Its bounding box is stored beside it so a point is tested
by ray casting only against zones whose box holds it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise
from typing import Any

from core import records
from core.clock import iso
from core.errors import Conflict, Invalid, NotFound
from core.records import Actor, Ref
from core.storage import Database, Row, Statement, q
from network import values

MAX_POINTS = 500
MIN_DISTINCT = 3
MAX_CONTRACTORS = 100

Ring = list[tuple[float, float]]


@dataclass(frozen=True)
class ZoneInput:
    label: str
    job_type_id: int
    ring: Ring
    contractor_ids: list[int]


def check_ring(raw: Any, field: str = "polygon") -> Ring:
    """PZ-4: a closed ring of 4–500 [lng, lat] positions with at least three distinct points."""
    if not isinstance(raw, list):
        raise Invalid(f"{field}: a list of [lng, lat] positions.", field)
    if len(raw) > MAX_POINTS:
        raise Invalid(f"{field}: at most {MAX_POINTS} points.", field)
    ring: Ring = []
    for point in raw:
        if (
            not isinstance(point, list | tuple)
            or len(point) != 2
            or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in point)
        ):
            raise Invalid(f"{field}: each position is [lng, lat].", field)
        try:
            lng, lat = float(point[0]), float(point[1])
        except OverflowError:  # a JSON integer too large for a float
            lng, lat = float("inf"), float("inf")
        if not (-180 <= lng <= 180 and -90 <= lat <= 90):
            raise Invalid(f"{field}: a position is off the globe ([lng, lat], in that order).", field)
        ring.append((lng, lat))
    if len(set(ring)) < MIN_DISTINCT:
        raise Invalid(f"{field}: a zone needs at least {MIN_DISTINCT} distinct points.", field)
    if ring[0] != ring[-1]:
        raise Invalid(f"{field}: the ring must close (its last position equals its first).", field)
    return ring


def contains(ring: Ring, lat: float, lng: float) -> bool:
    """Ray casting (even-odd rule) in plain lng/lat: whether the point lies inside the ring."""
    inside = False
    for (x1, y1), (x2, y2) in pairwise(ring):
        if (y1 > lat) != (y2 > lat):
            cross = x1 + (lat - y1) * (x2 - x1) / (y2 - y1)
            if lng < cross:
                inside = not inside
    return inside


def holding(candidates: list[list[Any]], lat: float, lng: float) -> list[Row]:
    """Of [id, label, ring] candidates (their box holds the point), the zones whose ring holds it."""
    return [
        {"id": zid, "label": label}
        for zid, label, ring in sorted(candidates, key=lambda c: c[0])
        if contains([(float(p[0]), float(p[1])) for p in ring], lat, lng)
    ]


async def zone_for(db: Database, zone_id: int) -> Row | None:
    """The access function's read (who may see zones is `authz`'s)."""
    return await db.first("SELECT * FROM priority_zones WHERE id = ?", zone_id)


async def all_zones(db: Database) -> list[Row]:
    return await db.all("SELECT * FROM priority_zones ORDER BY label COLLATE NOCASE, id")


async def zone_contractors(db: Database, zone_ids: list[int]) -> dict[int, list[int]]:
    """Each zone's contractor ids in priority order."""
    if not zone_ids:
        return {}
    rows = await db.all(
        "SELECT zone_id, contractor_id FROM priority_zone_contractors"
        " WHERE zone_id IN (SELECT value FROM json_each(?)) ORDER BY zone_id, position",
        json.dumps(zone_ids),
    )
    out: dict[int, list[int]] = {z: [] for z in zone_ids}
    for r in rows:
        out[r["zone_id"]].append(r["contractor_id"])
    return out


async def check_input(db: Database, fields: dict[str, Any], current: Row | None = None) -> ZoneInput:
    """Every field checked. PZ-2: each listed contractor is active and does the zone's job type, and
    appears once."""

    def pick(name: str) -> Any:
        if name in fields:
            return fields[name]
        if current is None:
            raise Invalid(f"{name}: required.", name)
        return json.loads(current["ring"]) if name == "polygon" else current[name]

    label = values.label(pick("label"), "label", 80)
    job_type_id = pick("job_type_id")
    if not isinstance(job_type_id, int) or not await db.first("SELECT id FROM job_types WHERE id = ?", job_type_id):
        raise Invalid("job_type_id: no such job type.", "job_type_id")
    ring = check_ring(pick("polygon"))
    if "contractor_ids" in fields:
        ids = fields["contractor_ids"] or []
    elif current is not None:
        ids = (await zone_contractors(db, [current["id"]]))[current["id"]]
    else:
        ids = []
    await _check_contractors(db, ids, job_type_id)
    return ZoneInput(label, job_type_id, ring, list(ids))


async def _check_contractors(db: Database, ids: list[int], job_type_id: int) -> None:
    if len(ids) != len(set(ids)):
        raise Invalid("contractor_ids: a contractor appears at most once in a zone.", "contractor_ids")
    if len(ids) > MAX_CONTRACTORS:
        raise Invalid(f"contractor_ids: at most {MAX_CONTRACTORS}.", "contractor_ids")
    if not ids:
        return
    eligible = await db.all(
        "SELECT c.id FROM contractors c JOIN contractor_job_types t ON t.contractor_id = c.id AND t.job_type_id = ?"
        " WHERE c.active = 1 AND c.id IN (SELECT value FROM json_each(?))",
        job_type_id,
        json.dumps(ids),
    )
    missing = [i for i in ids if i not in {r["id"] for r in eligible}]
    if missing:
        raise Invalid(
            f"contractor_ids: contractor {missing[0]} is not an active contractor for this job type.", "contractor_ids"
        )


def _box(ring: Ring) -> tuple[float, float, float, float]:
    lats = [p[1] for p in ring]
    lngs = [p[0] for p in ring]
    return min(lats), max(lats), min(lngs), max(lngs)


def _members(zone: int | Ref, ids: list[int]) -> list[Statement]:
    zid_sql, zid = ("(" + zone.sql + ")", zone.params) if isinstance(zone, Ref) else ("?", (zone,))
    out = [q(f"DELETE FROM priority_zone_contractors WHERE zone_id = {zid_sql}", *zid)]
    if ids:
        out.append(
            q(
                "INSERT INTO priority_zone_contractors (zone_id, contractor_id, position)"
                f" SELECT {zid_sql}, value, key + 1 FROM json_each(?)",
                *zid,
                json.dumps(ids),
            )
        )
    return out


async def create_zone(db: Database, now: datetime, actor: Actor, zone: ZoneInput) -> Row:
    box = _box(zone.ring)
    results = await db.batch(
        [
            q(
                "INSERT INTO priority_zones (label, job_type_id, ring, min_lat, max_lat, min_lng, max_lng,"
                " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                zone.label,
                zone.job_type_id,
                json.dumps([list(p) for p in zone.ring]),
                *box,
                iso(now),
                iso(now),
            ),
            *_members(Ref("SELECT max(id) FROM priority_zones"), zone.contractor_ids),
            records.audit(now, actor, "priority_zone.created", f"Priority zone {zone.label} added"),
        ]
    )
    row = await zone_for(db, results[0].rows[0]["id"])
    assert row is not None
    return row


async def update_zone(db: Database, now: datetime, actor: Actor, row: Row, zone: ZoneInput) -> Row:
    box = _box(zone.ring)
    try:
        await db.batch(
            [
                q(
                    "UPDATE priority_zones SET label = ?, job_type_id = ?, ring = ?, min_lat = ?, max_lat = ?,"
                    " min_lng = ?, max_lng = ?, version = version + 1, updated_at = ? WHERE id = ? AND version = ?",
                    zone.label,
                    zone.job_type_id,
                    json.dumps([list(p) for p in zone.ring]),
                    *box,
                    iso(now),
                    row["id"],
                    row["version"],
                ),
                records.guard_changed(),
                *_members(row["id"], zone.contractor_ids),
                records.audit(
                    now, actor, "priority_zone.updated", f"Priority zone {zone.label} changed", meta={"id": row["id"]}
                ),
            ]
        )
    except records.LostRace:
        raise Conflict() from None
    updated = await zone_for(db, row["id"])
    if updated is None:
        raise NotFound("That zone was removed meanwhile.")
    return updated


async def delete_zone(db: Database, now: datetime, actor: Actor, row: Row) -> None:
    await db.batch(
        [
            q("DELETE FROM priority_zones WHERE id = ?", row["id"]),
            records.audit(now, actor, "priority_zone.deleted", f"Priority zone {row['label']} deleted"),
        ]
    )


async def containing(db: Database, lat: float, lng: float, job_type_id: int) -> list[Row]:
    """The zones of JOB_TYPE_ID whose polygon holds the point, oldest first."""
    rows = await db.all(
        "SELECT id, label, ring FROM priority_zones WHERE job_type_id = ? AND min_lat <= ? AND max_lat >= ?"
        " AND min_lng <= ? AND max_lng >= ? ORDER BY id",
        job_type_id,
        lat,
        lat,
        lng,
        lng,
    )
    return [r for r in rows if contains([tuple(p) for p in json.loads(r["ring"])], lat, lng)]

"""The coverage map's data (CTR-4): every service area with the contractors covering it (`/api/coverage`).

One statement: each area row carries its covering contractors as a JSON array built by a correlated
subquery on `contractor_areas_by_area` (area_id, contractor_id), so the cost is one index range per
area, with no GROUP BY over the whole link table. The pin colour counts *active* contractors only
(CTR-4 [A]: an inactive contractor takes no jobs, so it covers nothing); the list still names inactive
ones, marked, so an editor sees why a pin is red.
"""

from __future__ import annotations

import json
from typing import Any

from core.storage import Database, Row

_COVERAGE = """
SELECT a.id, a.label, a.zip, a.city, a.state, a.lat, a.lng,
       (SELECT json_group_array(json_object('id', c.id, 'name', c.name, 'active', c.active))
          FROM (SELECT c.id, c.name, c.active
                  FROM contractor_areas ca JOIN contractors c ON c.id = ca.contractor_id
                 WHERE ca.area_id = a.id
                 ORDER BY c.name COLLATE NOCASE, c.id) AS c) AS covering
  FROM service_areas a
 ORDER BY a.label COLLATE NOCASE, a.id
"""


def density(active_count: int) -> str:
    """The pin colour's name: red = 0 active contractors, yellow = 1, green = 2 or more."""
    return "none" if active_count == 0 else "single" if active_count == 1 else "multiple"


def _area(row: Row) -> dict[str, Any]:
    covering = [
        {"id": c["id"], "name": c["name"], "active": bool(c["active"])} for c in json.loads(row["covering"] or "[]")
    ]
    active = sum(1 for c in covering if c["active"])
    return {
        "id": row["id"],
        "label": row["label"],
        "zip": row["zip"],
        "city": row["city"],
        "state": row["state"],
        "lat": row["lat"],
        "lng": row["lng"],
        "active_contractor_count": active,
        "density": density(active),
        "contractor_ids": [c["id"] for c in covering],
        "contractors": covering,
    }


async def coverage(db: Database) -> list[dict[str, Any]]:
    """Every service area, label order, with lat/lng, its covering contractors and the active count."""
    return [_area(row) for row in await db.all(_COVERAGE)]


async def contractors_for_map(db: Database) -> list[Row]:
    """The map's sidebar: every contractor, name order, with how many areas it covers."""
    return await db.all(
        "SELECT c.id, c.name, c.kind, c.active,"
        " (SELECT COUNT(*) FROM contractor_areas ca WHERE ca.contractor_id = c.id) AS areas"
        " FROM contractors c ORDER BY c.name COLLATE NOCASE, c.id"
    )


async def area_count(db: Database) -> int:
    row = await db.first("SELECT COUNT(*) AS n FROM service_areas")
    return int(row["n"]) if row else 0

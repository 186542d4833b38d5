"""The coverage map's data (CTR-4, SA-3): every service area with the contractors covering it (`/api/coverage`).

One statement: each area row carries its covering contractors (a JSON array) and its coverage by job
type (a JSON object) from correlated subqueries on `contractor_areas_by_area` (area_id, contractor_id),
so the cost is one index range per area, with no GROUP BY over the whole link table. The colour counts
*active* contractors only (CTR-4 [A]: an inactive contractor takes no jobs, so it covers nothing); the
hover list still names inactive ones, marked, so an editor sees why a pin is red. The top-level
`contractors` list (each with its `area_ids`) is folded from the same rows: it holds the contractors
that cover at least one area.
"""

from __future__ import annotations

import json
from typing import Any

from core.storage import Database, Row

_COVERAGE = """
SELECT a.id, a.label, a.zip, a.city, a.state, a.lat, a.lng,
       (SELECT json_group_array(json_object('id', c.id, 'name', c.name, 'kind', c.kind, 'active', c.active))
          FROM (SELECT c.id, c.name, c.kind, c.active
                  FROM contractor_areas ca JOIN contractors c ON c.id = ca.contractor_id
                 WHERE ca.area_id = a.id
                 ORDER BY c.name COLLATE NOCASE, c.id) AS c) AS covering,
       (SELECT json_group_object(t.job_type_id, t.n)
          FROM (SELECT jt.job_type_id, count(*) AS n
                  FROM contractor_areas ca
                  JOIN contractors c ON c.id = ca.contractor_id AND c.active = 1
                  JOIN contractor_job_types jt ON jt.contractor_id = c.id
                 WHERE ca.area_id = a.id
                 GROUP BY jt.job_type_id) AS t) AS by_job_type
  FROM service_areas a
 ORDER BY a.label COLLATE NOCASE, a.id
"""


def colour(active_count: int) -> str:
    """CTR-4: the pin's colour by active contractors covering it: 0 red, 1 yellow, 2 or more green."""
    return "red" if active_count == 0 else "yellow" if active_count == 1 else "green"


def _area(row: Row, folded: dict[int, dict[str, Any]]) -> dict[str, Any]:
    covering = json.loads(row["covering"] or "[]")
    for c in covering:
        entry = folded.setdefault(
            c["id"], {"id": c["id"], "name": c["name"], "kind": c["kind"], "active": bool(c["active"]), "area_ids": []}
        )
        entry["area_ids"].append(row["id"])
    hover = [{"id": c["id"], "name": c["name"], "active": bool(c["active"])} for c in covering]
    active = sum(1 for c in hover if c["active"])
    return {
        "id": row["id"],
        "label": row["label"],
        "zip": row["zip"],
        "city": row["city"],
        "state": row["state"],
        "lat": row["lat"],
        "lng": row["lng"],
        "active_contractors": active,
        "colour": colour(active),
        "contractor_ids": [c["id"] for c in hover],
        "contractors": hover,
        "by_job_type": {str(k): v for k, v in json.loads(row["by_job_type"] or "{}").items()},
    }


async def coverage(db: Database) -> dict[str, Any]:
    """Every service area, label order, with its pin, covering contractors, active count, colour and
    coverage by job type; and each covering contractor with its areas."""
    folded: dict[int, dict[str, Any]] = {}
    areas = [_area(row, folded) for row in await db.all(_COVERAGE)]
    contractors = sorted(folded.values(), key=lambda c: (c["name"].casefold(), c["id"]))
    for c in contractors:
        c["area_ids"].sort()
    return {"areas": areas, "contractors": contractors}


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

"""Which contractor covers which service area (CTR-4, CTR-6): owns `contractor_areas`.

Toggling is one call per pin and idempotent: adding an area a contractor already covers, or removing
one it does not, changes nothing, writes no audit row and answers the same state.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from core import records
from core.records import Actor, Ref
from core.storage import Database, Row, Statement, q


def replace_areas(contractor: int | Ref, area_ids: list[int]) -> list[Statement]:
    """Statements that make the contractor's areas exactly AREA_IDS (for the contractor verbs' batch)."""
    cid_sql, cid = (
        ("(" + contractor.sql + ")", contractor.params) if isinstance(contractor, Ref) else ("?", (contractor,))
    )
    out = [q(f"DELETE FROM contractor_areas WHERE contractor_id = {cid_sql}", *cid)]
    if area_ids:
        out.append(
            q(
                f"INSERT INTO contractor_areas (contractor_id, area_id) SELECT {cid_sql}, value FROM json_each(?)",
                *cid,
                json.dumps(sorted(set(area_ids))),
            )
        )
    return out


async def covers(db: Database, contractor_id: int, area_id: int) -> bool:
    return bool(
        await db.first(
            "SELECT 1 AS x FROM contractor_areas WHERE contractor_id = ? AND area_id = ?", contractor_id, area_id
        )
    )


async def set_area(db: Database, now: datetime, actor: Actor, contractor: Row, area: Row, covered: bool) -> bool:
    """Add (COVERED) or remove one area; returns whether the contractor covers it afterwards."""
    if covered:
        change = q(
            "INSERT INTO contractor_areas (contractor_id, area_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
            contractor["id"],
            area["id"],
        )
        summary = f"Contractor {contractor['name']} now covers {area['label']}"
    else:
        change = q("DELETE FROM contractor_areas WHERE contractor_id = ? AND area_id = ?", contractor["id"], area["id"])
        summary = f"Contractor {contractor['name']} no longer covers {area['label']}"
    await db.batch(
        [
            change,
            records.if_changed(
                records.audit(
                    now,
                    actor,
                    "contractor.area_added" if covered else "contractor.area_removed",
                    summary,
                    meta={"contractor_id": contractor["id"], "area_id": area["id"]},
                )
            ),
        ]
    )
    return covered


async def counts_by_area(db: Database) -> list[Row]:
    """Per area, how many active contractors cover it (the coverage map's colour, CTR-4)."""
    return await db.all(
        "SELECT a.id, a.label, a.zip, a.city, a.state, a.lat, a.lng,"
        " (SELECT count(*) FROM contractor_areas ca JOIN contractors c ON c.id = ca.contractor_id"
        "  WHERE ca.area_id = a.id AND c.active = 1) AS active_contractors"
        " FROM service_areas a ORDER BY a.label COLLATE NOCASE, a.id"
    )


async def contractors_by_area(db: Database) -> list[Row]:
    """Every (area, active contractor) pair, for hover lists: area_id, contractor_id, name."""
    return await db.all(
        "SELECT ca.area_id, c.id AS contractor_id, c.name FROM contractor_areas ca"
        " JOIN contractors c ON c.id = ca.contractor_id WHERE c.active = 1 ORDER BY ca.area_id, c.name COLLATE NOCASE"
    )


def colour(count: int) -> str:
    """CTR-4: the pin's colour by active contractors covering it: 0 red, 1 yellow, 2+ green."""
    return "red" if count == 0 else "yellow" if count == 1 else "green"


async def coverage_map(db: Database) -> dict[str, Any]:
    """Everything the coverage map draws: each area with its active contractors (the hover list),
    its count and colour, and its coverage by job type (SA-3); each contractor with its areas (to
    highlight them, CTR-4), inactive ones included so the editor can show them dimmed."""
    areas = await counts_by_area(db)
    pairs = await contractors_by_area(db)
    by_type = await db.all(
        "SELECT ca.area_id, t.job_type_id, count(*) AS n FROM contractor_areas ca"
        " JOIN contractors c ON c.id = ca.contractor_id AND c.active = 1"
        " JOIN contractor_job_types t ON t.contractor_id = c.id GROUP BY ca.area_id, t.job_type_id"
    )
    people = await db.all(
        "SELECT c.id, c.name, c.kind, c.active, (SELECT json_group_array(area_id) FROM contractor_areas a"
        " WHERE a.contractor_id = c.id) AS area_ids FROM contractors c ORDER BY c.name COLLATE NOCASE, c.id"
    )
    hover: dict[int, list[dict[str, Any]]] = {}
    for p in pairs:
        hover.setdefault(p["area_id"], []).append({"id": p["contractor_id"], "name": p["name"]})
    types: dict[int, dict[str, int]] = {}
    for t in by_type:
        types.setdefault(t["area_id"], {})[str(t["job_type_id"])] = t["n"]
    return {
        "areas": [
            {
                **{k: a[k] for k in ("id", "label", "zip", "city", "state", "lat", "lng")},
                "active_contractors": a["active_contractors"],
                "colour": colour(a["active_contractors"]),
                "contractors": hover.get(a["id"], []),
                "by_job_type": types.get(a["id"], {}),
            }
            for a in areas
        ],
        "contractors": [
            {
                "id": p["id"],
                "name": p["name"],
                "kind": p["kind"],
                "active": bool(p["active"]),
                "area_ids": sorted(json.loads(p["area_ids"])),
            }
            for p in people
        ],
    }

"""Priority zones' JSON API (PZ-1…PZ-4): staff read them; admin and above create, change and delete."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from core.inputs import Id
from core.storage import Row
from network import zones
from routes import lookup
from routes.guard import bindings_of, current_user
from routes.patching import Patch

router = APIRouter(tags=["priority zones"])


def public(row: Row, contractor_ids: list[int]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "label": row["label"],
        "job_type_id": row["job_type_id"],
        "polygon": json.loads(row["ring"]),
        "contractor_ids": contractor_ids,
        "version": row["version"],
    }


class ZoneIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    label: str = Field(max_length=200)
    job_type_id: Id
    polygon: list[Any] = Field(
        max_length=600, description="GeoJSON linear ring: [lng, lat] positions, closed, 3–500 points"
    )
    contractor_ids: list[Id] = Field(default_factory=list, max_length=200, description="In priority order")


class ZonePatch(Patch):
    label: str | None = Field(None, max_length=200)
    job_type_id: Id | None = None
    polygon: list[Any] | None = Field(None, max_length=600)
    contractor_ids: list[Id] | None = Field(None, max_length=200)


async def _answer(request: Request, row: Row) -> dict[str, Any]:
    members = await zones.zone_contractors(bindings_of(request).db, [row["id"]])
    return public(row, members[row["id"]])


@router.get("/api/priority-zones", summary="Every priority zone with its ordered contractors")
async def api_list(request: Request) -> dict[str, Any]:
    db = bindings_of(request).db
    rows = await zones.all_zones(db)
    members = await zones.zone_contractors(db, [r["id"] for r in rows])
    return {"items": [public(r, members[r["id"]]) for r in rows], "total": len(rows)}


@router.post("/api/priority-zones", status_code=201, summary="Draw a priority zone (admin and above)")
async def api_create(request: Request, body: ZoneIn) -> dict[str, Any]:
    b = bindings_of(request)
    zone = await zones.check_input(b.db, body.model_dump())
    return await _answer(request, await zones.create_zone(b.db, b.clock.now(), current_user(request).actor, zone))


@router.get("/api/priority-zones/{zone_id}", summary="One priority zone")
async def api_get(request: Request, zone_id: Id) -> dict[str, Any]:
    return await _answer(request, await lookup.priority_zone(request, zone_id))


@router.patch("/api/priority-zones/{zone_id}", summary="Change a zone: polygon, job type, order of contractors")
async def api_patch(request: Request, zone_id: Id, body: ZonePatch) -> dict[str, Any]:
    row = await lookup.priority_zone(request, zone_id)
    b = bindings_of(request)
    zone = await zones.check_input(b.db, body.model_dump(exclude_unset=True), row)
    return await _answer(request, await zones.update_zone(b.db, b.clock.now(), current_user(request).actor, row, zone))


@router.delete("/api/priority-zones/{zone_id}", status_code=204, summary="Delete a priority zone")
async def api_delete(request: Request, zone_id: Id) -> None:
    row = await lookup.priority_zone(request, zone_id)
    b = bindings_of(request)
    await zones.delete_zone(b.db, b.clock.now(), current_user(request).actor, row)

"""Service areas' JSON API (SA-1…SA-7): CRUD, ZIP lookup, the areas covering a ZIP, the nearest areas
to a point, and the bulk upload. Staff read; owner and finance admins change (X-2)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from core.inputs import Id
from core.storage import Row
from network import areas, uploads
from routes import lookup
from routes.guard import bindings_of, current_user
from routes.patching import Patch
from routes.uploads import read_upload

router = APIRouter(tags=["service areas"])

UPLOAD_BYTES = 2 * 1024 * 1024


def public(row: Row) -> dict[str, Any]:
    return {
        "id": row["id"],
        "label": row["label"],
        "zip": row["zip"],
        "city": row["city"],
        "state": row["state"],
        "lat": row["lat"],
        "lng": row["lng"],
        "time_zone": row["time_zone"],
        "area_code": row["area_code"],
        "office_address": row["office_address"],
        "version": row["version"],
    }


class AreaIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    label: str = Field(max_length=200)
    zip: str = Field(max_length=20, description="5 digits; city, state and the pin come from it")
    area_code: str = Field("", max_length=20)
    office_address: str = Field("", max_length=400)


class AreaPatch(Patch):
    label: str | None = Field(None, max_length=200)
    zip: str | None = Field(None, max_length=20)
    area_code: str | None = Field(None, max_length=20)
    office_address: str | None = Field(None, max_length=400)


@router.get("/api/service-areas", summary="Every service area, A–Z")
async def api_list(request: Request) -> dict[str, Any]:
    rows = await areas.all_areas(bindings_of(request).db)
    return {"items": [public(r) for r in rows], "total": len(rows)}


@router.post("/api/service-areas", status_code=201, summary="Add a service area (its ZIP is geocoded)")
async def api_create(request: Request, body: AreaIn) -> dict[str, Any]:
    b = bindings_of(request)
    area = await areas.check_input(b.geocoder, body.model_dump())
    return public(await areas.create_area(b.db, b.clock.now(), current_user(request).actor, area))


@router.get("/api/service-areas/lookup", summary="City, state, pin and time zone of a ZIP (SA-2)")
async def api_lookup(request: Request, zip: str = Query(max_length=20)) -> dict[str, Any]:
    place = await areas.lookup_zip(bindings_of(request).geocoder, zip)
    return {
        "zip": place.zip,
        "city": place.city,
        "state": place.state,
        "lat": place.lat,
        "lng": place.lng,
        "time_zone": place.time_zone,
    }


@router.get("/api/service-areas/covering", summary="The areas covering a ZIP: its centroid within 50 miles (SA-6)")
async def api_covering(request: Request, zip: str = Query(max_length=20)) -> dict[str, Any]:
    b = bindings_of(request)
    place = await areas.lookup_zip(b.geocoder, zip)
    rows = await areas.covering(b.db, place)
    return {"zip": place.zip, "items": [_near(r) for r in rows], "total": len(rows)}


def _near(row: Row) -> dict[str, Any]:
    return {k: row[k] for k in ("id", "label", "zip", "city", "state", "lat", "lng", "miles")}


@router.get("/api/service-areas/nearest", summary="The areas nearest a point, nearest first, with miles")
async def api_nearest(
    request: Request,
    lat: float = Query(ge=-90, le=90),
    lng: float = Query(ge=-180, le=180),
    limit: int = Query(5, ge=1, le=areas.NEAREST_MAX),
) -> dict[str, Any]:
    rows = await areas.nearest(bindings_of(request).db, lat, lng, limit)
    return {"items": [_near(r) for r in rows], "total": len(rows)}


@router.post(
    "/api/service-areas/import",
    summary="Bulk upload up to 500 areas (multipart field `file`: .xlsx or .csv, columns A–D)",
)
async def api_import(request: Request) -> dict[str, Any]:
    _, data = await read_upload(request, "file", UPLOAD_BYTES, "spreadsheet")
    b = bindings_of(request)
    return await uploads.import_areas(b.db, b.clock.now(), current_user(request).actor, b.geocoder, data)


@router.get("/api/service-areas/{area_id}", summary="One service area")
async def api_get(request: Request, area_id: Id) -> dict[str, Any]:
    return public(await lookup.service_area(request, area_id))


@router.patch("/api/service-areas/{area_id}", summary="Change a service area (a new ZIP is geocoded)")
async def api_patch(request: Request, area_id: Id, body: AreaPatch) -> dict[str, Any]:
    row = await lookup.service_area(request, area_id)
    b = bindings_of(request)
    area = await areas.check_input(b.geocoder, body.model_dump(exclude_unset=True), row)
    return public(await areas.update_area(b.db, b.clock.now(), current_user(request).actor, row, area))


@router.delete("/api/service-areas/{area_id}", status_code=204, summary="Delete a service area (SA-7)")
async def api_delete(request: Request, area_id: Id) -> None:
    row = await lookup.service_area(request, area_id)
    b = bindings_of(request)
    await areas.delete_area(b.db, b.clock.now(), current_user(request).actor, row)

"""Contractors' JSON API (CTR-1…CTR-10): list, one, create, change, the active toggle, one-area
toggles, the bulk upload, and the matching function (`/api/contractors/eligible`). Staff read;
owner and finance admins change (X-2); partners have no access at all (X-4)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from core.errors import Invalid
from core.inputs import Id
from core.storage import Row
from network import contractors, coverage, matching, uploads
from network.values import bp_percent
from routes import lookup
from routes.guard import bindings_of, current_user
from routes.patching import Patch
from routes.uploads import read_upload

router = APIRouter(tags=["contractors"])

UPLOAD_BYTES = 2 * 1024 * 1024
FIELDS = (
    "kind",
    "name",
    "email",
    "contact_name",
    "phone",
    "contact2_name",
    "phone2",
    "notes",
    "home_address",
    "calendar_url",
)


def public(row: Row, details: dict[str, list[Any]] | None = None) -> dict[str, Any]:
    out = {"id": row["id"], **{k: row[k] for k in FIELDS}}
    out |= {
        "profit_share_percent": bp_percent(row["profit_share_bp"]),
        "secondary_share_percent": bp_percent(row["secondary_share_bp"]),
        "active": bool(row["active"]),
        "home_base": {k: row[f"home_{k}"] for k in ("zip", "city", "state", "lat", "lng")},
        "version": row["version"],
    }
    if details is not None:
        out |= details
    return out


class ContractorIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(max_length=300, description="The company name; unique without regard to case")
    kind: str = Field("company", description="company or technician")
    email: str = Field("", max_length=300, description="Where reports go")
    contact_name: str = Field("", max_length=300)
    phone: str = Field("", max_length=60)
    contact2_name: str = Field("", max_length=300)
    phone2: str = Field("", max_length=60)
    notes: str = Field("", max_length=4000)
    job_type_ids: list[Id] = Field(default_factory=list, max_length=200)
    area_ids: list[Id] = Field(default_factory=list, max_length=10_000)
    profit_share_percent: float | None = Field(None, description="0–100, at most two decimals")
    secondary_share_percent: float | None = None
    secondary_zips: list[str] = Field(default_factory=list, max_length=600)
    secondary_partners: list[str] = Field(default_factory=list, max_length=60)
    active: bool = True
    home_address: str = Field("", max_length=400, description="Technicians: home base, geocoded on save")
    calendar_url: str = Field("", max_length=1000, description="Technicians: their external calendar link")


class ContractorPatch(Patch):
    NULLABLE = frozenset({"profit_share_percent", "secondary_share_percent"})
    name: str | None = Field(None, max_length=300)
    kind: str | None = None
    email: str | None = Field(None, max_length=300)
    contact_name: str | None = Field(None, max_length=300)
    phone: str | None = Field(None, max_length=60)
    contact2_name: str | None = Field(None, max_length=300)
    phone2: str | None = Field(None, max_length=60)
    notes: str | None = Field(None, max_length=4000)
    job_type_ids: list[Id] | None = Field(None, max_length=200)
    area_ids: list[Id] | None = Field(None, max_length=10_000)
    profit_share_percent: float | None = None
    secondary_share_percent: float | None = None
    secondary_zips: list[str] | None = Field(None, max_length=600)
    secondary_partners: list[str] | None = Field(None, max_length=60)
    active: bool | None = None
    home_address: str | None = Field(None, max_length=400)
    calendar_url: str | None = Field(None, max_length=1000)


def _list_item(row: Row) -> dict[str, Any]:
    import json

    return public(row) | {"area_count": row["area_count"], "job_type_ids": sorted(json.loads(row["job_type_ids_json"]))}


@router.get("/api/contractors", summary="Contractors A–Z, with area counts and job types (CTR-3)")
async def api_list(
    request: Request,
    search: str = Query("", max_length=60),
    job_type: Id | None = Query(None, description="Only contractors who do this job type"),
    active: bool | None = Query(None),
    kind: str | None = Query(None, pattern="^(company|technician)$"),
) -> dict[str, Any]:
    rows = await contractors.listing(
        bindings_of(request).db, search=search.strip(), job_type_id=job_type, active=active, kind=kind
    )
    return {"items": [_list_item(r) for r in rows], "total": len(rows)}


@router.post("/api/contractors", status_code=201, summary="Add a contractor (owner, finance admin)")
async def api_create(request: Request, body: ContractorIn) -> dict[str, Any]:
    b = bindings_of(request)
    data = await contractors.check_input(b.db, body.model_dump(), creating=True, geocoder=b.geocoder)
    row = await contractors.create_contractor(b.db, b.clock.now(), current_user(request).actor, data)
    return public(row, await contractors.details(b.db, row["id"]))


@router.get("/api/contractors/eligible", summary="Who can do a job type here, zone priority first, with why")
async def api_eligible(
    request: Request,
    job_type: Annotated[Id, Query(description="The job type's id")],
    service_area: Id | None = Query(None, description="The service area's id (or give lat and lng)"),
    lat: float | None = Query(None, ge=-90, le=90),
    lng: float | None = Query(None, ge=-180, le=180),
) -> dict[str, Any]:
    if (lat is None) != (lng is None):
        field = "lng" if lng is None else "lat"
        raise Invalid(f"{field}: give lat and lng together.", field)
    point = (lat, lng) if lat is not None and lng is not None else None
    items = await matching.eligible(bindings_of(request).db, job_type_id=job_type, area_id=service_area, point=point)
    return {"items": items, "total": len(items)}


@router.post(
    "/api/contractors/import",
    summary="Bulk upload up to 1,000 contractors (multipart field `file`: .xlsx or .csv, columns A–K)",
)
async def api_import(request: Request) -> dict[str, Any]:
    _, data = await read_upload(request, "file", UPLOAD_BYTES, "spreadsheet")
    b = bindings_of(request)
    return await uploads.import_contractors(b.db, b.clock.now(), current_user(request).actor, data)


@router.get("/api/contractors/{contractor_id}", summary="One contractor with job types, areas and share terms")
async def api_get(request: Request, contractor_id: Id) -> dict[str, Any]:
    row = await lookup.contractor(request, contractor_id)
    return public(row, await contractors.details(bindings_of(request).db, row["id"]))


@router.patch("/api/contractors/{contractor_id}", summary="Change a contractor (lists given replace the old ones)")
async def api_patch(request: Request, contractor_id: Id, body: ContractorPatch) -> dict[str, Any]:
    row = await lookup.contractor(request, contractor_id)
    b = bindings_of(request)
    data = await contractors.check_input(b.db, body.model_dump(exclude_unset=True), creating=False, geocoder=b.geocoder)
    updated = await contractors.update_contractor(b.db, b.clock.now(), current_user(request).actor, row, data)
    return public(updated, await contractors.details(b.db, row["id"]))


async def _toggle(request: Request, contractor_id: int, area_id: int, covered: bool) -> dict[str, Any]:
    row = await lookup.contractor(request, contractor_id)
    area = await lookup.service_area(request, area_id)
    b = bindings_of(request)
    await coverage.set_area(b.db, b.clock.now(), current_user(request).actor, row, area, covered)
    return {"contractor_id": row["id"], "area_id": area["id"], "covered": covered}


@router.put("/api/contractors/{contractor_id}/areas/{area_id}", summary="The contractor covers this area (idempotent)")
async def api_add_area(request: Request, contractor_id: Id, area_id: Id) -> dict[str, Any]:
    return await _toggle(request, contractor_id, area_id, True)


@router.delete(
    "/api/contractors/{contractor_id}/areas/{area_id}", summary="The contractor stops covering it (idempotent)"
)
async def api_remove_area(request: Request, contractor_id: Id, area_id: Id) -> dict[str, Any]:
    return await _toggle(request, contractor_id, area_id, False)

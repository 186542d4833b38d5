"""The coverage map (issue 19, CTR-4, CTR-6): the page and its JSON.

The page draws the map in the browser (public/static/coverage.js, vendored d3-geo + us-atlas) from
`GET /api/coverage`; in-place editing calls the contractors API's idempotent
`PUT`/`DELETE /api/contractors/{id}/areas/{area_id}` (routes of the contractors module).
"""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel

from accounts import authz
from network import coverage_map, settings
from routes.guard import bindings_of, current_user
from routes.pages import render

router = APIRouter()


class CoveringContractor(BaseModel):
    id: int
    name: str
    active: bool


class CoverageArea(BaseModel):
    id: int
    label: str
    zip: str
    city: str
    state: str
    lat: float
    lng: float
    active_contractors: int
    colour: str
    contractor_ids: list[int]
    contractors: list[CoveringContractor]
    by_job_type: dict[str, int]


class CoverageContractor(BaseModel):
    id: int
    name: str
    kind: str
    active: bool
    area_ids: list[int]


class Coverage(BaseModel):
    areas: list[CoverageArea]
    contractors: list[CoverageContractor]


@router.get(
    "/api/coverage",
    tags=["contractors"],
    summary="Every service area with its covering contractors (the coverage map)",
    description=(
        "One entry per service area, label order: its pin (`lat`, `lng`), the contractors covering it"
        " (inactive ones included, marked `active: false`), `active_contractors` and `colour` — `red` (0"
        " active), `yellow` (1) or `green` (2+) — and `by_job_type` (job type id → active contractors of that"
        " type). `contractors`: each contractor covering at least one area, with its `area_ids`. No contact"
        " details. One SQL statement."
    ),
    response_model=Coverage,
)
async def api_coverage(request: Request) -> dict[str, Any]:
    return await coverage_map.coverage(bindings_of(request).db)


@router.get("/contractors/coverage", response_class=HTMLResponse, include_in_schema=False)
async def coverage_page(request: Request) -> HTMLResponse:
    user = current_user(request)
    db = bindings_of(request).db
    contractors, area_count, job_types = await asyncio.gather(
        coverage_map.contractors_for_map(db),
        coverage_map.area_count(db),
        settings.all_values(db, settings.KINDS["job_types"]),
    )
    return render(
        request,
        "contractors/coverage.html",
        contractors=contractors,
        area_count=area_count,
        job_type_names={str(t["id"]): t["label"] for t in job_types},
        can_edit=authz.can(user, "network.edit"),
    )

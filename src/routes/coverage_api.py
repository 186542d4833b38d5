"""The coverage map's data (CTR-4, SA-3): every area with its active-contractor count and colour, its
hover list and coverage by job type, and every contractor's areas. Staff read it; partners do not."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from network import coverage
from routes.guard import bindings_of

router = APIRouter(tags=["contractors"])


@router.get(
    "/api/coverage", summary="Areas coloured by active contractors (0 red, 1 yellow, 2+ green), with who covers each"
)
async def api_coverage(request: Request) -> dict[str, Any]:
    return await coverage.coverage_map(bindings_of(request).db)

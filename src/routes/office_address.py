"""An office's address (issue 19, TECH-3 [A]): the last travel origin of a technician's day.

Saved geocoded through the geocoder binding; an address it cannot find is a 422 on `address` (a flash
message on the Maintenance page) and changes nothing.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from core.inputs import Id
from network import technicians
from routes import lookup
from routes.guard import bindings_of, current_user
from routes.pages import redirect, refusals_go_back_to

router = APIRouter()


class OfficeAddressIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    address: str = Field(max_length=300, description="Street, city, state and ZIP; '' clears it")


class OfficeAddress(BaseModel):
    id: int
    name: str
    address: str
    address_lat: float | None
    address_lng: float | None


@router.put(
    "/api/offices/{office_id}/address",
    tags=["offices"],
    summary="Set an office's address (geocoded; a technician's last travel origin, TECH-3)",
    response_model=OfficeAddress,
)
async def api_office_address(request: Request, office_id: Id, body: OfficeAddressIn) -> dict[str, Any]:
    office = await lookup.office(request, office_id)
    b = bindings_of(request)
    actor = current_user(request).actor
    saved = await technicians.set_office_address(b.db, b.clock.now(), actor, b.geocoder, office, body.address)
    return {
        "id": saved.id,
        "name": saved.name,
        "address": saved.address,
        "address_lat": saved.address_lat,
        "address_lng": saved.address_lng,
    }


@router.post("/maintenance/offices/{office_id}/address", include_in_schema=False)
async def office_address_form(request: Request, office_id: Id, address: str = Form("", max_length=300)) -> Response:
    office = await lookup.office(request, office_id)
    b = bindings_of(request)
    back = f"/maintenance/offices/{office.id}"
    with refusals_go_back_to(back):
        await technicians.set_office_address(
            b.db, b.clock.now(), current_user(request).actor, b.geocoder, office, address
        )
    return redirect(back, "Office address saved.")

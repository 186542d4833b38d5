"""Technicians (issue 19, TECH-1…TECH-6): the day plan, the calendar feed and its secret URL.

`GET /calendar/technicians/{token}.ics` is public on purpose: a calendar app polls it with no session,
and the unguessable token is its only credential (network/calendar.py). Everything else is the
contractors' pages' access: contractor editors manage the feed URL, staff who read contractors read the
day plan (limited to appointments in offices they see).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from accounts import authz
from core.errors import NotFound
from core.inputs import Id
from network import calendar, technicians
from routes import lookup
from routes.guard import bindings_of, current_user

router = APIRouter()


class Origin(BaseModel):
    kind: str
    address: str
    appointment_id: int | None = None


class Travel(BaseModel):
    miles: float
    minutes: int
    estimate: bool
    basis: str


class PlannedAppointment(BaseModel):
    id: int
    title: str
    address: str
    office_id: int | None
    status: str
    starts_at: str
    ends_at: str
    time_zone: str
    origin: Origin
    travel: Travel | None


class TechnicianRef(BaseModel):
    id: int
    name: str


class DayPlan(BaseModel):
    technician: TechnicianRef
    date: str
    appointments: list[PlannedAppointment]


class Technician(BaseModel):
    id: int
    name: str
    active: bool
    home_address: str
    home_zip: str | None
    home_city: str | None
    home_state: str | None
    home_lat: float | None
    home_lng: float | None
    calendar_feed: bool


class HomeBaseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    home_address: str = Field(max_length=300, description="Street, city, state and ZIP; '' clears it")


class FeedUrl(BaseModel):
    feed_url: str
    created_at: str


@router.get(
    "/api/technicians/{contractor_id}/day",
    tags=["contractors"],
    summary="A technician's day: each appointment's travel origin and distance (TECH-3, TECH-4)",
    description=(
        "Appointments on `date` (the technician's local date), in start order, cancelled and archived ones"
        " left out. `origin.kind` is `prior_appointment` (the latest one that day ending at or before this"
        " one starts), else `home_base`, else `office` (the appointment office's address), else `none`."
        " `travel` is null when either end has no coordinates; with the offline router it is an estimate"
        " (`estimate: true`, `basis` says how it was computed)."
    ),
    response_model=DayPlan,
)
async def api_day(request: Request, contractor_id: Id, day: date = Query(alias="date")) -> dict[str, Any]:
    technician = await lookup.technician(request, contractor_id)
    b = bindings_of(request)
    offices = authz.scope_office_ids(current_user(request))
    return await technicians.day_plan(b.db, b.routing, technician, day, offices, b.geocoder)


def _technician_out(row: Any, has_feed: bool) -> dict[str, Any]:
    return {
        "id": row["id"],
        "name": row["name"],
        "active": bool(row["active"]),
        **{k: row[k] for k in ("home_address", "home_zip", "home_city", "home_state", "home_lat", "home_lng")},
        "calendar_feed": has_feed,
    }


@router.get(
    "/api/technicians/{contractor_id}",
    tags=["contractors"],
    summary="A technician's home base and whether a calendar feed URL is issued",
    response_model=Technician,
)
async def api_technician(request: Request, contractor_id: Id) -> dict[str, Any]:
    technician = await lookup.technician(request, contractor_id)
    feed = await calendar.has_feed(bindings_of(request).db, technician["id"])
    return _technician_out(technician, feed is not None)


@router.put(
    "/api/technicians/{contractor_id}/home-base",
    tags=["contractors"],
    summary="Set a technician's home base address (geocoded; TECH-1)",
    description="An address the geocoder cannot find is a 422 on `home_address` and changes nothing.",
    response_model=Technician,
)
async def api_home_base(request: Request, contractor_id: Id, body: HomeBaseIn) -> dict[str, Any]:
    technician = await lookup.technician(request, contractor_id)
    b = bindings_of(request)
    actor = current_user(request).actor
    updated = await technicians.set_home_base(b.db, b.clock.now(), actor, b.geocoder, technician, body.home_address)
    return _technician_out(updated, await calendar.has_feed(b.db, updated["id"]) is not None)


@router.post(
    "/api/technicians/{contractor_id}/calendar",
    tags=["contractors"],
    summary="Issue (or rotate) a technician's secret calendar feed URL",
    description="The URL is shown once; issuing again replaces it and the old URL stops working. Audited.",
    response_model=FeedUrl,
    status_code=201,
)
async def api_issue_feed(request: Request, contractor_id: Id) -> dict[str, Any]:
    technician = await lookup.technician(request, contractor_id)
    b = bindings_of(request)
    now = b.clock.now()
    token = await calendar.issue_token(b.db, now, current_user(request).actor, technician)
    feed = await calendar.has_feed(b.db, technician["id"])
    assert feed is not None
    return {"feed_url": feed_url(request, token), "created_at": feed["created_at"]}


@router.delete(
    "/api/technicians/{contractor_id}/calendar",
    tags=["contractors"],
    summary="Revoke a technician's calendar feed URL",
    status_code=204,
)
async def api_revoke_feed(request: Request, contractor_id: Id) -> Response:
    technician = await lookup.technician(request, contractor_id)
    b = bindings_of(request)
    if not await calendar.revoke_token(b.db, b.clock.now(), current_user(request).actor, technician):
        raise NotFound("That technician has no calendar feed URL.")
    return Response(status_code=204)


def feed_url(request: Request, token: str) -> str:
    return str(request.url_for("technician_feed", token=token))


@router.get("/calendar/technicians/{token}.ics", name="technician_feed", include_in_schema=False)
async def technician_feed(request: Request, token: str) -> Response:
    b = bindings_of(request)
    now = b.clock.now()
    contractor_id = await calendar.technician_for_token(b.db, now, token)
    technician = await technicians.get(b.db, contractor_id) if contractor_id else None
    if technician is None:
        return Response("Not found.", status_code=404, media_type="text/plain")
    body = await calendar.feed(b.db, now, technician, request.url.hostname or "porchlight")
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={"Cache-Control": "private, max-age=300", "Content-Disposition": 'inline; filename="calendar.ics"'},
    )

"""Technicians' pages (issue 19, TECH-1…TECH-6): the list, and per technician the day plan, the home base
and the calendar feed URL (shown once when issued)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from accounts import authz
from core.clock import parse
from core.inputs import Id
from network import calendar, technicians
from routes import lookup
from routes.guard import bindings_of, current_user
from routes.pages import redirect, refusals_go_back_to, render
from routes.technicians import feed_url

router = APIRouter()

ORIGINS = {
    "prior_appointment": "previous appointment",
    "home_base": "home base",
    "office": "office",
    "none": "unknown start",
}


@router.get("/contractors/technicians", response_class=HTMLResponse, include_in_schema=False)
async def technicians_page(request: Request) -> HTMLResponse:
    rows = await technicians.all_technicians(bindings_of(request).db)
    return render(request, "contractors/technicians.html", technicians=rows)


def _day(raw: str | None, fallback: date) -> date:
    try:
        return date.fromisoformat(raw) if raw else fallback
    except ValueError:
        return fallback


def _rows(plan: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for item in plan["appointments"]:
        zone = ZoneInfo(item["time_zone"])
        start, end = parse(item["starts_at"]).astimezone(zone), parse(item["ends_at"]).astimezone(zone)
        out.append(
            {
                **item,
                "when": f"{start:%-I:%M %p} – {end:%-I:%M %p}",
                "origin_label": ORIGINS[item["origin"]["kind"]],
            }
        )
    return out


async def _technician_page(request: Request, contractor_id: int, *, new_feed_url: str = "") -> HTMLResponse:
    technician = await lookup.technician(request, contractor_id)
    b = bindings_of(request)
    user = current_user(request)
    today = b.clock.now().astimezone(ZoneInfo("America/New_York")).date()
    day = _day(request.query_params.get("date"), today)
    plan = await technicians.day_plan(b.db, b.routing, technician, day, authz.scope_office_ids(user), b.geocoder)
    return render(
        request,
        "contractors/technician.html",
        technician=technician,
        day=day,
        previous=day - timedelta(days=1),
        following=day + timedelta(days=1),
        rows=_rows(plan),
        feed=await calendar.has_feed(b.db, technician["id"]),
        new_feed_url=new_feed_url,
        can_edit=authz.can(user, "network.edit"),
    )


@router.get("/contractors/technicians/{contractor_id}", response_class=HTMLResponse, include_in_schema=False)
async def technician_page(request: Request, contractor_id: Id) -> HTMLResponse:
    return await _technician_page(request, contractor_id)


@router.post("/contractors/technicians/{contractor_id}/home-base", include_in_schema=False)
async def home_base_form(request: Request, contractor_id: Id, home_address: str = Form("", max_length=300)) -> Response:
    technician = await lookup.technician(request, contractor_id)
    b = bindings_of(request)
    back = f"/contractors/technicians/{technician['id']}"
    with refusals_go_back_to(back):
        actor = current_user(request).actor
        await technicians.set_home_base(b.db, b.clock.now(), actor, b.geocoder, technician, home_address)
    return redirect(back, "Home base saved.")


@router.post("/contractors/technicians/{contractor_id}/calendar", include_in_schema=False)
async def issue_feed_form(request: Request, contractor_id: Id) -> Response:
    """Issue or rotate the feed URL and show it on the page this once (it is not stored in the clear)."""
    technician = await lookup.technician(request, contractor_id)
    b = bindings_of(request)
    token = await calendar.issue_token(b.db, b.clock.now(), current_user(request).actor, technician)
    response = await _technician_page(request, contractor_id, new_feed_url=feed_url(request, token))
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post("/contractors/technicians/{contractor_id}/calendar/revoke", include_in_schema=False)
async def revoke_feed_form(request: Request, contractor_id: Id) -> Response:
    technician = await lookup.technician(request, contractor_id)
    b = bindings_of(request)
    await calendar.revoke_token(b.db, b.clock.now(), current_user(request).actor, technician)
    return redirect(f"/contractors/technicians/{technician['id']}", "Calendar feed URL revoked.")

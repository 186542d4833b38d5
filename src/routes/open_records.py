"""The open-records tray: pin and unpin from the pages and the JSON API, and the tray every page shows."""

from __future__ import annotations

import re
from typing import Any, Literal

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from core.storage import Row
from customers import open_records
from routes import lookup
from routes.guard import bindings_of, current_user, wants_json
from routes.pages import redirect, refusals_go_back_to

router = APIRouter()

_RECORD_PAGE = re.compile(r"^/(leads|clients|jobs)/((?:[LC]|JOB)-\d{1,12})$", re.IGNORECASE)
_KIND_OF_PATH = {"leads": "lead", "clients": "customer", "jobs": "job"}
_PATH_OF_KIND = {"lead": "leads", "customer": "clients", "job": "jobs"}


async def load_tray(request: Request) -> None:
    """App-wide, after the gate: full pages get the signed-in user's tray (`request.state.tray`) and,
    on a lead or client page, `request.state.tray_here` for its pin button. JSON, htmx fragments and
    unsafe methods skip the read."""
    user = getattr(request.state, "user", None)
    if user is None or request.method != "GET" or wants_json(request) or request.headers.get("hx-request"):
        return
    tray = await open_records.tray_for(bindings_of(request).db, user)
    request.state.tray = tray
    if m := _RECORD_PAGE.match(request.url.path):
        kind = _KIND_OF_PATH[m.group(1).lower()]
        display_id = m.group(2).upper()
        pinned = any(p.kind == kind and p.display_id == display_id for p in tray)
        request.state.tray_here = {"kind": kind, "id": display_id, "path": m.group(1), "pinned": pinned}


async def _record(request: Request, kind: str, display_id: str) -> Row:
    """The record through its own access function: 404 alike for missing and not allowed."""
    find = {"lead": lookup.lead, "customer": lookup.customer, "job": lookup.job}[kind]
    return await find(request, display_id)


def _back(next_url: str, fallback: str) -> str:
    """Only a path on this site (never `//host` or a scheme)."""
    return next_url if next_url.startswith("/") and not next_url.startswith(("//", "/\\")) else fallback


async def _page_pin(request: Request, kind: str, display_id: str, next_url: str) -> Response:
    b = bindings_of(request)
    row = await _record(request, kind, display_id)
    fallback = f"/{_PATH_OF_KIND[kind]}/{row['display_id']}"
    with refusals_go_back_to(_back(next_url, fallback)):
        await open_records.pin(b.db, b.clock.now(), current_user(request), kind, row["id"])
    return redirect(_back(next_url, fallback), f"{row['display_id']} is in your tray.")


async def _page_unpin(request: Request, kind: str, display_id: str, next_url: str) -> Response:
    await open_records.unpin(bindings_of(request).db, current_user(request), kind, display_id)
    fallback = f"/{_PATH_OF_KIND[kind]}/{display_id}"
    return redirect(_back(next_url, fallback), f"{display_id.upper()[:20]} left your tray.")


@router.post("/leads/{display_id}/pin", include_in_schema=False)
async def pin_lead(request: Request, display_id: str, next: str = Form("", max_length=500)) -> Response:
    return await _page_pin(request, "lead", display_id, next)


@router.post("/leads/{display_id}/unpin", include_in_schema=False)
async def unpin_lead(request: Request, display_id: str, next: str = Form("", max_length=500)) -> Response:
    return await _page_unpin(request, "lead", display_id, next)


@router.post("/clients/{display_id}/pin", include_in_schema=False)
async def pin_client(request: Request, display_id: str, next: str = Form("", max_length=500)) -> Response:
    return await _page_pin(request, "customer", display_id, next)


@router.post("/clients/{display_id}/unpin", include_in_schema=False)
async def unpin_client(request: Request, display_id: str, next: str = Form("", max_length=500)) -> Response:
    return await _page_unpin(request, "customer", display_id, next)


@router.post("/jobs/{display_id}/pin", include_in_schema=False)
async def pin_job(request: Request, display_id: str, next: str = Form("", max_length=500)) -> Response:
    return await _page_pin(request, "job", display_id, next)


@router.post("/jobs/{display_id}/unpin", include_in_schema=False)
async def unpin_job(request: Request, display_id: str, next: str = Form("", max_length=500)) -> Response:
    return await _page_unpin(request, "job", display_id, next)


class PinIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["lead", "customer", "job"]
    id: str = Field(min_length=1, max_length=20)


async def _api_tray(request: Request) -> dict[str, Any]:
    tray = await open_records.tray_for(bindings_of(request).db, current_user(request))
    return {"items": [p.public() for p in tray], "limit": open_records.LIMIT}


@router.get("/api/open-records", tags=["open records"], summary="Your open-records tray")
async def api_tray(request: Request) -> dict[str, Any]:
    return await _api_tray(request)


@router.post("/api/open-records", tags=["open records"], summary="Pin a lead, customer or job to your tray")
async def api_pin(request: Request, body: PinIn) -> dict[str, Any]:
    b = bindings_of(request)
    row = await _record(request, body.kind, body.id)
    await open_records.pin(b.db, b.clock.now(), current_user(request), body.kind, row["id"])
    return await _api_tray(request)


@router.delete("/api/open-records/{kind}/{display_id}", tags=["open records"], summary="Unpin from your tray")
async def api_unpin(request: Request, kind: str, display_id: str) -> Response:
    if kind not in open_records.KINDS:
        raise HTTPException(422, "kind is lead, customer or job.")
    await open_records.unpin(bindings_of(request).db, current_user(request), kind, display_id)
    return Response(status_code=204)

"""Tracking-source routes (seed 002 "Office order: payload → tracking source → source default →
General"): the editor on the lead-sources page and `/api/tracking-sources`, owner only."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from core.errors import Invalid, NotFound
from core.inputs import Id, parse_id
from leads import tracking_sources
from routes.guard import bindings_of, current_user
from routes.pages import redirect, refusals_go_back_to

router = APIRouter()

PAGE = "/maintenance/sources#tracking-sources"


def _out(row: Any) -> dict[str, Any]:
    return {"label": row["label"], "office_id": row["office_id"], "office": row["office_name"]}


@router.get("/api/tracking-sources", tags=["leads"], summary="Tracking-source labels and the office each routes to")
async def api_list(request: Request) -> list[dict[str, Any]]:
    return [_out(r) for r in await tracking_sources.all_routes(bindings_of(request).db)]


class TrackingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    label: str = Field(min_length=1, max_length=tracking_sources.MAX_LABEL)
    office_id: Id


@router.put(
    "/api/tracking-sources",
    tags=["leads"],
    summary="Route a tracking-source label to an office (owner; adds or moves it)",
)
async def api_set(request: Request, body: TrackingIn) -> list[dict[str, Any]]:
    b = bindings_of(request)
    await tracking_sources.set_route(b.db, b.clock.now(), current_user(request).actor, body.label, body.office_id)
    return await api_list(request)


@router.delete("/api/tracking-sources/{label}", tags=["leads"], summary="Stop routing a tracking-source label (owner)")
async def api_remove(request: Request, label: str) -> Response:
    b = bindings_of(request)
    await tracking_sources.remove_route(b.db, b.clock.now(), current_user(request).actor, label)
    return Response(status_code=204)


@router.post("/maintenance/tracking-sources", include_in_schema=False)
async def page_set(
    request: Request,
    label: str = Form("", max_length=tracking_sources.MAX_LABEL + 20),
    office_id: str = Form("", max_length=12),
) -> Response:
    b = bindings_of(request)
    with refusals_go_back_to(PAGE):
        await tracking_sources.set_route(b.db, b.clock.now(), current_user(request).actor, label, parse_id(office_id))
    return redirect(PAGE, f"Tracking source “{label.strip()}” saved.")


@router.post("/maintenance/tracking-sources/delete", include_in_schema=False)
async def page_remove(request: Request, label: str = Form("", max_length=tracking_sources.MAX_LABEL + 20)) -> Response:
    b = bindings_of(request)
    with refusals_go_back_to(PAGE, (Invalid, NotFound)):
        await tracking_sources.remove_route(b.db, b.clock.now(), current_user(request).actor, label)
    return redirect(PAGE, f"Tracking source “{label.strip()}” removed.")

"""Outbound webhooks as JSON (owner; issue 22): endpoints, the dashboard, the timeline.
Redeliver is the outbox's own `POST /api/outbox/{id}/redeliver` (the id is the `webhook-id`)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from core.inputs import Id
from routes.guard import bindings_of, current_user
from webhooks import (
    delivery,  # noqa: F401 - registers the webhook handlers with the outbox
    endpoints,
    log,
    partner_urls,
    slots,
)

router = APIRouter(tags=["webhooks"])


class DataRow(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key: str = Field(..., max_length=200)
    value: str = Field("", max_length=2000, description="static text and/or {{Variable}}s")


class HeaderRow(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(..., max_length=200)
    value: str = Field("", max_length=2000)


class EndpointIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    event: str | None = Field(None, max_length=60, description="the slot, e.g. lead.created (create only)")
    kind: Literal["main", "fanout"] | None = Field(None, description="main (default) or fanout (create only)")
    label: str | None = Field(None, max_length=120)
    url: str | None = Field(None, max_length=2000)
    enabled: bool | None = None
    filters: dict[str, list[Id | str]] | None = Field(
        None, description="fan-outs: offices, partners, job_types, sources"
    )
    payload_type: Literal["json", "form", "xml", "raw"] | None = None
    data: list[DataRow] | None = Field(None, max_length=50)
    raw_body: str | None = Field(None, max_length=20000)
    headers: list[HeaderRow] | None = Field(None, max_length=50)
    basic_auth: str | None = Field(None, max_length=500, description="username:password, write-only; empty clears")


def _body(body: EndpointIn) -> dict[str, Any]:
    return body.model_dump(exclude_unset=True, exclude_none=True)


@router.get("/api/webhooks/events", summary="The webhook events (slots) and their filter dimensions")
async def api_events(request: Request) -> JSONResponse:
    return JSONResponse(
        [
            {"event": s.key, "label": s.label, "fires": s.fires, "dimensions": list(s.dimensions), "main": s.has_main}
            for s in slots.SLOTS
        ]
    )


@router.get("/api/webhooks/endpoints", summary="Every webhook endpoint (never a secret)")
async def api_list(request: Request) -> JSONResponse:
    rows = await endpoints.all_endpoints(bindings_of(request).db)
    return JSONResponse({"items": [endpoints.shape(r) for r in rows]})


@router.post("/api/webhooks/endpoints", status_code=201, summary="Add an endpoint; its signing secret is shown once")
async def api_create(request: Request, body: EndpointIn) -> JSONResponse:
    b = bindings_of(request)
    row, secret = await endpoints.create(b, b.clock.now(), current_user(request).actor, _body(body))
    return JSONResponse({**endpoints.shape(row), "secret": secret}, status_code=201)


@router.get("/api/webhooks/endpoints/{endpoint_id}", summary="One endpoint")
async def api_get(request: Request, endpoint_id: Id) -> JSONResponse:
    return JSONResponse(endpoints.shape(await endpoints.require(bindings_of(request).db, endpoint_id)))


@router.patch("/api/webhooks/endpoints/{endpoint_id}", summary="Change the fields sent")
async def api_patch(request: Request, endpoint_id: Id, body: EndpointIn) -> JSONResponse:
    b = bindings_of(request)
    row = await endpoints.require(b.db, endpoint_id)
    fresh = await endpoints.update(b, b.clock.now(), current_user(request).actor, row, _body(body))
    return JSONResponse(endpoints.shape(fresh))


@router.delete("/api/webhooks/endpoints/{endpoint_id}", status_code=204, summary="Remove an endpoint")
async def api_delete(request: Request, endpoint_id: Id) -> Response:
    b = bindings_of(request)
    row = await endpoints.require(b.db, endpoint_id)
    await endpoints.delete(b, b.clock.now(), current_user(request).actor, row)
    return Response(status_code=204)


@router.post("/api/webhooks/endpoints/{endpoint_id}/rotate-secret", summary="A new signing secret, shown once")
async def api_rotate(request: Request, endpoint_id: Id) -> JSONResponse:
    b = bindings_of(request)
    row = await endpoints.require(b.db, endpoint_id)
    secret = await endpoints.rotate_secret(b, b.clock.now(), current_user(request).actor, row)
    return JSONResponse({"id": row["id"], "secret": secret})


@router.get("/api/webhooks/dashboard", summary="Counts per event and destination for a window")
async def api_dashboard(
    request: Request, window: Literal["today", "7d", "30d", "all"] = Query("today")
) -> JSONResponse:
    b = bindings_of(request)
    return JSONResponse(await log.dashboard(b.db, b.clock.now(), window))


@router.get("/api/webhooks/deliveries", summary="The newest 100 deliveries with the exact body sent")
async def api_deliveries(request: Request) -> JSONResponse:
    return JSONResponse({"items": await log.timeline(bindings_of(request).db)})


@router.get("/api/webhooks/partner-lead-urls", summary="Job Partners and whether each has an inbound lead URL")
async def api_partner_urls(request: Request) -> JSONResponse:
    rows = await partner_urls.partners(bindings_of(request).db)
    return JSONResponse(
        {
            "items": [
                {"partner_id": r["id"], "name": r["name"], "active": bool(r["active"]), "issued_at": r["url_issued_at"]}
                for r in rows
            ]
        }
    )


@router.post(
    "/api/webhooks/partner-lead-urls/{partner_id}", summary="Issue (or replace) a partner's lead URL; shown once"
)
async def api_partner_url(request: Request, partner_id: Id) -> JSONResponse:
    b = bindings_of(request)
    token = await partner_urls.issue(b.db, b.clock.now(), current_user(request).actor, partner_id)
    return JSONResponse(
        {"partner_id": partner_id, "url": f"{str(request.base_url).rstrip('/')}/webhook/partner/{token}"}
    )

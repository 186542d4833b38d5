"""Automations JSON API (issue 22; owner only): rules CRUD, the preview, the log, Pause All."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from automations import log, preview, rules
from core.inputs import Int
from routes.guard import bindings_of, current_user

router = APIRouter()


class RuleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field("", max_length=200)
    trigger: str = Field("", description=", ".join(rules.TRIGGERS), max_length=40)
    trigger_status: str | None = Field(None, max_length=40, description="the status being entered (status triggers)")
    offset: Int | None = Field(None, description="time triggers: a whole number > 0")
    offset_unit: Literal["minutes", "hours", "days"] | None = None
    conditions: dict[str, list[str]] = Field(
        default_factory=dict, description="{office|job_type|source|status: [values]}: OR within, AND across"
    )
    recipient: str = Field("", max_length=20, description="contractor | client | static")
    static_to: str = Field("", max_length=300, description="E.164 phone (SMS) or email (Email) for a static recipient")
    channel: str = Field("", max_length=10, description="sms | email")
    subject: str = Field("", max_length=300, description="email only")
    body: str = Field("", max_length=5000, description="the template: {{ path.name }} variables only")
    quiet_hours: bool = True
    enabled: bool = True


class PreviewIn(RuleIn):
    record: str = Field("", max_length=40, description="a lead's L-… id (or a job id); empty = the newest lead")


class PauseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    paused: bool


def _data(body: BaseModel, partial: bool = False) -> dict[str, Any]:
    data = body.model_dump(exclude_unset=partial)
    if not partial and data.get("offset") is None:
        data.pop("offset", None)
        data.pop("offset_unit", None)
    return data


@router.get("/api/automations", tags=["automations"], summary="Every rule and whether automations are paused")
async def api_list(request: Request) -> JSONResponse:
    db = bindings_of(request).db
    return JSONResponse(
        {"items": [rules.shape(r) for r in await rules.all_rules(db)], "paused": await rules.paused(db)}
    )


@router.post("/api/automations", tags=["automations"], status_code=201, summary="Create a rule")
async def api_create(request: Request, body: RuleIn) -> JSONResponse:
    b = bindings_of(request)
    rule_id = await rules.create(b.db, b.clock.now(), current_user(request).actor, _data(body))
    return JSONResponse(rules.shape(await rules.get(b.db, rule_id)), status_code=201)


@router.get("/api/automations/log", tags=["automations"], summary="The newest 200 log rows matching the filters")
async def api_log(
    request: Request,
    q: str = Query("", max_length=200),
    status: Literal["", "sent", "failed", "skipped"] = "",
    channel: Literal["", "sms", "email"] = "",
    rule: Int | None = None,
) -> JSONResponse:
    items = await log.recent(bindings_of(request).db, q_text=q, status=status, channel=channel, rule_id=rule)
    return JSONResponse({"items": items})


@router.post("/api/automations/preview", tags=["automations"], summary="Render a template against a real record")
async def api_preview(request: Request, body: PreviewIn) -> JSONResponse:
    b = bindings_of(request)
    data = body.model_dump(exclude={"record"})
    return JSONResponse(await preview.preview(b.db, b.clock.now(), data, body.record))


@router.put("/api/automations/pause", tags=["automations"], summary="Pause All / Resume All")
async def api_pause(request: Request, body: PauseIn) -> JSONResponse:
    b = bindings_of(request)
    await rules.set_paused(b.db, b.clock.now(), current_user(request).actor, body.paused)
    return JSONResponse({"paused": body.paused})


@router.get("/api/automations/{rule_id}", tags=["automations"], summary="One rule")
async def api_get(request: Request, rule_id: Int) -> JSONResponse:
    return JSONResponse(rules.shape(await rules.get(bindings_of(request).db, rule_id)))


@router.patch("/api/automations/{rule_id}", tags=["automations"], summary="Change a rule (the fields sent)")
async def api_patch(request: Request, rule_id: Int, body: RuleIn) -> JSONResponse:
    b = bindings_of(request)
    await rules.update(b.db, b.clock.now(), current_user(request).actor, rule_id, _data(body, partial=True))
    return JSONResponse(rules.shape(await rules.get(b.db, rule_id)))


@router.delete("/api/automations/{rule_id}", tags=["automations"], status_code=204, summary="Delete a rule")
async def api_delete(request: Request, rule_id: Int) -> Response:
    b = bindings_of(request)
    await rules.delete(b.db, b.clock.now(), current_user(request).actor, rule_id)
    return Response(status_code=204)

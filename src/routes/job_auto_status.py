"""Auto Status Change's settings as JSON (ASC-1, ASC-6): the one rule's Enabled toggle and its
offices, owner only. The tick itself is the cron job `jobs-auto-status` (src/cron/__init__.py)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from core.inputs import Id, Int
from jobs import auto_status
from routes.guard import bindings_of, current_user
from routes.pages import redirect, render

router = APIRouter(tags=["jobs"])


@router.get("/api/jobs/auto-status", summary="The Auto Status Change rule (owner)")
async def api_get(request: Request) -> dict[str, Any]:
    return auto_status.public(await auto_status.rule(bindings_of(request).db))


class RuleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    enabled: bool
    office_ids: list[Id] = Field(default_factory=list, max_length=200, description="the offices it runs in")
    version: Int | None = None


@router.put("/api/jobs/auto-status", summary="Turn the rule on or off and pick its offices (owner)")
async def api_put(request: Request, body: RuleIn) -> dict[str, Any]:
    b = bindings_of(request)
    row = await auto_status.configure(
        b.db, b.clock.now(), current_user(request), body.enabled, list(body.office_ids), body.version
    )
    return auto_status.public(row)


# --- the owner's page: Maintenance → Auto Status Change (ASC-1, ASC-6) ------------------------------


@router.get("/maintenance/auto-status", include_in_schema=False)
async def page(request: Request) -> Response:
    db = bindings_of(request).db
    offices = await db.all("SELECT id, name, jobs_enabled FROM offices WHERE active = 1 ORDER BY name")
    return render(
        request, "maintenance/auto_status.html", rule=auto_status.public(await auto_status.rule(db)), offices=offices
    )


@router.post("/maintenance/auto-status", include_in_schema=False)
async def page_save(request: Request) -> Response:
    form = await request.form(max_fields=300)
    ids = [int(str(v)) for v in form.getlist("office_ids") if str(v).isdigit()]
    version = str(form.get("version") or "")
    b = bindings_of(request)
    await auto_status.configure(
        b.db,
        b.clock.now(),
        current_user(request),
        form.get("enabled") == "1",
        ids,
        int(version) if version.isdigit() else None,
    )
    return redirect("/maintenance/auto-status", "Auto Status Change saved.")

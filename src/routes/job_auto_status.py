"""Auto Status Change's settings as JSON (ASC-1, ASC-6): the one rule's Enabled toggle and its
offices, owner only. The tick itself is the cron job `jobs-auto-status` (src/cron/__init__.py)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from core.inputs import Id
from jobs import auto_status
from routes.guard import bindings_of, current_user

router = APIRouter(tags=["jobs"])


@router.get("/api/jobs/auto-status", summary="The Auto Status Change rule (owner)")
async def api_get(request: Request) -> dict[str, Any]:
    return auto_status.public(await auto_status.rule(bindings_of(request).db))


class RuleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    enabled: bool
    office_ids: list[Id] = Field(default_factory=list, max_length=200, description="the offices it runs in")
    version: int | None = None


@router.put("/api/jobs/auto-status", summary="Turn the rule on or off and pick its offices (owner)")
async def api_put(request: Request, body: RuleIn) -> dict[str, Any]:
    b = bindings_of(request)
    row = await auto_status.configure(
        b.db, b.clock.now(), current_user(request), body.enabled, list(body.office_ids), body.version
    )
    return auto_status.public(row)

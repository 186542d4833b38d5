"""Job settings' JSON API (JS-1…JS-6): job types, job partners, cancel reasons, job tags and the
ASK FOR UPDATE hours. Staff read them (they fill dropdowns); the owner changes them. DELETE removes a
value nothing uses and deactivates one in use (`outcome` says which)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from core.inputs import Id
from core.storage import Row
from network import settings as job_settings
from network.values import bp_percent
from routes import lookup
from routes.guard import bindings_of, current_user
from routes.patching import Patch

router = APIRouter(tags=["job settings"])


def public(kind: job_settings.Kind, row: Row) -> dict[str, Any]:
    out: dict[str, Any] = {"id": row["id"], kind.name_col: row[kind.name_col]}
    if "keep_rate_bp" in kind.extra:
        out["keep_rate_percent"] = bp_percent(row["keep_rate_bp"])
    if "report_email" in kind.extra:
        out["report_email"] = row["report_email"]
    if "color" in kind.extra:
        out["color"] = row["color"]
    return out | {"position": row["position"], "active": bool(row["active"]), "version": row["version"]}


class SettingValueIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    label: str = Field(max_length=200)
    position: int | None = Field(None, ge=0, le=10_000, description="Sort order; new values go last")
    active: bool = True


class SettingValuePatch(Patch):
    label: str | None = Field(None, max_length=200)
    position: int | None = Field(None, ge=0, le=10_000)
    active: bool | None = None


class JobPartnerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(max_length=200)
    keep_rate_percent: float = Field(0, description="0–100, at most two decimals")
    report_email: str = Field("", max_length=300, description="Where its weekly payment summary goes (FIN-8)")
    position: int | None = Field(None, ge=0, le=10_000)
    active: bool = True


class JobPartnerPatch(Patch):
    name: str | None = Field(None, max_length=200)
    keep_rate_percent: float | None = None
    report_email: str | None = Field(None, max_length=300)
    position: int | None = Field(None, ge=0, le=10_000)
    active: bool | None = None


class JobTagIn(SettingValueIn):
    color: str = Field("#64748b", max_length=20, description="#rrggbb")


class JobTagPatch(SettingValuePatch):
    color: str | None = Field(None, max_length=20)


def _routes(path: str, key: str, create: type[BaseModel], patch: type[BaseModel]) -> None:
    kind = job_settings.KINDS[key]
    noun = kind.noun

    async def api_list(request: Request) -> dict[str, Any]:
        rows = await job_settings.all_values(bindings_of(request).db, kind)
        return {"items": [public(kind, r) for r in rows], "total": len(rows)}

    async def api_create(request: Request, body: BaseModel) -> dict[str, Any]:
        b = bindings_of(request)
        fields = body.model_dump(exclude_none=True)
        row = await job_settings.create_value(b.db, b.clock.now(), current_user(request).actor, kind, fields)
        return public(kind, row)

    async def api_patch(request: Request, value_id: Id, body: BaseModel) -> dict[str, Any]:
        row = await lookup.job_setting(request, kind, value_id)
        fields = body.model_dump(exclude_unset=True)
        b = bindings_of(request)
        return public(
            kind, await job_settings.update_value(b.db, b.clock.now(), current_user(request).actor, kind, row, fields)
        )

    async def api_delete(request: Request, value_id: Id) -> dict[str, Any]:
        row = await lookup.job_setting(request, kind, value_id)
        b = bindings_of(request)
        outcome = await job_settings.remove_value(b.db, b.clock.now(), current_user(request).actor, kind, row)
        return {"id": row["id"], "outcome": outcome}

    # Annotations are strings under `from __future__ import annotations`: give FastAPI the models.
    api_create.__annotations__["body"] = create
    api_patch.__annotations__["body"] = patch
    router.add_api_route(f"/api/{path}", api_list, methods=["GET"], summary=f"Every {noun}, in sort order")
    router.add_api_route(f"/api/{path}", api_create, methods=["POST"], status_code=201, summary=f"Add a {noun} (owner)")
    router.add_api_route(
        f"/api/{path}/{{value_id}}", api_patch, methods=["PATCH"], summary=f"Rename, reorder or (de)activate a {noun}"
    )
    router.add_api_route(
        f"/api/{path}/{{value_id}}",
        api_delete,
        methods=["DELETE"],
        summary=f"Delete a {noun}, or deactivate it when something uses it (owner)",
    )


_routes("job-types", "job_types", SettingValueIn, SettingValuePatch)
_routes("job-partners", "job_partners", JobPartnerIn, JobPartnerPatch)
_routes("cancel-reasons", "cancel_reasons", SettingValueIn, SettingValuePatch)
_routes("job-tags", "job_tags", JobTagIn, JobTagPatch)


class JobSettingsPatch(Patch):
    ask_for_update_hours: int = Field(ge=1, le=720, description="Hours before a job shows ASK FOR UPDATE")


@router.get("/api/job-settings", summary="The jobs attention settings (ASK FOR UPDATE hours)")
async def api_settings(request: Request) -> dict[str, Any]:
    row = await job_settings.job_settings(bindings_of(request).db)
    return {"ask_for_update_hours": row["ask_for_update_hours"], "version": row["version"]}


@router.patch("/api/job-settings", summary="Change the ASK FOR UPDATE hours (owner)")
async def api_settings_patch(request: Request, body: JobSettingsPatch) -> dict[str, Any]:
    b = bindings_of(request)
    await job_settings.set_ask_for_update_hours(
        b.db, b.clock.now(), current_user(request).actor, body.ask_for_update_hours
    )
    return await api_settings(request)

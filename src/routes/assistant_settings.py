"""The owner's assistant settings (AIA-7, AIA-9): model id, its prices per million tokens, and each
staff role's daily cap in dollars — Maintenance → AI assistant, and the JSON API."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from assistant import model
from assistant import settings as assistant_settings
from core.errors import Invalid
from routes.guard import actor_of, bindings_of
from routes.pages import redirect, refusals_go_back_to, render

router = APIRouter()


class SettingsBody(BaseModel):
    model: str = Field(..., max_length=100)
    input_usd_per_mtok: float
    output_usd_per_mtok: float
    role_caps: dict[str, float] = Field(default_factory=dict, description="dollars a day per staff role")


def _public(conf: assistant_settings.AssistantSettings) -> dict[str, Any]:
    return {
        "model": conf.model,
        "input_usd_per_mtok": conf.input_usd_per_mtok,
        "output_usd_per_mtok": conf.output_usd_per_mtok,
        "role_caps": {r: conf.cap_for(r) for r in assistant_settings.STAFF_ROLES},
    }


@router.get("/api/assistant/settings", tags=["assistant"], summary="The assistant's model, prices and caps")
async def api_get(request: Request) -> dict[str, Any]:
    return _public(await assistant_settings.load(bindings_of(request).db))


@router.put("/api/assistant/settings", tags=["assistant"], summary="Change the assistant's model, prices and caps")
async def api_put(request: Request, body: SettingsBody) -> dict[str, Any]:
    b = bindings_of(request)
    await assistant_settings.save(
        b.db,
        b.clock.now(),
        actor_of(request),
        body.model,
        body.input_usd_per_mtok,
        body.output_usd_per_mtok,
        body.role_caps,
    )
    return _public(await assistant_settings.load(b.db))


@router.get("/maintenance/assistant", include_in_schema=False)
async def page(request: Request):
    b = bindings_of(request)
    return render(
        request,
        "maintenance/assistant.html",
        title="AI assistant",
        conf=_public(await assistant_settings.load(b.db)),
        suggested=assistant_settings.SUGGESTED,
        configured=model.configured(b),
        not_configured=model.NOT_CONFIGURED,
    )


def _number(form: Any, name: str) -> float:
    try:
        return float(str(form.get(name, "")).strip())
    except ValueError:
        raise Invalid({name: "Enter a number."}) from None


@router.post("/maintenance/assistant", include_in_schema=False)
async def save(request: Request):
    form = await request.form()
    b = bindings_of(request)
    with refusals_go_back_to("/maintenance/assistant"):
        caps = {r: _number(form, f"cap_{r}") for r in assistant_settings.STAFF_ROLES}
        await assistant_settings.save(
            b.db,
            b.clock.now(),
            actor_of(request),
            str(form.get("model", "")),
            _number(form, "input_usd_per_mtok"),
            _number(form, "output_usd_per_mtok"),
            caps,
        )
    return redirect("/maintenance/assistant", "Assistant settings saved.")

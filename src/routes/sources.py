"""Lead sources: the owner's settings page and the JSON API (seed 002 "Lead sources")."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from accounts import authz, offices
from core.errors import Invalid
from core.inputs import Id, parse_id, parse_int
from leads import calling_hours, tracking_sources
from leads import sources as lead_sources
from leads.sources import Source
from routes import lookup
from routes.guard import bindings_of, current_user
from routes.pages import redirect, refusals_show, render
from routes.patching import Patch

router = APIRouter()


def _out(source: Source, token: str | None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "key": source.key,
        "label": source.label,
        "color": source.color,
        "active": source.active,
        "default_office_id": source.default_office_id,
        "snooze_sequence": source.snooze_sequence,
    }
    if token is not None:  # only the owner sees webhook tokens
        data["webhook_token"] = token
    return data


@router.get("/api/sources", tags=["leads"], summary="Lead sources in their shared order (tokens for the owner)")
async def api_list(request: Request) -> list[dict[str, Any]]:
    user = current_user(request)
    db = bindings_of(request).db
    tokens = await lead_sources.tokens(db) if authz.can(user, "sources.manage") else {}
    return [_out(s, tokens.get(s.key)) for s in await lead_sources.all_sources(db)]


class SourceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str = Field(max_length=40)
    label: str = Field(max_length=60)
    color: str = Field("#64748b", max_length=7)
    default_office_id: Id | None = None
    snooze_sequence: str = Field("standard", max_length=40)


class SourcePatch(Patch):
    NULLABLE = frozenset({"default_office_id"})

    label: str | None = Field(None, max_length=60)
    color: str | None = Field(None, max_length=7)
    default_office_id: Id | None = None
    snooze_sequence: str | None = Field(None, max_length=40)
    active: bool | None = None
    rotate_token: bool = False


@router.post("/api/sources", tags=["leads"], summary="Add a lead source (owner)", status_code=201)
async def api_create(request: Request, body: SourceIn) -> dict[str, Any]:
    user = current_user(request)
    b = bindings_of(request)
    source = await lead_sources.create_source(b.db, b.clock.now(), user.actor, **body.model_dump())
    return _out(source, (await lead_sources.tokens(b.db))[source.key])


class SourceOrder(BaseModel):
    model_config = ConfigDict(extra="forbid")

    keys: list[str] = Field(max_length=200, description="Every source's key, once each, in the new order")


async def _reorder(request: Request, keys: list[str]) -> None:
    b = bindings_of(request)
    await lead_sources.reorder(b.db, b.clock.now(), current_user(request).actor, [k[:40] for k in keys])


# Registered before /api/sources/{key}, which would otherwise take "order" for a key.
@router.patch("/api/sources/order", tags=["leads"], summary="Put every lead source in a new order (owner)")
async def api_order(request: Request, body: SourceOrder) -> list[dict[str, Any]]:
    await _reorder(request, body.keys)
    return await api_list(request)


@router.patch("/api/sources/{key}", tags=["leads"], summary="Change a lead source or rotate its token (owner)")
async def api_patch(request: Request, key: str, body: SourcePatch) -> dict[str, Any]:
    user = current_user(request)
    b = bindings_of(request)
    source = await lookup.source(request, key)
    fields = body.model_dump(exclude_unset=True)
    nulls = [k for k in ("label", "color", "snooze_sequence", "active") if k in fields and fields[k] is None]
    if nulls:  # only the default office may be cleared; leave a field out to keep it
        raise HTTPException(422, f"{nulls[0]}: may not be null (leave it out to keep it).")
    await lead_sources.update_source(
        b.db,
        b.clock.now(),
        user.actor,
        source,
        label=fields.get("label", source.label),
        color=fields.get("color", source.color),
        default_office_id=fields.get("default_office_id", source.default_office_id),
        snooze_sequence=fields.get("snooze_sequence", source.snooze_sequence),
        active=fields.get("active", source.active),
        rotate_token=bool(body.rotate_token),
    )
    updated = await lookup.source(request, key)
    return _out(updated, (await lead_sources.tokens(b.db))[key])


# --- the settings page ----------------------------------------------------------------------------


async def _page(request: Request, status: int = 200, error: str = "") -> Response:
    db = bindings_of(request).db
    sources = await lead_sources.all_sources(db)
    return render(
        request,
        "maintenance/sources.html",
        status_code=status,
        error=error,
        sources=sources,
        tokens=await lead_sources.tokens(db),
        # issue 17: tracking-source routes, and where each source's leads land when nobody works there
        tracking=await tracking_sources.all_routes(db),
        unstaffed=await tracking_sources.unstaffed(db),
        landing={s.key: await tracking_sources.landing_office(db, s.default_office_id) for s in sources},
        offices=await offices.all_offices(db),
        sequences=await lead_sources.sequences(db),
        base_url=str(request.base_url).rstrip("/"),
    )


@router.get("/maintenance/sources", include_in_schema=False)
async def page(request: Request) -> Response:
    return await _page(request)


def _office(value: str) -> int | None:
    return parse_id(value)


@router.post("/maintenance/sources", include_in_schema=False)
async def page_create(
    request: Request,
    key: str = Form("", max_length=40),
    label: str = Form("", max_length=60),
    color: str = Form("#64748b", max_length=7),
    default_office_id: str = Form("", max_length=12),
    snooze_sequence: str = Form("standard", max_length=40),
) -> Response:
    user = current_user(request)
    b = bindings_of(request)
    async with refusals_show(lambda exc: _page(request, 400, exc.message)):  # the form again, with why
        await lead_sources.create_source(
            b.db,
            b.clock.now(),
            user.actor,
            key=key,
            label=label,
            color=color,
            default_office_id=_office(default_office_id),
            snooze_sequence=snooze_sequence,
        )
    return redirect("/maintenance/sources", f"Source {label} added.")


@router.post("/maintenance/sources/order", include_in_schema=False)  # before /maintenance/sources/{key}
async def page_order(request: Request, key: list[str] = Form([], max_length=200)) -> Response:
    """The drag-and-drop list posts every key (repeated `key` fields) in its new order."""
    async with refusals_show(lambda exc: _page(request, exc.status, exc.message)):  # the page again, with why
        await _reorder(request, key)
    return redirect("/maintenance/sources", "Order saved.")


@router.post("/maintenance/sources/{key}", include_in_schema=False)
async def page_update(
    request: Request,
    key: str,
    label: str = Form("", max_length=60),
    color: str = Form("#64748b", max_length=7),
    default_office_id: str = Form("", max_length=12),
    snooze_sequence: str = Form("standard", max_length=40),
    active: bool = Form(False),
) -> Response:
    user = current_user(request)
    b = bindings_of(request)
    source = await lookup.source(request, key)
    async with refusals_show(lambda exc: _page(request, 400, exc.message)):  # the form again, with why
        await lead_sources.update_source(
            b.db,
            b.clock.now(),
            user.actor,
            source,
            label=label,
            color=color,
            default_office_id=_office(default_office_id),
            snooze_sequence=snooze_sequence,
            active=active,
        )
    return redirect("/maintenance/sources", f"{label} saved.")


@router.post("/maintenance/sources/{key}/rotate", include_in_schema=False)
async def page_rotate(request: Request, key: str) -> Response:
    user = current_user(request)
    b = bindings_of(request)
    source = await lookup.source(request, key)
    await lead_sources.rotate_token(b.db, b.clock.now(), user.actor, source)
    return redirect("/maintenance/sources", f"New token for {source.label}; update the partner's webhook URL.")


@router.post("/maintenance/sources/{key}/move", include_in_schema=False)
async def page_move(request: Request, key: str, direction: str = Form(..., pattern="^(up|down)$")) -> Response:
    user = current_user(request)
    b = bindings_of(request)
    source = await lookup.source(request, key)
    await lead_sources.move(b.db, b.clock.now(), user.actor, source, -1 if direction == "up" else 1)
    return redirect("/maintenance/sources")


# --- calling hours --------------------------------------------------------------------------------


def _hour(value: str) -> int | None:
    return parse_int(value)


async def _hours_page(request: Request, status: int = 200, error: str = "") -> Response:
    return render(
        request,
        "maintenance/calling_hours.html",
        status_code=status,
        error=error,
        rows=await calling_hours.all_hours(bindings_of(request).db),
        default=(calling_hours.DEFAULT_START, calling_hours.DEFAULT_END),
    )


@router.get("/maintenance/calling-hours", include_in_schema=False)
async def hours_page(request: Request) -> Response:
    return await _hours_page(request)


@router.post("/maintenance/calling-hours", include_in_schema=False)
async def hours_set(
    request: Request,
    state: str = Form("", max_length=2),
    start: str = Form("", max_length=2),
    end: str = Form("", max_length=2),
    sunday_start: str = Form("", max_length=2),
    sunday_end: str = Form("", max_length=2),
) -> Response:
    user = current_user(request)
    b = bindings_of(request)
    if _hour(start) is None or _hour(end) is None:
        return await _hours_page(request, 400, "Start and end are whole hours, 0 to 24.")
    async with refusals_show(lambda exc: _hours_page(request, 400, exc.message), (Invalid,)):
        await calling_hours.set_hours(
            b.db,
            b.clock.now(),
            user.actor,
            state=state,
            start=_hour(start) or 0,
            end=_hour(end) or 0,
            sunday_start=_hour(sunday_start),
            sunday_end=_hour(sunday_end),
        )
    return redirect("/maintenance/calling-hours", f"Calling hours for {state.upper()} saved.")


@router.post("/maintenance/calling-hours/{state}/delete", include_in_schema=False)
async def hours_clear(request: Request, state: str) -> Response:
    user = current_user(request)
    b = bindings_of(request)
    await calling_hours.clear_hours(b.db, b.clock.now(), user.actor, state.upper()[:2])
    return redirect("/maintenance/calling-hours", f"{state.upper()[:2]} uses the default hours again.")

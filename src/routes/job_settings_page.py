"""Maintenance → Job settings (owner; JS-1…JS-6): the four value lists and the ASK FOR UPDATE hours."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from core.errors import NotFound
from core.inputs import Id, parse_int
from network import settings as job_settings
from routes import lookup
from routes.guard import bindings_of, current_user
from routes.job_settings_api import public
from routes.pages import form_status, redirect, refusals_show, render

router = APIRouter(include_in_schema=False)

URL = "/maintenance/job-settings"
SECTIONS = (
    ("job_types", "Job types", "Values for the New Job and contractor dropdowns, in this order."),
    ("job_partners", "Job partners", "Operational partners; the keep rate is the share the business keeps."),
    ("cancel_reasons", "Cancel reasons", "Pre-canned reasons offered when a job is cancelled."),
    ("job_tags", "Job tags", "Colour-coded tags for the job detail panel."),
)


async def _page(request: Request, status: int = 200, error: str = "", errors: dict[str, str] | None = None) -> Response:
    db = bindings_of(request).db
    lists = {
        key: [public(job_settings.KINDS[key], r) for r in await job_settings.all_values(db, job_settings.KINDS[key])]
        for key, _, _ in SECTIONS
    }
    return render(
        request,
        "maintenance/job_settings.html",
        status_code=status,
        error=error,
        errors=errors or {},
        sections=SECTIONS,
        kinds=job_settings.KINDS,
        lists=lists,
        settings=await job_settings.job_settings(db),
    )


@router.get(URL)
async def page(request: Request) -> Response:
    return await _page(request)


def _kind(key: str) -> job_settings.Kind:
    kind = job_settings.KINDS.get(key.replace("-", "_"))
    if kind is None:
        raise NotFound("We couldn't find that list.")
    return kind


def _fields(kind: job_settings.Kind, form: dict[str, Any], *, with_active: bool) -> dict[str, Any]:
    fields: dict[str, Any] = {kind.name_col: form.get("name", "")}
    position = parse_int(form.get("position") or None)
    if position is not None:
        fields["position"] = position
    if "keep_rate_bp" in kind.extra:
        fields["keep_rate_percent"] = form.get("keep_rate_percent") or "0"
    if "color" in kind.extra:
        fields["color"] = form.get("color") or "#64748b"
    if with_active:
        fields["active"] = form.get("active") == "true"
    return fields


def _shown(request: Request) -> Any:
    return lambda exc: _page(request, form_status(exc), exc.message, exc.errors)


@router.post(URL + "/{kind}")
async def page_create(
    request: Request,
    kind: str,
    name: str = Form("", max_length=200),
    position: str = Form("", max_length=6),
    keep_rate_percent: str = Form("", max_length=10),
    color: str = Form("", max_length=20),
) -> Response:
    spec = _kind(kind)
    form = {"name": name, "position": position, "keep_rate_percent": keep_rate_percent, "color": color}
    b = bindings_of(request)
    async with refusals_show(_shown(request)):
        fields = _fields(spec, form, with_active=False)
        await job_settings.create_value(b.db, b.clock.now(), current_user(request).actor, spec, fields)
    return redirect(URL, f"{spec.noun.capitalize()} {name.strip()} added.")


@router.post(URL + "/{kind}/{value_id}")
async def page_update(
    request: Request,
    kind: str,
    value_id: Id,
    name: str = Form("", max_length=200),
    position: str = Form("", max_length=6),
    keep_rate_percent: str = Form("", max_length=10),
    color: str = Form("", max_length=20),
    active: str = Form("", max_length=5),
) -> Response:
    spec = _kind(kind)
    row = await lookup.job_setting(request, spec, value_id)
    form = {
        "name": name,
        "position": position,
        "keep_rate_percent": keep_rate_percent,
        "color": color,
        "active": active,
    }
    b = bindings_of(request)
    async with refusals_show(_shown(request)):
        fields = _fields(spec, form, with_active=True)
        await job_settings.update_value(b.db, b.clock.now(), current_user(request).actor, spec, row, fields)
    return redirect(URL, f"{spec.noun.capitalize()} {name.strip()} saved.")


@router.post(URL + "/{kind}/{value_id}/delete")
async def page_delete(request: Request, kind: str, value_id: Id) -> Response:
    spec = _kind(kind)
    row = await lookup.job_setting(request, spec, value_id)
    b = bindings_of(request)
    outcome = await job_settings.remove_value(b.db, b.clock.now(), current_user(request).actor, spec, row)
    name = row[spec.name_col]
    said = "deleted" if outcome == "deleted" else "is in use, so it was deactivated instead"
    return redirect(URL, f"{spec.noun.capitalize()} {name} {said}.")


@router.post("/maintenance/job-settings-hours")
async def page_hours(request: Request, ask_for_update_hours: str = Form("", max_length=6)) -> Response:
    b = bindings_of(request)
    async with refusals_show(_shown(request)):
        hours = parse_int(ask_for_update_hours)
        await job_settings.set_ask_for_update_hours(b.db, b.clock.now(), current_user(request).actor, hours)
    return redirect(URL, "ASK FOR UPDATE hours saved.")

"""Maintenance → Webhooks (owner; WHO-1): Endpoints, Dashboard and Timeline tabs, and each Job
Partner's inbound lead URL (WHI-4). The verbs are `webhooks.endpoints` / `webhooks.partner_urls`;
a refused save shows the form again with each message beside its field (nothing saved)."""

from __future__ import annotations

import json
from typing import Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from accounts import offices
from core.errors import Invalid
from core.inputs import Id
from leads import sources as lead_sources
from network import settings as job_settings
from routes.guard import bindings_of, current_user
from routes.pages import redirect, refusals_go_back_to, refusals_show, render
from webhooks import (
    delivery,  # noqa: F401 - registers the webhook handlers with the outbox
    endpoints,
    log,
    partner_urls,
    payload,
    slots,
)

router = APIRouter(include_in_schema=False)
HOME = "/maintenance/webhooks"
Tab = Literal["endpoints", "dashboard", "timeline"]
Window = Literal["today", "7d", "30d", "all"]


async def _choices(db: Any) -> dict[str, list[tuple[Any, str]]]:
    partners = await job_settings.all_values(db, job_settings.KINDS["job_partners"])
    types = await job_settings.all_values(db, job_settings.KINDS["job_types"])
    return {
        "offices": [(o.id, o.name) for o in await offices.all_offices(db)],
        "sources": [(s.key, s.label) for s in await lead_sources.all_sources(db)],
        "partners": [(p["name"], p["name"]) for p in partners],
        "job_types": [(t["id"], t["label"]) for t in types],
    }


async def _page(
    request: Request, tab: str = "endpoints", window: str = "today", status: int = 200, **extra: Any
) -> Response:
    b = bindings_of(request)
    now = b.clock.now()
    rows = [endpoints.shape(r) for r in await endpoints.all_endpoints(b.db)]
    by_slot = {s.key: [r for r in rows if r["event"] == s.key] for s in slots.SLOTS}
    host = str(request.base_url).rstrip("/")
    return render(
        request,
        "maintenance/webhooks.html",
        status_code=status,
        tab=tab,
        window=window,
        slots=slots.SLOTS,
        by_slot=by_slot,
        labels=slots.DIMENSION_LABELS,
        choices=await _choices(b.db),
        variables=payload.VARIABLES,
        dashboard=await log.dashboard(b.db, now, window) if tab == "dashboard" else None,
        windows=log.WINDOW_LABELS,
        deliveries=await log.timeline(b.db) if tab == "timeline" else [],
        dead=await log.dead_letters(b.db, now),
        partners=await partner_urls.partners(b.db) if tab == "endpoints" else [],
        host=host,
        slot_labels={s.key: s.label for s in slots.SLOTS},
        pretty=pretty,
        **extra,
    )


@router.get(HOME)
async def page(request: Request, tab: Tab = Query("endpoints"), window: Window = Query("today")) -> Response:
    return await _page(request, tab, window)


def _lines(text: str, key_name: str) -> list[dict[str, str]]:
    """`Key: value` per line (the form's Data and Headers boxes) → rows."""
    out = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        key, colon, value = line.partition(":")
        if not colon:
            raise Invalid(f"Line {number}: write {key_name}: value.", field="data" if key_name == "key" else "headers")
        out.append({key_name: key.strip(), "value": value.strip()})
    return out


def _form_body(form: Any, creating: bool) -> dict[str, Any]:
    body: dict[str, Any] = {
        "url": str(form.get("url", "")),
        "label": str(form.get("label", "")),
        "enabled": form.get("enabled") == "on",
    }
    if creating:
        body["event"] = str(form.get("event", ""))
        body["kind"] = str(form.get("kind", "main"))
    if (form.get("kind") or "main") == "fanout" or form.get("builder") == "1":
        slot = slots.slot(str(form.get("event", ""))) if creating else None
        dims = slot.dimensions if slot else tuple(slots.DIMENSION_LABELS)
        filters: dict[str, list[Any]] = {}
        for dim in dims:
            values = form.getlist(f"filter_{dim}")
            filters[dim] = (
                [int(v) for v in values if v.isdigit()] if dim in ("offices", "job_types") else [str(v) for v in values]
            )
        body["filters"] = {k: v for k, v in filters.items() if v}
        body["payload_type"] = str(form.get("payload_type", "json"))
        body["data"] = _lines(str(form.get("data", "")), "key")
        body["headers"] = _lines(str(form.get("headers", "")), "name")
        body["raw_body"] = str(form.get("raw_body", ""))
        if form.get("basic_auth"):
            body["basic_auth"] = str(form.get("basic_auth"))
        elif form.get("clear_auth") == "on":
            body["basic_auth"] = ""
    return body


@router.post(HOME)
async def create(request: Request) -> Response:
    b = bindings_of(request)
    form = await request.form()
    async with refusals_show(
        lambda exc: _page(
            request,
            status=422,
            errors=exc.errors or {"url": exc.message},
            draft=dict(form),
            draft_event=form.get("event"),
            draft_kind=form.get("kind"),
        )
    ):
        row, secret = await endpoints.create(b, b.clock.now(), current_user(request).actor, _form_body(form, True))
    return await _page(request, new_secret={"id": row["id"], "secret": secret, "url": row["url"]})


@router.get(HOME + "/{endpoint_id}")
async def edit_page(request: Request, endpoint_id: Id) -> Response:
    row = await endpoints.require(bindings_of(request).db, endpoint_id)
    return await _page(request, editing=endpoints.shape(row))


@router.post(HOME + "/{endpoint_id}")
async def save(request: Request, endpoint_id: Id) -> Response:
    b = bindings_of(request)
    row = await endpoints.require(b.db, endpoint_id)
    form = await request.form()
    shown = endpoints.shape(row)
    async with refusals_show(
        lambda exc: _page(request, status=422, editing=shown, errors=exc.errors or {"url": exc.message})
    ):
        body = _form_body(form, False)
        if row["kind"] == "main":
            body = {k: v for k, v in body.items() if k in ("url", "label", "enabled")}
        await endpoints.update(b, b.clock.now(), current_user(request).actor, row, body)
    return redirect(f"{HOME}#slot-{row['event']}", "Saved.")


@router.post(HOME + "/{endpoint_id}/delete")
async def remove(request: Request, endpoint_id: Id) -> Response:
    b = bindings_of(request)
    row = await endpoints.require(b.db, endpoint_id)
    with refusals_go_back_to(HOME):
        await endpoints.delete(b, b.clock.now(), current_user(request).actor, row)
    return redirect(f"{HOME}#slot-{row['event']}", "Endpoint removed.")


@router.post(HOME + "/{endpoint_id}/rotate")
async def rotate(request: Request, endpoint_id: Id) -> Response:
    b = bindings_of(request)
    row = await endpoints.require(b.db, endpoint_id)
    with refusals_go_back_to(HOME):
        secret = await endpoints.rotate_secret(b, b.clock.now(), current_user(request).actor, row)
    return await _page(request, new_secret={"id": row["id"], "secret": secret, "url": row["url"]})


@router.post(HOME + "/partners/{partner_id}/lead-url")
async def partner_url(request: Request, partner_id: Id) -> Response:
    b = bindings_of(request)
    token = await partner_urls.issue(b.db, b.clock.now(), current_user(request).actor, partner_id)
    return await _page(
        request,
        new_partner_url={
            "partner_id": partner_id,
            "url": f"{str(request.base_url).rstrip('/')}/webhook/partner/{token}",
        },
    )


def pretty(body: str) -> str:
    try:
        return json.dumps(json.loads(body), indent=2, ensure_ascii=False)
    except ValueError:
        return body

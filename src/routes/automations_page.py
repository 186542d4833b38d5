"""Maintenance → Automations (issue 22; owner only): the rules, Pause All with its banner, the editor
with a live preview against a real record, and the log."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from accounts import offices
from automations import log, preview, rules
from core.inputs import Int
from routes.guard import bindings_of, current_user
from routes.pages import form_status, redirect, refusals_show, render

router = APIRouter()
HOME = "/maintenance/automations"
FORM_FIELDS = (
    "name",
    "trigger",
    "trigger_status",
    "offset",
    "offset_unit",
    "recipient",
    "static_to",
    "channel",
    "subject",
    "body",
)


async def _choices(request: Request) -> dict[str, Any]:
    db = bindings_of(request).db
    sources = await db.all("SELECT key, label FROM lead_sources ORDER BY label")
    job_types = await db.all("SELECT id, label FROM job_types ORDER BY label")
    partners = await db.all("SELECT id, name FROM job_partners ORDER BY name")
    return {
        "triggers": rules.TRIGGERS,
        "time_triggers": rules.TIME_TRIGGERS,
        "job_triggers": sorted(rules.JOB_TRIGGERS),
        "lead_statuses": rules.LEAD_STATUSES,
        "job_statuses": rules.JOB_STATUSES,
        "recipients": rules.RECIPIENTS,
        "channels": rules.CHANNELS,
        "offices": await offices.all_offices(db),
        "sources": sources,
        "job_types": job_types,
        "partners": partners,
    }


@router.get(HOME, include_in_schema=False)
async def index(request: Request) -> Response:
    db = bindings_of(request).db
    items = [{**rules.shape(r), "described": rules.describe(r)} for r in await rules.all_rules(db)]
    return render(request, "maintenance/automations.html", items=items, paused=await rules.paused(db))


@router.post(HOME + "/pause", include_in_schema=False)
async def pause(request: Request) -> Response:
    form = await request.form()
    b = bindings_of(request)
    value = form.get("paused") == "1"
    await rules.set_paused(b.db, b.clock.now(), current_user(request).actor, value)
    return redirect(HOME, "Automations paused." if value else "Automations resumed.")


def _form_data(form: Any) -> dict[str, Any]:
    data: dict[str, Any] = {name: str(form.get(name) or "") for name in FORM_FIELDS}
    data["quiet_hours"] = form.get("quiet_hours") == "1"
    data["enabled"] = form.get("enabled") == "1"
    data["conditions"] = {k: [str(v) for v in form.getlist(f"cond_{k}")] for k in rules.CONDITIONS}
    data["conditions"] = {k: v for k, v in data["conditions"].items() if v}
    if data["trigger"] not in rules.TIME_TRIGGERS:
        data.pop("offset")
        data.pop("offset_unit")
    return data


async def _editor(
    request: Request, rule_id: int | None, data: dict[str, Any], status: int = 200, **extra: Any
) -> Response:
    return render(
        request,
        "maintenance/automation_form.html",
        status_code=status,
        rule_id=rule_id,
        form=data,
        **await _choices(request),
        **extra,
    )


BLANK = {
    "name": "",
    "trigger": "lead_created",
    "recipient": "client",
    "channel": "sms",
    "body": "Hi {{client.firstName}}, thanks for contacting {{office.name}} — we'll call you shortly.",
    "quiet_hours": True,
    "enabled": True,
    "conditions": {},
    "offset_unit": "hours",
}


@router.get(HOME + "/new", include_in_schema=False)
async def new(request: Request) -> Response:
    return await _editor(request, None, dict(BLANK))


@router.get(HOME + "/log", include_in_schema=False)
async def log_page(
    request: Request,
    q: str = Query("", max_length=200),
    status: str = Query("", max_length=10),
    channel: str = Query("", max_length=10),
    rule: str = Query("", max_length=12),
) -> Response:
    db = bindings_of(request).db
    filters = {
        "q": q,
        "status": status if status in log.STATUSES else "",
        "channel": channel if channel in rules.CHANNELS else "",
        "rule": rule,
    }
    items = await log.recent(
        db,
        q_text=q,
        status=filters["status"],
        channel=filters["channel"],
        rule_id=int(rule) if rule.isdigit() else None,
    )
    template = (
        "maintenance/_automation_log_rows.html"
        if request.headers.get("HX-Request")
        else "maintenance/automation_log.html"
    )
    return render(request, template, items=items, filters=filters, rules_list=await rules.all_rules(db))


@router.post(HOME, include_in_schema=False)
async def create(request: Request) -> Response:
    b = bindings_of(request)
    data = _form_data(await request.form())
    async with refusals_show(
        lambda exc: _editor(request, None, data, form_status(exc), error=exc.message, fields=getattr(exc, "fields", {}))
    ):
        await rules.create(b.db, b.clock.now(), current_user(request).actor, data)
    return redirect(HOME, "Rule saved.")


@router.post(HOME + "/preview", include_in_schema=False)
async def preview_part(request: Request) -> Response:
    b = bindings_of(request)
    form = await request.form()
    data = _form_data(form)
    async with refusals_show(
        lambda exc: render(request, "maintenance/_automation_preview.html", error=exc.message, shown=None)
    ):
        shown = await preview.preview(b.db, b.clock.now(), data, str(form.get("record") or ""))
    return render(request, "maintenance/_automation_preview.html", shown=shown, channel=data["channel"])


@router.get(HOME + "/{rule_id}", include_in_schema=False)
async def edit(request: Request, rule_id: Int) -> Response:
    row = await rules.get(bindings_of(request).db, rule_id)
    return await _editor(request, rule_id, rules.shape(row))


@router.post(HOME + "/{rule_id}", include_in_schema=False)
async def save(request: Request, rule_id: Int) -> Response:
    b = bindings_of(request)
    data = _form_data(await request.form())
    async with refusals_show(
        lambda exc: _editor(
            request, rule_id, data, form_status(exc), error=exc.message, fields=getattr(exc, "fields", {})
        )
    ):
        await rules.update(b.db, b.clock.now(), current_user(request).actor, rule_id, data)
    return redirect(HOME, "Rule saved.")


@router.post(HOME + "/{rule_id}/delete", include_in_schema=False)
async def delete(request: Request, rule_id: Int) -> Response:
    b = bindings_of(request)
    await rules.delete(b.db, b.clock.now(), current_user(request).actor, rule_id)
    return redirect(HOME, "Rule deleted.")

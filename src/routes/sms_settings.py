"""Maintenance → SMS (owner): the lines synced from the provider (NUM-1) with their office, label and
no-reply switch (NUM-4), each office's sender line (NUM-2) and the quick-reply templates (NUM-5)."""

from __future__ import annotations

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import Response

from accounts import offices
from core.errors import Invalid
from core.inputs import Id, parse_id
from messaging import lines, templates
from routes.guard import actor_of, bindings_of
from routes.pages import redirect, refusals_go_back_to, render

router = APIRouter()
HERE = "/maintenance/sms"


@router.get(HERE, include_in_schema=False)
async def page(request: Request) -> Response:
    b = bindings_of(request)
    rows = await lines.all_lines(b.db)
    for row in rows:
        row["why_not"] = lines.refusal(row)
    return render(
        request,
        "maintenance/sms.html",
        title="SMS",
        lines=rows,
        offices=await offices.all_offices(b.db, include_inactive=False),
        senders=await lines.senders(b.db),
        templates=await templates.all_templates(b.db),
        provider=b.sms.name,
        public_url=b.sms.public_url,
    )


@router.post(f"{HERE}/sync", include_in_schema=False)
async def sync(request: Request) -> Response:
    b = bindings_of(request)
    try:
        async with b.http() as http:
            done = await lines.sync(b.db, http, b.sms, b.clock.now(), actor_of(request))
    except httpx.HTTPError as exc:
        return redirect(HERE, f"The provider did not answer the sync: {type(exc).__name__}.")
    return redirect(HERE, f"Synced {done.seen} lines from the provider ({done.added} new).")


def _office(value: object) -> int | None:
    text = str(value or "").strip()
    if not text:
        return None
    found = parse_id(text)
    if found is None:
        raise Invalid("Choose one of the offices.", "office_id")
    return found


@router.post(f"{HERE}/lines/{{line_id}}", include_in_schema=False)
async def line(request: Request, line_id: Id) -> Response:
    form = await request.form()
    b = bindings_of(request)
    with refusals_go_back_to(HERE):
        office_id = _office(form.get("office_id"))
        no_reply, label = form.get("no_reply") == "1", str(form.get("label") or "")
        await lines.configure(b.db, b.clock.now(), actor_of(request), line_id, office_id, no_reply, label)
    return redirect(HERE, "Line saved.")


@router.post(f"{HERE}/senders", include_in_schema=False)
async def senders(request: Request) -> Response:
    form = await request.form()
    b = bindings_of(request)
    with refusals_go_back_to(HERE):
        office_id, line_id = _office(form.get("office_id")), _office(form.get("line_id"))
        if office_id is None or line_id is None:
            raise Invalid("Choose an office and a line.", "line_id")
        await lines.choose_sender(b.db, b.clock.now(), actor_of(request), office_id, line_id)
    return redirect(HERE, "Sender line saved.")


@router.post(f"{HERE}/templates", include_in_schema=False)
async def add_template(request: Request) -> Response:
    form = await request.form()
    b = bindings_of(request)
    with refusals_go_back_to(HERE):
        name, body = str(form.get("name") or ""), str(form.get("body") or "")
        await templates.create(b.db, b.clock.now(), actor_of(request), name, body)
    return redirect(HERE, "Template added.")


@router.post(f"{HERE}/templates/{{template_id}}/delete", include_in_schema=False)
async def delete_template(request: Request, template_id: Id) -> Response:
    b = bindings_of(request)
    with refusals_go_back_to(HERE):
        await templates.delete(b.db, b.clock.now(), actor_of(request), template_id)
    return redirect(HERE, "Template deleted.")

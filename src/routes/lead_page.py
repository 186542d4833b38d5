"""The lead record page (`/leads/L-…`, also the queue's slide-in panel), its forms, and the new-lead form.

Each form posts to a small route that calls one verb and redirects back (post/redirect/get); a
refusal goes back to the record with why not.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import JSONResponse, Response

from accounts import authz, offices
from core import localtime, records
from core.clock import parse
from core.errors import Conflict, Invalid
from core.inputs import parse_id
from customers import conversion as lead_conversion
from customers import record as customers
from jobs import board as job_board
from leads import actions as lead_actions
from leads import calling_hours
from leads import photos as lead_photos
from leads import queue as leads
from leads import sources as lead_sources
from routes import customer_new, lookup
from routes.guard import bindings_of, current_user, wants_json
from routes.lead_api import LeadIn, create
from routes.pages import redirect, refusals_go_back_to, refusals_show, render

router = APIRouter(include_in_schema=False)


def _local_fields(row: Any, now: datetime) -> dict[str, Any]:
    """What the record page needs in the lead's own zone (its ZIP's, else its office's): the one zone
    the whole record shows and its next-contact picker edits in."""
    zone = calling_hours.place_of(row).zone
    return {
        "phone_edit": row["phone_raw"] or row["phone"] or "",  # shown only when the phone is visible
        "zone": str(zone),
        "tz_label": localtime.offset_note(parse(row["next_contact_at"]) if row["next_contact_at"] else now, zone),
        "next_contact_local": localtime.to_input(row["next_contact_at"], zone),
        "irrelevant_reason": row.get("irrelevant_reason") or "",
        "archived": bool(row["archived_at"]),
        "call_count": row["call_count"],
    }


async def _conversion_context(db: Any, row: Any) -> dict[str, Any] | None:
    """The customer a converted lead points at, and (Jobs offices) the job values it opens with."""
    customer = await customers.display_id_of(db, row["customer_id"])
    if customer is None:
        return None
    office = await offices.get(db, row["office_id"])
    new_job = lead_conversion.new_job_values(row, customer, office) if office else None
    # JT-3: the 🛠 Open Job Creation panel shows until a (non-archived) job links to the lead;
    # JT-5: offices without Jobs keep the Workiz reminder.
    jobs = await job_board.jobs_of_lead(db, row["id"]) if new_job else []
    workiz = {"number": row.get("workiz_job_number"), "at": row.get("workiz_opened_at")}
    return {"customer": customer, "new_job": new_job, "jobs": jobs, "workiz": workiz}


async def _hours_context(db: Any, row: Any, now: datetime) -> dict[str, Any]:
    outside, local, place = await calling_hours.outside_now(db, row, now)
    return {
        "outside": outside,
        "local": local.strftime("%-I:%M %p %a ") + localtime.abbreviation(local, place.zone),
        "state": place.state or "",
        "zone": localtime.place_name(place.zone),
    }


@router.get("/leads/new", include_in_schema=False)  # before /leads/{display_id}, which would swallow it
async def new_lead_page(request: Request, customer: str = Query("", max_length=20)) -> Response:
    # issue 17: "New lead" on a client record fills the form from that customer (404 out of scope)
    return await _new_lead_form(request, values=await customer_new.lead_values(request, customer) if customer else None)


@router.get("/leads/{display_id}", include_in_schema=False)
async def lead_page(request: Request, display_id: str, prompt: str = Query("", max_length=20)) -> Response:
    """The record as a page, or (htmx, from the queue) as the content of the queue's slide-in panel."""
    user = current_user(request)
    b = bindings_of(request)
    row = await lookup.lead(request, display_id)
    panel = bool(request.headers.get("hx-request"))
    # independent reads, gathered: on D1 they go out as one batch (one round trip, docs/performance.md)
    conversion, timeline, staff, hours, photos = await asyncio.gather(
        _conversion_context(b.db, row),
        records.timeline_for(b.db, "lead", row["id"]),
        offices.active_members(b.db, row["office_id"], with_ids=True),
        _hours_context(b.db, row, b.clock.now()),
        lead_photos.photos_for(b.db, row["id"]),
    )
    response = render(
        request,
        "leads/_panel.html" if panel else "leads/record.html",
        panel=panel,
        conversion=conversion,
        title=f"{row['display_id']} · {row['name'] or 'Lead'}",
        shown_zone=str(calling_hours.place_of(row).zone),  # every time in the panel, timeline included
        lead=leads.public(row, user, b.clock.now())
        | _local_fields(row, b.clock.now())
        | {"phone_shown": leads.phone_visible(row, user)}
        | {
            "notes": row["notes"],
            "service": row["service"],
            "how_soon": row["how_soon"],
            "address": row["address"],
            "source_label": row["source_label"],
            "source_color": row["source_color"],
            "review": leads.review(row),
        },
        statuses=leads.STATUS_LABELS,
        callback=leads.CALLBACK,
        prompt_irrelevant=prompt == "irrelevant" and row["status"] != "irrelevant" and not row["archived_at"],
        timeline=timeline,
        staff=staff,
        hours=hours,
        next_actions=lead_actions.NEXT_ACTIONS,
        photos=[
            lead_photos.public(p, row["display_id"]) | {"deletable": lead_photos.may_delete(user, p)} for p in photos
        ],
        photo_max_mb=lead_photos.MAX_BYTES // (1024 * 1024),
    )
    response.headers["vary"] = "HX-Request"  # one URL, two bodies: never let a cache swap them
    return response


async def _page_act(request: Request, display_id: str, verb: Any, done: str, **kwargs: Any) -> Response:
    with refusals_go_back_to(f"/leads/{display_id}"):
        await lookup.act(request, await lookup.lead(request, display_id), verb, **kwargs)
    return redirect(f"/leads/{display_id}" if verb is not lead_actions.delete_lead else "/leads?archived=1", done)


@router.post("/leads/{display_id}/claim", include_in_schema=False)
async def page_claim(request: Request, display_id: str) -> Response:
    return await _page_act(request, display_id, lead_actions.claim_lead, "Claimed — the number is yours to call.")


@router.post("/leads/{display_id}/call", include_in_schema=False)
async def page_call(request: Request, display_id: str) -> Response:
    row = await lookup.lead(request, display_id)
    try:
        with refusals_go_back_to(f"/leads/{row['display_id']}", (Conflict,)):
            await lookup.act(request, row, lead_actions.log_call_attempt)
    except lead_actions.SequenceDone as exc:
        # Seed 002: past the cap, "Tried to call" opens the Irrelevant prompt instead of another snooze.
        return redirect(f"/leads/{row['display_id']}?prompt=irrelevant", exc.message)
    except Invalid as exc:
        return redirect(f"/leads/{row['display_id']}", exc.message)
    return redirect(f"/leads/{row['display_id']}", "Call logged; next try scheduled.")


@router.post("/leads/{display_id}/status", include_in_schema=False)
async def page_status(
    request: Request,
    display_id: str,
    status: str = Form(..., max_length=30),
    next_contact_at: str = Form("", max_length=20),
    reason: str = Form("", max_length=500),
) -> Response:
    row = await lookup.lead(request, display_id)
    # The page's one status form always carries the picker (prefilled) and the reason box; each
    # counts only for the statuses it is labelled for. The JSON API is strict about both.
    next_contact_at = next_contact_at if status in leads.CALLBACK else ""
    reason = reason if status == "irrelevant" else ""
    when = None
    zone = calling_hours.place_of(row).zone
    if wants_json(request):  # the status form saving on blur (static/lead-status.js): it shows the answer
        when = localtime.from_input(next_contact_at, zone) if next_contact_at else None
        await lookup.act(request, row, lead_actions.change_status, status=status, next_contact_at=when, reason=reason)
        saved = await lookup.lead(request, display_id)
        return JSONResponse(
            {
                "saved": True,
                "status": saved["status"],
                "status_label": leads.STATUS_LABELS[saved["status"]],
                "urgency": leads.urgency(saved["status"], saved["next_contact_at"], bindings_of(request).clock.now()),
                "next_contact_at": saved["next_contact_at"],
                "next_contact_shown": localtime.shown(saved["next_contact_at"], zone),
            }
        )
    if next_contact_at:
        try:
            when = localtime.from_input(next_contact_at, zone)
        except Invalid as exc:
            return redirect(f"/leads/{display_id}", f"Next contact: {exc.message}")
    return await _page_act(
        request,
        display_id,
        lead_actions.change_status,
        "Status saved.",
        status=status,
        next_contact_at=when,
        reason=reason,
    )


@router.post("/leads/{display_id}/archive", include_in_schema=False)
async def page_archive(request: Request, display_id: str) -> Response:
    return await _page_act(request, display_id, lead_actions.archive_lead, "Archived.")


@router.post("/leads/{display_id}/restore", include_in_schema=False)
async def page_restore(request: Request, display_id: str) -> Response:
    return await _page_act(request, display_id, lead_actions.restore_lead, "Restored to the queue.")


@router.post("/leads/{display_id}/delete", include_in_schema=False)
async def page_delete(request: Request, display_id: str) -> Response:
    row = await lookup.lead(request, display_id)
    photos = await lead_photos.photos_for(bindings_of(request).db, row["id"])
    response = await _page_act(request, display_id, lead_actions.delete_lead, "Deleted for good.")
    if await leads.lead_for_user(bindings_of(request).db, current_user(request), display_id) is None:
        await lead_photos.drop_bytes(bindings_of(request).files, photos)
    return response


# --- leads typed in by staff -------------------------------------------------------------------


async def _new_lead_form(request: Request, status: int = 200, error: str = "", values: dict | None = None) -> Response:
    user = current_user(request)
    b = bindings_of(request)
    return render(
        request,
        "leads/new.html",
        status_code=status,
        error=error,
        values=values or {},
        offices=[o for o in authz.visible_offices(user, await offices.all_offices(b.db)) if o.active],
        sources=[s for s in await lead_sources.all_sources(b.db) if s.active],
        chooses_office=authz.chooses_office(user),
    )


@router.post("/leads", include_in_schema=False)
async def new_lead_submit(
    request: Request,
    name: str = Form("", max_length=200),
    phone: str = Form("", max_length=40),
    email: str = Form("", max_length=254),
    zip: str = Form("", max_length=20),
    address: str = Form("", max_length=500),
    service_type: str = Form("", max_length=300),
    notes: str = Form("", max_length=20_000),
    office_id: str = Form("", max_length=12),
    source: str = Form("manual", max_length=40),
) -> Response:
    values = {
        "address": address,
        "name": name,
        "phone": phone,
        "email": email,
        "zip": zip,
        "service_type": service_type,
        "notes": notes,
        "office_id": office_id,
        "source": source,
    }
    async with refusals_show(lambda exc: _new_lead_form(request, 400, exc.message, values), (Invalid,)):
        body = LeadIn(
            name=name or " ",
            address=address,
            how_soon="",
            phone=phone,
            email=email,
            zip=zip,
            service_type=service_type,
            notes=notes,
            office_id=parse_id(office_id),
            source=source,
        )
        display = await create(request, body)
    return redirect(f"/leads/{display}", "Lead created.")


@router.post("/leads/{display_id}/edit", include_in_schema=False)
async def page_edit(
    request: Request,
    display_id: str,
    name: str = Form("", max_length=200),
    phone: str | None = Form(None, max_length=40),  # absent while the phone is hidden (unclaimed fresh lead)
    email: str = Form("", max_length=254),
    zip: str = Form("", max_length=20),
    address: str = Form("", max_length=500),
    service: str = Form("", max_length=300),
    how_soon: str = Form("", max_length=100),
    next_action: str = Form("", max_length=20),
    assigned_user_id: str = Form("", max_length=12),
) -> Response:
    changes: dict[str, str | int | None] = {
        "name": name,
        "email": email,
        "zip": zip,
        "address": address,
        "service": service,
        "how_soon": how_soon,
        "next_action": next_action or None,
        "assigned_user_id": parse_id(assigned_user_id),
    }
    if phone is not None:
        changes["phone"] = phone
    return await _page_act(request, display_id, lead_actions.edit_lead, "Saved.", changes=changes)


@router.post("/leads/{display_id}/notes", include_in_schema=False)
async def page_note(request: Request, display_id: str, text: str = Form("", max_length=5000)) -> Response:
    return await _page_act(request, display_id, lead_actions.add_note, "Note added.", text=text)


@router.post("/leads/{display_id}/review", include_in_schema=False)
async def page_review(request: Request, display_id: str, step: str = Form("", max_length=20)) -> Response:
    done = lead_actions.REVIEW_STEPS.get(step, "Saved") + "."
    return await _page_act(request, display_id, lead_actions.advance_review, done, step=step)

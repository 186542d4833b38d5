"""The leads queue and the lead record (pages and JSON)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from accounts import authz, offices
from accounts.users import User
from core import records
from core.clock import iso, parse
from core.errors import Invalid, NotFound
from core.inputs import Id, parse_id
from core.text import SEARCH_MIN
from customers import conversion as lead_conversion
from customers import record as customers
from leads import actions as lead_actions
from leads import calling_hours
from leads import photos as lead_photos
from leads import queue as leads
from leads import settings as lead_settings
from leads import sources as lead_sources
from routes.guard import bindings_of, current_user
from routes.pages import redirect, refusals_go_back_to, refusals_show, render
from routes.patching import Patch

router = APIRouter()

PRESETS = {"48h": timedelta(hours=48), "7d": timedelta(days=7), "30d": timedelta(days=30)}


def _day(text: str, zone: ZoneInfo) -> datetime:
    try:
        return datetime.fromisoformat(text).replace(tzinfo=zone)
    except ValueError:
        raise Invalid(f"Dates must be YYYY-MM-DD, not {text!r}.") from None


def build_query(
    user: User,
    now: datetime,
    zone: ZoneInfo,
    *,
    office: list[Id],
    status: list[str],
    source: list[str],
    urgency: list[str],
    q: str,
    preset: str,
    since: str,
    until: str,
    transferred: bool,
    reactivated: bool,
    archived: bool,
    view: str,
    page: int,
    per_page: int,
    escalation_minutes: int = leads.DEFAULT_ESCALATION_MINUTES,
) -> leads.Query:
    bad = [s for s in status if s not in leads.STATUSES] + [u for u in urgency if u not in leads.URGENCIES]
    if bad:
        raise HTTPException(422, f"Unknown filter value(s): {', '.join(bad)}.")
    if view and view not in leads.VIEWS:
        raise HTTPException(422, f"Unknown view {view!r}: use {', '.join(leads.VIEWS)}.")
    start = end = None
    if preset == "today":
        start = iso(now.astimezone(zone).replace(hour=0, minute=0, second=0, microsecond=0))
    elif preset in PRESETS:
        start = iso(now - PRESETS[preset])
    elif preset:
        raise HTTPException(422, f"Unknown date preset {preset!r}: use today, 48h, 7d or 30d.")
    if since:
        start = iso(_day(since, zone))
    if until:
        end = iso(_day(until, zone) + timedelta(days=1))
    return leads.Query(
        offices=authz.requested_offices(user, office),
        statuses=status,
        sources=source,
        urgencies=urgency,
        search=q,
        since=start,
        until=end,
        transferred=transferred,
        reactivated=reactivated,
        archived=archived,
        view=view,
        day_end=iso(next_midnight(now, zone)),
        escalation_minutes=escalation_minutes,
        page=page,
        per_page=per_page,
    )


def next_midnight(now: datetime, zone: ZoneInfo) -> datetime:
    """Where the viewer's today ends: the next local midnight, by the wall clock (a DST day is 23 or
    25 hours long)."""
    tomorrow = now.astimezone(zone).date() + timedelta(days=1)
    return datetime.combine(tomorrow, time(0), tzinfo=zone)


async def _zone(request: Request, user: User) -> ZoneInfo:
    visible = authz.visible_offices(user, await offices.all_offices(bindings_of(request).db))
    return visible[0].zone if visible else ZoneInfo("UTC")


class QueueParams:
    """The queue's filters, shared by the page and the JSON API (repeat a key for several values)."""

    def __init__(
        self,
        office: list[Id] = Query([]),
        status: list[str] = Query([]),
        source: list[str] = Query([]),
        urgency: list[str] = Query([]),
        q: str = Query("", max_length=40),
        preset: str = Query("", max_length=10),
        since: str = Query("", max_length=10),
        until: str = Query("", max_length=10),
        transferred: bool = False,
        reactivated: bool = False,
        archived: bool = False,
        view: str = Query("", max_length=10),
        page: int = Query(1, ge=1, le=100_000),
        per_page: int = Query(leads.PER_PAGE, ge=1, le=100),
    ):
        self.values: dict[str, Any] = {k: v for k, v in locals().items() if k != "self"}


async def _run_queue(request: Request, params: QueueParams) -> tuple[leads.Query, leads.QueuePage]:
    user = current_user(request)
    b = bindings_of(request)
    now = b.clock.now()
    escalation, zone = await asyncio.gather(lead_settings.escalation_minutes(b.db), _zone(request, user))
    query = build_query(user, now, zone, **params.values, escalation_minutes=escalation)
    return query, await leads.queue(b.db, user, query, now)


@router.get("/leads", include_in_schema=False)
async def queue_page(request: Request, params: QueueParams = Depends()) -> Response:
    user = current_user(request)
    b = bindings_of(request)
    now = b.clock.now()
    # the queue and the page's other reads, gathered: on D1 reads made together share a round trip
    (query, result), visible_offices, sources, marker = await asyncio.gather(
        _run_queue(request, params),
        offices.all_offices(b.db),
        lead_sources.all_sources(b.db),
        leads.latest_change(b.db, user),
    )
    rows = result.rows
    first = (query.page - 1) * query.per_page + 1 if rows else 0
    converted = await customers.links_for_leads(b.db, [r["id"] for r in rows if r["status"] == "converted"])
    escalation = query.escalation_minutes
    items = [
        leads.public(r, user, now)
        | {
            "tz": str(calling_hours.place_of(r).zone),
            "source_label": r["source_label"],
            "source_color": r["source_color"],
            "customer": converted.get(r["id"]),
            "escalated": lead_settings.escalated(r, now, escalation),
        }
        for r in rows
    ]
    return render(
        request,
        "leads/queue.html",
        title="Leads",
        items=items,
        result=result,
        search_min=SEARCH_MIN,
        search_cap=leads.SEARCH_CAP,
        total=result.total,
        first=first,
        last=first + len(rows) - 1 if rows else 0,
        query=query,
        filters=params.values,
        offices=authz.visible_offices(user, visible_offices),
        sources=sources,
        statuses=leads.STATUS_LABELS,
        views=leads.VIEWS,
        view_hints=leads.VIEW_HINTS,
        marker=marker,
    )


async def _lead_or_404(request: Request, display_id: str) -> Any:
    row = await leads.lead_for_user(bindings_of(request).db, current_user(request), display_id)
    if row is None:
        raise NotFound("We couldn't find that lead.")
    return row


def _local_fields(row: Any) -> dict[str, Any]:
    """What the record page needs in the lead office's local time."""
    zone = ZoneInfo(row["time_zone"])
    local = parse(row["next_contact_at"]).astimezone(zone).strftime("%Y-%m-%dT%H:%M") if row["next_contact_at"] else ""
    return {
        "phone_edit": row["phone_raw"] or row["phone"] or "",  # shown only when the phone is visible
        "tz_label": row["time_zone"].split("/")[-1].replace("_", " "),
        "next_contact_local": local,
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
    return {"customer": customer, "new_job": new_job}


async def _hours_context(db: Any, row: Any, now: datetime) -> dict[str, Any]:
    outside, local, place = await calling_hours.outside_now(db, row, now)
    return {
        "outside": outside,
        "local": local.strftime("%-I:%M %p %a"),
        "state": place.state or "",
        "zone": str(place.zone).split("/")[-1].replace("_", " "),
    }


@router.get("/leads/new", include_in_schema=False)  # before /leads/{display_id}, which would swallow it
async def new_lead_page(request: Request) -> Response:
    return await _new_lead_form(request)


@router.get("/leads/{display_id}", include_in_schema=False)
async def lead_page(request: Request, display_id: str) -> Response:
    """The record as a page, or (htmx, from the queue) as the content of the queue's slide-in panel."""
    user = current_user(request)
    b = bindings_of(request)
    row = await _lead_or_404(request, display_id)
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
        lead=leads.public(row, user, b.clock.now())
        | _local_fields(row)
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


@router.get("/api/leads", tags=["leads"], summary="The leads queue, filtered and paged")
async def api_queue(request: Request, params: QueueParams = Depends()) -> dict[str, Any]:
    user = current_user(request)
    now = bindings_of(request).clock.now()
    query, result = await _run_queue(request, params)
    escalation = query.escalation_minutes
    answer: dict[str, Any] = {
        "items": [
            leads.public(r, user, now) | {"escalated": lead_settings.escalated(r, now, escalation)} for r in result.rows
        ],
        "total": result.total,
        "total_capped": result.capped,  # true: there are more than `total` matching leads
    }
    if query.search.strip():
        # The search looked only at the newest SEARCH_CAP matches / the term was too short to search.
        answer["search_limited"] = result.search_limited
        answer["search_too_short"] = result.search_too_short
    return answer


@router.get("/api/leads/changes", tags=["leads"], summary="A marker that changes when visible leads change")
async def api_changes(request: Request) -> dict[str, str]:
    return {"marker": await leads.latest_change(bindings_of(request).db, current_user(request))}


@router.get("/api/leads/{display_id}", tags=["leads"], summary="One lead with its timeline")
async def api_lead(request: Request, display_id: str) -> dict[str, Any]:
    user = current_user(request)
    b = bindings_of(request)
    row = await _lead_or_404(request, display_id)
    timeline = await records.timeline_for(b.db, "lead", row["id"])
    return leads.public(row, user, b.clock.now()) | {
        "customer_id": await customers.display_id_of(b.db, row["customer_id"]),
        "archived": bool(row["archived_at"]),
        "notes": row["notes"],
        "service": row["service"],
        "how_soon": row["how_soon"],
        "review": leads.review(row),
        "timeline": [{k: t[k] for k in ("created_at", "kind", "body", "actor_label")} for t in timeline],
    }


# --- what staff do to a lead ------------------------------------------------------------------


class LeadPatch(Patch):
    """Any subset: status (with its rules), intake fields, and the response workflow. A next
    contact or a reason alone applies to the lead's current status, within its rules."""

    NULLABLE = frozenset(
        {"phone", "email", "zip", "address", "service", "how_soon", "campaign", "next_action", "assigned_user_id"}
    )

    status: str | None = Field(None, max_length=30)
    next_contact_at: datetime | None = None
    reason: str | None = Field(None, max_length=500)
    name: str | None = Field(None, max_length=200)
    phone: str | None = Field(None, max_length=40)
    email: str | None = Field(None, max_length=254)
    zip: str | None = Field(None, max_length=20)
    address: str | None = Field(None, max_length=500)
    service: str | None = Field(None, max_length=300)
    how_soon: str | None = Field(None, max_length=100)
    campaign: str | None = Field(None, max_length=300)
    next_action: str | None = Field(None, max_length=20)
    assigned_user_id: Id | None = None


class ReviewStepIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    step: str = Field(max_length=20)


class NoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=5000)


def _aware(moment: datetime | None, zone: ZoneInfo) -> datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


async def _act(request: Request, display_id: str, verb: Callable[..., Awaitable[Any]], **kwargs: Any) -> Any:
    user = current_user(request)
    b = bindings_of(request)
    row = await _lead_or_404(request, display_id)
    return await verb(b.db, b.clock.now(), user, row, **kwargs)


async def _api_act(request: Request, display_id: str, verb: Callable[..., Awaitable[Any]], **kwargs: Any) -> Any:
    await _act(request, display_id, verb, **kwargs)
    return await api_lead(request, display_id)


async def _page_act(request: Request, display_id: str, verb: Callable[..., Awaitable[Any]], done: str, **kwargs: Any):
    with refusals_go_back_to(f"/leads/{display_id}"):
        await _act(request, display_id, verb, **kwargs)
    return redirect(f"/leads/{display_id}" if verb is not lead_actions.delete_lead else "/leads?archived=1", done)


@router.patch("/api/leads/{display_id}", tags=["leads"], summary="Edit a lead: fields, workflow, status")
async def api_patch(request: Request, display_id: str, body: LeadPatch) -> dict[str, Any]:
    given = body.model_dump(exclude_unset=True)
    status_parts: dict[str, Any] = {k: given.pop(k) for k in ("status", "reason") if k in given}
    if "next_contact_at" in given:
        row = await _lead_or_404(request, display_id)
        status_parts["next_contact_at"] = _aware(given.pop("next_contact_at"), ZoneInfo(row["time_zone"]))
    return await _api_act(request, display_id, lead_actions.patch_lead, changes=given, **status_parts)


@router.post("/api/leads/{display_id}/notes", tags=["leads"], summary="Add a note to the lead's timeline")
async def api_note(request: Request, display_id: str, body: NoteIn) -> dict[str, Any]:
    return await _api_act(request, display_id, lead_actions.add_note, text=body.text)


@router.post(
    "/api/leads/{display_id}/review",
    tags=["leads"],
    summary="Move the review request along: step requested, then received or declined",
)
async def api_review(request: Request, display_id: str, body: ReviewStepIn) -> dict[str, Any]:
    return await _api_act(request, display_id, lead_actions.advance_review, step=body.step)


@router.post("/api/leads/{display_id}/claim", tags=["leads"], summary="Claim a fresh lead")
async def api_claim(request: Request, display_id: str) -> dict[str, Any]:
    return await _api_act(request, display_id, lead_actions.claim_lead)


@router.post("/api/leads/{display_id}/call-attempts", tags=["leads"], summary="Log a call; snooze to the next try")
async def api_call(request: Request, display_id: str) -> dict[str, Any]:
    return await _api_act(request, display_id, lead_actions.log_call_attempt)


@router.post("/api/leads/{display_id}/archive", tags=["leads"], summary="Archive (admin and up)")
async def api_archive(request: Request, display_id: str) -> dict[str, Any]:
    return await _api_act(request, display_id, lead_actions.archive_lead)


@router.post("/api/leads/{display_id}/restore", tags=["leads"], summary="Restore an archived lead (admin and up)")
async def api_restore(request: Request, display_id: str) -> dict[str, Any]:
    return await _api_act(request, display_id, lead_actions.restore_lead)


@router.delete("/api/leads/{display_id}", tags=["leads"], summary="Delete an archived lead for good (owner)")
async def api_delete(request: Request, display_id: str) -> Response:
    photos = await _photos_of(request, display_id)
    await _act(request, display_id, lead_actions.delete_lead)
    await lead_photos.drop_bytes(bindings_of(request).files, photos)
    return Response(status_code=204)


async def _photos_of(request: Request, display_id: str) -> list[Any]:
    row = await _lead_or_404(request, display_id)
    return await lead_photos.photos_for(bindings_of(request).db, row["id"])


@router.post("/leads/{display_id}/claim", include_in_schema=False)
async def page_claim(request: Request, display_id: str) -> Response:
    return await _page_act(request, display_id, lead_actions.claim_lead, "Claimed — the number is yours to call.")


@router.post("/leads/{display_id}/call", include_in_schema=False)
async def page_call(request: Request, display_id: str) -> Response:
    return await _page_act(request, display_id, lead_actions.log_call_attempt, "Call logged; next try scheduled.")


@router.post("/leads/{display_id}/status", include_in_schema=False)
async def page_status(
    request: Request,
    display_id: str,
    status: str = Form(..., max_length=30),
    next_contact_at: str = Form("", max_length=20),
    reason: str = Form("", max_length=500),
) -> Response:
    row = await _lead_or_404(request, display_id)
    # The page's one status form always carries the picker (prefilled) and the reason box; each
    # counts only for the statuses it is labelled for. The JSON API is strict about both.
    next_contact_at = next_contact_at if status in leads.CALLBACK else ""
    reason = reason if status == "irrelevant" else ""
    when = None
    if next_contact_at:
        try:
            when = datetime.fromisoformat(next_contact_at).replace(tzinfo=ZoneInfo(row["time_zone"]))
        except ValueError:
            return redirect(f"/leads/{display_id}", "Next contact must be a date and time.")
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
    photos = await _photos_of(request, display_id)
    response = await _page_act(request, display_id, lead_actions.delete_lead, "Deleted for good.")
    if await leads.lead_for_user(bindings_of(request).db, current_user(request), display_id) is None:
        await lead_photos.drop_bytes(bindings_of(request).files, photos)
    return response


# --- leads typed in by staff -------------------------------------------------------------------


class LeadIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    phone: str = Field("", max_length=40)
    email: str = Field("", max_length=254)
    zip: str = Field("", max_length=20)
    address: str = Field("", max_length=500)
    service_type: str = Field("", max_length=300)
    how_soon: str = Field("", max_length=100)
    notes: str = Field("", max_length=20_000)
    office_id: Id | None = None
    source: str = Field("manual", max_length=40)


async def _create(request: Request, body: LeadIn) -> str:
    user = current_user(request)
    b = bindings_of(request)
    source = await lead_sources.by_key(b.db, body.source)
    if source is None:
        raise Invalid(f"Unknown source {body.source!r}.")
    office = lead_actions.office_for_new_lead(user, body.office_id, await offices.all_offices(b.db))
    values = body.model_dump(exclude={"office_id", "source"})
    values["full_name"] = values.pop("name")
    return await lead_actions.create_lead(b.db, b.clock.now(), user, values, office, source)


@router.post("/api/leads", tags=["leads"], summary="Create a lead by hand", status_code=201)
async def api_create(request: Request, body: LeadIn) -> dict[str, Any]:
    display = await _create(request, body)
    return await api_lead(request, display)


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
    service_type: str = Form("", max_length=300),
    notes: str = Form("", max_length=20_000),
    office_id: str = Form("", max_length=12),
    source: str = Form("manual", max_length=40),
) -> Response:
    values = {
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
            address="",
            how_soon="",
            phone=phone,
            email=email,
            zip=zip,
            service_type=service_type,
            notes=notes,
            office_id=parse_id(office_id),
            source=source,
        )
        display = await _create(request, body)
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

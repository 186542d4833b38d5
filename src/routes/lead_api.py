"""One lead as JSON: read it, edit it, move it along, create one by hand (`/api/leads/{display_id}`, `POST /api/leads`).

The queue (`GET /api/leads`) is routes/lead_queue.py; the record page and its forms are routes/lead_page.py.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from accounts import offices
from core import records
from core.errors import Invalid
from core.inputs import Id
from customers import record as customers
from leads import actions as lead_actions
from leads import photos as lead_photos
from leads import queue as leads
from leads import sources as lead_sources
from routes import lookup
from routes.guard import bindings_of, current_user
from routes.patching import Patch

router = APIRouter()


@router.get("/api/leads/{display_id}", tags=["leads"], summary="One lead with its timeline")
async def api_lead(request: Request, display_id: str) -> dict[str, Any]:
    user = current_user(request)
    b = bindings_of(request)
    row = await lookup.lead(request, display_id)
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


async def _api_act(request: Request, display_id: str, verb: Callable[..., Awaitable[Any]], **kwargs: Any) -> Any:
    await lookup.act(request, await lookup.lead(request, display_id), verb, **kwargs)
    return await api_lead(request, display_id)


@router.patch("/api/leads/{display_id}", tags=["leads"], summary="Edit a lead: fields, workflow, status")
async def api_patch(request: Request, display_id: str, body: LeadPatch) -> dict[str, Any]:
    given = body.model_dump(exclude_unset=True)
    status_parts: dict[str, Any] = {k: given.pop(k) for k in ("status", "reason") if k in given}
    if "next_contact_at" in given:
        row = await lookup.lead(request, display_id)
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
    row = await lookup.lead(request, display_id)
    photos = await lead_photos.photos_for(bindings_of(request).db, row["id"])
    await lookup.act(request, row, lead_actions.delete_lead)
    await lead_photos.drop_bytes(bindings_of(request).files, photos)
    return Response(status_code=204)


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


async def create(request: Request, body: LeadIn) -> str:
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
    display = await create(request, body)
    return await api_lead(request, display)

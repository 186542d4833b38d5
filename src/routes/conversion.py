"""Convert a lead into a customer and return it to leads (pages and JSON)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from accounts import offices
from core.errors import Invalid
from core.storage import Row
from customers import conversion as lead_conversion
from customers import record as customers
from leads import queue as leads
from leads import workiz
from routes import lookup
from routes.guard import bindings_of, current_user
from routes.lead_api import api_lead
from routes.pages import redirect, refusals_go_back_to, render

router = APIRouter()

CUSTOMER_ID = r"^[Cc]-\d{1,12}$"


class ConvertIn(BaseModel):
    """Link to this existing customer (a display id), or leave it out to create a new one."""

    model_config = ConfigDict(extra="forbid")

    customer_id: str | None = Field(None, pattern=CUSTOMER_ID)


def _candidate(row: Row, phone_shown: bool) -> dict[str, Any]:
    phone = row["phone"] or ""
    return {
        "id": row["display_id"],
        "name": row["name"],
        "contact": row["contact_name"],
        "office": row["office_name"],
        # A fresh lead's number stays hidden until it is claimed, also through its look-alikes.
        "phone": phone if phone_shown else leads.masked_phone({"phone": phone, "phone_raw": ""}),
        "email": row["email"],
        "matched_on": sorted(set((row["matched_on"] or "").split(","))),
        "archived": bool(row["archived_at"]),
        "leads": row["lead_count"],
    }


async def _candidates(request: Request, lead: Row) -> list[dict[str, Any]]:
    user = current_user(request)
    rows = await lead_conversion.candidates(bindings_of(request).db, user, lead)
    return [_candidate(r, leads.phone_visible(lead, user)) for r in rows]


async def _convert(request: Request, display_id: str, customer_id: str | None) -> lead_conversion.Conversion:
    user = current_user(request)
    b = bindings_of(request)
    lead = await lookup.lead(request, display_id)
    link_to = None
    if customer_id:
        link_to = await customers.customer_for_user(b.db, user, customer_id)
        if link_to is None:
            raise Invalid(f"We couldn't find customer {customer_id.upper()}.")
    office = await offices.get(b.db, lead["office_id"])
    assert office is not None  # leads.office_id is a foreign key
    return await lead_conversion.convert_lead(b.db, b.clock.now(), user, lead, office, link_to=link_to)


async def _return(request: Request, display_id: str) -> lead_conversion.Return:
    b = bindings_of(request)
    lead = await lookup.lead(request, display_id)
    return await lead_conversion.return_to_leads(b.db, b.clock.now(), current_user(request), lead)


@router.get("/api/leads/{display_id}/candidates", tags=["leads"], summary="Customers the lead may already be")
async def api_candidates(request: Request, display_id: str) -> dict[str, Any]:
    return {"items": await _candidates(request, await lookup.lead(request, display_id))}


@router.post("/api/leads/{display_id}/convert", tags=["leads"], summary="Convert to a new or existing customer")
async def api_convert(request: Request, display_id: str, body: ConvertIn | None = None) -> dict[str, Any]:
    done = await _convert(request, display_id, body.customer_id if body else None)
    answer = await api_lead(request, display_id)
    return answer | {"created": done.created, "new_job": done.new_job}


@router.post("/api/leads/{display_id}/return", tags=["leads"], summary="Undo a conversion: back to the queue")
async def api_return(request: Request, display_id: str) -> dict[str, Any]:
    done = await _return(request, display_id)
    answer = await api_lead(request, display_id)
    return answer | {"returned_from": done.customer_id, "customer_archived": done.customer_archived}


@router.get("/leads/{display_id}/convert", include_in_schema=False)
async def convert_page(request: Request, display_id: str) -> Response:
    """The choice before converting. From the record page's button (htmx) only the panel is sent."""
    lead = await lookup.lead(request, display_id)
    if lead["customer_id"] is not None:
        return redirect(f"/leads/{lead['display_id']}", "This lead is already converted.")
    template = "leads/_convert.html" if request.headers.get("hx-request") else "leads/convert.html"
    return render(
        request,
        template,
        title=f"Convert {lead['display_id']}",
        lead={"id": lead["display_id"], "name": lead["name"]},
        candidates=await _candidates(request, lead),
    )


@router.post("/leads/{display_id}/convert", include_in_schema=False)
async def convert_submit(
    request: Request, display_id: str, customer_id: str = Form("", max_length=20, pattern=r"^$|" + CUSTOMER_ID)
) -> Response:
    with refusals_go_back_to(f"/leads/{display_id}"):
        done = await _convert(request, display_id, customer_id or None)
    what = "a new customer" if done.created else "the existing customer"
    if done.new_job is not None:  # JT-1: a Jobs office goes straight to New Job, pre-filled
        return redirect(
            f"/jobs/new?lead={display_id.upper()}", f"{display_id.upper()} converted into {what} {done.customer_id}."
        )
    return redirect(f"/clients/{done.customer_id}", f"{display_id.upper()} converted into {what} {done.customer_id}.")


@router.post("/leads/{display_id}/workiz", include_in_schema=False)
async def workiz_submit(
    request: Request, display_id: str, workiz_job_number: str = Form("", max_length=40)
) -> Response:
    """JT-5: Mark as Opened in Workiz."""
    with refusals_go_back_to(f"/leads/{display_id}"):
        lead = await lookup.lead(request, display_id)
        b = bindings_of(request)
        await workiz.mark_opened(b.db, b.clock.now(), current_user(request), lead, workiz_job_number)
    return redirect(f"/leads/{display_id}", "Recorded as opened in Workiz.")


@router.post("/leads/{display_id}/return", include_in_schema=False)
async def return_submit(request: Request, display_id: str) -> Response:
    with refusals_go_back_to(f"/leads/{display_id}"):
        done = await _return(request, display_id)
    archived = f" {done.customer_id} had nothing else attached, so it was archived." if done.customer_archived else ""
    return redirect(f"/leads/{display_id}", f"Back in the leads queue, due now.{archived}")

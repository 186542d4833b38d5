"""Replies from a lead (LRS-1…LRS-6): the Messages card on the lead and customer records, loaded by
htmx, and its JSON twin. Sending takes `channels` (sms, email or both), `body` and an optional email
`subject`: 201 with the message ids; 403 when the SMS line cannot send or the number opted out; 422
naming the field otherwise (an empty body, a channel the lead has no address for, a line break in the
subject)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from accounts import authz
from core.errors import Refused
from core.storage import Row
from customers import record as customers
from messaging import consent, lines, replies
from routes import lookup, outbox_kick
from routes.guard import actor_of, bindings_of, current_user
from routes.pages import redirect, render

router = APIRouter()


async def _form(request: Request, lead: Row, error: str = "") -> dict[str, Any] | None:
    user = current_user(request)
    if not authz.can(user, "sms.send"):
        return None
    db = bindings_of(request).db
    line = await lines.sender_for(db, lead["office_id"])
    sms_why = ""
    if not lead.get("phone"):
        sms_why = "no phone number"
    elif line is None:
        sms_why = "the office has no SMS line"
    elif lines.refusal(line):
        sms_why = "the office's line cannot send"
    stop = await consent.suppression(db, lead["phone"]) if lead.get("phone") else None
    if stop is not None:
        sms_why = "opted out"
    return {
        "error": error,
        "sms_ok": not sms_why,
        "sms_why": sms_why,
        "email_ok": bool((lead.get("email") or "").strip()),
        "locked": consent.opted_out_message(lead["phone"], stop) if stop else "",
    }


async def _card(request: Request, lead: Row, error: str = "", status: int = 200) -> Response:
    db, user = bindings_of(request).db, current_user(request)
    history = await replies.lead_history(db, user, lead)
    return render(
        request,
        "leads/_messages.html",
        status_code=status,
        lead=lead,
        history=history,
        states=replies.channel_states(history),
        form=await _form(request, lead, error),
    )


@router.get("/leads/{display_id}/messages", include_in_schema=False)
async def lead_messages(request: Request, display_id: str) -> Response:
    return await _card(request, await lookup.lead(request, display_id))


@router.post("/leads/{display_id}/messages", include_in_schema=False)
async def lead_send(request: Request, display_id: str) -> Response:
    lead = await lookup.lead(request, display_id)
    form = await request.form()
    channels = [str(c) for c in form.getlist("channels")]
    b = bindings_of(request)
    try:
        await replies.send(
            b.db,
            b.clock.now(),
            actor_of(request),
            lead,
            channels,
            str(form.get("body") or ""),
            str(form.get("subject") or ""),
        )
    except Refused as exc:
        if request.headers.get("hx-request") == "true":
            return await _card(request, lead, exc.message, exc.status)
        raise
    outbox_kick.soon(request)
    if request.headers.get("hx-request") == "true":
        return await _card(request, await lookup.lead(request, display_id))
    return redirect(f"/leads/{lead['display_id']}#messages", "Sent.")


@router.get("/clients/{display_id}/messages", include_in_schema=False)
async def customer_messages(request: Request, display_id: str) -> Response:
    customer = await lookup.customer(request, display_id)
    db = bindings_of(request).db
    contacts = await customers.contacts_of(db, customer["id"])
    history = await replies.customer_history(db, current_user(request), customer, contacts)
    return render(
        request,
        "leads/_messages.html",
        lead=customer,
        history=history,
        states=replies.channel_states(history),
        form=None,
    )


@router.get("/api/leads/{display_id}/messages", tags=["leads"], summary="A lead's texts and emails, newest first")
async def api_history(request: Request, display_id: str) -> dict[str, Any]:
    lead = await lookup.lead(request, display_id)
    history = await replies.lead_history(bindings_of(request).db, current_user(request), lead)
    return {"messages": history, "channels": replies.channel_states(history)}


class SendIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    channels: list[str] = Field(min_length=1, max_length=2)
    body: str = Field(max_length=4000)
    subject: str = Field(default="", max_length=400)


@router.post("/api/leads/{display_id}/messages", tags=["leads"], status_code=201, summary="Reply by SMS and/or email")
async def api_send(request: Request, display_id: str, data: SendIn) -> JSONResponse:
    lead = await lookup.lead(request, display_id)
    b = bindings_of(request)
    sent = await replies.send(b.db, b.clock.now(), actor_of(request), lead, data.channels, data.body, data.subject)
    outbox_kick.soon(request)
    return JSONResponse({"sent": sent, "status": "queued"}, status_code=201)

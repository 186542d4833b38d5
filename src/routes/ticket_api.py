"""Tickets in the JSON API (issue 24): search, read, open, change status or title, add notes and
transcripts, save an assistant conversation to a ticket. The summary's endpoints are
routes/ticket_summary.py. A ticket of a customer the caller cannot see answers 404."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from accounts import authz
from assistant import audit as assistant_audit
from core.errors import Invalid, NotFound
from core.inputs import Id
from customers import record as customers
from routes import lookup
from routes.guard import bindings_of, current_user
from tickets import entries as ticket_entries
from tickets import job_links
from tickets import record as tickets
from tickets import summaries as ticket_summaries

router = APIRouter(tags=["tickets"])


class NewTicket(BaseModel):
    title: str = Field(..., max_length=400)
    request_key: str | None = Field(
        None, max_length=64, description="one-time key: the same key again opens nothing new"
    )


class TicketChange(BaseModel):
    status: Literal["open", "waiting", "closed"] | None = None
    title: str | None = Field(None, max_length=400)
    version: Id | None = None


class NewEntry(BaseModel):
    kind: Literal["note", "transcript"]
    body: str = Field(..., max_length=200_000)
    save_key: str | None = Field(None, max_length=64)


class SaveChat(BaseModel):
    conversation_id: Id


async def _whole(request: Request, number: str) -> dict[str, Any]:
    ticket = await lookup.ticket(request, number)
    db = bindings_of(request).db
    return {
        **tickets.public(ticket),
        "entries": [ticket_entries.public(e) for e in await ticket_entries.entries_of(db, ticket["id"])],
        "summaries": [ticket_summaries.public(s) for s in await ticket_summaries.summaries_of(db, ticket["id"])],
        "jobs": [
            {"job_id": j["id"], "display_id": j["display_id"], "status": j["status"]}
            for j in await job_links.jobs_of(db, current_user(request), ticket["id"])
        ],
    }


@router.get("/api/tickets", summary="Search tickets by number, customer, company or title")
async def api_search(
    request: Request,
    q: str = Query("", max_length=100),
    status: Literal["open", "waiting", "closed"] | None = None,
    limit: int = Query(50, ge=1, le=tickets.LIST_LIMIT),
) -> dict[str, Any]:
    rows = await tickets.search(bindings_of(request).db, current_user(request), q, status=status or "", limit=limit)
    return {"items": [tickets.public(r) for r in rows]}


@router.get("/api/tickets/{number}", summary="A ticket with its entries and summaries")
async def api_get(request: Request, number: str) -> dict[str, Any]:
    return await _whole(request, number)


@router.post("/api/customers/{display_id}/tickets", summary="Open a ticket for a customer", status_code=201)
async def api_create(request: Request, display_id: str, body: NewTicket) -> dict[str, Any]:
    customer = await lookup.customer(request, display_id)
    b = bindings_of(request)
    row = await tickets.open_ticket(
        b.db, b.clock.now(), current_user(request), customer, body.title, request_key=body.request_key
    )
    return await _whole(request, row["number"])


@router.patch("/api/tickets/{number}", summary="Change a ticket's status or title")
async def api_change(request: Request, number: str, body: TicketChange) -> dict[str, Any]:
    if body.status is None and body.title is None:
        raise Invalid({"status": "Send a status or a title."})
    ticket = await lookup.ticket(request, number)
    b, user = bindings_of(request), current_user(request)
    customer = lookup.found(
        await customers.customer_for_user(b.db, user, ticket["customer_display_id"]), "that customer"
    )
    if body.title is not None:
        await tickets.rename(b.db, b.clock.now(), user, customer, ticket, body.title, version=body.version)
        ticket = await lookup.ticket(request, number)
        body.version = None
    if body.status is not None:
        await tickets.set_status(b.db, b.clock.now(), user, customer, ticket, body.status, version=body.version)
    return await _whole(request, number)


@router.post("/api/tickets/{number}/entries", summary="Add a note or a pasted transcript", status_code=201)
async def api_add_entry(request: Request, number: str, body: NewEntry) -> dict[str, Any]:
    ticket = await lookup.ticket(request, number)
    b = bindings_of(request)
    entry_id, created = await ticket_entries.add(
        b.db, b.clock.now(), current_user(request), ticket, body.kind, body.body, save_key=body.save_key
    )
    return {"id": entry_id, "created": created}


@router.post("/api/tickets/{number}/chats", summary="Save an assistant conversation to the ticket", status_code=201)
async def api_save_chat(request: Request, number: str, body: SaveChat) -> dict[str, Any]:
    ticket = await lookup.ticket(request, number)
    conversation = await lookup.conversation(request, body.conversation_id)
    if not authz.owns_conversation(current_user(request), conversation):
        raise NotFound("We couldn't find that conversation.")
    b = bindings_of(request)
    text = await assistant_audit.transcript(b.db, conversation["id"])
    entry_id, created = await ticket_entries.save_chat(
        b.db, b.clock.now(), current_user(request), ticket, conversation["id"], text
    )
    return {"id": entry_id, "created": created}

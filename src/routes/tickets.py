"""Tickets on pages (seed 000): the search (step 1), a customer's tickets on the client page (steps 2
and 3: load one or open a new one), and the ticket page — status, notes, pasted transcripts, the
troubleshooting chat (step 4 saves it here) and the AI summary (routes/ticket_summary.py).

Forms carry a one-time key so a double click saves once; deleting asks "This action cannot be undone."
first (the page's confirm step), and refusals come back as a flash message (post/redirect/get).
"""

from __future__ import annotations

import asyncio
import secrets

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response

from accounts import authz
from assistant import audit as assistant_audit
from assistant import model as assistant_model
from core.errors import NotFound
from core.inputs import Id
from core.storage import Row
from customers import record as customers
from routes import lookup, record_tasks
from routes.guard import bindings_of, current_user
from routes.pages import redirect, refusals_go_back_to, render
from tickets import entries as ticket_entries
from tickets import job_links
from tickets import record as tickets
from tickets import summaries as ticket_summaries

router = APIRouter(include_in_schema=False)

UNDONE = "This action cannot be undone."
WORKFLOW = (
    "Step 1: search by customer, company, or ticket number. Step 2: open the customer. "
    "Step 3: load an existing ticket or create a new one. Step 4: return to chat and save the work to that ticket."
)


def one_time_key() -> str:
    return secrets.token_urlsafe(12)


@router.get("/tickets")
async def search_page(request: Request, q: str = Query("", max_length=100), status: str = Query("", max_length=10)):
    db, user = bindings_of(request).db, current_user(request)
    wanted = status if status in tickets.STATUSES else ""
    found = await tickets.search(db, user, q, status=wanted or ("" if q else "open"), limit=100)
    matching = await tickets.customers_matching(db, user, q)
    return render(
        request,
        "tickets/search.html",
        title="Tickets",
        q=q,
        status=wanted,
        tickets=[tickets.public(r) for r in found],
        customers=matching,
        workflow=WORKFLOW,
    )


@router.get("/clients/{display_id}/tickets")
async def customer_panel(request: Request, display_id: str):
    customer = await lookup.customer(request, display_id)
    rows = await tickets.tickets_of(bindings_of(request).db, customer["id"])
    return render(
        request,
        "tickets/_customer_tickets.html",
        customer={"id": customer["display_id"], "name": customer["name"]},
        tickets=[tickets.public(r) for r in rows],
        create_key=one_time_key(),
        chat=request.query_params.get("chat", ""),
    )


@router.post("/clients/{display_id}/tickets")
async def create(
    request: Request,
    display_id: str,
    title: str = Form("", max_length=400),
    request_key: str = Form("", max_length=64),
    chat: str = Form("", max_length=12),
):
    customer = await lookup.customer(request, display_id)
    b, user = bindings_of(request), current_user(request)
    with refusals_go_back_to(f"/clients/{customer['display_id']}#tickets"):
        row = await tickets.open_ticket(b.db, b.clock.now(), user, customer, title, request_key=request_key or None)
    if chat.isdigit():  # step 4 from an unattached chat: save it to the new ticket at once
        return await _save_chat(request, row, int(chat))
    return redirect(f"/tickets/{row['number']}", f"Ticket {row['number']} opened.")


@router.get("/tickets/{number}")
async def ticket_page(request: Request, number: str):
    ticket = await lookup.ticket(request, number)
    b = bindings_of(request)
    user = current_user(request)
    entries, summaries, contact, linked = await asyncio.gather(
        ticket_entries.entries_of(b.db, ticket["id"]),
        ticket_summaries.summaries_of(b.db, ticket["id"]),
        customers.primary_contact(b.db, ticket["customer_id"]),
        record_tasks.rows(b.db, user, "ticket", ticket["id"]),  # issue 23, TSK-5
    )
    return render(
        request,
        "tickets/ticket.html",
        title=f"{ticket['number']} · {ticket['title']}",
        ticket=tickets.public(ticket),
        entries=[ticket_entries.public(e) for e in entries],
        kind_labels=ticket_entries.KIND_LABELS,
        summaries=[ticket_summaries.public(s) for s in summaries],
        contact=contact,
        save_key=one_time_key(),
        ai_ready=assistant_model.configured(b),
        not_configured=assistant_model.NOT_CONFIGURED,
        undone=UNDONE,
        choose=ticket_summaries.CHOOSE,
        linked_jobs=await job_links.jobs_of(b.db, user, ticket["id"]),
        linkable_jobs=await job_links.linkable(b.db, user, ticket),
        record_tasks=record_tasks.card(user, b.clock.now(), linked, f"/tickets/{ticket['number']}#tasks"),
    )


async def _customer_of(request: Request, ticket: Row) -> Row:
    row = await customers.customer_for_user(
        bindings_of(request).db, current_user(request), ticket["customer_display_id"]
    )
    return lookup.found(row, "that customer")


@router.post("/tickets/{number}/status")
async def set_status(
    request: Request, number: str, status: str = Form("", max_length=10), version: int | None = Form(None)
):
    ticket = await lookup.ticket(request, number)
    b = bindings_of(request)
    with refusals_go_back_to(f"/tickets/{ticket['number']}"):
        await tickets.set_status(
            b.db,
            b.clock.now(),
            current_user(request),
            await _customer_of(request, ticket),
            ticket,
            status,
            version=version,
        )
    return redirect(f"/tickets/{ticket['number']}", f"Ticket {ticket['number']} is {status}.")


@router.post("/tickets/{number}/entries")
async def add_entry(
    request: Request,
    number: str,
    kind: str = Form("note", max_length=12),
    body: str = Form("", max_length=200_000),
    save_key: str = Form("", max_length=64),
):
    ticket = await lookup.ticket(request, number)
    b = bindings_of(request)
    with refusals_go_back_to(f"/tickets/{ticket['number']}#entries"):
        _, created = await ticket_entries.add(
            b.db, b.clock.now(), current_user(request), ticket, kind, body, save_key=save_key or None
        )
    said = f"{ticket_entries.KIND_LABELS.get(kind, 'Entry')} saved." if created else "Already saved."
    return redirect(f"/tickets/{ticket['number']}#entries", said)


@router.post("/tickets/{number}/entries/{entry_id}/delete")
async def delete_entry(request: Request, number: str, entry_id: Id, confirm: str = Form("", max_length=10)):
    ticket = await lookup.ticket(request, number)
    entry = await lookup.ticket_entry(request, ticket, entry_id)
    if confirm != "yes":
        return redirect(f"/tickets/{ticket['number']}#entries", f"Confirm first: {UNDONE}")
    b = bindings_of(request)
    await ticket_entries.delete(b.db, b.clock.now(), current_user(request), ticket, entry)
    return redirect(f"/tickets/{ticket['number']}#entries", "Entry deleted.")


async def _save_chat(request: Request, ticket: Row, conversation_id: int) -> Response:
    conversation = await lookup.conversation(request, conversation_id)
    if not authz.owns_conversation(current_user(request), conversation):
        raise NotFound("We couldn't find that conversation.")
    b = bindings_of(request)
    text = await assistant_audit.transcript(b.db, conversation["id"])
    with refusals_go_back_to(f"/tickets/{ticket['number']}"):
        _, created = await ticket_entries.save_chat(
            b.db, b.clock.now(), current_user(request), ticket, conversation["id"], text
        )
    said = "Chat saved to the ticket." if created else "That chat is already saved to this ticket."
    return redirect(f"/tickets/{ticket['number']}#entries", said)


@router.post("/tickets/{number}/chats")
async def save_chat(request: Request, number: str, conversation_id: Id = Form(...)):
    return await _save_chat(request, await lookup.ticket(request, number), conversation_id)

"""The CRM assistant (AIA-1…AIA-12): the streamed answer (SSE) behind the panel on every staff page,
conversations and their replay (the owner any, a user their own), the day's spend, and the
unattached-chat dialog that saves a conversation to a ticket (seed 000 step 4)."""

from __future__ import annotations

import secrets
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from accounts import authz
from assistant import audit, chat, markdown, model
from assistant import settings as assistant_settings
from core.errors import NotFound
from core.inputs import Id
from core.storage import Row
from customers import record as customers
from routes import lookup, sse
from routes.guard import bindings_of, current_user
from routes.pages import render
from tickets import record as tickets

router = APIRouter()


class Message(BaseModel):
    message: str = Field(..., max_length=chat.MAX_QUESTION * 2)
    conversation_id: Id | None = None
    ticket: str | None = Field(None, max_length=20, description="a T-number: a troubleshooting chat for that ticket")


async def _context(request: Request, body: Message) -> tuple[int | None, Row | None, Row | None]:
    """(conversation id, customer, ticket): an existing conversation must be the user's own; a ticket
    chat's tools are limited to the ticket's customer."""
    b, user = bindings_of(request), current_user(request)
    ticket = await lookup.ticket(request, body.ticket) if body.ticket else None
    conversation_id = None
    if body.conversation_id is not None:
        row = await lookup.conversation(request, body.conversation_id)
        if not authz.owns_conversation(user, row):
            raise NotFound("We couldn't find that conversation.")
        conversation_id = row["id"]
        if ticket is None and row["ticket_id"]:
            number = await b.db.first("SELECT number FROM tickets WHERE id = ?", row["ticket_id"])
            ticket = await lookup.ticket(request, number["number"]) if number else None
    customer = None
    if ticket is not None:
        customer = await customers.customer_for_user(b.db, user, ticket["customer_display_id"])
    return conversation_id, customer, ticket


@router.post(
    "/api/assistant/messages",
    tags=["assistant"],
    summary="Ask the assistant (server-sent events: start, text, tool, done | error)",
    response_class=Response,
)
async def ask(request: Request, body: Message) -> Response:
    b, user = bindings_of(request), current_user(request)
    if not model.configured(b):
        raise model.NotConfigured()
    question = chat.check_question(body.message)
    conf = await assistant_settings.load(b.db)
    await chat.check_budget(b.db, user, b.clock.now(), conf)
    conversation_id, customer, ticket = await _context(request, body)
    if conversation_id is None:
        conversation_id = await audit.new_conversation(
            b.db,
            b.clock.now(),
            user,
            question,
            customer_id=customer["id"] if customer else None,
            ticket_id=ticket["id"] if ticket else None,
        )
    events = chat.run_turn(b, user, conf, conversation_id, question, customer=customer, ticket=ticket)
    return sse.stream(events)


@router.get("/api/assistant/usage", tags=["assistant"], summary="Today's spend and cap (resets midnight New York)")
async def usage(request: Request) -> dict[str, Any]:
    b, user = bindings_of(request), current_user(request)
    conf = await assistant_settings.load(b.db)
    spent = await audit.spent_today(b.db, user.id, b.clock.now())
    return {
        "configured": model.configured(b),
        "model": conf.model,
        "day": audit.spend_day(b.clock.now()),
        "spent_usd": round(spent / 1_000_000, 6),
        "cap_usd": conf.cap_for(user.role),
    }


@router.get("/api/assistant/conversations", tags=["assistant"], summary="Conversations (owner: everyone's)")
async def api_conversations(request: Request, everyone: bool = False) -> dict[str, Any]:
    rows = await audit.conversations(bindings_of(request).db, current_user(request), everyone=everyone)
    return {"items": [audit.conversation_public(r) for r in rows]}


async def _replay(request: Request, conversation_id: int) -> dict[str, Any]:
    row = await lookup.conversation(request, conversation_id)
    db = bindings_of(request).db
    turns = await audit.turns_of(db, row["id"])
    calls = await audit.tool_calls_of(db, [t["id"] for t in turns])
    spent = sum(int(t["cost_micros"]) for t in turns)
    return {
        **audit.conversation_public({**row, "turns": len(turns), "cost_micros": spent}),
        "turns": [audit.turn_public(t, calls.get(t["id"], [])) for t in turns],
    }


@router.get("/api/assistant/conversations/{conversation_id}", tags=["assistant"], summary="Replay a conversation")
async def api_replay(request: Request, conversation_id: Id) -> dict[str, Any]:
    return await _replay(request, conversation_id)


@router.get("/assistant", include_in_schema=False)
async def page(request: Request, everyone: bool = False):
    b, user = bindings_of(request), current_user(request)
    rows = await audit.conversations(b.db, user, everyone=everyone)
    return render(
        request,
        "assistant/page.html",
        title="Assistant",
        conversations=[audit.conversation_public(r) for r in rows],
        everyone=everyone and authz.can(user, "audit.view"),
        may_see_everyone=authz.can(user, "audit.view"),
    )


@router.get("/assistant/conversations/{conversation_id}", include_in_schema=False)
async def replay_page(request: Request, conversation_id: Id):
    data = await _replay(request, conversation_id)
    for turn in data["turns"]:
        turn["html"] = markdown.render(turn["answer"])
    return render(request, "assistant/conversation.html", title=data["title"] or "Conversation", conversation=data)


@router.get("/assistant/conversations/{conversation_id}/save", include_in_schema=False)
async def save_dialog(
    request: Request,
    conversation_id: Id,
    q: str = Query("", max_length=100),
    customer: str = Query("", max_length=20),
):
    """The unattached chat: step 1 search, step 2 the customer, step 3 an existing ticket or a new one
    (their forms post to the ticket routes, which save the chat: step 4)."""
    row = await lookup.conversation(request, conversation_id)
    db, user = bindings_of(request).db, current_user(request)
    chosen = await lookup.customer(request, customer) if customer else None
    found = await tickets.customers_matching(db, user, q) if q.strip() and chosen is None else []
    own = await tickets.tickets_of(db, chosen["id"]) if chosen else []
    return render(
        request,
        "assistant/save.html",
        title="Save this chat",
        conversation=audit.conversation_public(row),
        q=q,
        customers=found,
        customer={"id": chosen["display_id"], "name": chosen["name"]} if chosen else None,
        tickets=[tickets.public(t) for t in own],
        create_key=secrets.token_urlsafe(12),
    )

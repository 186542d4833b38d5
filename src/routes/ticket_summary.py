"""A ticket's AI summary (seed 000), on the ticket page and in the JSON API: choose recommendations
(start), the streamed draft (SSE), review and edit, create the PDF, review the email draft, Send.

Without `ANTHROPIC_API_KEY` the draft answers 409 "AI is not configured"; a person may still write the
summary by hand and make the PDF and email from it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from assistant import model as assistant_model
from assistant import settings as assistant_settings
from assistant import summary as assistant_summary
from core.errors import Invalid
from core.inputs import Id
from core.storage import Row
from routes import lookup, sse
from routes.guard import bindings_of, current_user, files_of
from routes.pages import redirect, refusals_go_back_to
from tickets import summaries as ticket_summaries

router = APIRouter()


def _choice(value: str | bool | None) -> bool | None:
    if isinstance(value, bool) or value is None:
        return value
    return {"yes": True, "true": True, "no": False, "false": False}.get(value.strip().lower())


def _date(request: Request) -> str:
    return bindings_of(request).clock.now().strftime("%B %-d, %Y")


# --- pages ---------------------------------------------------------------------------------------


@router.post("/tickets/{number}/summaries", include_in_schema=False)
async def start_from_form(request: Request, number: str, recommendations: str = Form("", max_length=5)):
    ticket = await lookup.ticket(request, number)
    b = bindings_of(request)
    with refusals_go_back_to(f"/tickets/{ticket['number']}#summary"):
        summary_id = await ticket_summaries.start(
            b.db, b.clock.now(), current_user(request), ticket, _choice(recommendations)
        )
    return redirect(f"/tickets/{ticket['number']}?draft={summary_id}#summary")


@router.post("/tickets/{number}/summaries/{summary_id}", include_in_schema=False)
async def edit_from_form(
    request: Request,
    number: str,
    summary_id: Id,
    summary: str = Form("", max_length=70_000),
    advice: str = Form("", max_length=70_000),
    version: int | None = Form(None),
):
    ticket = await lookup.ticket(request, number)
    row = await lookup.ticket_summary(request, ticket, summary_id)
    b = bindings_of(request)
    with refusals_go_back_to(f"/tickets/{ticket['number']}#summary"):
        await ticket_summaries.edit(b.db, b.clock.now(), current_user(request), ticket, row, summary, advice, version)
    return redirect(f"/tickets/{ticket['number']}#summary", "Summary saved.")


@router.post("/tickets/{number}/summaries/{summary_id}/pdf", include_in_schema=False)
async def pdf_from_form(request: Request, number: str, summary_id: Id):
    ticket = await lookup.ticket(request, number)
    row = await lookup.ticket_summary(request, ticket, summary_id)
    b = bindings_of(request)
    with refusals_go_back_to(f"/tickets/{ticket['number']}#summary"):
        await ticket_summaries.make_pdf(
            b.db, files_of(request), b.clock.now(), current_user(request), ticket, row, date=_date(request)
        )
    return redirect(f"/tickets/{ticket['number']}#email", "PDF created. Review the email draft, then Send.")


@router.get("/tickets/{number}/summaries/{summary_id}/pdf", include_in_schema=False)
async def pdf_download(request: Request, number: str, summary_id: Id) -> Response:
    ticket = await lookup.ticket(request, number)
    row = await lookup.ticket_summary(request, ticket, summary_id)
    data = await ticket_summaries.read_pdf(files_of(request), row)
    if data is None:
        return Response("The PDF has not been created yet.", status_code=404)
    name = row["pdf_filename"] or "summary.pdf"
    return Response(
        data,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f"inline; filename=\"{name}\"; filename*=UTF-8''{quote(name)}",
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-cache",
        },
    )


@router.post("/tickets/{number}/summaries/{summary_id}/send", include_in_schema=False)
async def send_from_form(
    request: Request,
    number: str,
    summary_id: Id,
    to: str = Form("", max_length=254),
    subject: str = Form("", max_length=300),
    text: str = Form("", max_length=60_000),
):
    ticket = await lookup.ticket(request, number)
    row = await lookup.ticket_summary(request, ticket, summary_id)
    b = bindings_of(request)
    with refusals_go_back_to(f"/tickets/{ticket['number']}#email"):
        await ticket_summaries.send(
            b.db, b.clock.now(), current_user(request), ticket, row, to=to, subject=subject, text=text
        )
    return redirect(f"/tickets/{ticket['number']}#email", f"Email to {to.strip()} queued.")


# --- JSON API ------------------------------------------------------------------------------------


class StartBody(BaseModel):
    recommendations: bool | None = Field(None, description=ticket_summaries.CHOOSE)


class EditBody(BaseModel):
    summary: str = Field(..., max_length=70_000)
    advice: str = Field("", max_length=70_000)
    version: Id | None = None


class SendBody(BaseModel):
    to: str = Field(..., max_length=254)
    subject: str = Field(..., max_length=300)
    text: str = Field(..., max_length=60_000)


async def _summary(request: Request, number: str, summary_id: int) -> tuple[Row, Row]:
    ticket = await lookup.ticket(request, number)
    return ticket, await lookup.ticket_summary(request, ticket, summary_id)


async def _fresh(request: Request, ticket: Row, summary_id: int) -> dict[str, Any]:
    return ticket_summaries.public(await lookup.ticket_summary(request, ticket, summary_id))


@router.post("/api/tickets/{number}/summaries", tags=["tickets"], summary="Start an AI summary", status_code=201)
async def api_start(request: Request, number: str, body: StartBody) -> dict[str, Any]:
    ticket = await lookup.ticket(request, number)
    b = bindings_of(request)
    summary_id = await ticket_summaries.start(b.db, b.clock.now(), current_user(request), ticket, body.recommendations)
    return await _fresh(request, ticket, summary_id)


@router.post(
    "/api/tickets/{number}/summaries/{summary_id}/draft",
    tags=["tickets"],
    summary="Generate the summary's draft (server-sent events)",
    response_class=Response,
)
async def api_draft(request: Request, number: str, summary_id: Id) -> Response:
    ticket, row = await _summary(request, number, summary_id)
    b = bindings_of(request)
    if not assistant_model.configured(b):
        raise assistant_model.NotConfigured()
    if row["sent_at"]:
        raise Invalid({"summary": ticket_summaries.ALREADY_SENT})
    conf = await assistant_settings.load(b.db)
    user = current_user(request)
    events = assistant_summary.draft(b, user, conf, ticket, row)
    first = await anext(events)  # the budget check and the turn's start happen before any byte is sent

    async def all_events() -> AsyncIterator[dict[str, Any]]:
        yield first
        async for event in events:
            yield event

    return sse.stream(all_events())


@router.patch("/api/tickets/{number}/summaries/{summary_id}", tags=["tickets"], summary="Edit the summary")
async def api_edit(request: Request, number: str, summary_id: Id, body: EditBody) -> dict[str, Any]:
    ticket, row = await _summary(request, number, summary_id)
    b = bindings_of(request)
    await ticket_summaries.edit(
        b.db, b.clock.now(), current_user(request), ticket, row, body.summary, body.advice, body.version
    )
    return await _fresh(request, ticket, summary_id)


@router.post("/api/tickets/{number}/summaries/{summary_id}/pdf", tags=["tickets"], summary="Create the PDF")
async def api_pdf(request: Request, number: str, summary_id: Id) -> dict[str, Any]:
    ticket, row = await _summary(request, number, summary_id)
    b = bindings_of(request)
    await ticket_summaries.make_pdf(
        b.db, files_of(request), b.clock.now(), current_user(request), ticket, row, date=_date(request)
    )
    return await _fresh(request, ticket, summary_id)


@router.post("/api/tickets/{number}/summaries/{summary_id}/send", tags=["tickets"], summary="Send the email")
async def api_send(request: Request, number: str, summary_id: Id, body: SendBody) -> dict[str, Any]:
    ticket, row = await _summary(request, number, summary_id)
    b = bindings_of(request)
    await ticket_summaries.send(
        b.db, b.clock.now(), current_user(request), ticket, row, to=body.to, subject=body.subject, text=body.text
    )
    return await _fresh(request, ticket, summary_id)

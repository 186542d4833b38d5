"""Maintenance → Outbox (owner): messages waiting, failed or dead, each one's attempts, Redeliver; the
same as JSON under /api/outbox. And Maintenance → Development mailbox: what the development providers
captured (only outside production; 404 there)."""

from __future__ import annotations

from typing import Literal
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from accounts import offices
from core import devmail, outbox
from core import email as mail
from core.errors import NotFound
from core.inputs import Id
from messaging import email as messaging_email  # noqa: F401 - registers the email handler with the outbox
from routes.guard import bindings_of, current_user
from routes.outbox_kick import soon
from routes.pages import redirect, refusals_go_back_to, render

router = APIRouter()

HOME = "/maintenance/outbox"
Status = Literal["pending", "sending", "delivered", "failed", "dead"]
KIND_PATTERN = r"^[a-z][a-z0-9_-]{0,29}$"


async def _message(request: Request, message_id: str) -> dict:
    found = await outbox.message(bindings_of(request).db, message_id[:40])
    if found is None:
        raise NotFound("We couldn't find that message.")
    return found


@router.get(HOME, include_in_schema=False)
async def page(
    request: Request,
    status: Status | None = Query(None),
    kind: str | None = Query(None, pattern=KIND_PATTERN),
    office_id: Id | None = Query(None),
) -> Response:
    db = bindings_of(request).db
    rows = await outbox.listing(db, status=status, kind=kind, office_id=office_id)
    return render(
        request,
        "maintenance/outbox.html",
        rows=rows,
        counts=await outbox.counts(db),
        filters={"status": status or "", "kind": kind or "", "office_id": office_id},
        statuses=outbox.STATUSES,
        kinds=sorted(outbox.HANDLERS),
        offices=await offices.all_offices(db),
        office_names={o.id: o.name for o in await offices.all_offices(db)},
        schedule=outbox.SCHEDULE,
    )


@router.get(HOME + "/{message_id}", include_in_schema=False)
async def message_page(request: Request, message_id: str) -> Response:
    return render(request, "maintenance/outbox_message.html", m=await _message(request, message_id))


@router.post(HOME + "/{message_id}/redeliver", include_in_schema=False)
async def redeliver_form(request: Request, message_id: str) -> Response:
    b = bindings_of(request)
    found = await _message(request, message_id)
    with refusals_go_back_to(f"{HOME}/{found['id']}"):
        await outbox.redeliver(b.db, b.clock.now(), current_user(request).actor, found["id"])
    soon(request)
    return redirect(f"{HOME}/{found['id']}", "Queued again; it goes out within a minute.")


# --- JSON ----------------------------------------------------------------------------------------


@router.get("/api/outbox", tags=["outbox"], summary="Outbound messages that are waiting, failed or dead")
async def api_list(
    request: Request,
    status: Status | None = Query(None, description="Only this status (default: everything not delivered)"),
    kind: str | None = Query(None, pattern=KIND_PATTERN, description="email, sms, webhook, quickbooks, …"),
    office_id: Id | None = Query(None),
) -> JSONResponse:
    db = bindings_of(request).db
    items = await outbox.listing(db, status=status, kind=kind, office_id=office_id)
    return JSONResponse({"items": items, "counts": await outbox.counts(db)})


@router.get("/api/outbox/{message_id}", tags=["outbox"], summary="One outbound message with its attempt log")
async def api_message(request: Request, message_id: str) -> JSONResponse:
    return JSONResponse(await _message(request, message_id))


@router.post(
    "/api/outbox/{message_id}/redeliver", tags=["outbox"], summary="Send a failed or dead message again (owner)"
)
async def api_redeliver(request: Request, message_id: str) -> JSONResponse:
    b = bindings_of(request)
    found = await _message(request, message_id)
    await outbox.redeliver(b.db, b.clock.now(), current_user(request).actor, found["id"])
    soon(request)
    return JSONResponse(await _message(request, message_id), status_code=202)


# --- the development mailbox ---------------------------------------------------------------------


def _outside_production(request: Request) -> None:
    if bindings_of(request).settings.production:
        raise NotFound("There is no development mailbox in production.")


@router.get("/maintenance/dev-mailbox", include_in_schema=False)
async def dev_mailbox(request: Request, channel: str | None = Query(None, pattern=KIND_PATTERN)) -> Response:
    _outside_production(request)
    b = bindings_of(request)
    return render(
        request,
        "maintenance/dev_mailbox.html",
        items=await devmail.listing(b.db, channel=channel),
        channel=channel or "",
        capturing=mail.is_development(b),
        office_names={o.id: o.name for o in await offices.all_offices(b.db)},
    )


@router.get("/api/dev-mailbox", tags=["outbox"], summary="What the development providers captured (not production)")
async def api_dev_mailbox(request: Request, channel: str | None = Query(None, pattern=KIND_PATTERN)) -> JSONResponse:
    _outside_production(request)
    return JSONResponse({"items": await devmail.listing(bindings_of(request).db, channel=channel)})


@router.get("/maintenance/dev-mailbox/{mailbox_id}/attachments/{index}", include_in_schema=False)
async def dev_mailbox_attachment(request: Request, mailbox_id: Id, index: int) -> Response:
    """A captured email's attachment, read from the file store (downloaded, never rendered inline)."""
    _outside_production(request)
    b = bindings_of(request)
    found = await devmail.attachment(b.db, mailbox_id, index)
    data = await b.files.get(found["key"]) if found is not None and b.files is not None else None
    if found is None or data is None:
        raise NotFound("That attachment is not in the development mailbox.")
    name = found["filename"]
    return Response(
        data,
        media_type="application/octet-stream",
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}",
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-cache",
        },
    )

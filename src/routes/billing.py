"""Billing (`/billing` and `/api/billing/…`) and the QuickBooks matches review queue in Clients
(`/clients/quickbooks-matches` and `/api/quickbooks/matches`). Handlers parse, call one function in
`src/quickbooks/`, and render or answer JSON."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from accounts import authz, offices
from core.errors import Conflict, Invalid, NotFound, Refused
from core.inputs import Id, parse_id
from quickbooks import billing, estimates, identity
from quickbooks.documents import Company, company
from routes import lookup
from routes.guard import bindings_of, current_user
from routes.pages import redirect, refusals_go_back_to, render

router = APIRouter()
MATCHES = "/clients/quickbooks-matches"


async def _company(request: Request) -> Company | None:
    return await company(bindings_of(request).db)


# --- billing -------------------------------------------------------------------------------------


async def _page_context(request: Request) -> dict[str, Any]:
    b = bindings_of(request)
    summary = await billing.summary(b)
    co = await _company(request)
    if co is None:
        return {"summary": summary}
    day = await billing.today(b)
    return {
        "summary": summary,
        "metrics": await billing.metrics_for(b, co.realm_id),
        "estimates": await estimates.active(b.db, co, day),
        "statuses": estimates.STATUSES,
        "match_counts": await identity.counts(b.db, co.realm_id),
    }


@router.get("/billing", include_in_schema=False)
async def page(request: Request) -> Response:
    return render(request, "billing/page.html", title="Billing", **await _page_context(request))


@router.get("/api/billing/summary", tags=["billing"], summary="Imported QuickBooks counts, balances, recent documents")
async def api_summary(request: Request) -> dict[str, Any]:
    return await billing.summary(bindings_of(request))


@router.get("/api/billing/metrics", tags=["billing"], summary="Sales by period, account balances, sales tax")
async def api_metrics(request: Request) -> Response:
    co = await _company(request)
    if co is None:
        return JSONResponse({"state": "not_connected"})
    return JSONResponse({"state": co.status, **await billing.metrics_for(bindings_of(request), co.realm_id)})


@router.get("/api/billing/estimates", tags=["billing"], summary="Estimates (active=1: not expired, not invoiced)")
async def api_estimates(request: Request, active: bool = Query(True)) -> Response:
    co = await _company(request)
    if co is None:
        return JSONResponse({"state": "not_connected", "count": 0, "items": []})
    b = bindings_of(request)
    found = await (estimates.active(b.db, co, await billing.today(b)) if active else estimates.listed(b.db, co))
    return JSONResponse({"state": co.status, **found})


class StatusChange(BaseModel):
    status: Literal["Pending", "Accepted", "Rejected", "Closed"]


async def _change_status(request: Request, qbo_id: str, status: str) -> tuple[str, str]:
    b = bindings_of(request)
    co = await _company(request)
    if co is None:
        raise Conflict("QuickBooks is not connected.")
    user = current_user(request)
    outbox_id = await estimates.request_status(b.db, b.clock.now(), user.actor, co, qbo_id[:40], status)
    return outbox_id, await estimates.send_now(b, outbox_id)


@router.patch("/api/billing/estimates/{qbo_id}", tags=["billing"], summary="Change an estimate's status in QuickBooks")
async def api_estimate_status(request: Request, qbo_id: str, body: StatusChange) -> Response:
    outbox_id, outcome = await _change_status(request, qbo_id, body.status)
    write = await estimates.outbox_row(bindings_of(request).db, outbox_id)
    code = {"done": 200, "failed": 502}.get(outcome, 202)
    return JSONResponse({"outcome": outcome, "write": write}, status_code=code)


@router.post("/billing/estimates/{qbo_id}/status", include_in_schema=False)
async def form_estimate_status(request: Request, qbo_id: str, status: str = Form("", max_length=20)) -> Response:
    with refusals_go_back_to("/billing#estimates", (Refused,)):  # a missing estimate too, as before
        _, outcome = await _change_status(request, qbo_id, status)
    said = {
        "done": f"QuickBooks saved the estimate as {status}.",
        "failed": "QuickBooks refused the change; the estimate shows why.",
    }.get(outcome, "Saved here; it will be sent to QuickBooks on the next sync.")
    return redirect("/billing#estimates", said)


# --- QuickBooks matches (Clients) ----------------------------------------------------------------


class MatchAction(BaseModel):
    action: Literal["link", "unlink", "create", "ignore"]
    customer: str | None = Field(None, max_length=20, description="C-number to link (action=link)")
    office_id: Id | None = Field(None, description="office for the new customer (action=create)")


async def _match(request: Request, qbo_id: str, body: MatchAction) -> dict[str, Any]:
    b = bindings_of(request)
    db, now, user = b.db, b.clock.now(), current_user(request)
    co = await _company(request)
    if co is None:
        raise Conflict("QuickBooks is not connected.")
    realm = co.realm_id
    if body.action == "link":
        row = await lookup.customer(request, body.customer or "", named=True)
        await identity.link(db, now, user, realm, qbo_id, row)
        return {"state": "linked", "customer": row["display_id"]}
    if body.action == "unlink":
        return {"state": "unlinked", "customer": await identity.unlink(db, now, user, realm, qbo_id)}
    if body.action == "ignore":
        await identity.ignore(db, now, user, realm, qbo_id)
        return {"state": "ignored"}
    office = await _office_for(request, body.office_id)
    return {"state": "linked", "customer": await identity.create(db, now, user, realm, qbo_id, office)}


async def _office_for(request: Request, office_id: Id | None) -> offices.Office:
    user = current_user(request)
    db = bindings_of(request).db
    if office_id is None:
        mine = authz.visible_offices(user, await offices.all_offices(db, include_inactive=False))
        if not mine:
            raise Invalid("You have no office to put the new customer in.")
        return mine[0]
    return await lookup.office(request, office_id)


@router.get("/api/quickbooks/matches", tags=["quickbooks"], summary="Imported QuickBooks customers and their links")
async def api_matches(
    request: Request,
    state: str = Query("pending", max_length=10),
    page: int = Query(1, ge=1, le=100_000),
    q: str = Query("", max_length=60),
) -> Response:
    co = await _company(request)
    if co is None:
        return JSONResponse({"state": state, "items": [], "counts": {}})
    found = await identity.queue(
        bindings_of(request).db, current_user(request), co.realm_id, state=state, page=page, search=q
    )
    return JSONResponse(found)


@router.post("/api/quickbooks/matches/{qbo_id}", tags=["quickbooks"], summary="Link, unlink, create or ignore")
async def api_match(request: Request, qbo_id: str, body: MatchAction) -> Response:
    return JSONResponse(await _match(request, qbo_id, body))


@router.get(MATCHES, include_in_schema=False)
async def matches_page(
    request: Request,
    state: str = Query("pending", max_length=10),
    page: int = Query(1, ge=1, le=100_000),
    q: str = Query("", max_length=60),
) -> Response:
    db = bindings_of(request).db
    user = current_user(request)
    co = await _company(request)
    if state not in identity.STATES:
        raise NotFound("No such view.")
    found = await identity.queue(db, user, co.realm_id, state=state, page=page, search=q) if co else None
    mine = authz.visible_offices(user, await offices.all_offices(db, include_inactive=False))
    return render(
        request,
        "customers/quickbooks_matches.html",
        title="QuickBooks matches",
        company=co,
        found=found,
        state=state,
        q=q,
        offices=mine,
    )


@router.post(f"{MATCHES}/{{qbo_id}}", include_in_schema=False)
async def matches_form(
    request: Request,
    qbo_id: str,
    action: str = Form("", max_length=10),
    customer: str = Form("", max_length=20),
    office_id: str = Form("", max_length=12),
    back: str = Form("", max_length=200),
) -> Response:
    target = back if back.startswith(MATCHES) else MATCHES
    try:
        office = parse_id(office_id)
        body = MatchAction.model_validate({"action": action, "customer": customer or None, "office_id": office})
    except ValueError:
        return redirect(target, "Choose link, unlink, create or ignore.")
    with refusals_go_back_to(target, (Refused,)):  # a missing customer or office too, as before
        done = await _match(request, qbo_id, body)
    said = {
        "link": f"Linked to {done.get('customer')}.",
        "create": f"Created {done.get('customer')} from QuickBooks and linked it.",
        "unlink": f"Unlinked from {done.get('customer')}; it waits for review and will not be linked automatically.",
        "ignore": "Ignored: it stays out of the queue until someone links it.",
    }[body.action]
    return redirect(target, said)

"""The workspace shell: the home redirect and an office's card. Billing (routes/billing.py) and Reports
(routes/reports.py) are their own capabilities."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from accounts import authz, offices
from routes import lookup
from routes.guard import bindings_of, current_user
from routes.pages import render

router = APIRouter(include_in_schema=False)


@router.get("/")
async def home(request: Request) -> Response:
    user = current_user(request)
    first = authz.nav_for(user)
    return RedirectResponse(first[0][1] if first else "/account", status_code=303)


@router.get("/offices/{slug}")
async def office_page(request: Request, slug: str) -> Response:
    """An office's card for its own staff; another office's answers 404 like a missing one."""
    office = await lookup.office(request, slug=slug)
    members = await offices.active_members(bindings_of(request).db, office.id)
    return render(request, "office.html", office=office, members=members)

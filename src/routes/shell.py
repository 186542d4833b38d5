"""The workspace pages. Billing is filled by its own capability; Reports lives in routes/reports.py."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

import authz
import offices
from guard import NotFound, bindings_of, current_user
from pages import render

router = APIRouter(include_in_schema=False)

EMPTY_PAGES = {
    "billing": (
        "Billing",
        "Estimates, invoices and payments mirrored from QuickBooks Online, your accounting system of record.",
        "Connect QuickBooks from Maintenance once the QuickBooks capability lands.",
    ),
}


@router.get("/")
async def home(request: Request) -> Response:
    user = current_user(request)
    first = authz.nav_for(user)
    return RedirectResponse(first[0][1] if first else "/account", status_code=303)


def _empty(name: str):
    title, lede, note = EMPTY_PAGES[name]

    async def page(request: Request) -> Response:
        return render(request, "empty.html", title=title, lede=lede, note=note)

    page.__name__ = f"{name}_page"
    return page


for _name in EMPTY_PAGES:
    router.add_api_route(f"/{_name}", _empty(_name), methods=["GET"])


@router.get("/offices/{slug}")
async def office_page(request: Request, slug: str) -> Response:
    """An office's card for its own staff; another office's answers 404 like a missing one."""
    user = current_user(request)
    db = bindings_of(request).db
    office = await offices.by_slug(db, slug)
    if office is None or not authz.visible_office(user, office.id):
        raise NotFound("We couldn't find that office.")
    members = await offices.active_members(db, office.id)
    return render(request, "office.html", office=office, members=members)

"""New client (issue 17; seed 004 "Add a customer"): the form on /clients and its own page
`/clients/new`, with the duplicate check by phone and email before anything is saved, and
`GET /api/customers/matches` (the same check for the API; `POST /api/customers` creates).

The form posts once: when customers the user may see share the phone (last 10 digits) or the email,
the form comes back with them listed; the person opens one or saves anyway (`confirmed`). The
customer is created by `customers.actions.create_customer` with its primary contact and billing
address in one batch; line 1 and the ZIP are required (seed 004). A lead for an existing customer is
started from the record: `/leads/new?customer=C-…` (`lead_values`) fills the new-lead form.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response

from accounts import authz, offices
from accounts.offices import Office
from core.errors import Invalid
from core.inputs import parse_id
from core.phones import last10
from customers import actions as customer_actions
from customers import record as customers
from leads import actions as lead_actions
from leads import sources as lead_sources
from leads.sources import Source
from routes import lookup
from routes.guard import bindings_of, current_user
from routes.pages import redirect, render

router = APIRouter()

FIELDS = frozenset("name company kind contact_name phone email line1 line2 city state zip office_id source".split())


def form_context(request: Request, all_offices: list[Office], sources: list[Source]) -> dict[str, Any]:
    """What the New client form needs, from lists the page has read (the /clients page shows it too)."""
    user = current_user(request)
    return {
        "new_offices": [o for o in authz.visible_offices(user, all_offices) if o.active],
        "new_sources": [s for s in sources if s.active],
        "chooses_office": authz.chooses_office(user),
    }


async def _form(request: Request, status: int = 200, **context: Any) -> Response:
    context.setdefault("values", {})
    context.setdefault("errors", {})
    db = bindings_of(request).db
    lists = form_context(request, await offices.all_offices(db), await lead_sources.all_sources(db))
    return render(request, "customers/new.html", status_code=status, title="New client", **lists, **context)


@router.get("/clients/new", include_in_schema=False)  # before /clients/{display_id}
async def new_page(request: Request) -> Response:
    return await _form(request)


async def matches(request: Request, phone: str, email: str) -> list[Any]:
    """Customers the user may see with the same phone (last 10 digits) or email."""
    return await customers.candidates(bindings_of(request).db, current_user(request), last10(phone), email)


@router.post("/clients/new", include_in_schema=False)
async def new_submit(
    request: Request,
    name: str = Form("", max_length=200),
    company: str = Form("", max_length=200),
    kind: str = Form("private", max_length=10),
    contact_name: str = Form("", max_length=200),
    phone: str = Form("", max_length=40),
    email: str = Form("", max_length=254),
    line1: str = Form("", max_length=200),
    line2: str = Form("", max_length=200),
    city: str = Form("", max_length=100),
    state: str = Form("", max_length=50),
    zip: str = Form("", max_length=20),
    office_id: str = Form("", max_length=12),
    source: str = Form("", max_length=40),
    confirmed: bool = Form(False),
) -> Response:
    values = {k: v for k, v in locals().items() if k in FIELDS}
    user = current_user(request)
    b = bindings_of(request)
    new = customer_actions.NewCustomer(
        name=name,
        kind=kind,
        company=company,
        source=source,
        contact={"name": contact_name.strip() or name, "phone": phone, "email": email},
        billing_address={"line1": line1, "line2": line2, "city": city, "state": state, "zip": zip},
        address_required=True,
    )
    try:
        office = lead_actions.office_for_new_lead(user, parse_id(office_id), await offices.all_offices(b.db))
        if not confirmed:
            await customer_actions.check_new(b.db, new)  # refuse a bad form before showing duplicates
            found = await matches(request, phone, email)
            if found:
                return await _form(request, 200, values=values, duplicates=found)
        display = await customer_actions.create_customer(b.db, b.clock.now(), user, office, new)
    except Invalid as exc:
        return await _form(request, 400, values=values, errors=exc.fields, error=exc.message)
    return redirect(f"/clients/{display}", f"Client {display} created.")


@router.get(
    "/api/customers/matches",
    tags=["customers"],
    summary="Customers that may be the same person: same phone (last 10 digits) or email",
)
async def api_matches(
    request: Request, phone: str = Query("", max_length=40), email: str = Query("", max_length=254)
) -> list[dict[str, Any]]:
    if not (last10(phone) or email.strip()):
        raise Invalid("Give a phone number or an email to check.", field="phone")
    return [
        {
            "id": r["display_id"],
            "name": r["name"],
            "office": r["office_name"],
            "phone": r["phone"],
            "email": r["email"],
            "matched_on": sorted(str(r["matched_on"]).split(",")),
            "archived": bool(r["archived_at"]),
        }
        for r in await matches(request, phone, email)
    ]


async def lead_values(request: Request, display_id: str) -> dict[str, str]:
    """The new-lead form filled from a customer the user may see (its primary contact and billing or
    first address); 404 for one out of scope, as everywhere."""
    row = await lookup.customer(request, display_id, named=True)
    db = bindings_of(request).db
    contact = await customers.primary_contact(db, row["id"])
    addresses = await customers.addresses_of(db, row["id"])
    address = next((a for a in addresses if a["kind"] == "billing"), addresses[0] if addresses else None)
    return {
        "name": (contact["name"] if contact else "") or row["name"],
        "phone": (contact["phone"] if contact else None) or row["phone"] or "",
        "email": (contact["email"] if contact else "") or row["email"] or "",
        "zip": (address["zip"] if address else "") or row["zip"] or "",
        "address": customers.one_line(address) if address else (row["address"] or ""),
        "office_id": str(row["office_id"]),
        "notes": f"Existing client {row['display_id']}.",
        "customer": row["display_id"],
    }

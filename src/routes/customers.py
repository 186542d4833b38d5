"""The customer record page (`/clients/C-…`) and its forms.

Each form posts to a small route that calls one verb and redirects back (post/redirect/get). A refused
change renders the record again with the reason and the verb's status (422, 409 for a stale
version, 403/404), so nothing half-done is ever shown as saved.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from decimal import Decimal, InvalidOperation
from typing import Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response

from accounts import authz
from accounts.users import User
from core import errors
from core.errors import NotFound
from core.inputs import Id, parse_id, parse_int
from core.storage import Database, Row
from core.vault import KeyRing
from customers import actions as customer_actions
from customers import addresses as customer_addresses
from customers import contacts as customer_contacts
from customers import merge as customer_merge
from customers import notes as customer_notes
from customers import record as customers
from customers import tags as customer_tags
from leads import sources as lead_sources
from quickbooks import billing as quickbooks_billing
from routes.guard import bindings_of, current_user
from routes.pages import redirect, refusals_show, render

router = APIRouter(include_in_schema=False)

Verb = Callable[[Database, Any, User, Row], Awaitable[Any]]


async def _customer(request: Request, display_id: str) -> Row:
    row = await customers.customer_for_user(bindings_of(request).db, current_user(request), display_id)
    if row is None:
        raise NotFound("We couldn't find that client.")
    return row


def _money(cents: int | None) -> str:
    return "—" if cents is None else f"${cents / 100:,.2f}"


async def _context(request: Request, row: Row, timeline_type: str) -> dict[str, Any]:
    db = bindings_of(request).db
    user = current_user(request)
    # QuickBooks money through the link, for the roles that see billing or keep the billing profile.
    qb_visible = authz.can(user, "billing.view") or authz.can(user, "clients.billing")

    async def qb_panel() -> Any:
        return await quickbooks_billing.customer_panel(bindings_of(request), row["quickbooks_customer_id"])

    async def nothing() -> None:
        return None

    # independent reads, gathered: on D1 they go out as one batch (one round trip, docs/performance.md)
    contacts, addresses, notes, merged_from, qb, merged_into, tags, leads_of, timeline, sources = await asyncio.gather(
        customers.contacts_of(db, row["id"]),
        customers.addresses_of(db, row["id"]),
        customers.notes_of(db, row["id"]),
        db.all("SELECT display_id FROM customers WHERE merged_into_id = ? ORDER BY id", row["id"]),
        qb_panel() if qb_visible else nothing(),
        customers.display_id_of(db, row["merged_into_id"]),
        customer_tags.tags_of(db, row["id"]),
        customers.leads_of(db, row["id"]),
        customers.timeline_of(db, row["id"], timeline_type),
        lead_sources.all_sources(db),
    )
    return {
        "title": f"{row['display_id']} · {row['name']}",
        "customer": customers.public(row)
        | {
            "rating": row["rating"],
            "version": row["version"],
            "source_label": row["source_label"],
            "merged_into": merged_into,
            "merged_from": [r["display_id"] for r in merged_from],
            "accepts_automation": customers.accepts_automation(row),
        },
        "billing": customers.billing(row)
        | {"credit_limit": _money(row["credit_limit_cents"])}
        | ({"balance_cents": qb["balance_cents"], "account_credit_cents": qb["account_credit_cents"]} if qb else {}),
        "qb": qb,
        "qb_visible": qb_visible,
        "tags": tags,
        "contacts": [customers.contact_public(c) | {"form": customer_contacts.as_typed(c)} for c in contacts],
        "addresses": [customers.address_public(a) | {"occupier_name": a["occupier_name"]} for a in addresses],
        "has_billing_address": any(a["kind"] == "billing" for a in addresses),
        "notes": [customers.note_public(n) | {"mine": customer_notes.may_change(user, n)} for n in notes],
        "map_url": customers.map_url(addresses, row),
        "leads": leads_of,
        "lead_intake": customers.LEAD_INTAKE,
        "timeline": timeline,
        "timeline_types": customers.TIMELINE_TYPES,
        "timeline_type": timeline_type,
        "sources": [s for s in sources if s.active or s.key == row["source"]],
        "brands": customer_actions.CARD_BRANDS,
        "editable": authz.can(user, "clients.edit") and not row["merged_into_id"],
    }


async def _render(request: Request, display_id: str, *, error: str = "", status: int = 200, kind: str = "") -> Response:
    row = await _customer(request, display_id)
    context = await _context(request, row, kind if kind in customers.TIMELINE_TYPES else "")
    return render(request, "customers/record.html", status_code=status, error=error, **context)


@router.get("/clients/{display_id}")
async def client_page(request: Request, display_id: str, type: str = Query("", max_length=20)) -> Response:
    return await _render(request, display_id, kind=type)


def _record_again(request: Request, display_id: str) -> AbstractAsyncContextManager[None]:
    """A refusal of any kind shows the record page again with why not next to the action, at its status."""
    return refusals_show(
        lambda exc: _render(request, display_id, error=exc.message, status=exc.status), (errors.Refused,)
    )


async def _act(request: Request, display_id: str, verb: Verb, done: str, anchor: str = "") -> Response:
    """Run one verb on the customer the user may see; back to the record, or the record with why not."""
    b = bindings_of(request)
    row = await _customer(request, display_id)
    async with _record_again(request, display_id):
        await verb(b.db, b.clock.now(), current_user(request), row)
    return redirect(f"/clients/{row['display_id']}{anchor}", done)


def _version(text: str) -> int | None:
    return parse_int(text)


def _checked(value: str | None) -> bool:
    return value not in (None, "", "0", "off")


# --- the customer --------------------------------------------------------------------------------


@router.post("/clients/{display_id}/edit")
async def page_edit(
    request: Request,
    display_id: str,
    name: str | None = Form(None, max_length=200),
    kind: str | None = Form(None, max_length=10),
    company: str | None = Form(None, max_length=200),
    source: str | None = Form(None, max_length=40),
    rating: str | None = Form(None, max_length=1),
    version: str = Form("", max_length=12),
) -> Response:
    """The details form and the rating stars post here; fields a form leaves out stay as they are."""
    changes: dict[str, object] = {
        k: v for k, v in {"name": name, "kind": kind, "company": company, "source": source}.items() if v is not None
    }
    if rating is not None:
        stars = parse_int(rating)
        changes["rating"] = -1 if stars is None else stars  # -1: refused by the verb with its message

    async def verb(db: Database, now: Any, user: User, row: Row) -> Any:
        return await customer_actions.edit_customer(db, now, user, row, changes, version=_version(version))

    return await _act(request, display_id, verb, "Saved.")


@router.post("/clients/{display_id}/status")
async def page_status(request: Request, display_id: str, status: str = Form(..., max_length=10)) -> Response:
    async def verb(db: Database, now: Any, user: User, row: Row) -> Any:
        return await customer_actions.set_status(db, now, user, row, status)

    message = "Dormant: no automated messages until it is active again." if status == "dormant" else "Active again."
    return await _act(request, display_id, verb, message)


@router.post("/clients/{display_id}/tags")
async def page_add_tag(request: Request, display_id: str, tag: str = Form("", max_length=100)) -> Response:
    async def verb(db: Database, now: Any, user: User, row: Row) -> Any:
        return await customer_tags.add_tag(db, now, user, row, tag)

    return await _act(request, display_id, verb, "Tag added.")


@router.post("/clients/{display_id}/tags/remove")
async def page_remove_tag(request: Request, display_id: str, tag: str = Form("", max_length=100)) -> Response:
    async def verb(db: Database, now: Any, user: User, row: Row) -> Any:
        return await customer_tags.remove_tag(db, now, user, row, tag)

    return await _act(request, display_id, verb, "Tag removed.")


def _cents(text: str) -> int | str | None:
    """Dollars as typed ("1,500", "1500.00") → cents; "" → None; anything else → the text back."""
    cleaned = text.replace(",", "").replace("$", "").strip()
    if not cleaned:
        return None
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return text
    return int(value * 100) if value == value.quantize(Decimal("0.01")) else text


@router.post("/clients/{display_id}/billing")
async def page_billing(
    request: Request,
    display_id: str,
    terms: str = Form("", max_length=60),
    tax_exempt: str | None = Form(None, max_length=5),
    tax_id: str = Form("", max_length=60),
    credit_limit: str = Form("", max_length=20),
    payment_token: str = Form("", max_length=200),
    payment_brand: str = Form("", max_length=20),
    payment_last4: str = Form("", max_length=4),
    payment_exp: str = Form("", max_length=7),
    version: str = Form("", max_length=12),
) -> Response:
    values: dict[str, object] = {
        "terms": terms,
        "tax_exempt": _checked(tax_exempt),
        "tax_id": tax_id,
        "credit_limit_cents": _cents(credit_limit),
        "payment_token": payment_token,
        "payment_brand": payment_brand,
        "payment_last4": payment_last4,
        "payment_exp": payment_exp,
    }

    async def verb(db: Database, now: Any, user: User, row: Row) -> Any:
        return await customer_actions.edit_billing(db, now, user, row, values, version=_version(version))

    return await _act(request, display_id, verb, "Billing profile saved.", "#billing")


@router.post("/clients/{display_id}/archive")
async def page_archive(request: Request, display_id: str) -> Response:
    return await _act(request, display_id, customer_actions.archive_customer, "Archived.")


@router.post("/clients/{display_id}/restore")
async def page_restore(request: Request, display_id: str) -> Response:
    return await _act(request, display_id, customer_actions.restore_customer, "Restored.")


@router.post("/clients/{display_id}/merge")
async def page_merge(
    request: Request,
    display_id: str,
    other: str = Form(..., max_length=20),
    keep: str = Form("this", max_length=10),
) -> Response:
    """Merge this record and `other`; `keep` says which one stays."""
    b = bindings_of(request)
    user = current_user(request)
    this = await _customer(request, display_id)
    that = await customers.customer_for_user(b.db, user, other.strip())
    if that is None:
        return await _render(request, display_id, error=f"We couldn't find customer {other.strip()[:20]}.", status=404)
    keeper, folded = (this, that) if keep == "this" else (that, this)
    async with _record_again(request, display_id):
        ring = KeyRing.from_settings(b.settings)
        done = await customer_merge.merge_customers(b.db, b.clock.now(), user, keeper, folded, ring=ring)
    return redirect(f"/clients/{done.keeper}", f"Merged {done.merged} into {done.keeper}.")


@router.post("/clients/{display_id}/delete")
async def page_delete(request: Request, display_id: str, confirm: str = Form("", max_length=20)) -> Response:
    b = bindings_of(request)
    row = await _customer(request, display_id)
    async with _record_again(request, display_id):
        await customer_actions.delete_customer(b.db, b.clock.now(), current_user(request), row, confirm, files=b.files)
    return redirect("/clients", f"{row['display_id']} deleted for good.")


# --- contacts ------------------------------------------------------------------------------------


def _contact_values(
    name: str, position: str, phone: str, alt_phone: str, email: str, alt_email: str, sms: Any, mail: Any, ads: Any
) -> dict[str, object]:
    return {
        "name": name,
        "position": position,
        "phone": phone,
        "alt_phone": alt_phone,
        "email": email,
        "alt_email": alt_email,
        "sms_opt_in": _checked(sms),
        "email_opt_in": _checked(mail),
        "marketing_opt_in": _checked(ads),
    }


@router.post("/clients/{display_id}/contacts")
async def page_add_contact(
    request: Request,
    display_id: str,
    name: str = Form("", max_length=200),
    position: str = Form("", max_length=100),
    phone: str = Form("", max_length=40),
    alt_phone: str = Form("", max_length=40),
    email: str = Form("", max_length=254),
    alt_email: str = Form("", max_length=254),
    sms_opt_in: str | None = Form(None, max_length=5),
    email_opt_in: str | None = Form(None, max_length=5),
    marketing_opt_in: str | None = Form(None, max_length=5),
) -> Response:
    values = _contact_values(
        name, position, phone, alt_phone, email, alt_email, sms_opt_in, email_opt_in, marketing_opt_in
    )

    async def verb(db: Database, now: Any, user: User, row: Row) -> Any:
        return await customer_contacts.add_contact(db, now, user, row, values)

    return await _act(request, display_id, verb, "Contact added.", "#contacts")


@router.post("/clients/{display_id}/contacts/{contact_id}")
async def page_edit_contact(
    request: Request,
    display_id: str,
    contact_id: Id,
    name: str = Form("", max_length=200),
    position: str = Form("", max_length=100),
    phone: str = Form("", max_length=40),
    alt_phone: str = Form("", max_length=40),
    email: str = Form("", max_length=254),
    alt_email: str = Form("", max_length=254),
    sms_opt_in: str | None = Form(None, max_length=5),
    email_opt_in: str | None = Form(None, max_length=5),
    marketing_opt_in: str | None = Form(None, max_length=5),
    version: str = Form("", max_length=12),
) -> Response:
    values = _contact_values(
        name, position, phone, alt_phone, email, alt_email, sms_opt_in, email_opt_in, marketing_opt_in
    )

    async def verb(db: Database, now: Any, user: User, row: Row) -> Any:
        contact = await customers.contact_of(db, row["id"], contact_id)
        return await customer_contacts.edit_contact(db, now, user, row, contact, values, version=_version(version))

    return await _act(request, display_id, verb, "Contact saved.", "#contacts")


@router.post("/clients/{display_id}/contacts/{contact_id}/primary")
async def page_make_primary(request: Request, display_id: str, contact_id: Id) -> Response:
    async def verb(db: Database, now: Any, user: User, row: Row) -> Any:
        contact = await customers.contact_of(db, row["id"], contact_id)
        return await customer_contacts.make_primary(db, now, user, row, contact)

    return await _act(request, display_id, verb, "Primary contact changed.", "#contacts")


@router.post("/clients/{display_id}/contacts/{contact_id}/delete")
async def page_delete_contact(request: Request, display_id: str, contact_id: Id) -> Response:
    async def verb(db: Database, now: Any, user: User, row: Row) -> Any:
        contact = await customers.contact_of(db, row["id"], contact_id)
        return await customer_contacts.delete_contact(db, now, user, row, contact)

    return await _act(request, display_id, verb, "Contact deleted.", "#contacts")


# --- addresses -----------------------------------------------------------------------------------


def _address_values(
    kind: str, label: str, line1: str, line2: str, city: str, state: str, zip: str, occupier: str, notes: str
) -> dict[str, object]:
    return {
        "kind": kind,
        "label": label,
        "line1": line1,
        "line2": line2,
        "city": city,
        "state": state,
        "zip": zip,
        "occupier_contact_id": parse_id(occupier),
        "notes": notes,
    }


@router.post("/clients/{display_id}/addresses")
async def page_add_address(
    request: Request,
    display_id: str,
    kind: str = Form("work", max_length=10),
    label: str = Form("", max_length=100),
    line1: str = Form("", max_length=200),
    line2: str = Form("", max_length=200),
    city: str = Form("", max_length=100),
    state: str = Form("", max_length=50),
    zip: str = Form("", max_length=20),
    occupier_contact_id: str = Form("", max_length=12),
    notes: str = Form("", max_length=2000),
) -> Response:
    values = _address_values(kind, label, line1, line2, city, state, zip, occupier_contact_id, notes)

    async def verb(db: Database, now: Any, user: User, row: Row) -> Any:
        return await customer_addresses.add_address(db, now, user, row, values)

    return await _act(request, display_id, verb, "Address added.", "#addresses")


@router.post("/clients/{display_id}/addresses/{address_id}")
async def page_edit_address(
    request: Request,
    display_id: str,
    address_id: Id,
    kind: str = Form("work", max_length=10),
    label: str = Form("", max_length=100),
    line1: str = Form("", max_length=200),
    line2: str = Form("", max_length=200),
    city: str = Form("", max_length=100),
    state: str = Form("", max_length=50),
    zip: str = Form("", max_length=20),
    occupier_contact_id: str = Form("", max_length=12),
    notes: str = Form("", max_length=2000),
    version: str = Form("", max_length=12),
) -> Response:
    values = _address_values(kind, label, line1, line2, city, state, zip, occupier_contact_id, notes)

    async def verb(db: Database, now: Any, user: User, row: Row) -> Any:
        address = await customers.address_of(db, row["id"], address_id)
        return await customer_addresses.edit_address(db, now, user, row, address, values, version=_version(version))

    return await _act(request, display_id, verb, "Address saved.", "#addresses")


@router.post("/clients/{display_id}/addresses/{address_id}/delete")
async def page_delete_address(request: Request, display_id: str, address_id: Id) -> Response:
    async def verb(db: Database, now: Any, user: User, row: Row) -> Any:
        address = await customers.address_of(db, row["id"], address_id)
        return await customer_addresses.delete_address(db, now, user, row, address)

    return await _act(request, display_id, verb, "Address removed.", "#addresses")


# --- notes ---------------------------------------------------------------------------------------


@router.post("/clients/{display_id}/notes")
async def page_add_note(
    request: Request,
    display_id: str,
    text: str = Form("", max_length=5000),
    pinned: str | None = Form(None, max_length=5),
) -> Response:
    async def verb(db: Database, now: Any, user: User, row: Row) -> Any:
        return await customer_notes.add_note(db, now, user, row, text, pinned=_checked(pinned))

    return await _act(request, display_id, verb, "Note added.", "#notes")


@router.post("/clients/{display_id}/notes/{note_id}/pin")
async def page_pin_note(
    request: Request, display_id: str, note_id: Id, pinned: str = Form("1", max_length=5)
) -> Response:
    async def verb(db: Database, now: Any, user: User, row: Row) -> Any:
        note = await customers.note_of(db, row["id"], note_id)
        return await customer_notes.edit_note(db, now, user, row, note, pinned=_checked(pinned))

    return await _act(request, display_id, verb, "Pinned." if _checked(pinned) else "Unpinned.", "#notes")


@router.post("/clients/{display_id}/notes/{note_id}/delete")
async def page_delete_note(request: Request, display_id: str, note_id: Id) -> Response:
    async def verb(db: Database, now: Any, user: User, row: Row) -> Any:
        note = await customers.note_of(db, row["id"], note_id)
        return await customer_notes.delete_note(db, now, user, row, note)

    return await _act(request, display_id, verb, "Note deleted.", "#notes")

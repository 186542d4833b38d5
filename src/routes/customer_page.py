"""The customer record page (`/clients/C-…`) and the forms about the customer itself.

Each form posts to a small route that calls one verb and redirects back (post/redirect/get). A refused
change renders the record again with the reason and the verb's status (422, 409 for a stale
version, 403/404), so nothing half-done is ever shown as saved. The contact, address and note forms
are routes/customer_parts.py.
"""

from __future__ import annotations

import asyncio
from contextlib import AbstractAsyncContextManager
from decimal import Decimal, InvalidOperation
from typing import Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response

from accounts import authz
from core import errors
from core.inputs import parse_int
from core.storage import Row
from core.vault import KeyRing
from customers import actions as customer_actions
from customers import contacts as customer_contacts
from customers import notes as customer_notes
from customers import record as customers
from customers import tags as customer_tags
from jobs import board as job_board
from leads import sources as lead_sources
from ops import customer_merge
from quickbooks import billing as quickbooks_billing
from routes import lookup, record_tasks
from routes.guard import bindings_of, current_user
from routes.pages import redirect, refusals_show, render

router = APIRouter(include_in_schema=False)


def _money(cents: int | None) -> str:
    return "—" if cents is None else f"${cents / 100:,.2f}"


async def _works(db: Any, user: Any, customer_id: int) -> tuple[Any, Any, Any]:
    """The customer's leads and jobs (issue 20) and linked tasks (issue 23, TSK-5), read together
    with the record's other reads."""
    return await asyncio.gather(
        customers.leads_of(db, customer_id),
        job_board.jobs_of_customer(db, user, customer_id),
        record_tasks.rows(db, user, "customer", customer_id),
    )


def _tasks_card(request: Request, row: Row, contacts: list[Row], linked: list[Any]) -> dict[str, Any]:
    """Issue 23, TSK-5: the Tasks card and the address "✉ Email client" writes to."""
    now = bindings_of(request).clock.now()
    return {
        "record_tasks": record_tasks.card(current_user(request), now, linked, f"/clients/{row['display_id']}#tasks"),
        "task_email": next((e for e in [row.get("email")] + [c.get("email") for c in contacts] if e), ""),
    }


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
    contacts, addresses, notes, merged_from, qb, merged_into, tags, works, timeline, sources = await asyncio.gather(
        customers.contacts_of(db, row["id"]),
        customers.addresses_of(db, row["id"]),
        customers.notes_of(db, row["id"]),
        db.all("SELECT display_id FROM customers WHERE merged_into_id = ? ORDER BY id", row["id"]),
        qb_panel() if qb_visible else nothing(),
        customers.display_id_of(db, row["merged_into_id"]),
        customer_tags.tags_of(db, row["id"]),
        _works(db, user, row["id"]),
        customers.timeline_of(db, row["id"], timeline_type),
        lead_sources.all_sources(db),
    )
    leads_of, jobs_of, linked = works
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
        "jobs": jobs_of,
        "lead_intake": customers.LEAD_INTAKE,
        "timeline": timeline,
        "timeline_types": customers.TIMELINE_TYPES,
        "timeline_type": timeline_type,
        "sources": [s for s in sources if s.active or s.key == row["source"]],
        "brands": customer_actions.CARD_BRANDS,
        "editable": authz.can(user, "clients.edit") and not row["merged_into_id"],
        **_tasks_card(request, row, contacts, linked),
    }


async def render_record(
    request: Request, display_id: str, *, error: str = "", status: int = 200, kind: str = ""
) -> Response:
    row = await lookup.customer(request, display_id)
    context = await _context(request, row, kind if kind in customers.TIMELINE_TYPES else "")
    return render(request, "customers/record.html", status_code=status, error=error, **context)


@router.get("/clients/{display_id}")
async def client_page(request: Request, display_id: str, type: str = Query("", max_length=20)) -> Response:
    return await render_record(request, display_id, kind=type)


def record_again(request: Request, display_id: str) -> AbstractAsyncContextManager[None]:
    """A refusal of any kind shows the record page again with why not next to the action, at its status."""
    return refusals_show(
        lambda exc: render_record(request, display_id, error=exc.message, status=exc.status), (errors.Refused,)
    )


async def act(request: Request, display_id: str, verb: Any, done: str, /, *args: Any, anchor: str = "", **kw: Any):
    """Run one verb on the customer the user may see; back to the record, or the record with why not."""
    row = await lookup.customer(request, display_id)
    async with record_again(request, display_id):
        await lookup.act(request, row, verb, *args, **kw)
    return redirect(f"/clients/{row['display_id']}{anchor}", done)


def version_of(text: str) -> int | None:
    return parse_int(text)


def checked(value: str | None) -> bool:
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
    return await act(
        request, display_id, customer_actions.edit_customer, "Saved.", changes, version=version_of(version)
    )


@router.post("/clients/{display_id}/status")
async def page_status(request: Request, display_id: str, status: str = Form(..., max_length=10)) -> Response:
    message = "Dormant: no automated messages until it is active again." if status == "dormant" else "Active again."
    return await act(request, display_id, customer_actions.set_status, message, status)


@router.post("/clients/{display_id}/tags")
async def page_add_tag(request: Request, display_id: str, tag: str = Form("", max_length=100)) -> Response:
    return await act(request, display_id, customer_tags.add_tag, "Tag added.", tag)


@router.post("/clients/{display_id}/tags/remove")
async def page_remove_tag(request: Request, display_id: str, tag: str = Form("", max_length=100)) -> Response:
    return await act(request, display_id, customer_tags.remove_tag, "Tag removed.", tag)


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
        "tax_exempt": checked(tax_exempt),
        "tax_id": tax_id,
        "credit_limit_cents": _cents(credit_limit),
        "payment_token": payment_token,
        "payment_brand": payment_brand,
        "payment_last4": payment_last4,
        "payment_exp": payment_exp,
    }
    verb = customer_actions.edit_billing
    return await act(
        request, display_id, verb, "Billing profile saved.", values, anchor="#billing", version=version_of(version)
    )


@router.post("/clients/{display_id}/archive")
async def page_archive(request: Request, display_id: str) -> Response:
    return await act(request, display_id, customer_actions.archive_customer, "Archived.")


@router.post("/clients/{display_id}/restore")
async def page_restore(request: Request, display_id: str) -> Response:
    return await act(request, display_id, customer_actions.restore_customer, "Restored.")


@router.post("/clients/{display_id}/merge")
async def page_merge(
    request: Request,
    display_id: str,
    other: str = Form(..., max_length=20),
    keep: str = Form("this", max_length=10),
) -> Response:
    """Merge this record and `other`; `keep` says which one stays."""
    b = bindings_of(request)
    this = await lookup.customer(request, display_id)
    async with record_again(request, display_id):  # `other` not found: this record again, at 404
        that = await lookup.customer(request, other, named=True)
        keeper, folded = (this, that) if keep == "this" else (that, this)
        ring = KeyRing.from_settings(b.settings)
        done = await lookup.act(request, keeper, customer_merge.merge_customers, folded, ring=ring)
    return redirect(f"/clients/{done.keeper}", f"Merged {done.merged} into {done.keeper}.")


@router.post("/clients/{display_id}/delete")
async def page_delete(request: Request, display_id: str, confirm: str = Form("", max_length=20)) -> Response:
    b = bindings_of(request)
    row = await lookup.customer(request, display_id)
    async with record_again(request, display_id):
        await lookup.act(request, row, customer_actions.delete_customer, confirm, files=b.files)
    return redirect("/clients", f"{row['display_id']} deleted for good.")

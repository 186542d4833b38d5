"""Confirmation pages: "are you sure?" before a destructive action, for browsers without JavaScript.

Every destructive button sits in a `<form method="get" data-confirm=…>` aimed at the action's own
path. With JavaScript, static/confirm.js stops that GET, asks in a dialog and, once confirmed, POSTs
the same fields (plus the CSRF token, and the typed word where one is asked for) to that path.
Without it the browser GETs the path, which lands here: a page saying what will happen, with a form
that POSTs to the same path, and Cancel back to the record. Each page looks its record up through
routes/lookup.py first, so another office's record is a 404 here exactly as on the POST.

A contact is deleted only after typing "Delete" (seed 004); the POST checks that word too
(`typed_delete`), so neither path can skip it.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from core.errors import Invalid
from core.inputs import Id
from customers import record as customers
from routes import lookup
from routes.guard import bindings_of
from routes.pages import render

router = APIRouter(include_in_schema=False)

DELETE_WORD = "Delete"


def typed_delete(confirm: str) -> None:
    """The word seed 004 asks for before a contact goes ("Type Delete"), in any case."""
    if confirm.strip().lower() != DELETE_WORD.lower():
        raise Invalid({"confirm": f"Type {DELETE_WORD} to confirm."})


def _page(
    request: Request,
    *,
    title: str,
    message: str,
    button: str,
    back: str,
    fields: dict[str, str | list[str]] | None = None,
    word: str = "",
    danger: bool = True,
) -> Response:
    hidden = [(k, v) for k, vs in (fields or {}).items() for v in ([vs] if isinstance(vs, str) else vs)]
    return render(
        request,
        "confirm.html",
        title=title,
        heading=title,
        message=message,
        button=button,
        action=request.url.path,
        back=back,
        hidden=hidden,
        word=word,
        danger=danger,
    )


# --- leads ---------------------------------------------------------------------------------------


@router.get("/leads/{display_id}/archive")
async def confirm_lead_archive(request: Request, display_id: str) -> Response:
    lead = await lookup.lead(request, display_id)
    name = lead["name"] or "(no name)"
    return _page(
        request,
        title=f"Archive {lead['display_id']}?",
        message=f"{name} leaves the queue. The lead and its history stay; Archived → Restore brings it back.",
        button="Confirm",
        back=f"/leads/{lead['display_id']}",
        danger=False,
    )


@router.get("/leads/{display_id}/delete")
async def confirm_lead_delete(request: Request, display_id: str) -> Response:
    lead = await lookup.lead(request, display_id)
    return _page(
        request,
        title=f"Delete {lead['display_id']} for good?",
        message=f"{lead['name'] or '(no name)'}, its timeline and photos are removed. This cannot be undone.",
        button="Delete for good",
        back=f"/leads/{lead['display_id']}",
    )


@router.get("/leads/{display_id}/photos/{photo_id}/delete")
async def confirm_photo_delete(request: Request, display_id: str, photo_id: Id) -> Response:
    lead = await lookup.lead(request, display_id)
    photo = await lookup.photo(request, lead, photo_id)
    return _page(
        request,
        title=f"Delete “{photo['filename']}”?",
        message=f"The photo is removed from {lead['display_id']}.",
        button="Delete photo",
        back=f"/leads/{lead['display_id']}#photos",
    )


# --- customers -----------------------------------------------------------------------------------


async def _customer(request: Request, display_id: str) -> dict[str, Any]:
    return dict(await lookup.customer(request, display_id))


@router.get("/clients/{display_id}/contacts/{contact_id}/delete")
async def confirm_contact_delete(request: Request, display_id: str, contact_id: Id) -> Response:
    customer = await _customer(request, display_id)
    contact = await customers.contact_of(bindings_of(request).db, customer["id"], contact_id)
    return _page(
        request,
        title=f"Delete the contact {contact['name'] or contact['email'] or contact['phone_raw'] or ''}?".replace(
            " ?", "?"
        ),
        message=f"The contact is removed from {customer['display_id']}. Type {DELETE_WORD} to confirm.",
        button="Delete",
        back=f"/clients/{customer['display_id']}#contacts",
        word=DELETE_WORD,
    )


@router.get("/clients/{display_id}/addresses/{address_id}/delete")
async def confirm_address_delete(request: Request, display_id: str, address_id: Id) -> Response:
    customer = await _customer(request, display_id)
    address = await customers.address_of(bindings_of(request).db, customer["id"], address_id)
    where = ", ".join(p for p in (address["line1"], address["city"], address["zip"]) if p) or "this address"
    return _page(
        request,
        title="Remove this address?",
        message=f"{where} is removed from {customer['display_id']}.",
        button="Remove address",
        back=f"/clients/{customer['display_id']}#addresses",
    )


@router.get("/clients/{display_id}/notes/{note_id}/delete")
async def confirm_note_delete(request: Request, display_id: str, note_id: Id) -> Response:
    customer = await _customer(request, display_id)
    note = await customers.note_of(bindings_of(request).db, customer["id"], note_id)
    body = note["body"] if len(note["body"]) <= 120 else note["body"][:117] + "…"
    return _page(
        request,
        title="Delete this note?",
        message=f"“{body}” is removed from {customer['display_id']}.",
        button="Delete note",
        back=f"/clients/{customer['display_id']}#notes",
    )


@router.get("/clients/{display_id}/files/{file_id}/delete")
async def confirm_file_delete(request: Request, display_id: str, file_id: Id) -> Response:
    customer = await _customer(request, display_id)
    row = await lookup.file(request, await lookup.customer(request, display_id), file_id)
    return _page(
        request,
        title=f"Delete “{row['filename']}”?",
        message=f"The file is removed from {customer['display_id']} for good.",
        button="Delete file",
        back=f"/clients/{customer['display_id']}#files",
    )


@router.get("/clients/{display_id}/secure-access/{item_id}/delete")
async def confirm_secure_item_delete(request: Request, display_id: str, item_id: Id) -> Response:
    customer = await lookup.customer(request, display_id)
    item = await lookup.secure_item(request, customer, item_id)
    return _page(
        request,
        title=f"Delete “{item['label']}”?",
        message="The saved secret is gone for good.",
        button="Delete",
        back=f"/clients/{customer['display_id']}#secure-access",
    )


@router.get("/clients/{display_id}/merge")
async def confirm_customer_merge(
    request: Request,
    display_id: str,
    other: str = Query("", max_length=20),
    keep: str = Query("this", max_length=10),
) -> Response:
    this = await lookup.customer(request, display_id)
    back = f"/clients/{this['display_id']}"
    that = await lookup.customer(request, other, named=True) if other.strip() else None
    if that is None:
        raise Invalid({"other": "Name the other customer (C-1234)."})
    keeper, folded = (this, that) if keep == "this" else (that, this)
    return _page(
        request,
        title=f"Merge {folded['display_id']} into {keeper['display_id']}?",
        message=(
            f"{folded['display_id']} ({folded['name']})'s contacts, addresses, notes, tags, leads and history move to "
            f"{keeper['display_id']} ({keeper['name']}), and {folded['display_id']} is archived. There is no undo."
        ),
        button="Merge",
        back=back,
        fields={"other": other.strip(), "keep": "this" if keep == "this" else "other"},
    )

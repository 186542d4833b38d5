"""A customer's contacts, addresses and notes as JSON (`/api/customers/C-…/contacts|addresses|notes`).

The customer itself is routes/customer_api.py. Records come through `routes.lookup` (404 alike for a
missing customer and another office's); a child id not on this customer is 404 too.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from core.inputs import Id, Int
from core.storage import Row
from customers import addresses as customer_addresses
from customers import contacts as customer_contacts
from customers import notes as customer_notes
from customers import record as customers
from routes import lookup
from routes.guard import bindings_of
from routes.lookup import child_verb
from routes.patching import Patch

router = APIRouter(tags=["customers"])


@dataclass(frozen=True)
class Part:
    """One kind of child record on a customer: how to find one, list them, and show one."""

    find: lookup.Find  # (db, customer id, child id) -> row; NotFound for a child not on the customer
    all_of: Callable[[Any, int], Awaitable[list[Row]]]
    public: Callable[[Row], dict[str, Any]]


CONTACTS = Part(customers.contact_of, customers.contacts_of, customers.contact_public)
ADDRESSES = Part(customers.address_of, customers.addresses_of, customers.address_public)
NOTES = Part(customers.note_of, customers.notes_of, customers.note_public)


async def _list(request: Request, display_id: str, part: Part) -> list[dict[str, Any]]:
    row = await lookup.customer(request, display_id)
    return [part.public(r) for r in await part.all_of(bindings_of(request).db, row["id"])]


async def _change(request: Request, display_id: str, part: Part, child_id: int | None, verb: Any, **kw: Any) -> Any:
    """Run `verb` on one child (`child_id` None: a verb that adds one and answers its id); the child as it is now."""
    customer = await lookup.customer(request, display_id)
    if child_id is None:
        child_id = await lookup.act(request, customer, verb, **kw)
    else:
        await lookup.act(request, customer, child_verb(part.find, child_id, verb), **kw)
    return part.public(await part.find(bindings_of(request).db, customer["id"], child_id))


async def _remove(request: Request, display_id: str, part: Part, child_id: int, verb: Any, version: int | None) -> Any:
    customer = await lookup.customer(request, display_id)
    await lookup.act(request, customer, child_verb(part.find, child_id, verb), version=version)
    return Response(status_code=204)


class ContactIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field("", max_length=200)
    position: str = Field("", max_length=100)
    phone: str = Field("", max_length=40)
    alt_phone: str = Field("", max_length=40)
    email: str = Field("", max_length=254)
    alt_email: str = Field("", max_length=254)
    sms_opt_in: bool = True
    email_opt_in: bool = True
    marketing_opt_in: bool = False


class ContactPatch(Patch):
    NULLABLE = frozenset({"position", "phone", "alt_phone", "email", "alt_email", "version"})

    name: str | None = Field(None, max_length=200)
    position: str | None = Field(None, max_length=100)
    phone: str | None = Field(None, max_length=40)
    alt_phone: str | None = Field(None, max_length=40)
    email: str | None = Field(None, max_length=254)
    alt_email: str | None = Field(None, max_length=254)
    sms_opt_in: bool | None = None
    email_opt_in: bool | None = None
    marketing_opt_in: bool | None = None
    version: Int | None = None


class AddressIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: str = Field("work", max_length=10)
    label: str = Field("", max_length=100)
    line1: str = Field(min_length=1, max_length=200)
    line2: str = Field("", max_length=200)
    city: str = Field("", max_length=100)
    state: str = Field("", max_length=50)
    zip: str = Field("", max_length=20)
    occupier_contact_id: Id | None = None
    notes: str = Field("", max_length=2000)


class AddressPatch(Patch):
    NULLABLE = frozenset({"label", "line2", "city", "state", "zip", "occupier_contact_id", "notes", "version"})

    kind: str | None = Field(None, max_length=10)
    label: str | None = Field(None, max_length=100)
    line1: str | None = Field(None, max_length=200)
    line2: str | None = Field(None, max_length=200)
    city: str | None = Field(None, max_length=100)
    state: str | None = Field(None, max_length=50)
    zip: str | None = Field(None, max_length=20)
    occupier_contact_id: Id | None = None
    notes: str | None = Field(None, max_length=2000)
    version: Int | None = None


class NoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=5000)
    pinned: bool = False


class NotePatch(Patch):
    NULLABLE = frozenset({"version"})

    text: str | None = Field(None, min_length=1, max_length=5000)
    pinned: bool | None = None
    version: Int | None = None


# --- contacts ------------------------------------------------------------------------------------


@router.get("/api/customers/{display_id}/contacts", summary="The customer's contacts, primary first")
async def api_contacts(request: Request, display_id: str) -> list[dict[str, Any]]:
    return await _list(request, display_id, CONTACTS)


@router.post("/api/customers/{display_id}/contacts", summary="Add a contact", status_code=201)
async def api_add_contact(request: Request, display_id: str, body: ContactIn) -> dict[str, Any]:
    return await _change(request, display_id, CONTACTS, None, customer_contacts.add_contact, values=body.model_dump())


@router.patch("/api/customers/{display_id}/contacts/{contact_id}", summary="Edit a contact")
async def api_edit_contact(request: Request, display_id: str, contact_id: Id, body: ContactPatch) -> dict[str, Any]:
    changes = body.model_dump(exclude_unset=True, exclude={"version"})
    verb = customer_contacts.edit_contact
    return await _change(request, display_id, CONTACTS, contact_id, verb, changes=changes, version=body.version)


@router.post("/api/customers/{display_id}/contacts/{contact_id}/primary", summary="Make this contact the primary")
async def api_make_primary(request: Request, display_id: str, contact_id: Id) -> list[dict[str, Any]]:
    await _change(request, display_id, CONTACTS, contact_id, customer_contacts.make_primary)
    return await api_contacts(request, display_id)


@router.delete("/api/customers/{display_id}/contacts/{contact_id}", summary="Delete a contact (not the primary)")
async def api_delete_contact(request: Request, display_id: str, contact_id: Id, version: Int | None = None) -> Response:
    return await _remove(request, display_id, CONTACTS, contact_id, customer_contacts.delete_contact, version)


# --- addresses -----------------------------------------------------------------------------------


@router.get("/api/customers/{display_id}/addresses", summary="Billing address and work sites")
async def api_addresses(request: Request, display_id: str) -> list[dict[str, Any]]:
    return await _list(request, display_id, ADDRESSES)


@router.post("/api/customers/{display_id}/addresses", summary="Add the billing address or a work site", status_code=201)
async def api_add_address(request: Request, display_id: str, body: AddressIn) -> dict[str, Any]:
    return await _change(request, display_id, ADDRESSES, None, customer_addresses.add_address, values=body.model_dump())


@router.patch("/api/customers/{display_id}/addresses/{address_id}", summary="Edit an address")
async def api_edit_address(request: Request, display_id: str, address_id: Id, body: AddressPatch) -> dict[str, Any]:
    changes = body.model_dump(exclude_unset=True, exclude={"version"})
    verb = customer_addresses.edit_address
    return await _change(request, display_id, ADDRESSES, address_id, verb, changes=changes, version=body.version)


@router.delete("/api/customers/{display_id}/addresses/{address_id}", summary="Remove an address")
async def api_delete_address(request: Request, display_id: str, address_id: Id, version: Int | None = None) -> Response:
    return await _remove(request, display_id, ADDRESSES, address_id, customer_addresses.delete_address, version)


# --- notes ---------------------------------------------------------------------------------------


@router.get("/api/customers/{display_id}/notes", summary="Notes, pinned first, then newest")
async def api_notes(request: Request, display_id: str) -> list[dict[str, Any]]:
    return await _list(request, display_id, NOTES)


@router.post("/api/customers/{display_id}/notes", summary="Add a note (pinned: shown as important)", status_code=201)
async def api_add_note(request: Request, display_id: str, body: NoteIn) -> dict[str, Any]:
    verb = customer_notes.add_note
    return await _change(request, display_id, NOTES, None, verb, text=body.text, pinned=body.pinned)


@router.patch("/api/customers/{display_id}/notes/{note_id}", summary="Pin/unpin a note or change its text")
async def api_edit_note(request: Request, display_id: str, note_id: Id, body: NotePatch) -> dict[str, Any]:
    verb, kw = customer_notes.edit_note, {"text": body.text, "pinned": body.pinned, "version": body.version}
    return await _change(request, display_id, NOTES, note_id, verb, **kw)


@router.delete("/api/customers/{display_id}/notes/{note_id}", summary="Delete a note (its author; owner/admin any)")
async def api_delete_note(request: Request, display_id: str, note_id: Id, version: Int | None = None) -> Response:
    return await _remove(request, display_id, NOTES, note_id, customer_notes.delete_note, version)

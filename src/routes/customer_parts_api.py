"""A customer's contacts, addresses and notes as JSON (`/api/customers/C-…/contacts|addresses|notes`).

The customer itself is routes/customer_api.py. Records come through `routes.lookup` (404 alike for a
missing customer and another office's); a child id not on this customer is 404 too.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from core.inputs import Id, Int
from customers import addresses as customer_addresses
from customers import contacts as customer_contacts
from customers import notes as customer_notes
from customers import record as customers
from routes import lookup
from routes.guard import bindings_of
from routes.lookup import child_verb
from routes.patching import Patch

router = APIRouter(tags=["customers"])


async def _act(request: Request, display_id: str, verb: Any, /, **kwargs: Any) -> Any:
    return await lookup.act(request, await lookup.customer(request, display_id), verb, **kwargs)


async def _child(request: Request, display_id: str, find: lookup.Find, child_id: int) -> Any:
    """The child as it is now (after a change), under the customer the user may see."""
    row = await lookup.customer(request, display_id)
    return await find(bindings_of(request).db, row["id"], child_id)


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
    row = await lookup.customer(request, display_id)
    return [customers.contact_public(c) for c in await customers.contacts_of(bindings_of(request).db, row["id"])]


@router.post("/api/customers/{display_id}/contacts", summary="Add a contact", status_code=201)
async def api_add_contact(request: Request, display_id: str, body: ContactIn) -> dict[str, Any]:
    new_id = await _act(request, display_id, customer_contacts.add_contact, values=body.model_dump())
    return customers.contact_public(await _child(request, display_id, customers.contact_of, new_id))


@router.patch("/api/customers/{display_id}/contacts/{contact_id}", summary="Edit a contact")
async def api_edit_contact(request: Request, display_id: str, contact_id: Id, body: ContactPatch) -> dict[str, Any]:
    changes = body.model_dump(exclude_unset=True, exclude={"version"})
    verb = child_verb(customers.contact_of, contact_id, customer_contacts.edit_contact)
    await _act(request, display_id, verb, changes=changes, version=body.version)
    return customers.contact_public(await _child(request, display_id, customers.contact_of, contact_id))


@router.post("/api/customers/{display_id}/contacts/{contact_id}/primary", summary="Make this contact the primary")
async def api_make_primary(request: Request, display_id: str, contact_id: Id) -> list[dict[str, Any]]:
    await _act(request, display_id, child_verb(customers.contact_of, contact_id, customer_contacts.make_primary))
    return await api_contacts(request, display_id)


@router.delete("/api/customers/{display_id}/contacts/{contact_id}", summary="Delete a contact (not the primary)")
async def api_delete_contact(request: Request, display_id: str, contact_id: Id, version: Int | None = None) -> Response:
    verb = child_verb(customers.contact_of, contact_id, customer_contacts.delete_contact)
    await _act(request, display_id, verb, version=version)
    return Response(status_code=204)


# --- addresses -----------------------------------------------------------------------------------


@router.get("/api/customers/{display_id}/addresses", summary="Billing address and work sites")
async def api_addresses(request: Request, display_id: str) -> list[dict[str, Any]]:
    row = await lookup.customer(request, display_id)
    return [customers.address_public(a) for a in await customers.addresses_of(bindings_of(request).db, row["id"])]


@router.post("/api/customers/{display_id}/addresses", summary="Add the billing address or a work site", status_code=201)
async def api_add_address(request: Request, display_id: str, body: AddressIn) -> dict[str, Any]:
    new_id = await _act(request, display_id, customer_addresses.add_address, values=body.model_dump())
    return customers.address_public(await _child(request, display_id, customers.address_of, new_id))


@router.patch("/api/customers/{display_id}/addresses/{address_id}", summary="Edit an address")
async def api_edit_address(request: Request, display_id: str, address_id: Id, body: AddressPatch) -> dict[str, Any]:
    changes = body.model_dump(exclude_unset=True, exclude={"version"})
    verb = child_verb(customers.address_of, address_id, customer_addresses.edit_address)
    await _act(request, display_id, verb, changes=changes, version=body.version)
    return customers.address_public(await _child(request, display_id, customers.address_of, address_id))


@router.delete("/api/customers/{display_id}/addresses/{address_id}", summary="Remove an address")
async def api_delete_address(request: Request, display_id: str, address_id: Id, version: Int | None = None) -> Response:
    verb = child_verb(customers.address_of, address_id, customer_addresses.delete_address)
    await _act(request, display_id, verb, version=version)
    return Response(status_code=204)


# --- notes ---------------------------------------------------------------------------------------


@router.get("/api/customers/{display_id}/notes", summary="Notes, pinned first, then newest")
async def api_notes(request: Request, display_id: str) -> list[dict[str, Any]]:
    row = await lookup.customer(request, display_id)
    return [customers.note_public(n) for n in await customers.notes_of(bindings_of(request).db, row["id"])]


@router.post("/api/customers/{display_id}/notes", summary="Add a note (pinned: shown as important)", status_code=201)
async def api_add_note(request: Request, display_id: str, body: NoteIn) -> dict[str, Any]:
    new_id = await _act(request, display_id, customer_notes.add_note, text=body.text, pinned=body.pinned)
    return customers.note_public(await _child(request, display_id, customers.note_of, new_id))


@router.patch("/api/customers/{display_id}/notes/{note_id}", summary="Pin/unpin a note or change its text")
async def api_edit_note(request: Request, display_id: str, note_id: Id, body: NotePatch) -> dict[str, Any]:
    verb = child_verb(customers.note_of, note_id, customer_notes.edit_note)
    await _act(request, display_id, verb, text=body.text, pinned=body.pinned, version=body.version)
    return customers.note_public(await _child(request, display_id, customers.note_of, note_id))


@router.delete("/api/customers/{display_id}/notes/{note_id}", summary="Delete a note (its author; owner/admin any)")
async def api_delete_note(request: Request, display_id: str, note_id: Id, version: Int | None = None) -> Response:
    await _act(request, display_id, child_verb(customers.note_of, note_id, customer_notes.delete_note), version=version)
    return Response(status_code=204)

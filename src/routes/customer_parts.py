"""The customer record page's contact, address and note forms (`/clients/C-…/contacts|addresses|notes`).

Same post/redirect/get as routes/customer_page.py: one verb, back to the record at the section's
anchor, or the record again with why not.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from core.inputs import Id, parse_id
from customers import addresses as customer_addresses
from customers import contacts as customer_contacts
from customers import notes as customer_notes
from customers import record as customers
from routes.confirm_pages import typed_delete
from routes.customer_page import act, checked, version_of
from routes.lookup import child_verb
from routes.pages import refusals_go_back_to

router = APIRouter(include_in_schema=False)


class ContactForm:
    """The contact form's fields, for a new contact and an edited one."""

    def __init__(
        self,
        name: str = Form("", max_length=200),
        position: str = Form("", max_length=100),
        phone: str = Form("", max_length=40),
        alt_phone: str = Form("", max_length=40),
        email: str = Form("", max_length=254),
        alt_email: str = Form("", max_length=254),
        sms_opt_in: str | None = Form(None, max_length=5),
        email_opt_in: str | None = Form(None, max_length=5),
        marketing_opt_in: str | None = Form(None, max_length=5),
    ):
        self.values: dict[str, object] = {
            "name": name,
            "position": position,
            "phone": phone,
            "alt_phone": alt_phone,
            "email": email,
            "alt_email": alt_email,
            "sms_opt_in": checked(sms_opt_in),
            "email_opt_in": checked(email_opt_in),
            "marketing_opt_in": checked(marketing_opt_in),
        }


class AddressForm:
    """The address form's fields, for a new address and an edited one."""

    def __init__(
        self,
        kind: str = Form("work", max_length=10),
        label: str = Form("", max_length=100),
        line1: str = Form("", max_length=200),
        line2: str = Form("", max_length=200),
        city: str = Form("", max_length=100),
        state: str = Form("", max_length=50),
        zip: str = Form("", max_length=20),
        occupier_contact_id: str = Form("", max_length=12),
        notes: str = Form("", max_length=2000),
    ):
        self.values: dict[str, object] = {
            "kind": kind,
            "label": label,
            "line1": line1,
            "line2": line2,
            "city": city,
            "state": state,
            "zip": zip,
            "occupier_contact_id": parse_id(occupier_contact_id),
            "notes": notes,
        }


# --- contacts ------------------------------------------------------------------------------------


@router.post("/clients/{display_id}/contacts")
async def page_add_contact(request: Request, display_id: str, form: ContactForm = Depends()) -> Response:
    verb = customer_contacts.add_contact
    return await act(request, display_id, verb, "Contact added.", form.values, anchor="#contacts")


@router.post("/clients/{display_id}/contacts/{contact_id}")
async def page_edit_contact(
    request: Request,
    display_id: str,
    contact_id: Id,
    form: ContactForm = Depends(),
    version: str = Form("", max_length=12),
) -> Response:
    verb = child_verb(customers.contact_of, contact_id, customer_contacts.edit_contact)
    done = "Contact saved."
    return await act(request, display_id, verb, done, form.values, anchor="#contacts", version=version_of(version))


@router.post("/clients/{display_id}/contacts/{contact_id}/primary")
async def page_make_primary(request: Request, display_id: str, contact_id: Id) -> Response:
    verb = child_verb(customers.contact_of, contact_id, customer_contacts.make_primary)
    return await act(request, display_id, verb, "Primary contact changed.", anchor="#contacts")


@router.post("/clients/{display_id}/contacts/{contact_id}/delete")
async def page_delete_contact(
    request: Request, display_id: str, contact_id: Id, confirm: str = Form("", max_length=20)
) -> Response:
    with refusals_go_back_to(f"/clients/{display_id.strip().upper()}/contacts/{contact_id}/delete"):
        typed_delete(confirm)  # seed 004: type Delete first, whichever way the form came
    verb = child_verb(customers.contact_of, contact_id, customer_contacts.delete_contact)
    return await act(request, display_id, verb, "Contact deleted.", anchor="#contacts")


# --- addresses -----------------------------------------------------------------------------------


@router.post("/clients/{display_id}/addresses")
async def page_add_address(request: Request, display_id: str, form: AddressForm = Depends()) -> Response:
    verb = customer_addresses.add_address
    return await act(request, display_id, verb, "Address added.", form.values, anchor="#addresses")


@router.post("/clients/{display_id}/addresses/{address_id}")
async def page_edit_address(
    request: Request,
    display_id: str,
    address_id: Id,
    form: AddressForm = Depends(),
    version: str = Form("", max_length=12),
) -> Response:
    verb = child_verb(customers.address_of, address_id, customer_addresses.edit_address)
    done = "Address saved."
    return await act(request, display_id, verb, done, form.values, anchor="#addresses", version=version_of(version))


@router.post("/clients/{display_id}/addresses/{address_id}/delete")
async def page_delete_address(request: Request, display_id: str, address_id: Id) -> Response:
    verb = child_verb(customers.address_of, address_id, customer_addresses.delete_address)
    return await act(request, display_id, verb, "Address removed.", anchor="#addresses")


# --- notes ---------------------------------------------------------------------------------------


@router.post("/clients/{display_id}/notes")
async def page_add_note(
    request: Request,
    display_id: str,
    text: str = Form("", max_length=5000),
    pinned: str | None = Form(None, max_length=5),
) -> Response:
    verb = customer_notes.add_note
    return await act(request, display_id, verb, "Note added.", text, anchor="#notes", pinned=checked(pinned))


@router.post("/clients/{display_id}/notes/{note_id}/pin")
async def page_pin_note(
    request: Request, display_id: str, note_id: Id, pinned: str = Form("1", max_length=5)
) -> Response:
    verb = child_verb(customers.note_of, note_id, customer_notes.edit_note)
    done = "Pinned." if checked(pinned) else "Unpinned."
    return await act(request, display_id, verb, done, anchor="#notes", pinned=checked(pinned))


@router.post("/clients/{display_id}/notes/{note_id}/delete")
async def page_delete_note(request: Request, display_id: str, note_id: Id) -> Response:
    verb = child_verb(customers.note_of, note_id, customer_notes.delete_note)
    return await act(request, display_id, verb, "Note deleted.", anchor="#notes")

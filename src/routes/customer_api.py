"""The customer record's JSON API: one customer, its billing profile, merge, timeline and tags.

`GET /api/customers` (the list and search) lives with the Clients page in routes/customer_list.py;
contacts, addresses and notes are routes/customer_parts_api.py. Authorization is the app-wide gate
(`authz.ROUTES`); records come through `routes.lookup`, which answers 404 alike for a missing customer
and another office's.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from accounts import offices
from core.inputs import Id, Int
from core.storage import Row
from core.vault import KeyRing
from customers import actions as customer_actions
from customers import record as customers
from customers import tags as customer_tags
from leads import actions as lead_actions
from ops import customer_merge
from routes import lookup
from routes.customer_parts_api import AddressIn, ContactIn
from routes.guard import bindings_of, current_user
from routes.patching import Patch

router = APIRouter(tags=["customers"])


async def _act(request: Request, display_id: str, verb: Any, /, **kwargs: Any) -> Any:
    """Load the customer the caller may see and run one verb (its refusals answer for themselves)."""
    return await lookup.act(request, await lookup.customer(request, display_id), verb, **kwargs)


async def detail(request: Request, display_id: str) -> dict[str, Any]:
    db = bindings_of(request).db
    row = await lookup.customer(request, display_id)
    return customers.public(row) | {
        "rating": row["rating"],
        "source_label": row["source_label"],
        "version": row["version"],
        "merged_into": await customers.display_id_of(db, row["merged_into_id"]),
        "accepts_automation": customers.accepts_automation(row),
        "tags": await customer_tags.tags_of(db, row["id"]),
        "billing": customers.billing(row),
        "contacts": [customers.contact_public(c) for c in await customers.contacts_of(db, row["id"])],
        "addresses": [customers.address_public(a) for a in await customers.addresses_of(db, row["id"])],
        "notes": [customers.note_public(n) for n in await customers.notes_of(db, row["id"])],
        "leads": [
            {k: r[k] for k in ("display_id", "name", "status", "created_at", *customers.LEAD_INTAKE)}
            for r in await customers.leads_of(db, row["id"])
        ],
    }


# --- the customer --------------------------------------------------------------------------------


class CustomerIn(BaseModel):
    """A new customer and its primary contact (which defaults to the customer's name)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    kind: str = Field("private", max_length=10)
    company: str = Field("", max_length=200)
    source: str = Field("", max_length=40)
    office_id: Id | None = None
    contact: ContactIn | None = None
    billing_address: AddressIn | None = None


class CustomerPatch(Patch):
    NULLABLE = frozenset({"company", "source", "version"})

    name: str | None = Field(None, max_length=200)
    kind: str | None = Field(None, max_length=10)
    company: str | None = Field(None, max_length=200)
    source: str | None = Field(None, max_length=40)
    rating: int | None = Field(None, ge=0, le=5)
    status: str | None = Field(None, max_length=10)
    version: Int | None = None


class BillingPatch(Patch):
    """Terms, tax exemption, credit limit, and the payment profile as the processor's token with
    brand, last 4 and expiry (YYYY-MM). Send all four profile fields empty to remove it."""

    NULLABLE = frozenset({"terms", "tax_exempt", "tax_id", "credit_limit_cents", "version"})

    terms: str | None = Field(None, max_length=60)
    tax_exempt: bool | None = None
    tax_id: str | None = Field(None, max_length=60)
    credit_limit_cents: Int | None = Field(None, ge=0)
    payment_token: str | None = Field(None, max_length=200)
    payment_brand: str | None = Field(None, max_length=20)
    payment_last4: str | None = Field(None, max_length=4)
    payment_exp: str | None = Field(None, max_length=7)
    version: Int | None = None


class MergeIn(BaseModel):
    """The customer in the path is the keeper; `merge` names the one folded into it."""

    model_config = ConfigDict(extra="forbid")

    merge: str = Field(min_length=3, max_length=20)


@router.post("/api/customers", summary="Create a customer with its primary contact", status_code=201)
async def api_create(request: Request, body: CustomerIn) -> dict[str, Any]:
    user = current_user(request)
    b = bindings_of(request)
    office = lead_actions.office_for_new_lead(user, body.office_id, await offices.all_offices(b.db))
    new = customer_actions.NewCustomer(
        name=body.name,
        kind=body.kind,
        company=body.company,
        source=body.source,
        contact=body.contact.model_dump() if body.contact else None,
        billing_address=body.billing_address.model_dump() if body.billing_address else None,
    )
    display = await customer_actions.create_customer(b.db, b.clock.now(), user, office, new)
    return await detail(request, display)


@router.get("/api/customers/{display_id}", summary="One customer with contacts, addresses, notes, billing")
async def api_customer(request: Request, display_id: str) -> dict[str, Any]:
    return await detail(request, display_id)


@router.patch("/api/customers/{display_id}", summary="Edit name, kind, company, source, rating, status")
async def api_patch(request: Request, display_id: str, body: CustomerPatch) -> dict[str, Any]:
    changes = body.model_dump(exclude_unset=True, exclude={"version"})
    await _act(request, display_id, customer_actions.edit_customer, changes=changes, version=body.version)
    return await detail(request, display_id)


@router.patch("/api/customers/{display_id}/billing", summary="Edit the billing profile")
async def api_billing(request: Request, display_id: str, body: BillingPatch) -> dict[str, Any]:
    values = body.model_dump(exclude_unset=True, exclude={"version"})
    await _act(request, display_id, customer_actions.edit_billing, values=values, version=body.version)
    return await detail(request, display_id)


@router.post("/api/customers/{display_id}/archive", summary="Archive (admin and up)")
async def api_archive(request: Request, display_id: str) -> dict[str, Any]:
    await _act(request, display_id, customer_actions.archive_customer)
    return await detail(request, display_id)


@router.post("/api/customers/{display_id}/restore", summary="Restore an archived customer (admin and up)")
async def api_restore(request: Request, display_id: str) -> dict[str, Any]:
    await _act(request, display_id, customer_actions.restore_customer)
    return await detail(request, display_id)


@router.delete("/api/customers/{display_id}", summary="Delete for good (owner; ?confirm=<display id>)")
async def api_delete(request: Request, display_id: str, confirm: str = Query("", max_length=20)) -> Response:
    files = bindings_of(request).files
    await _act(request, display_id, customer_actions.delete_customer, confirm=confirm, files=files)
    return Response(status_code=204)


@router.post("/api/customers/{display_id}/merge", summary="Merge another customer into this one (the keeper)")
async def api_merge(request: Request, display_id: str, body: MergeIn) -> dict[str, Any]:
    other = await lookup.customer(request, body.merge, named=True)
    ring = KeyRing.from_settings(bindings_of(request).settings)
    merged = await _act(request, display_id, customer_merge.merge_customers, other=other, ring=ring)
    return await detail(request, display_id) | {"merged": merged.merged, "moved": merged.moved}


@router.get("/api/customers/{display_id}/timeline", summary="What happened to the customer and its leads")
async def api_timeline(request: Request, display_id: str, type: str = Query("", max_length=20)) -> list[dict[str, Any]]:
    if type and type not in customers.TIMELINE_TYPES:
        raise HTTPException(422, f"type must be one of: {', '.join(customers.TIMELINE_TYPES)}.")
    row = await lookup.customer(request, display_id)
    entries = await customers.timeline_of(bindings_of(request).db, row["id"], type)
    return [customers.entry_public(e) for e in entries]


class TagIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tag: str = Field(min_length=1, max_length=100)


async def _tag(db: Any, now: Any, user: Any, customer: Row, *, tag: str, add: bool) -> bool:
    verb = customer_tags.add_tag if add else customer_tags.remove_tag
    return await verb(db, now, user, customer, tag)


@router.post("/api/customers/{display_id}/tags", summary="Tag the customer")
async def api_add_tag(request: Request, display_id: str, body: TagIn) -> list[str]:
    await _act(request, display_id, _tag, tag=body.tag, add=True)
    row = await lookup.customer(request, display_id)
    return await customer_tags.tags_of(bindings_of(request).db, row["id"])


@router.delete("/api/customers/{display_id}/tags", summary="Take a tag off (?tag=…)")
async def api_remove_tag(request: Request, display_id: str, tag: str = Query(..., max_length=100)) -> list[str]:
    await _act(request, display_id, _tag, tag=tag, add=False)
    row = await lookup.customer(request, display_id)
    return await customer_tags.tags_of(bindings_of(request).db, row["id"])

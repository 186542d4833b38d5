"""A customer's addresses: the billing address and work addresses / sites (seed 004 "Work Address").

This module owns `customer_addresses`. A customer has at most one billing address (a partial unique
index backs it) and any number of work sites, each with an optional occupier — one of the customer's
own contacts — and notes. customers.address/zip follow the billing address in the same batch
(`customers.follow_billing_address`), so the list and search see it.
"""

from __future__ import annotations

from datetime import datetime

from accounts.users import User
from core.clock import iso
from core.errors import Invalid
from core.storage import Database, IntegrityError, Row, Statement, q
from customers import record as customers

Value = str | int | None  # what a checked field holds

KINDS = ("billing", "work")
LIMITS = {"label": 100, "line1": 200, "line2": 200, "city": 100, "state": 50, "zip": 20, "notes": 2000}
EDITABLE = (*LIMITS, "kind", "occupier_contact_id")


def check(values: dict[str, object]) -> dict[str, Value]:
    """A whole address, checked: the columns to write. Line 1 is required (seed 004: the scheduling
    engines need it)."""
    text = customers.clean({k: values.get(k) or "" for k in LIMITS}, LIMITS)
    if not text["line1"]:
        raise Invalid("An address needs its first line (street and number).")
    kind = values.get("kind") or "work"
    if kind not in KINDS:
        raise Invalid("An address is the billing address or a work address.")
    occupier = values.get("occupier_contact_id")
    if occupier in ("", 0):
        occupier = None
    if occupier is not None and (not isinstance(occupier, int) or isinstance(occupier, bool)):
        raise Invalid("The occupier is one of this customer's contacts.")
    return {**text, "kind": str(kind), "occupier_contact_id": occupier}


def insert(now: datetime, customer_id: int, address: dict[str, Value]) -> Statement:
    columns = ["customer_id", *address, "created_at", "updated_at"]
    return Statement(
        f"INSERT INTO customer_addresses ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})",
        (customer_id, *address.values(), iso(now), iso(now)),
    )


def from_lead(now: datetime, customer_id: int, lead: Row) -> list[Statement]:
    """A customer made from a lead: the lead's address is where the work is and who pays, until
    someone says otherwise (none when the lead gave neither address nor zip)."""
    if not (lead["address"] or lead["zip"]):
        return []
    return [insert(now, customer_id, {"kind": "billing", "line1": lead["address"], "zip": lead["zip"]})]


def demote_billing(now: datetime, loser: Row, keeper_id: int) -> Statement:
    """Customer merge: when the keeper has a billing address, the loser's becomes a work address
    labelled with where it came from."""
    return q(
        "UPDATE customer_addresses SET kind = 'work',"
        " label = CASE WHEN label = '' THEN ? ELSE label END, version = version + 1, updated_at = ?"
        " WHERE customer_id = ? AND kind = 'billing'"
        " AND EXISTS (SELECT 1 FROM customer_addresses WHERE customer_id = ? AND kind = 'billing')",
        f"Billing address of {loser['display_id']}",
        iso(now),
        loser["id"],
        keeper_id,
    )


def move_all(now: datetime, from_customer_id: int, to_customer_id: int) -> Statement:
    """Customer merge: every address of one customer now belongs to another."""
    return q(
        "UPDATE customer_addresses SET customer_id = ?, version = version + 1, updated_at = ? WHERE customer_id = ?",
        to_customer_id,
        iso(now),
        from_customer_id,
    )


async def _check_occupier(db: Database, customer: Row, address: dict[str, Value]) -> None:
    if address["occupier_contact_id"] is not None:
        await customers.contact_of(db, customer["id"], int(address["occupier_contact_id"]))


def _records(now: datetime, user: User, customer: Row, action: str, body: str, **meta: object) -> list[Statement]:
    return customers.change_records(now, user, customer, "address", action, body, meta)


def _what(address: dict[str, Value] | Row) -> str:
    return "billing address" if address["kind"] == "billing" else f"site {address['label'] or address['line1']}"


_ONE_BILLING = "This customer already has a billing address; edit that one, or add this as a work address."


async def add_address(db: Database, now: datetime, user: User, customer: Row, values: dict[str, object]) -> int:
    customers.refuse_merged(customer)
    address = check(values)
    await _check_occupier(db, customer, address)
    statements = [
        insert(now, customer["id"], address),
        *([customers.follow_billing_address(now, customer["id"])] if address["kind"] == "billing" else []),
        *_records(now, user, customer, "customer.address_added", f"Added {_what(address)} ({user.name})"),
    ]
    try:
        results = await db.batch(statements)
    except IntegrityError:
        if address["kind"] == "billing":
            raise Invalid(_ONE_BILLING) from None
        raise
    return int(results[0].last_row_id or 0)


async def edit_address(
    db: Database,
    now: datetime,
    user: User,
    customer: Row,
    address: Row,
    changes: dict[str, object],
    *,
    version: int | None = None,
) -> list[str]:
    customers.refuse_merged(customer)
    customers.check_version(address, version)
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise Invalid(f"{', '.join(sorted(unknown))} cannot be edited on an address.")
    new = check({k: address[k] for k in EDITABLE} | changes)
    await _check_occupier(db, customer, new)
    changed = {k: [address[k], v] for k, v in new.items() if address[k] != v}
    if not changed:
        return []
    billing_touched = "billing" in (address["kind"], new["kind"])
    statements = [
        customers.still_at("customer_addresses", address),
        q(
            f"UPDATE customer_addresses SET {', '.join(f'{k} = ?' for k in changed)}, version = version + 1,"
            " updated_at = ? WHERE id = ? AND version = ?",
            *(v[1] for v in changed.values()),
            iso(now),
            address["id"],
            address["version"],
        ),
        *([customers.follow_billing_address(now, customer["id"])] if billing_touched else []),
        *_records(
            now,
            user,
            customer,
            "customer.address_edited",
            f"Edited {_what(new)} ({user.name}): {', '.join(changed)}",
            address_id=address["id"],
            changes=changed,
        ),
    ]
    try:
        await customers.run(db, statements)
    except IntegrityError:
        raise Invalid(_ONE_BILLING) from None
    return list(changed)


async def delete_address(
    db: Database, now: datetime, user: User, customer: Row, address: Row, *, version: int | None = None
) -> None:
    customers.refuse_merged(customer)
    customers.check_version(address, version)
    await customers.run(
        db,
        [
            customers.still_at("customer_addresses", address),
            q("DELETE FROM customer_addresses WHERE id = ?", address["id"]),
            *([customers.follow_billing_address(now, customer["id"])] if address["kind"] == "billing" else []),
            *_records(
                now,
                user,
                customer,
                "customer.address_deleted",
                f"Removed {_what(address)} ({user.name}): {customers.one_line(address)}",
                address_id=address["id"],
            ),
        ],
    )

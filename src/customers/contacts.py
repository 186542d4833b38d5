"""A customer's contacts (seed 003 Contacts tab, seed 004 "Managing a contact").

This module owns the rules and verbs of `customer_contacts`: many contacts per customer, exactly one
primary (a partial unique index backs it), the primary cannot be deleted, and making another contact
primary is one batch. The customer's own phone/email columns follow the primary in the same batch
(`customers.follow_primary`). Phones are stored E.164 with their last 10 digits; staff forms refuse
placeholder and unusable numbers, as they do for leads.
"""

from __future__ import annotations

import re
from datetime import datetime

from accounts.users import User
from core import phones
from core.clock import iso
from core.errors import Invalid
from core.storage import Database, Row, Statement, q
from customers import record as customers

Value = str | int | None  # what a checked field holds

LIMITS = {"name": 200, "position": 100, "phone": 40, "alt_phone": 40, "email": 254, "alt_email": 254}
PREFERENCES = ("sms_opt_in", "email_opt_in", "marketing_opt_in")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")

# What a person edits, as stored: the two phones are kept as typed (`*_raw`) beside their E.164 form.
EDITABLE = (*LIMITS, *PREFERENCES)


def _phone(label: str, text: str) -> tuple[str | None, str, str | None]:
    if not text:
        return None, "", None
    phone = phones.normalize(text)
    if phone.flagged:
        raise Invalid(f"{label} {text!r} is not a phone number we can call; check it or leave it empty.")
    return phone.e164, phone.raw, phone.last10


def check(values: dict[str, object]) -> dict[str, Value]:
    """A whole contact, checked: the columns to write. Preferences default to SMS and email on,
    marketing off (seed 004: consent to marketing is asked for, not assumed)."""
    text = customers.clean({k: values.get(k, "") for k in LIMITS}, LIMITS)
    if not text["name"]:
        raise Invalid("A contact needs a name.")
    for key in ("email", "alt_email"):
        text[key] = text[key].lower()
        if text[key] and not _EMAIL.fullmatch(text[key]):
            raise Invalid(f"{text[key]!r} is not an email address.")
    phone, phone_raw, last10 = _phone("Phone", text["phone"])
    alt, alt_raw, alt_last10 = _phone("Second phone", text["alt_phone"])
    defaults = {"sms_opt_in": True, "email_opt_in": True, "marketing_opt_in": False}
    return {
        "name": text["name"],
        "position": text["position"],
        "phone": phone,
        "phone_raw": phone_raw,
        "phone_last10": last10,
        "alt_phone": alt,
        "alt_phone_raw": alt_raw,
        "alt_phone_last10": alt_last10,
        "email": text["email"],
        "alt_email": text["alt_email"],
        **{k: 1 if values.get(k, defaults[k]) else 0 for k in PREFERENCES},
    }


def as_typed(row: Row) -> dict[str, object]:
    """A stored contact as its edit form holds it, so an edit can be checked as a whole."""
    return {
        "name": row["name"],
        "position": row["position"],
        "phone": row["phone_raw"] or row["phone"] or "",
        "alt_phone": row["alt_phone_raw"] or row["alt_phone"] or "",
        "email": row["email"],
        "alt_email": row["alt_email"],
        **{k: bool(row[k]) for k in PREFERENCES},
    }


def insert(now: datetime, customer_id: int, contact: dict[str, Value], *, primary: bool = False) -> Statement:
    columns = ["customer_id", *contact, "is_primary", "created_at", "updated_at"]
    values = [customer_id, *contact.values(), 1 if primary else 0, iso(now), iso(now)]
    return Statement(
        f"INSERT INTO customer_contacts ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})",
        tuple(values),
    )


def from_lead(now: datetime, customer_id: int, lead: Row) -> list[Statement]:
    """A customer made from a lead: its primary contact from the lead's intake fields."""
    contact: dict[str, Value] = {
        "name": lead["name"].strip(),
        "phone": lead["phone"],
        "phone_raw": lead["phone_raw"] or "",
        "phone_last10": lead["phone_last10"],
        "email": (lead["email"] or "").lower(),
    }
    return [insert(now, customer_id, contact, primary=True)]


def demote_primary(now: datetime, customer_id: int) -> Statement:
    """Customer merge: the loser's primary contact stops being primary (the keeper has one)."""
    return q(
        "UPDATE customer_contacts SET is_primary = 0, version = version + 1, updated_at = ?"
        " WHERE customer_id = ? AND is_primary = 1",
        iso(now),
        customer_id,
    )


def move_all(now: datetime, from_customer_id: int, to_customer_id: int) -> Statement:
    """Customer merge: every contact of one customer now belongs to another."""
    return q(
        "UPDATE customer_contacts SET customer_id = ?, version = version + 1, updated_at = ? WHERE customer_id = ?",
        to_customer_id,
        iso(now),
        from_customer_id,
    )


def _records(now: datetime, user: User, customer: Row, action: str, body: str, **meta: object) -> list[Statement]:
    return customers.change_records(now, user, customer, "contact", action, body, meta)


async def add_contact(db: Database, now: datetime, user: User, customer: Row, values: dict[str, object]) -> int:
    """Another person at the customer (never the primary: making one primary is its own action).
    Returns the new contact's id."""
    customers.refuse_merged(customer)
    contact = check(values)
    results = await db.batch(
        [
            insert(now, customer["id"], contact),
            *_records(
                now, user, customer, "customer.contact_added", f"Contact added by {user.name}: {contact['name']}"
            ),
        ]
    )
    return int(results[0].last_row_id or 0)


async def edit_contact(
    db: Database,
    now: datetime,
    user: User,
    customer: Row,
    contact: Row,
    changes: dict[str, object],
    *,
    version: int | None = None,
) -> list[str]:
    """Change any of a contact's fields. Phones typed as before are not checked again, so an old
    number from a lead that needs a person's look does not block editing the rest."""
    customers.refuse_merged(customer)
    customers.check_version(contact, version)
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise Invalid(f"{', '.join(sorted(unknown))} cannot be edited on a contact.")
    before = as_typed(contact)
    merged = before | changes
    kept = {k: "" for k in ("phone", "alt_phone") if merged[k] == before[k]}
    new = check(merged | kept)
    for key in kept:  # unchanged phones keep their stored form
        for column in (key, f"{key}_raw", f"{key}_last10"):
            new[column] = contact[column]
    changed = {k: [contact[k], v] for k, v in new.items() if contact[k] != v}
    if not changed:
        return []
    names = sorted({k.replace("_raw", "").replace("_last10", "") for k in changed})
    sets = ", ".join(f"{k} = ?" for k in changed)
    statements = [
        customers.still_at("customer_contacts", contact),
        q(
            f"UPDATE customer_contacts SET {sets}, version = version + 1, updated_at = ? WHERE id = ? AND version = ?",
            *(v[1] for v in changed.values()),
            iso(now),
            contact["id"],
            contact["version"],
        ),
        *([customers.follow_primary(now, customer["id"])] if contact["is_primary"] else []),
        *_records(
            now,
            user,
            customer,
            "customer.contact_edited",
            f"Contact {new['name']} edited by {user.name}: {', '.join(n.replace('_', ' ') for n in names)}",
            contact_id=contact["id"],
            fields=names,
        ),
    ]
    await customers.run(db, statements)
    return names


async def make_primary(db: Database, now: datetime, user: User, customer: Row, contact: Row) -> bool:
    """One batch: the old primary steps down, this contact steps up, the customer's phone and email
    follow. A contact changed or deleted meanwhile stops the whole batch. False when it already was."""
    customers.refuse_merged(customer)
    if contact["is_primary"]:
        return False
    old = await customers.primary_contact(db, customer["id"])
    stamp = iso(now)
    statements = [
        customers.still_at("customer_contacts", contact),
        q(
            "UPDATE customer_contacts SET is_primary = 0, version = version + 1, updated_at = ?"
            " WHERE customer_id = ? AND is_primary = 1",
            stamp,
            customer["id"],
        ),
        q(
            "UPDATE customer_contacts SET is_primary = 1, version = version + 1, updated_at = ?"
            " WHERE id = ? AND customer_id = ?",
            stamp,
            contact["id"],
            customer["id"],
        ),
        customers.follow_primary(now, customer["id"]),
        *_records(
            now,
            user,
            customer,
            "customer.primary_changed",
            f"Primary contact: {old['name'] if old else 'none'} → {contact['name']}, by {user.name}",
            contact_id=contact["id"],
            previous=old["id"] if old else None,
        ),
    ]
    await customers.run(db, statements)
    return True


async def delete_contact(
    db: Database, now: datetime, user: User, customer: Row, contact: Row, *, version: int | None = None
) -> None:
    """Remove a contact for good (seed 004). Never the primary: make someone else primary first."""
    customers.refuse_merged(customer)
    customers.check_version(contact, version)
    if contact["is_primary"]:
        raise Invalid("The primary contact can't be deleted. Make another contact primary first.")
    await customers.run(
        db,
        [
            customers.still_at("customer_contacts", contact),
            q("DELETE FROM customer_contacts WHERE id = ? AND is_primary = 0", contact["id"]),
            *_records(
                now,
                user,
                customer,
                "customer.contact_deleted",
                f"Contact {contact['name']} deleted by {user.name}",
                contact_id=contact["id"],
            ),
        ],
    )

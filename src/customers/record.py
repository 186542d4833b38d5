"""Customers: the people a lead becomes (seed 000 "Clients", seed 003, seed 004, DOMAIN.md "Customer").

This module owns the `customers` row and the reads of everything hanging off it (contacts,
addresses, notes, timeline), the access function, the JSON shapes, and the statements other verbs
put in their batch: creating a customer from a lead, keeping the row's phone/email in step with its
primary contact and its address with its billing address, and the version guard. The verbs live by
noun: `customer_actions` (the row itself), `customer_contacts`, `customer_addresses`,
`customer_notes`, `customer_merge`; converting a lead changes a lead and a customer at once, so
that verb lives in `lead_conversion`. Display ids run `C-1001` upward, like leads' `L-…`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from urllib.parse import quote_plus

from accounts import authz
from accounts.users import User
from core import cardcheck, records
from core.clock import iso
from core.errors import Conflict, Invalid, NotFound
from core.records import Actor
from core.storage import Database, Param, Result, Row, Statement, q
from core.text import clean_text

KINDS = ("private", "company")
STATUSES = ("active", "dormant")
MAX_CANDIDATES = 10

# Timeline filters on the record: entry kinds written by the customer verbs (and by leads, whose
# entries show on their customer), plus "lead" for everything that happened to its leads.
TIMELINE_TYPES = {
    "note": "Notes",
    "contact": "Contacts",
    "address": "Addresses",
    "tag": "Tags",
    "billing": "Billing",
    "status": "Status",
    "call": "Calls",
    "sys": "Other changes",
    "merge": "Merges",
    "lead": "From its leads",
}


def clean(fields: dict[str, object], limits: dict[str, int]) -> dict[str, str]:
    """Free text as we store it (NFC, no control characters, trimmed, bounded), refused whole when
    any field holds a card-shaped number: nothing of the request is stored then."""
    cleaned = {k: clean_text(v, limits[k]) for k, v in fields.items()}
    try:
        cardcheck.refuse(cleaned)
    except cardcheck.CardNumberFound as exc:
        raise Invalid(str(exc)) from None
    return cleaned


def accepts_automation(customer: Row) -> bool:
    """May automations (reminders, review requests, campaigns) message this customer at all?
    Dormant customers get none (seed 004), nor do archived or merged ones. People can still be
    messaged by hand. Channel and consent are per contact: see `contact_accepts`."""
    return customer["status"] == "active" and not customer["archived_at"]


def contact_accepts(customer: Row, contact: Row, channel: str) -> bool:
    """May an automation use `channel` ('sms', 'email', 'marketing') to reach this contact?"""
    if not accepts_automation(customer):
        return False
    if channel == "sms":
        return bool(contact["sms_opt_in"]) and bool(contact["phone"])
    if channel == "email":
        return bool(contact["email_opt_in"]) and bool(contact["email"])
    if channel == "marketing":
        return bool(contact["marketing_opt_in"])
    raise ValueError(f"unknown channel {channel!r}")


_SELECT = (
    "SELECT c.*, o.name AS office_name, o.jobs_enabled, s.label AS source_label FROM customers c"
    " JOIN offices o ON o.id = c.office_id LEFT JOIN lead_sources s ON s.key = c.source"
)


async def customer_for_user(db: Database, user: User, display_id: str) -> Row | None:
    """The one access function: None for a missing customer and for one the user may not see, alike."""
    condition, params = authz.customer_scope(user)
    return await db.first(f"{_SELECT} WHERE c.display_id = ? AND {condition}", display_id.upper()[:20], *params)


async def primary_contact(db: Database, customer_id: int) -> Row | None:
    return await db.first("SELECT * FROM customer_contacts WHERE customer_id = ? AND is_primary = 1", customer_id)


async def contacts_of(db: Database, customer_id: int) -> list[Row]:
    """Primary first, then in the order they were added."""
    return await db.all(
        "SELECT * FROM customer_contacts WHERE customer_id = ? ORDER BY is_primary DESC, id", customer_id
    )


async def contact_of(db: Database, customer_id: int, contact_id: int) -> Row:
    row = await db.first("SELECT * FROM customer_contacts WHERE id = ? AND customer_id = ?", contact_id, customer_id)
    if row is None:
        raise NotFound("That contact is not on this customer (it may have just been deleted).")
    return row


async def addresses_of(db: Database, customer_id: int) -> list[Row]:
    """The billing address first, then work addresses in the order they were added."""
    return await db.all(
        "SELECT a.*, p.name AS occupier_name FROM customer_addresses a"
        " LEFT JOIN customer_contacts p ON p.id = a.occupier_contact_id"
        " WHERE a.customer_id = ? ORDER BY a.kind = 'work', a.id",
        customer_id,
    )


async def address_of(db: Database, customer_id: int, address_id: int) -> Row:
    row = await db.first("SELECT * FROM customer_addresses WHERE id = ? AND customer_id = ?", address_id, customer_id)
    if row is None:
        raise NotFound("That address is not on this customer (it may have just been deleted).")
    return row


async def notes_of(db: Database, customer_id: int) -> list[Row]:
    """Pinned ("Important", seed 004) first, then newest first."""
    return await db.all("SELECT * FROM customer_notes WHERE customer_id = ? ORDER BY pinned DESC, id DESC", customer_id)


async def note_of(db: Database, customer_id: int, note_id: int) -> Row:
    row = await db.first("SELECT * FROM customer_notes WHERE id = ? AND customer_id = ?", note_id, customer_id)
    if row is None:
        raise NotFound("That note is not on this customer (it may have just been deleted).")
    return row


async def timeline_of(db: Database, customer_id: int, kind: str = "", limit: int = 200) -> list[Row]:
    """Everything that happened to the customer and to the leads that converted into it, newest
    first; `kind` narrows to one entry kind, or "lead" to the leads' own entries."""
    mine = "SELECT * FROM timeline_entries WHERE subject_type = 'customer' AND subject_id = ?"
    theirs = (
        "SELECT * FROM timeline_entries WHERE subject_type = 'lead'"
        " AND subject_id IN (SELECT id FROM leads WHERE customer_id = ?)"
    )
    if kind == "lead":
        return await db.all(f"{theirs} ORDER BY created_at DESC, id DESC LIMIT ?", customer_id, limit)
    if kind:
        return await db.all(
            f"{mine} AND kind = ? UNION ALL {theirs} AND kind = ? ORDER BY created_at DESC, id DESC LIMIT ?",
            customer_id,
            kind,
            customer_id,
            kind,
            limit,
        )
    return await db.all(
        f"{mine} UNION ALL {theirs} ORDER BY created_at DESC, id DESC LIMIT ?", customer_id, customer_id, limit
    )


def one_line(address: Row | dict[str, object]) -> str:
    """ "12 Palm Way, Unit 4, Miami, FL 33139"."""
    region = " ".join(str(address[k]) for k in ("state", "zip") if address[k])
    return ", ".join(str(p) for p in (address["line1"], address["line2"], address["city"], region) if p)


def map_url(addresses: Sequence[Row], customer: Row) -> str | None:
    """A plain map search link for the primary address (billing, else the first site); no embedded
    map, so no third-party script on the page."""
    text = one_line(addresses[0]) if addresses else " ".join(p for p in (customer["address"], customer["zip"]) if p)
    return f"https://www.openstreetmap.org/search?query={quote_plus(text)}" if text.strip() else None


# A lead's intake as the customer record shows it: (column, label).
LEAD_INTAKE = {"service": "Service", "how_soon": "How soon", "address": "Address", "zip": "ZIP", "notes": "Notes"}


async def leads_of(db: Database, customer_id: int) -> list[Row]:
    """The customer's lifecycle leads, newest first, with what each asked for (its intake)."""
    return await db.all(
        "SELECT l.display_id, l.name, l.status, l.source_key, s.label AS source_label, l.created_at,"
        " l.service, l.how_soon, l.address, l.zip, l.notes"
        " FROM leads l LEFT JOIN lead_sources s ON s.key = l.source_key WHERE l.customer_id = ? ORDER BY l.id DESC",
        customer_id,
    )


async def links_for_leads(db: Database, lead_ids: list[int]) -> dict[int, str]:
    """Lead id → the display id of the customer it converted into, for a page of leads."""
    if not lead_ids:
        return {}
    rows = await db.all(
        "SELECT l.id, c.display_id FROM leads l JOIN customers c ON c.id = l.customer_id"
        " WHERE l.id IN (SELECT value FROM json_each(?))",
        json.dumps(lead_ids),
    )
    return {r["id"]: r["display_id"] for r in rows}


async def display_id_of(db: Database, customer_id: int | None) -> str | None:
    if customer_id is None:
        return None
    row = await db.first("SELECT display_id FROM customers WHERE id = ?", customer_id)
    return row["display_id"] if row else None


async def candidates(db: Database, user: User, phone_last10: str | None, email: str) -> list[Row]:
    """Customers that may be the same person: the same last 10 phone digits or the same email, on the
    customer or on any of its contacts (seed 002 matches people on the last 10 digits). Active ones
    first; archived ones are offered too, so converting the same person again revives their record
    instead of starting a second one."""
    email = email.strip().lower()
    matches: list[str] = []
    params: list[Param] = []
    if phone_last10:
        matches += [
            "SELECT id, 'phone' AS how FROM customers WHERE phone_last10 = ?",
            "SELECT customer_id, 'phone' FROM customer_contacts WHERE phone_last10 = ?",
        ]
        params += [phone_last10, phone_last10]
    if email:
        matches += [
            "SELECT id, 'email' FROM customers WHERE email = ?",
            "SELECT customer_id, 'email' FROM customer_contacts WHERE email = ?",
        ]
        params += [email, email]
    if not matches:
        return []
    condition, scope_params = authz.customer_scope(user)
    # CROSS JOIN keeps the few matches driving the query: left to itself the planner may walk every
    # customer of the user's offices and test each against the matches.
    return await db.all(
        f"WITH m (id, how) AS ({' UNION '.join(matches)})"
        " SELECT c.id, c.display_id, c.name, c.phone, c.email, c.archived_at, o.name AS office_name,"
        " hit.matched_on,"
        " (SELECT name FROM customer_contacts p WHERE p.customer_id = c.id AND p.is_primary = 1) AS contact_name,"
        " (SELECT COUNT(*) FROM leads l WHERE l.customer_id = c.id) AS lead_count"
        " FROM (SELECT id, group_concat(DISTINCT how) AS matched_on FROM m GROUP BY id) AS hit"
        " CROSS JOIN customers c ON c.id = hit.id JOIN offices o ON o.id = c.office_id"
        f" WHERE {condition} AND c.merged_into_id IS NULL ORDER BY c.archived_at IS NOT NULL, c.id DESC LIMIT ?",
        *params,
        *scope_params,
        MAX_CANDIDATES,
    )


def public(row: Row) -> dict[str, object]:
    """A customer as the pages and the JSON answers show it."""
    return {
        "id": row["display_id"],
        "name": row["name"],
        "kind": row["kind"],
        "company": row["company"],
        "status": row["status"],
        "office": row.get("office_name"),
        "source": row["source"],
        "phone": row["phone"],
        "email": row["email"],
        "address": row["address"],
        "zip": row["zip"],
        "archived": bool(row["archived_at"]),
        "created_at": row["created_at"],
    }


def billing(row: Row) -> dict[str, object]:
    """The billing profile. Balance and credit come from QuickBooks once it is connected; until then
    they are None (pages show "—")."""
    return {
        "terms": row["terms"],
        "tax_exempt": bool(row["tax_exempt"]),
        "tax_id": row["tax_id"],
        "credit_limit_cents": row["credit_limit_cents"],
        "quickbooks_customer_id": row["quickbooks_customer_id"],
        "payment_profile": (
            {
                "token": row["payment_token"],
                "brand": row["payment_brand"],
                "last4": row["payment_last4"],
                "exp": row["payment_exp"],
            }
            if row["payment_token"]
            else None
        ),
        "balance_cents": None,
        "account_credit_cents": None,
    }


def contact_public(row: Row) -> dict[str, object]:
    return {
        "id": row["id"],
        "name": row["name"],
        "position": row["position"],
        "primary": bool(row["is_primary"]),
        "phone": row["phone"] or row["phone_raw"] or None,
        "alt_phone": row["alt_phone"] or row["alt_phone_raw"] or None,
        "email": row["email"],
        "alt_email": row["alt_email"],
        "sms_opt_in": bool(row["sms_opt_in"]),
        "email_opt_in": bool(row["email_opt_in"]),
        "marketing_opt_in": bool(row["marketing_opt_in"]),
        "version": row["version"],
    }


def address_public(row: Row) -> dict[str, object]:
    keys = ("id", "kind", "label", "line1", "line2", "city", "state", "zip", "occupier_contact_id", "notes", "version")
    return {k: row[k] for k in keys} | {"one_line": one_line(row)}


def note_public(row: Row) -> dict[str, object]:
    keys = ("id", "body", "author_label", "created_at", "updated_at", "version")
    return {k: row[k] for k in keys} | {"pinned": bool(row["pinned"])}


def entry_public(row: Row) -> dict[str, object]:
    return {k: row[k] for k in ("created_at", "kind", "body", "actor_label", "subject_type")}


# --- statements for the caller's batch ---------------------------------------------------------

_GUARDED = frozenset({"customers", "customer_contacts", "customer_addresses", "customer_notes"})


def still_at(table: str, row: Row) -> Statement:
    """A batch's leading check (`records.guard_at`): the whole batch stops, writing nothing, unless
    the row is still at the version we read."""
    assert table in _GUARDED
    return records.guard_at(table, row["id"], row["version"])


CHANGED_MEANWHILE = "Someone else changed this record a moment ago. Reload it and try again."


async def run(db: Database, statements: list[Statement], *, conflict: str = CHANGED_MEANWHILE) -> list[Result]:
    """Run a guarded batch; a guard that tripped becomes Conflict (nothing was written)."""
    try:
        return await db.batch(statements)
    except records.LostRace:
        raise Conflict(conflict) from None


def check_version(row: Row, expected: int | None) -> None:
    """The version the client last saw (a form's hidden field, an API body's `version`)."""
    if expected is not None and expected != row["version"]:
        raise Conflict("This record changed since you opened it. Reload it and try again.")


def follow_primary(now: datetime, customer_id: int) -> Statement:
    """customers.phone/phone_last10/email mirror the primary contact (lists, search and identity
    matching read them); every batch that changes the primary ends with this."""
    pick = "FROM customer_contacts WHERE customer_id = ? AND is_primary = 1"
    return Statement(
        f"UPDATE customers SET phone = (SELECT phone {pick}), phone_last10 = (SELECT phone_last10 {pick}),"
        f" email = COALESCE((SELECT email {pick}), ''), version = version + 1, updated_at = ? WHERE id = ?",
        (customer_id, customer_id, customer_id, iso(now), customer_id),
    )


# The billing address as one line, in SQL, for customers.address (the same shape as `one_line`
# without the ZIP, which has its own column).
_BILLING_LINE = (
    "trim(line1 || CASE WHEN line2 != '' THEN ', ' || line2 ELSE '' END"
    " || CASE WHEN city != '' THEN ', ' || city ELSE '' END"
    " || CASE WHEN state != '' THEN ', ' || state ELSE '' END, ', ')"
)


def follow_billing_address(now: datetime, customer_id: int) -> Statement:
    """customers.address/zip mirror the billing address; every batch that changes it ends with this."""
    pick = "FROM customer_addresses WHERE customer_id = ? AND kind = 'billing'"
    return Statement(
        f"UPDATE customers SET address = COALESCE((SELECT {_BILLING_LINE} {pick}), ''),"
        f" zip = COALESCE((SELECT zip {pick}), ''), version = version + 1, updated_at = ? WHERE id = ?",
        (customer_id, customer_id, iso(now), customer_id),
    )


async def next_id(db: Database) -> int:
    """The id a new customer would take. Two conversions at once can read the same number; the second
    batch then fails on the primary key, changes nothing, and its caller tries the next number."""
    row = await db.first("SELECT COALESCE(MAX(id), 1000) + 1 AS id FROM customers")
    return int(row["id"]) if row else 1001


def display_id_for(customer_id: int) -> str:
    return f"C-{customer_id}"


def insert(now: datetime, customer_id: int, office_id: int, values: dict[str, Param]) -> Statement:
    """A new customer with the id `next_id` gave, in an office, with `values` by column."""
    columns = ["id", "display_id", "office_id", *values, "created_at", "updated_at"]
    return Statement(
        f"INSERT INTO customers ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})",
        (customer_id, display_id_for(customer_id), office_id, *values.values(), iso(now), iso(now)),
    )


def update(now: datetime, customer: Row, sets: str, *params: Param) -> Statement:
    """Change a customer the caller read at `customer["version"]`; changes nothing when someone changed it meanwhile."""
    return Statement(
        f"UPDATE customers SET {sets}, version = version + 1, updated_at = ? WHERE id = ? AND version = ?",
        (*params, iso(now), customer["id"], customer["version"]),
    )


def delete_at_version(customer: Row) -> Statement:
    """Delete for good, only while still at the version the caller read."""
    return Statement("DELETE FROM customers WHERE id = ? AND version = ?", (customer["id"], customer["version"]))


def create_from_lead(now: datetime, customer_id: int, lead: Row) -> list[Statement]:
    """A new customer from a lead's intake fields (its contact and address: `contacts.from_lead`,
    `addresses.from_lead`)."""
    stamp = iso(now)
    email = (lead["email"] or "").lower()
    return [
        Statement(
            "INSERT INTO customers (id, display_id, office_id, name, source, phone, phone_last10, email, address, zip,"
            " created_from_lead_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                customer_id,
                display_id_for(customer_id),
                lead["office_id"],
                lead["name"].strip(),
                lead["source_key"],
                lead["phone"],
                lead["phone_last10"],
                email,
                lead["address"],
                lead["zip"],
                lead["id"],
                stamp,
                stamp,
            ),
        ),
    ]


def touch(now: datetime, customer: Row) -> Statement:
    """A lead was linked: the customer changed, and an archived one comes back."""
    return Statement(
        "UPDATE customers SET archived_at = NULL, version = version + 1, updated_at = ? WHERE id = ?",
        (iso(now), customer["id"]),
    )


# The customer a lead's conversion created, with nothing attached but that lead (both `?` are the
# lead's id): no other lead, contact, site or note. Returning the lead archives such a customer;
# anything else keeps it. Tickets, jobs and files add themselves here as they arrive.
_ONLY_THAT_LEADS = (
    "created_from_lead_id = ? AND archived_at IS NULL"
    " AND NOT EXISTS (SELECT 1 FROM leads WHERE customer_id = customers.id AND id != ?)"
    " AND NOT EXISTS (SELECT 1 FROM customer_contacts WHERE customer_id = customers.id AND is_primary = 0)"
    " AND NOT EXISTS (SELECT 1 FROM customer_addresses WHERE customer_id = customers.id AND kind = 'work')"
    " AND NOT EXISTS (SELECT 1 FROM customer_notes WHERE customer_id = customers.id)"
)


async def archived_on_return(db: Database, customer_id: int, lead_id: int) -> bool:
    """Read before the batch, for the answer; `archive_if_only_that_leads` decides again inside it."""
    row = await db.first(f"SELECT 1 FROM customers WHERE id = ? AND {_ONLY_THAT_LEADS}", customer_id, lead_id, lead_id)
    return row is not None


def archive_if_only_that_leads(now: datetime, customer_id: int, lead_id: int) -> Statement:
    """Archive, never delete: the row, its contacts and its timeline stay."""
    return Statement(
        "UPDATE customers SET archived_at = ?, version = version + 1, updated_at = ?"
        f" WHERE id = ? AND {_ONLY_THAT_LEADS}",
        (iso(now), iso(now), customer_id, lead_id, lead_id),
    )


# Customer merge: the keeper's blank header text fields take the loser's values.
_FILL_TEXT = ("company", "source", "terms", "tax_id")


def fill_blanks_from(now: datetime, keeper_id: int, loser_id: int) -> list[Statement]:
    """Customer merge: the keeper keeps what it has and takes from the loser what it lacks (blank
    text, a payment card as a whole, credit limit, QuickBooks link; the higher rating and tax flag)."""
    k, lo = keeper_id, loser_id
    other = "(SELECT {col} FROM customers WHERE id = ?)"
    fills = [f"{c} = CASE WHEN {c} = '' THEN {other.format(col=c)} ELSE {c} END" for c in _FILL_TEXT]
    payment = ("payment_token", "payment_brand", "payment_last4", "payment_exp")
    fills += [f"{c} = CASE WHEN payment_token = '' THEN {other.format(col=c)} ELSE {c} END" for c in payment]
    fills += [
        f"credit_limit_cents = COALESCE(credit_limit_cents, {other.format(col='credit_limit_cents')})",
        f"quickbooks_customer_id = COALESCE(quickbooks_customer_id, {other.format(col='quickbooks_customer_id')})",
        f"rating = MAX(rating, {other.format(col='rating')})",
        f"tax_exempt = MAX(tax_exempt, {other.format(col='tax_exempt')})",
    ]
    n_params = len(fills)
    return [
        # SQLite evaluates every SET expression against the row as it was, so the payment CASEs all
        # see the keeper's original (blank or not) token.
        Statement(
            f"UPDATE customers SET {', '.join(fills)}, version = version + 1, updated_at = ? WHERE id = ?",
            (*([lo] * n_params), iso(now), k),
        ),
        follow_billing_address(now, k),
    ]


def retire_into(now: datetime, keeper_id: int, loser_id: int) -> Statement:
    """Customer merge: the loser is archived and points at the keeper."""
    # A QuickBooks link that moved to the keeper is cleared here, so one QuickBooks customer never
    # matches two of ours.
    return q(
        "UPDATE customers SET archived_at = COALESCE(archived_at, ?), merged_into_id = ?,"
        " quickbooks_customer_id = CASE WHEN quickbooks_customer_id ="
        " (SELECT quickbooks_customer_id FROM customers WHERE id = ?) THEN NULL ELSE quickbooks_customer_id END,"
        " version = version + 1, updated_at = ? WHERE id = ?",
        iso(now),
        keeper_id,
        keeper_id,
        iso(now),
        loser_id,
    )


# QuickBooks links made many at once: each [customer id, QuickBooks id] pair of the JSON array bound
# as ?1, as a table `j` (json_each drives the statement, so the work grows with the pairs).
QUICKBOOKS_PAIRS = (
    "(SELECT json_extract(value, '$[0]') AS customer_id, json_extract(value, '$[1]') AS qbo_id FROM json_each(?1))"
)


def link_quickbooks_pairs(links: str, stamp: str) -> Statement:
    """Link every pair of `links` (see QUICKBOOKS_PAIRS; `stamp` is ?2) whose customer is live and
    holds no link yet and whose QuickBooks id is nobody's."""
    return q(
        "UPDATE customers SET quickbooks_customer_id = j.qbo_id, version = version + 1, updated_at = ?2"
        # The unary + keeps SQLite from driving this by an index on customers instead of by j.
        f" FROM {QUICKBOOKS_PAIRS} AS j WHERE customers.id = j.customer_id"
        " AND +customers.quickbooks_customer_id IS NULL"
        " AND +customers.archived_at IS NULL AND +customers.merged_into_id IS NULL"
        " AND NOT EXISTS (SELECT 1 FROM customers x WHERE x.quickbooks_customer_id = j.qbo_id)",
        links,
        stamp,
    )


def link_quickbooks(now: datetime, customer_id: int, qbo_id: str) -> Statement:
    """Set the link on a customer that holds none, unless another customer holds this id (then it changes nothing)."""
    return q(
        "UPDATE customers SET quickbooks_customer_id = ?, version = version + 1, updated_at = ? WHERE id = ?"
        " AND quickbooks_customer_id IS NULL AND NOT EXISTS (SELECT 1 FROM customers x"
        " WHERE x.quickbooks_customer_id = ?)",
        qbo_id,
        iso(now),
        customer_id,
        qbo_id,
    )


def unlink_quickbooks(now: datetime, customer_id: int, qbo_id: str) -> Statement:
    """Clear the link, only while the customer still holds that QuickBooks id."""
    return q(
        "UPDATE customers SET quickbooks_customer_id = NULL, version = version + 1, updated_at = ?"
        " WHERE id = ? AND quickbooks_customer_id = ?",
        iso(now),
        customer_id,
        qbo_id,
    )


def timeline(
    now: datetime, actor: Actor, customer_id: int, office_id: int, kind: str, body: str, **meta: object
) -> Statement:
    return records.timeline(now, actor, "customer", customer_id, kind, body, office_id=office_id, meta=meta or None)


def change_records(
    now: datetime,
    user: User,
    customer: Row,
    kind: str,
    action: str,
    body: str,
    meta: dict[str, object],
    *,
    on_timeline: bool = False,
) -> list[Statement]:
    """The timeline line and audit row of a change to one of a customer's parts (contact, address,
    note): the audit names the customer and carries `meta`; the timeline carries it too when asked."""
    return [
        timeline(now, user.actor, customer["id"], customer["office_id"], kind, body, **(meta if on_timeline else {})),
        records.audit(
            now,
            user.actor,
            action,
            f"{customer['display_id']}: {body}",
            office_id=customer["office_id"],
            meta={"customer": customer["display_id"], **meta},
        ),
    ]


def refuse_merged(customer: Row, then: str = "change that one instead") -> None:
    """A merged customer's parts are changed on the customer it was merged into."""
    if customer["merged_into_id"]:
        raise Invalid(f"This customer was merged into another; {then}.")

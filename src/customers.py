"""Customers and their contacts: the people a lead becomes (seed 000 "Clients", DOMAIN.md "Customer").

This module owns the `customers` and `customer_contacts` tables. Reads are plain functions; the
statements that create, revive or archive a customer are built here and run inside the caller's
batch: converting a lead changes the lead and the customer at once, so that verb lives in
`lead_conversion`. Display ids run `C-1001` upward, like leads' `L-…`.
"""

from __future__ import annotations

import json
from datetime import datetime

import authz
import records
from clock import iso
from records import Actor
from storage import Database, Param, Row, Statement
from users import User

KINDS = ("private", "company")
STATUSES = ("active", "dormant")
MAX_CANDIDATES = 10


def _scope(user: User) -> tuple[str, list[Param]]:
    """Customers this user may see: their offices. Partners never see the customer book."""
    if user.role == "partner":
        return "0 = 1", []
    return authz.office_filter(user, "c.office_id")


_SELECT = (
    "SELECT c.*, o.name AS office_name, o.jobs_enabled, s.label AS source_label FROM customers c"
    " JOIN offices o ON o.id = c.office_id LEFT JOIN lead_sources s ON s.key = c.source"
)


async def customer_for_user(db: Database, user: User, display_id: str) -> Row | None:
    """The one access function: None for a missing customer and for one the user may not see, alike."""
    condition, params = _scope(user)
    return await db.first(f"{_SELECT} WHERE c.display_id = ? AND {condition}", display_id.upper()[:20], *params)


async def primary_contact(db: Database, customer_id: int) -> Row | None:
    return await db.first("SELECT * FROM customer_contacts WHERE customer_id = ? AND is_primary = 1", customer_id)


async def leads_of(db: Database, customer_id: int) -> list[Row]:
    """The customer's lifecycle leads, newest first."""
    return await db.all(
        "SELECT l.display_id, l.name, l.status, l.source_key, s.label AS source_label, l.created_at"
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
    condition, scope_params = _scope(user)
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
        f" WHERE {condition} ORDER BY c.archived_at IS NOT NULL, c.id DESC LIMIT ?",
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


# --- statements for the caller's batch ---------------------------------------------------------


async def next_id(db: Database) -> int:
    """The id a new customer would take. Two conversions at once can read the same number; the second
    batch then fails on the primary key, changes nothing, and its caller tries the next number."""
    row = await db.first("SELECT COALESCE(MAX(id), 1000) + 1 AS id FROM customers")
    return int(row["id"]) if row else 1001


def display_id_for(customer_id: int) -> str:
    return f"C-{customer_id}"


def create_from_lead(now: datetime, customer_id: int, lead: Row) -> list[Statement]:
    """A new customer and its primary contact from a lead's intake fields."""
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
        Statement(
            "INSERT INTO customer_contacts (customer_id, name, phone, phone_raw, phone_last10, email, is_primary,"
            " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?)",
            (
                customer_id,
                lead["name"].strip(),
                lead["phone"],
                lead["phone_raw"] or "",
                lead["phone_last10"],
                email,
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
# lead's id). Returning the lead archives such a customer; anything else keeps it. The Clients
# capability adds its tickets, jobs, notes and files to the list.
_ONLY_THAT_LEADS = (
    "created_from_lead_id = ? AND archived_at IS NULL"
    " AND NOT EXISTS (SELECT 1 FROM leads WHERE customer_id = customers.id AND id != ?)"
    " AND NOT EXISTS (SELECT 1 FROM customer_contacts WHERE customer_id = customers.id AND is_primary = 0)"
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


def timeline(
    now: datetime, actor: Actor, customer_id: int, office_id: int, kind: str, body: str, **meta: object
) -> Statement:
    return records.timeline(now, actor, "customer", customer_id, kind, body, office_id=office_id, meta=meta or None)

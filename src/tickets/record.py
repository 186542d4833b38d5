"""A customer's tickets: this module owns `tickets`.

A ticket is seen by whoever sees its customer (`authz.customer_scope` through the customers row), so
another office's ticket answers "not found" exactly like a missing one. Numbers are `T-1001`, `T-1002`…
assigned inside the INSERT, so two tickets opened at once never share one. Opening from a form carries
a one-time key: a double click opens one ticket, the second click answers the first one.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from accounts import authz
from accounts.users import User
from core import records
from core.clock import iso
from core.errors import Invalid
from core.storage import Database, IntegrityError, Row, Statement, q
from customers import record as customers

STATUSES = ("open", "waiting", "closed")
STATUS_LABELS = {"open": "Open", "waiting": "Waiting", "closed": "Closed"}
MAX_TITLE = 200
MAX_KEY = 64
LIST_LIMIT = 300
_NUMBER = re.compile(r"^(?:T-?)?(\d{1,12})$", re.IGNORECASE)

_SELECT = (
    "SELECT t.*, c.display_id AS customer_display_id, c.name AS customer_name, c.office_id AS customer_office_id,"
    " cu.name AS created_by_name, xu.name AS closed_by_name,"
    " (SELECT COUNT(*) FROM ticket_entries e WHERE e.ticket_id = t.id) AS entry_count"
    " FROM tickets t JOIN customers c ON c.id = t.customer_id"
    " LEFT JOIN users cu ON cu.id = t.created_by LEFT JOIN users xu ON xu.id = t.closed_by"
)


def number_of(text: str) -> str | None:
    """`T-1001`, `t1001`, `1001` → `T-1001`; anything else None."""
    m = _NUMBER.match(text.strip())
    return f"T-{int(m.group(1))}" if m else None


async def ticket_for_user(db: Database, user: User, number: str) -> Row | None:
    """The ticket by its number if the user sees its customer, else None (the 404 of every route)."""
    wanted = number_of(number)
    if wanted is None:
        return None
    scope, params = authz.customer_scope(user)
    return await db.first(f"{_SELECT} WHERE t.number = ? AND {scope}", wanted, *params)


async def tickets_of(db: Database, customer_id: int) -> list[Row]:
    """A customer's tickets: open and waiting first, then closed, newest first within each."""
    return await db.all(
        f"{_SELECT} WHERE t.customer_id = ? ORDER BY t.status = 'closed', t.id DESC LIMIT {LIST_LIMIT}", customer_id
    )


async def open_counts(db: Database, customer_ids: list[int]) -> dict[int, int]:
    """Open (open or waiting) tickets per customer, for the clients list."""
    if not customer_ids:
        return {}
    marks = ", ".join("?" for _ in customer_ids)
    rows = await db.all(
        f"SELECT customer_id, COUNT(*) AS n FROM tickets WHERE status != 'closed' AND customer_id IN ({marks})"
        " GROUP BY customer_id",
        *customer_ids,
    )
    return {int(r["customer_id"]): int(r["n"]) for r in rows}


async def search(db: Database, user: User, text: str, *, status: str = "", limit: int = 50) -> list[Row]:
    """Step 1 of seed 000: tickets by number, customer name, company or C-number, in the user's scope."""
    scope, params = authz.customer_scope(user)
    where, args = [scope], list(params)
    if status:
        where.append("t.status = ?")
        args.append(status)
    words = text.strip()
    number = number_of(words) if words else None
    if number:
        where.append("t.number = ?")
        args.append(number)
    elif words:
        like = f"%{words.lower()}%"
        where.append(
            "(lower(c.name) LIKE ? OR lower(COALESCE(c.company, '')) LIKE ? OR lower(c.display_id) = ?"
            " OR lower(t.title) LIKE ?)"
        )
        args.extend([like, like, words.lower(), like])
    return await db.all(
        f"{_SELECT} WHERE {' AND '.join(where)} ORDER BY t.status = 'closed', t.id DESC LIMIT ?",
        *args,
        max(1, min(limit, LIST_LIMIT)),
    )


async def customers_matching(db: Database, user: User, text: str, limit: int = 20) -> list[Row]:
    """Step 1's customers: by name, company or C-number (or the customer of a T-number), with their
    open-ticket counts; with no words, the customers that have open tickets."""
    scope, params = authz.customer_scope(user)
    words = text.strip()
    count = "(SELECT COUNT(*) FROM tickets t WHERE t.customer_id = c.id AND t.status != 'closed')"
    number = number_of(words) if words else None
    if number:
        match, args = "c.id IN (SELECT customer_id FROM tickets WHERE number = ?)", [number]
    elif words:
        like = f"%{words.lower()}%"
        match = "(lower(c.name) LIKE ? OR lower(c.company) LIKE ? OR lower(c.display_id) = ?)"
        args = [like, like, words.lower()]
    else:
        match, args = "c.id IN (SELECT customer_id FROM customer_open_tickets)", []
    return await db.all(
        f"SELECT c.id, c.display_id, c.name, c.company, {count} AS open_tickets FROM customers c"
        f" WHERE {scope} AND c.archived_at IS NULL AND {match} ORDER BY c.name COLLATE NOCASE LIMIT ?",
        *params,
        *args,
        limit,
    )


def public(row: Row) -> dict[str, Any]:
    return {
        "number": row["number"],
        "customer_id": row["customer_display_id"],
        "customer_name": row["customer_name"],
        "title": row["title"],
        "status": row["status"],
        "entry_count": row.get("entry_count", 0),
        "created_by": row.get("created_by_name"),
        "created_at": row["created_at"],
        "closed_by": row.get("closed_by_name"),
        "closed_at": row["closed_at"],
        "version": row["version"],
    }


def _title(title: str) -> str:
    value = customers.clean({"title": title}, {"title": MAX_TITLE})["title"]
    if not value:
        raise Invalid({"title": "Give the ticket a title."})
    return value


def _key(key: str | None) -> str | None:
    if key is None or not key.strip():
        return None
    if len(key) > MAX_KEY or not re.fullmatch(r"[A-Za-z0-9_-]+", key):
        raise Invalid({"request_key": "A request key is up to 64 letters, digits, - or _."})
    return key


def _records(now: datetime, user: User, customer: Row, action: str, body: str, number: str) -> list[Statement]:
    return customers.change_records(now, user, customer, "ticket", action, body, {"ticket": number}, on_timeline=True)


async def open_ticket(
    db: Database, now: datetime, user: User, customer: Row, title: str, *, request_key: str | None = None
) -> Row:
    """Step 3: a new open ticket for the customer. The same `request_key` twice answers the first."""
    customers.refuse_merged(customer, "open tickets there")
    value, key = _title(title), _key(request_key)
    if key and (found := await _by_key(db, customer["id"], key)):
        return found
    stamp = iso(now)
    insert = q(
        "INSERT INTO tickets (id, number, customer_id, office_id, title, status, created_by, created_at, updated_at,"
        " create_key) SELECT n, 'T-' || n, ?, ?, ?, 'open', ?, ?, ?, ? FROM"
        " (SELECT COALESCE(MAX(id), 1000) + 1 AS n FROM tickets) RETURNING id, number",
        customer["id"],
        customer["office_id"],
        value,
        user.id,
        stamp,
        stamp,
        key,
    )
    try:
        results = await db.batch(
            [
                insert,
                *_records(now, user, customer, "ticket.opened", f"Ticket opened by {user.name}: {value}", ""),
            ]
        )
    except IntegrityError:
        if key and (found := await _by_key(db, customer["id"], key)):
            return found
        raise
    row = await db.first(f"{_SELECT} WHERE t.id = ?", results[0].rows[0]["id"])
    assert row is not None
    return row


async def _by_key(db: Database, customer_id: int, key: str) -> Row | None:
    return await db.first(f"{_SELECT} WHERE t.customer_id = ? AND t.create_key = ?", customer_id, key)


async def set_status(
    db: Database, now: datetime, user: User, customer: Row, ticket: Row, status: str, *, version: int | None = None
) -> bool:
    """Open / waiting / closed. Closing stamps who and when; reopening clears them. False: no change."""
    if status not in STATUSES:
        raise Invalid({"status": "Choose open, waiting or closed."})
    customers.check_version(ticket, version)
    if status == ticket["status"]:
        return False
    closing = status == "closed"
    await customers.run(
        db,
        [
            records.guard_at("tickets", ticket["id"], ticket["version"]),
            q(
                "UPDATE tickets SET status = ?, closed_by = ?, closed_at = ?, updated_at = ?, version = version + 1"
                " WHERE id = ? AND version = ?",
                status,
                user.id if closing else None,
                iso(now) if closing else None,
                iso(now),
                ticket["id"],
                ticket["version"],
            ),
            *_records(
                now,
                user,
                customer,
                f"ticket.{status}",
                f"Ticket {ticket['number']} marked {STATUS_LABELS[status].lower()} by {user.name}",
                ticket["number"],
            ),
        ],
    )
    return True


async def rename(
    db: Database, now: datetime, user: User, customer: Row, ticket: Row, title: str, *, version: int | None = None
) -> bool:
    value = _title(title)
    customers.check_version(ticket, version)
    if value == ticket["title"]:
        return False
    await customers.run(
        db,
        [
            records.guard_at("tickets", ticket["id"], ticket["version"]),
            q(
                "UPDATE tickets SET title = ?, updated_at = ?, version = version + 1 WHERE id = ? AND version = ?",
                value,
                iso(now),
                ticket["id"],
                ticket["version"],
            ),
            *_records(now, user, customer, "ticket.renamed", f"Ticket {ticket['number']} renamed", ticket["number"]),
        ],
    )
    return True


def move_customer(now: datetime, from_customer_id: int, to_customer_id: int) -> Statement:
    """Customer merge: every ticket of one customer now belongs to another. The one-time form keys
    are dropped (they are unique per customer and only ever answer a double click)."""
    return q(
        "UPDATE tickets SET customer_id = ?, create_key = NULL, version = version + 1, updated_at = ?"
        " WHERE customer_id = ?",
        to_customer_id,
        iso(now),
        from_customer_id,
    )


def touch(now: datetime, ticket_id: int) -> Statement:
    """For other ticket modules' batches: the ticket changed (entries, summaries)."""
    return q("UPDATE tickets SET updated_at = ? WHERE id = ?", iso(now), ticket_id)


def audit(now: datetime, user: User, ticket: Row, action: str, summary: str, **meta: Any) -> Statement:
    return records.audit(
        now,
        user.actor,
        action,
        f"{ticket['number']}: {summary}",
        office_id=ticket["customer_office_id"],
        meta={"ticket": ticket["number"], "customer": ticket["customer_display_id"], **meta},
    )

"""Notes on a customer (seed 003 notepad, seed 004 pinned "Important" notes).

This module owns `customer_notes`. Anyone who edits the customer adds notes and pins or unpins them;
only a note's author changes its text or deletes it, except owners and admins, who may delete any
(`authz` decides: action "clients.notes.manage_any"). The timeline records that a note was added,
pinned or deleted, not its text, so deleting a note removes its words.
"""

from __future__ import annotations

from datetime import datetime

from accounts import authz
from accounts.users import User
from core.clock import iso
from core.errors import Forbidden, Invalid
from core.storage import Database, Row, Statement, q
from customers import record as customers

MAX_NOTE = 5000


def _records(now: datetime, user: User, customer: Row, action: str, body: str, note_id: int | None) -> list[Statement]:
    meta: dict[str, object] = {"note_id": note_id}
    return customers.change_records(now, user, customer, "note", action, body, meta, on_timeline=True)


def _text(text: str) -> str:
    body = customers.clean({"note": text}, {"note": MAX_NOTE})["note"]
    if not body:
        raise Invalid("Write something first.")
    return body


def may_change(user: User, note: Row) -> bool:
    """The author, or an owner/admin. Authors are compared by user id, so a renamed user keeps theirs."""
    return authz.may_manage_note(user, note)


def insert(now: datetime, customer_id: int, body: str, user: User, *, pinned: bool = False) -> Statement:
    """A note by `user` (also used by lead conversion for the intake note)."""
    return q(
        "INSERT INTO customer_notes (customer_id, body, pinned, author_user_id, author_label, created_at,"
        " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        customer_id,
        body,
        1 if pinned else 0,
        user.id,
        user.name,
        iso(now),
        iso(now),
    )


def move_all(from_customer_id: int, to_customer_id: int) -> Statement:
    """Customer merge: every note of one customer now belongs to another."""
    return q(
        "UPDATE customer_notes SET customer_id = ?, version = version + 1 WHERE customer_id = ?",
        to_customer_id,
        from_customer_id,
    )


async def add_note(db: Database, now: datetime, user: User, customer: Row, text: str, *, pinned: bool = False) -> int:
    customers.refuse_merged(customer, "add notes there")
    body = _text(text)
    results = await db.batch(
        [
            insert(now, customer["id"], body, user, pinned=pinned),
            *_records(
                now,
                user,
                customer,
                "customer.note_added",
                f"{'Important note' if pinned else 'Note'} added by {user.name}",
                None,
            ),
        ]
    )
    return int(results[0].last_row_id or 0)


async def edit_note(
    db: Database,
    now: datetime,
    user: User,
    customer: Row,
    note: Row,
    *,
    text: str | None = None,
    pinned: bool | None = None,
    version: int | None = None,
) -> bool:
    """Pin/unpin (anyone who edits the customer) and change the text (its author). False when
    nothing changed."""
    customers.refuse_merged(customer, "add notes there")
    customers.check_version(note, version)
    sets: list[str] = []
    params: list[str | int] = []
    said: list[str] = []
    if text is not None:
        body = _text(text)
        if body != note["body"]:
            if not may_change(user, note):
                raise Forbidden("Only the note's author can change its words.")
            sets.append("body = ?")
            params.append(body)
            said.append(f"Note edited by {user.name}")
    if pinned is not None and bool(note["pinned"]) != pinned:
        sets.append("pinned = ?")
        params.append(1 if pinned else 0)
        said.append(f"Note {'pinned as important' if pinned else 'unpinned'} by {user.name}")
    if not sets:
        return False
    await customers.run(
        db,
        [
            customers.still_at("customer_notes", note),
            q(
                f"UPDATE customer_notes SET {', '.join(sets)}, version = version + 1, updated_at = ?"
                " WHERE id = ? AND version = ?",
                *params,
                iso(now),
                note["id"],
                note["version"],
            ),
            *_records(now, user, customer, "customer.note_edited", "; ".join(said), note["id"]),
        ],
    )
    return True


async def delete_note(
    db: Database, now: datetime, user: User, customer: Row, note: Row, *, version: int | None = None
) -> None:
    customers.refuse_merged(customer, "add notes there")
    customers.check_version(note, version)
    if not may_change(user, note):
        raise Forbidden("Only the note's author, an admin or the owner can delete it.")
    await customers.run(
        db,
        [
            customers.still_at("customer_notes", note),
            q("DELETE FROM customer_notes WHERE id = ?", note["id"]),
            *_records(
                now,
                user,
                customer,
                "customer.note_deleted",
                f"Note by {note['author_label']} deleted by {user.name}",
                note["id"],
            ),
        ],
    )

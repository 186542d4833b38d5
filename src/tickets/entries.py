"""What a ticket holds: notes, pasted transcripts and saved chats. This module owns `ticket_entries`.

A saved chat is an assistant conversation (its turns stay in the assistant's audit tables); the
entry keeps a copy of the text as it was saved, so the ticket reads the same after the conversation
goes on. Saving the same chat to the same ticket again is one save (a unique index), and a form's
one-time `save_key` makes a double-clicked note or transcript one entry too. Deleting an entry is a
destructive step: the page confirms "This action cannot be undone."
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from accounts.users import User
from core import records
from core.clock import iso
from core.errors import Invalid
from core.storage import Database, IntegrityError, Row, q
from customers import record as customers
from tickets import record as tickets

KINDS = ("note", "transcript", "chat")
KIND_LABELS = {"note": "Note", "transcript": "Transcript", "chat": "Saved chat"}
MAX_NOTE = 5_000
MAX_TRANSCRIPT = 100_000


async def entries_of(db: Database, ticket_id: int) -> list[Row]:
    return await db.all("SELECT * FROM ticket_entries WHERE ticket_id = ? ORDER BY id", ticket_id)


async def entry_for(db: Database, ticket_id: int, entry_id: int) -> Row | None:
    return await db.first("SELECT * FROM ticket_entries WHERE id = ? AND ticket_id = ?", entry_id, ticket_id)


def public(row: Row) -> dict[str, Any]:
    return {
        "id": row["id"],
        "kind": row["kind"],
        "body": row["body"],
        "conversation_id": row["conversation_id"],
        "author": row["author_label"],
        "created_at": row["created_at"],
    }


def _key(key: str | None) -> str | None:
    if key is None or not key.strip():
        return None
    if len(key) > tickets.MAX_KEY or not re.fullmatch(r"[A-Za-z0-9_-]+", key):
        raise Invalid({"save_key": "A save key is up to 64 letters, digits, - or _."})
    return key


def _body(kind: str, text: str) -> str:
    if kind not in ("note", "transcript"):
        raise Invalid({"kind": "Choose note or transcript."})
    limit = MAX_NOTE if kind == "note" else MAX_TRANSCRIPT
    if len(text) > limit:
        raise Invalid({"body": f"At most {limit:,} characters."})
    body = customers.clean({"body": text}, {"body": limit})["body"]
    if not body:
        raise Invalid({"body": "Write or paste something first."})
    return body


async def add(
    db: Database,
    now: datetime,
    user: User,
    ticket: Row,
    kind: str,
    text: str,
    *,
    save_key: str | None = None,
    conversation_id: int | None = None,
) -> tuple[int, bool]:
    """A note or transcript (or, through `save_chat`, a chat). Answers (entry id, created): the same
    save key — or the same chat — again answers the first entry and False."""
    body = text if kind == "chat" else _body(kind, text)
    key = _key(save_key)
    earlier = await _earlier(db, ticket["id"], key, conversation_id)
    if earlier is not None:
        return earlier, False
    label = KIND_LABELS[kind]
    try:
        results = await db.batch(
            [
                q(
                    "INSERT INTO ticket_entries (ticket_id, kind, body, conversation_id, author_user_id, author_label,"
                    " created_at, save_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    ticket["id"],
                    kind,
                    body,
                    conversation_id,
                    user.id,
                    user.name,
                    iso(now),
                    key,
                ),
                tickets.touch(now, ticket["id"]),
                records.timeline(
                    now,
                    user.actor,
                    "customer",
                    ticket["customer_id"],
                    "ticket",
                    f"{label} saved to {ticket['number']} by {user.name}",
                    office_id=ticket["customer_office_id"],
                    meta={"ticket": ticket["number"]},
                ),
                tickets.audit(now, user, ticket, f"ticket.{kind}_saved", f"{label} saved by {user.name}"),
            ]
        )
    except IntegrityError:
        earlier = await _earlier(db, ticket["id"], key, conversation_id)
        if earlier is None:
            raise
        return earlier, False
    return int(results[0].last_row_id or 0), True


async def _earlier(db: Database, ticket_id: int, key: str | None, conversation_id: int | None) -> int | None:
    if conversation_id is not None:
        row = await db.first(
            "SELECT id FROM ticket_entries WHERE ticket_id = ? AND conversation_id = ?", ticket_id, conversation_id
        )
        if row:
            return int(row["id"])
    if key is not None:
        row = await db.first("SELECT id FROM ticket_entries WHERE ticket_id = ? AND save_key = ?", ticket_id, key)
        if row:
            return int(row["id"])
    return None


async def save_chat(
    db: Database, now: datetime, user: User, ticket: Row, conversation_id: int, transcript: str
) -> tuple[int, bool]:
    """Step 4: the chat's text saved to the ticket (once; a second save answers the first)."""
    if not transcript.strip():
        raise Invalid({"conversation_id": "That chat has nothing in it yet."})
    return await add(db, now, user, ticket, "chat", transcript[:MAX_TRANSCRIPT], conversation_id=conversation_id)


async def delete(db: Database, now: datetime, user: User, ticket: Row, entry: Row) -> None:
    """Remove an entry (the page asked "This action cannot be undone." first)."""
    label = KIND_LABELS[entry["kind"]]
    await db.batch(
        [
            q("DELETE FROM ticket_entries WHERE id = ? AND ticket_id = ?", entry["id"], ticket["id"]),
            records.guard_changed(),
            tickets.touch(now, ticket["id"]),
            tickets.audit(now, user, ticket, "ticket.entry_deleted", f"{label} deleted by {user.name}"),
        ]
    )


def as_text(rows: list[Row]) -> str:
    """The ticket's contents as plain text for the summary prompt (each entry labelled)."""
    parts = [f"[{KIND_LABELS[r['kind']]} by {r['author_label']}, {r['created_at'][:16]}]\n{r['body']}" for r in rows]
    return "\n\n".join(parts)

"""Customer tags (seed 004): short labels staff put on a customer and filter the clients list by.

This module owns `customer_tags` (created by migration 0008): its rules, its reads and the two verbs.
A tag is trimmed and single-spaced and keeps the case it was typed in ("VIP"); it is compared
without case (`fold`: "vip" is the same tag, for uniqueness and filters). 1–40 characters of
letters, digits, spaces and `- _ & . ' /`, never card-shaped; a customer holds at most
MAX_PER_CUSTOMER. Adding or removing one writes a timeline entry on the customer and an audit row
in the same batch, and only when something changed. The search index (`customer_terms`) follows by
trigger.
"""

from __future__ import annotations

import json
import re
from datetime import datetime

from accounts.users import User
from core import cardcheck, records
from core.clock import iso
from core.errors import Invalid
from core.storage import Database, Row, Statement

MAX_LENGTH = 40
MAX_PER_CUSTOMER = 20
VOCABULARY_LIMIT = 200
_ALLOWED = re.compile(r"^[\w &.'/-]+$")


def fold(tag: str) -> str:
    """The tag as compared: A–Z lower-cased and nothing else, exactly as SQLite's NOCASE collation
    (the `customer_tags.tag` column's) and its lower() (the `customers.tags` column's triggers) fold,
    so the app, the unique key and the list's filter agree on which tags are the same."""
    return tag.translate(_ASCII_LOWER)


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def normalize(text: str) -> str:
    """The tag as stored, or Invalid. A card-shaped tag is refused here, not by the callers, so no
    route can forget it (and removing one never writes it into the timeline either)."""
    tag = " ".join(text.split())
    if not tag:
        raise Invalid("Type a tag first.")
    try:
        cardcheck.refuse({"tag": tag})
    except cardcheck.CardNumberFound as exc:
        raise Invalid(str(exc)) from None
    if len(tag) > MAX_LENGTH:
        raise Invalid(f"Tags are at most {MAX_LENGTH} characters.")
    if not _ALLOWED.match(tag):
        raise Invalid("Tags use letters, digits, spaces and - _ & . ' / only.")
    return tag


async def tags_of(db: Database, customer_id: int) -> list[str]:
    rows = await db.all("SELECT tag FROM customer_tags WHERE customer_id = ? ORDER BY tag", customer_id)
    return [r["tag"] for r in rows]


async def tags_for(db: Database, customer_ids: list[int]) -> dict[int, list[str]]:
    """Customer id → its tags, for a page of customers (one statement)."""
    if not customer_ids:
        return {}
    rows = await db.all(
        "SELECT customer_id, tag FROM customer_tags WHERE customer_id IN (SELECT value FROM json_each(?))"
        " ORDER BY customer_id, tag",
        json.dumps(customer_ids),
    )
    found: dict[int, list[str]] = {}
    for r in rows:
        found.setdefault(r["customer_id"], []).append(r["tag"])
    return found


async def vocabulary(db: Database, limit: int = VOCABULARY_LIMIT) -> list[str]:
    """Every tag in use, A–Z, for the list's filter. One index seek per distinct tag, so it costs the
    same at 200,000 customers as at 20 (a plain DISTINCT would read every tag row)."""
    rows = await db.all(
        "WITH RECURSIVE t (tag, n) AS ("
        " SELECT (SELECT MIN(tag) FROM customer_tags), 1"
        " UNION ALL SELECT (SELECT MIN(tag) FROM customer_tags WHERE tag > t.tag), n + 1 FROM t"
        " WHERE t.tag IS NOT NULL AND n < ?)"
        " SELECT tag FROM t WHERE tag IS NOT NULL",
        limit,
    )
    return [r["tag"] for r in rows]


def _records(now: datetime, user: User, customer: Row, kind: str, body: str, action: str, tag: str) -> list[Statement]:
    """Timeline and audit rows, each written only if the statement before it changed a row."""
    return [
        records.if_changed(
            records.timeline(
                now,
                user.actor,
                "customer",
                customer["id"],
                kind,
                body,
                office_id=customer["office_id"],
                meta={"tag": tag},
            )
        ),
        records.if_changed(
            records.audit(
                now,
                user.actor,
                action,
                f"{customer['display_id']}: {body}",
                office_id=customer["office_id"],
                meta={"customer": customer["display_id"], "tag": tag},
            )
        ),
    ]


def move_all(from_customer_id: int, to_customer_id: int) -> list[Statement]:
    """Customer merge: the loser's tags join the keeper's (a tag both hold stays once)."""
    return [
        Statement(
            "INSERT OR IGNORE INTO customer_tags (customer_id, tag, created_at)"
            " SELECT ?, tag, created_at FROM customer_tags WHERE customer_id = ?",
            (to_customer_id, from_customer_id),
        ),
        Statement("DELETE FROM customer_tags WHERE customer_id = ?", (from_customer_id,)),
    ]


async def add_tag(db: Database, now: datetime, user: User, customer: Row, text: str) -> bool:
    """Tag the customer. False when it already had the tag (nothing written)."""
    tag = normalize(text)
    held = await tags_of(db, customer["id"])
    if fold(tag) in {fold(h) for h in held}:
        return False  # the unique key ignores case too: "vip" on a "VIP" customer is a repeat
    if len(held) >= MAX_PER_CUSTOMER:
        raise Invalid(f"A customer holds at most {MAX_PER_CUSTOMER} tags; remove one first.")
    # The count is checked again inside the insert, so two adds at once cannot pass the limit.
    insert = Statement(
        "INSERT OR IGNORE INTO customer_tags (customer_id, tag, created_at)"
        " SELECT ?, ?, ? WHERE (SELECT COUNT(*) FROM customer_tags WHERE customer_id = ?) < ?",
        (customer["id"], tag, iso(now), customer["id"], MAX_PER_CUSTOMER),
    )
    results = await db.batch(
        [insert, *_records(now, user, customer, "tag", f"Tagged “{tag}”", "customer.tag_added", tag)]
    )
    return results[0].changes > 0  # the tags-column trigger's write counts too


async def remove_tag(db: Database, now: datetime, user: User, customer: Row, text: str) -> bool:
    """Take the tag off. False when the customer did not have it (nothing written)."""
    tag = normalize(text)
    # The timeline names the tag as it was shown ("VIP"), whatever case the remover typed.
    tag = next((h for h in await tags_of(db, customer["id"]) if fold(h) == fold(tag)), tag)
    delete = Statement("DELETE FROM customer_tags WHERE customer_id = ? AND tag = ?", (customer["id"], tag))
    results = await db.batch(
        [delete, *_records(now, user, customer, "tag", f"Removed tag “{tag}”", "customer.tag_removed", tag)]
    )
    return results[0].changes > 0  # the tags-column trigger's write counts too

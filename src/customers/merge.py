"""Merging two customers that are the same person or company (seed 004 "Merge Customer").

The keeper stays; everything hanging off the other customer moves to it in one batch — contacts (its
primary steps down to an ordinary contact), addresses (its billing address becomes a work address
when the keeper already has one), notes, tags, leads, files, secure-access items and timeline — and
blank fields on the keeper are filled from the other. The other customer is archived, not deleted,
with `merged_into_id` set and a "Merged into C-…" entry, so its display id still leads somewhere;
the keeper gets "Merged from C-…". Nothing is lost and there is no undo.

Records of the packages above customers that point at a customer (tickets, jobs) are `Carried`: the
caller above (tickets/customer_merge.py, which the routes call) counts them and hands over the
owning module's UPDATE, which runs in the same batch, and the timeline lines name their counts.

Secure-access secrets are sealed with the customer's id in their associated data, so they are opened
and sealed again for the keeper (`secure_access.hand_over`) before the batch, and the new
ciphertexts travel in it. An item that cannot be opened (a retired key no longer in the ring, a
damaged value) refuses the whole merge as a conflict (409) naming the items: dropping it would lose
it, and leaving it on the archived record would hide it where nobody looks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from accounts.users import User
from core import records
from core.errors import Conflict, Invalid
from core.storage import Database, Row, Statement
from core.vault import KeyRing
from customers import addresses as customer_addresses
from customers import contacts as customer_contacts
from customers import files as customer_files
from customers import notes as customer_notes
from customers import record as customers
from customers import secure_access
from customers import tags as customer_tags
from leads import record as lead_record

# Keeper fields filled from the other customer when the keeper's are blank.

# How the timeline names what moved: key of `moved` → (one, many).
_NAMES = {
    "contacts": ("contact", "contacts"),
    "addresses": ("address", "addresses"),
    "notes": ("note", "notes"),
    "tags": ("tag", "tags"),
    "leads": ("lead", "leads"),
    "files": ("file", "files"),
    "secure_access": ("secure-access item", "secure-access items"),
}


@dataclass(frozen=True)
class Carried:
    """Rows of a package above customers that belong to the other customer and move to the keeper:
    `count` of them (read by the caller), moved by `statement` (built by the table's owner)."""

    key: str  # its key in `Merged.moved`, e.g. "tickets"
    one: str
    many: str
    count: int
    statement: Statement


@dataclass(frozen=True)
class Merged:
    keeper: str
    merged: str
    moved: dict[str, int]


async def _counts(db: Database, loser_id: int) -> dict[str, int]:
    row = await db.first(
        "SELECT (SELECT COUNT(*) FROM customer_contacts WHERE customer_id = ?) AS contacts,"
        " (SELECT COUNT(*) FROM customer_addresses WHERE customer_id = ?) AS addresses,"
        " (SELECT COUNT(*) FROM customer_notes WHERE customer_id = ?) AS notes,"
        " (SELECT COUNT(*) FROM customer_tags WHERE customer_id = ?) AS tags,"
        " (SELECT COUNT(*) FROM leads WHERE customer_id = ?) AS leads,"
        " (SELECT COUNT(*) FROM customer_files WHERE customer_id = ?) AS files,"
        " (SELECT COUNT(*) FROM timeline_entries WHERE subject_type = 'customer' AND subject_id = ?) AS entries",
        *([loser_id] * 7),
    )
    return {k: int(v) for k, v in (row or {}).items()}


def _moves(now: datetime, keeper: Row, loser: Row) -> list[Statement]:
    """Rows that belong to a customer and simply change hands. Secure-access items are not here: their
    sealed secrets are bound to the customer id, so `secure_access.hand_over` re-seals them."""
    k, lo = keeper["id"], loser["id"]
    return [
        # The unique "one primary" index would refuse a second primary on the keeper.
        customer_contacts.demote_primary(now, lo),
        customer_addresses.demote_billing(now, loser, k),
        customer_contacts.move_all(now, lo, k),
        customer_addresses.move_all(now, lo, k),
        customer_notes.move_all(lo, k),
        *customer_tags.move_all(lo, k),
        lead_record.move_customer(now, lo, k),
        customer_files.move_all(lo, k),
        records.move_timeline("customer", lo, k),
    ]


def _describe(moved: dict[str, int], names: dict[str, tuple[str, str]] = _NAMES) -> str:
    parts = [f"{n} {names[what][n != 1]}" for what, n in moved.items() if n and what in names]
    return ", ".join(parts) or "nothing attached"


def _records(
    now: datetime,
    user: User,
    keeper: Row,
    other: Row,
    moved: dict[str, int],
    summary: str,
    also: str,
    labels: list[str],
) -> list[Statement]:
    """The merge's two timeline lines ("Merged into", "Merged from" with what moved) and its audit row."""
    return [
        customers.timeline(
            now,
            user.actor,
            other["id"],
            other["office_id"],
            "merge",
            f"Merged into {keeper['display_id']} by {user.name}; its contacts, addresses, notes, leads, files,"
            f" secure-access items and history moved there{also}",
            keeper=keeper["display_id"],
        ),
        customers.timeline(
            now,
            user.actor,
            keeper["id"],
            keeper["office_id"],
            "merge",
            f"Merged from {other['display_id']} ({other['name']}) by {user.name}: {summary}",
            merged=other["display_id"],
            moved=moved,
            secure_access=labels,  # the items' names; their secrets never reach a timeline
        ),
        records.audit(
            now,
            user.actor,
            "customer.merged",
            f"{other['display_id']} merged into {keeper['display_id']}",
            office_id=keeper["office_id"],
            meta={"keeper": keeper["display_id"], "merged": other["display_id"], "moved": moved},
        ),
    ]


async def merge_customers(
    db: Database,
    now: datetime,
    user: User,
    keeper: Row,
    other: Row,
    *,
    ring: KeyRing,
    carried: Sequence[Carried] = (),
) -> Merged:
    """Fold `other` into `keeper`. Both rows come from the access function, so the user sees both;
    `ring` opens the other's secure-access items and seals them for the keeper; `carried` are the
    other's records of the packages above (its tickets and jobs) that move in the same batch."""
    if keeper["id"] == other["id"]:
        raise Invalid("Choose two different customers to merge.")
    for row in (keeper, other):
        if row["merged_into_id"]:
            raise Invalid(f"{row['display_id']} was already merged into another customer.")
    if keeper["archived_at"]:
        raise Invalid(f"{keeper['display_id']} is archived; restore it before merging into it.")
    try:
        handover = await secure_access.hand_over(db, now, ring, other, keeper)
    except secure_access.Unreadable as exc:
        raise Conflict(str(exc)) from None
    moved = await _counts(db, other["id"]) | {"secure_access": len(handover.labels)}
    moved |= {c.key: c.count for c in carried}
    summary = _describe(moved, _NAMES | {c.key: (c.one, c.many) for c in carried})
    also = _describe({c.key: c.count for c in carried}, {c.key: (c.one, c.many) for c in carried})
    also = f"; so did {also}" if any(c.count for c in carried) else ""
    statements = [
        customers.still_at("customers", keeper),
        customers.still_at("customers", other),
        *_moves(now, keeper, other),
        *(c.statement for c in carried),
        *handover.statements,
        *customers.fill_blanks_from(now, keeper["id"], other["id"]),
        customers.retire_into(now, keeper["id"], other["id"]),
        *_records(now, user, keeper, other, moved, summary, also, handover.labels),
    ]
    await customers.run(
        db,
        statements,
        conflict=f"Someone changed {keeper['display_id']} or {other['display_id']} (or its secure-access items)"
        " a moment ago; nothing was merged. Reload and try again.",
    )
    return Merged(keeper["display_id"], other["display_id"], moved)

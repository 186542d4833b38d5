"""The leads table's writes. Every INSERT, UPDATE and DELETE of a lead is built here, as statements
the calling verb puts in its own one batch (intake, the lead verbs, conversion, duplicates merge,
customer merge): a reader finds every way a lead row changes in this file.

Nothing here runs a query or decides whether a change is allowed; the callers do that.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from core.clock import iso
from core.records import Ref
from core.storage import Param, Row, Statement

# The next lead id, computed inside the insert so two deliveries at once cannot take the same one.
_NEXT_ID = "(SELECT COALESCE(MAX(id), 1000) + 1 FROM leads)"


def insert_under_limit(
    values: dict[str, Param], office: int | Ref, *, source_key: str, since: str, limit: int
) -> Statement:
    """Insert a lead (`values` by column; id and display id are the next free ones) only while its
    source has made fewer than `limit` leads since `since`, checked in the same statement so
    concurrent deliveries cannot overshoot. Inserting nothing makes the batch fail further on."""
    office_sql, office_params = (f"({office.sql})", office.params) if isinstance(office, Ref) else ("?", (office,))
    columns = ", ".join(["id", "display_id", "office_id", *values])
    marks = ", ".join("?" for _ in values)
    return Statement(
        f"INSERT INTO leads ({columns}) SELECT {_NEXT_ID}, 'L-' || {_NEXT_ID}, {office_sql}, {marks}"
        " WHERE (SELECT COUNT(*) FROM leads WHERE source_key = ? AND created_at > ?) < ? RETURNING display_id",
        (*office_params, *values.values(), source_key, since, limit),
    )


def update(row: Row, now: datetime, sets: str, *params: Param) -> Statement:
    """Change a lead the caller read at `row["version"]`; changes nothing when someone changed it meanwhile."""
    return Statement(
        f"UPDATE leads SET {sets}, version = version + 1, updated_at = ? WHERE id = ? AND version = ?",
        (*params, iso(now), row["id"], row["version"]),
    )


def reactivate(now: datetime, row: Row, addition: str) -> Statement:
    """A closed lead starts again as fresh and unclaimed, unlinked from its customer, `addition`
    appended to its notes."""
    return update(
        row,
        now,
        "status = 'fresh', call_count = 0, next_contact_at = NULL, claimed_by = NULL,"
        " claimed_at = NULL, archived_at = NULL, customer_id = NULL, reactivated = 1,"
        " notes = CASE WHEN notes = '' THEN ? ELSE notes || char(10) || char(10) || ? END",
        addition,
        addition,
    )


def convert(now: datetime, row: Row, customer_id: int) -> Statement:
    """The lead became (or joined) a customer: converted, archived, unclaimed."""
    return update(
        row,
        now,
        "status = 'converted', customer_id = ?, archived_at = ?, next_contact_at = NULL,"
        " claimed_by = NULL, claimed_at = NULL, first_response_at = COALESCE(first_response_at, ?)",
        customer_id,
        iso(now),
        iso(now),
    )


def return_from_customer(now: datetime, row: Row, status: str) -> Statement:
    """A converted lead comes back to the queue with `status`, due now, unlinked."""
    return update(row, now, "status = ?, next_contact_at = ?, archived_at = NULL, customer_id = NULL", status, iso(now))


def delete_archived(row: Row) -> Statement:
    """Delete for good, only an archived lead still at the version the caller read."""
    return Statement(
        "DELETE FROM leads WHERE id = ? AND version = ? AND archived_at IS NOT NULL", (row["id"], row["version"])
    )


def keep_one(now: datetime, keeper_id: int, seen: Sequence[tuple[int, int]]) -> Statement:
    """Duplicates merge: of the live leads at the (id, version) pairs in `seen`, the keeper stays (or
    becomes) live and every other one is archived; all get a new version."""
    guard = " OR ".join("(id = ? AND version = ?)" for _ in seen)
    return Statement(
        "UPDATE leads SET version = version + 1, updated_at = ?,"
        " archived_at = CASE WHEN id = ? THEN NULL ELSE ? END"
        f" WHERE archived_at IS NULL AND ({guard})",
        (iso(now), keeper_id, iso(now), *(p for pair in seen for p in pair)),
    )


def move_customer(now: datetime, from_customer_id: int, to_customer_id: int) -> Statement:
    """Customer merge: every lead of one customer now belongs to another."""
    return Statement(
        "UPDATE leads SET customer_id = ?, version = version + 1, updated_at = ? WHERE customer_id = ?",
        (to_customer_id, iso(now), from_customer_id),
    )


def first_response(now: datetime, lead_id: int) -> Statement:
    """A person's first message to the lead (SMS or email, LRS-2) sets `first_response_at` if empty.
    Unguarded on purpose: it only fills an empty field, so it cannot undo anyone's change."""
    return Statement(
        "UPDATE leads SET first_response_at = ? WHERE id = ? AND first_response_at IS NULL", (iso(now), lead_id)
    )

"""What staff do to a lead: claim, change status, log a call, archive, restore, delete, and move a
review request along.

Each verb is one batch with its timeline and audit rows, guarded by the row's `version` so two
people acting at once cannot overwrite each other silently (the loser gets `Conflict`).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import calling_hours
import cardcheck
import intake
import phones
import records
from clock import iso, parse
from lead_sources import Source
from leads import CALLBACK, STATUS_LABELS, STATUSES
from offices import Office
from records import Actor
from storage import Database, DatabaseError, Param, Row, Statement, q
from users import User


class LeadError(ValueError):
    """A rule refused the change; the message tells the person what to do instead."""


class Conflict(LeadError):
    """Someone else changed the lead first."""


class CapReached(LeadError):
    """The source's snooze sequence is used up: the next step is Irrelevant."""


def _refuse_cards(fields: dict[str, object]) -> None:
    """What staff type is refused whole when it holds a card-shaped number (they can fix it), as on
    customers; only what partners send is kept with the number redacted (intake)."""
    try:
        cardcheck.refuse(fields)
    except cardcheck.CardNumberFound as exc:
        raise LeadError(str(exc)) from None


def _update(row: Row, now: datetime, sets: str, *params: Param) -> Statement:
    return Statement(
        f"UPDATE leads SET {sets}, version = version + 1, updated_at = ? WHERE id = ? AND version = ?",
        (*params, iso(now), row["id"], row["version"]),
    )


async def _apply(db: Database, statements: list[Statement]) -> None:
    """Run a verb's batch, whose first statement is the version-guarded UPDATE. A lost race writes
    nothing at all (not even the timeline or audit rows) and becomes Conflict."""
    try:
        await db.batch([statements[0], records.STOP_UNLESS_CHANGED, *statements[1:]])
    except DatabaseError as exc:
        if records.stopped_by_guard(exc):
            raise Conflict("Someone else changed this lead a moment ago. Reload it and try again.") from None
        raise


def _entry(now: datetime, user: User, row: Row, kind: str, body: str, **meta: object) -> Statement:
    return records.timeline(
        now, user.actor, "lead", row["id"], kind, body, office_id=row["office_id"], meta=meta or None
    )


def _audit(now: datetime, user: User, row: Row, action: str, summary: str, **meta: object) -> Statement:
    return records.audit(
        now,
        user.actor,
        action,
        f"{row['display_id']}: {summary}",
        office_id=row["office_id"],
        meta={"lead": row["display_id"], **meta},
    )


async def claim_lead(db: Database, now: datetime, user: User, row: Row) -> None:
    """Stamp a fresh lead with who is calling it. Not a lock: a second claim wins, both are recorded."""
    if row["status"] != "fresh":
        raise LeadError("Only fresh leads are claimed; this one is already being worked.")
    await _apply(
        db,
        [
            _update(
                row,
                now,
                "claimed_by = ?, claimed_at = ?, first_response_at = COALESCE(first_response_at, ?)",
                user.id,
                iso(now),
                iso(now),
            ),
            _entry(now, user, row, "status", f"Lead claimed by {user.name}"),
            _audit(now, user, row, "lead.claimed", f"claimed by {user.name}"),
        ],
    )


def _describe_status(old: str, new: str, next_contact: str | None) -> str:
    text = f"Status: {STATUS_LABELS[old]} → {STATUS_LABELS[new]}"
    if next_contact:
        text += f" (next contact {parse(next_contact).strftime('%b %-d %H:%M UTC')})"
    return text


async def change_status(
    db: Database,
    now: datetime,
    user: User,
    row: Row,
    status: str,
    *,
    next_contact_at: datetime | None = None,
    reason: str = "",
) -> None:
    """Seed 002's rules: callback statuses need a next contact, Irrelevant needs a reason, leaving
    Fresh clears the claim."""
    if status not in STATUSES:
        raise LeadError(f"Status must be one of: {', '.join(STATUSES)}.")
    reason = " ".join(reason.split())[:500]
    _refuse_cards({"reason": reason})
    if status in CALLBACK and next_contact_at is None:
        raise LeadError(f"{STATUS_LABELS[status]} needs a next-contact date and time.")
    if status == "irrelevant" and not reason:
        raise LeadError("Irrelevant needs a reason (wrong service, prank, outside the area…).")
    # Converted means "is a customer now": only converting (which makes or links the customer) sets it,
    # and only returning to leads (which unlinks it) clears it.
    if row.get("customer_id") is not None and status != "converted":
        raise LeadError("This lead is a customer now; use Return to leads to work it again.")
    if status == "converted" and row["status"] != "converted":
        raise LeadError("Use Convert to turn the lead into a customer (new, or linked to an existing one).")
    if status == row["status"] and (next_contact_at is None or iso(next_contact_at) == row["next_contact_at"]):
        return
    next_text = iso(next_contact_at) if status in CALLBACK and next_contact_at else None
    clear_claim = "" if status == "fresh" else ", claimed_by = NULL, claimed_at = NULL"
    await _apply(
        db,
        [
            _update(
                row,
                now,
                "status = ?, next_contact_at = ?, irrelevant_reason = ?,"
                " first_response_at = COALESCE(first_response_at, ?)" + clear_claim,
                status,
                next_text,
                reason if status == "irrelevant" else None,
                iso(now),
            ),
            _entry(
                now,
                user,
                row,
                "status",
                _describe_status(row["status"], status, next_text) + (f" — {reason}" if status == "irrelevant" else ""),
                previous=row["status"],
            ),
            _audit(
                now,
                user,
                row,
                "lead.status_changed",
                f"{row['status']} → {status}",
                previous=row["status"],
                status=status,
                next_contact_at=next_text,
                reason=reason or None,
            ),
        ],
    )


async def sequence_for(db: Database, source_key: str) -> tuple[str, list[int]]:
    row = await db.first(
        "SELECT s.label, s.steps FROM lead_sources l JOIN snooze_sequences s ON s.key = l.snooze_sequence"
        " WHERE l.key = ?",
        source_key,
    ) or await db.first("SELECT label, steps FROM snooze_sequences WHERE key = 'standard'")
    if row is None:
        raise LeadError("No snooze sequence is configured.")
    return row["label"], [int(m) for m in json.loads(row["steps"])]


async def log_call_attempt(db: Database, now: datetime, user: User, row: Row) -> datetime:
    """Count a call and schedule the next try from the source's snooze sequence. Returns when."""
    label, steps = await sequence_for(db, row["source_key"])
    attempt = row["call_count"] + 1
    if attempt > len(steps):
        raise CapReached(
            f"That would be call {attempt}; the {label} sequence stops at {len(steps)}. Mark the lead Irrelevant "
            "or set a next contact by hand."
        )
    when, moved = await calling_hours.shift_into_hours(db, row, now + timedelta(minutes=steps[attempt - 1]))
    note = ", moved into calling hours" if moved else ""
    await _apply(
        db,
        [
            _update(
                row,
                now,
                "call_count = ?, next_contact_at = ?, first_response_at = COALESCE(first_response_at, ?)",
                attempt,
                iso(when),
                iso(now),
            ),
            _entry(
                now,
                user,
                row,
                "call",
                f"Call attempt #{attempt} by {user.name} — next try "
                f"{when.strftime('%b %-d %H:%M UTC')} ({label} sequence{note})",
                attempt=attempt,
            ),
            _audit(
                now,
                user,
                row,
                "lead.call_attempt",
                f"call attempt #{attempt}",
                attempt=attempt,
                next_contact_at=iso(when),
            ),
        ],
    )
    return when


async def archive_lead(db: Database, now: datetime, user: User, row: Row) -> None:
    if row["archived_at"]:
        return
    await _apply(
        db,
        [
            _update(row, now, "archived_at = ?", iso(now)),
            _entry(now, user, row, "sys", f"Archived by {user.name}"),
            _audit(now, user, row, "lead.archived", "archived"),
        ],
    )


async def restore_lead(db: Database, now: datetime, user: User, row: Row) -> None:
    if not row["archived_at"]:
        return
    if row.get("customer_id") is not None:
        raise LeadError("This lead became a customer; use Return to leads to bring it back to the queue.")
    await _apply(
        db,
        [
            _update(row, now, "archived_at = NULL"),
            _entry(now, user, row, "sys", f"Restored by {user.name}"),
            _audit(now, user, row, "lead.restored", "restored"),
        ],
    )


async def delete_lead(db: Database, now: datetime, user: User, row: Row) -> None:
    """Owner-only, archived leads only, and for good: the audit row keeps what was removed."""
    if not row["archived_at"]:
        raise LeadError("Archive the lead first; only archived leads can be deleted.")
    results = await db.batch(
        [
            q("DELETE FROM leads WHERE id = ? AND version = ? AND archived_at IS NOT NULL", row["id"], row["version"]),
            q("DELETE FROM timeline_entries WHERE subject_type = 'lead' AND subject_id = ?", row["id"]),
            records.audit(
                now,
                Actor(user.id, user.name),
                "lead.deleted",
                f"{row['display_id']} deleted for good",
                office_id=row["office_id"],
                meta={"lead": row["display_id"], "name": row["name"], "source": row["source_key"]},
            ),
        ]
    )
    if results[0].changes == 0:  # its cascades and triggers count too (storage.Result.changes)
        raise Conflict("Someone else changed this lead a moment ago. Reload it and try again.")


async def create_lead(
    db: Database, now: datetime, user: User, values: dict[str, str], office: Office, source: Source
) -> str:
    """A lead typed in by staff: the same intake path as every lead, with stricter phone rules
    (seed 002 refuses placeholder numbers in staff forms) and the person as the actor."""
    if not (values.get("full_name") or values.get("name") or "").strip():
        raise LeadError("A lead needs a name.")
    _refuse_cards({k.removeprefix("full_"): intake.clean_text(v, intake.MAX_BODY_BYTES) for k, v in values.items()})
    if values.get("phone"):
        phone = phones.normalize(values["phone"])
        if phone.flagged:
            raise LeadError(f"{values['phone']!r} is not a phone number we can call; check it or leave it empty.")
    payload = {k: v for k, v in values.items() if v}
    delivery = intake.Delivery("manual", "application/json", json.dumps(payload), None, user.actor)
    outcome = await intake.receive(db, now, source, payload, delivery, fixed_office=office)
    if outcome.lead_id is None:
        raise LeadError("Too many leads from this source right now; try again in a few minutes.")
    return outcome.lead_id


def office_for_new_lead(user: User, requested: int | None, visible: list[Office]) -> Office:
    """Admins and owners pick any of their offices; agents get their first assigned office (seed 002)."""
    mine = [o for o in visible if user.sees_office(o.id) and o.active]
    if not mine:
        raise LeadError("You have no active office to put a lead in.")
    if user.role == "agent":
        return mine[0] if user.all_offices else min(mine, key=lambda o: o.id)
    if requested is None:
        return mine[0]
    for office in mine:
        if office.id == requested:
            return office
    raise LeadError("Choose one of your offices.")


EDITABLE = {
    "name": 200,
    "phone": 40,
    "email": 254,
    "zip": 20,
    "address": 500,
    "service": 300,
    "how_soon": 100,
    "campaign": 300,
}
NEXT_ACTIONS = ("reply", "follow_up", "review_request")


async def edit_lead(
    db: Database, now: datetime, user: User, row: Row, changes: dict[str, str | int | None]
) -> list[str]:
    """Inline edits of intake fields and of the response workflow (next action, assignee).
    Returns the names of the fields that changed."""
    sets: list[str] = []
    params: list[Param] = []
    changed: dict[str, list[object]] = {}
    for key, value in changes.items():
        old: object
        new: object
        if key in EDITABLE:
            text = intake.clean_text(value, EDITABLE[key])
            _refuse_cards({key: text})  # nothing is written unless every field passes
            if key == "name" and not text:
                raise LeadError("A lead needs a name.")
            if key == "phone":
                phone = phones.normalize(text)
                if text and phone.flagged:
                    raise LeadError(f"{text!r} is not a phone number we can call.")
                sets += ["phone = ?", "phone_raw = ?", "phone_last10 = ?", "phone_flagged = 0"]
                params += [phone.e164, phone.raw, phone.last10]
                old, new = row["phone_raw"], phone.raw
            else:
                if key == "email":
                    text = text.lower()
                sets.append(f"{key} = ?")
                params.append(text)
                old, new = row[key], text
        elif key == "next_action":
            if value not in (*NEXT_ACTIONS, None, ""):
                raise LeadError(f"Next action must be one of: {', '.join(NEXT_ACTIONS)}.")
            new, old = value or None, row["next_action"]
            sets.append("next_action = ?")
            params.append(new)
        elif key == "assigned_user_id":
            new, old = await _assignee(db, row, value), row["assigned_user_id"]
            sets.append("assigned_user_id = ?")
            params.append(new)
        else:
            raise LeadError(f"{key!r} cannot be edited here.")
        if old != new:
            changed[key] = [old, new]
    if not changed:
        return []
    names = ", ".join(k.replace("_", " ") for k in changed)
    await _apply(
        db,
        [
            _update(row, now, ", ".join(sets), *params),
            _entry(now, user, row, "sys", f"Edited by {user.name}: {names}"),
            _audit(now, user, row, "lead.edited", f"edited {names}", changes=changed),
        ],
    )
    return list(changed)


async def _assignee(db: Database, row: Row, value: object) -> int | None:
    if value in (None, ""):
        return None
    try:
        user_id = int(str(value))
    except ValueError:
        raise LeadError("Assign the lead to a user id.") from None
    found = await db.first(
        "SELECT u.id FROM users u WHERE u.id = ? AND u.active = 1 AND u.role != 'partner' AND (u.all_offices = 1"
        " OR u.role = 'owner' OR EXISTS (SELECT 1 FROM user_offices uo WHERE uo.user_id = u.id AND uo.office_id = ?))",
        user_id,
        row["office_id"],
    )
    if found is None:
        raise LeadError("Assign the lead to an active staff member of its office.")
    return user_id


async def add_note(db: Database, now: datetime, user: User, row: Row, text: str) -> None:
    text = intake.clean_text(text, 5000)
    if not text:
        raise LeadError("Write something first.")
    _refuse_cards({"note": text})
    await db.batch([_entry(now, user, row, "note", text), _audit(now, user, row, "lead.note_added", "note added")])


REVIEW_STEPS = {"requested": "Review requested", "received": "Review received", "declined": "Review declined"}


async def advance_review(db: Database, now: datetime, user: User, row: Row, step: str) -> None:
    """Seed 001's review-request progression: requested (only while the next action is Review
    request), then received or declined, once each, with who and when. A converted lead is archived
    and still takes these steps: asking for a review comes after the job."""
    if step not in REVIEW_STEPS:
        raise LeadError(f"Review step must be one of: {', '.join(REVIEW_STEPS)}.")
    current = row.get("review_status")
    if step == "requested":
        if row["next_action"] != "review_request":
            raise LeadError("Set the next action to Review request first.")
        if current is not None:
            raise LeadError("A review was already requested for this lead.")
        sets = "review_status = ?, review_requested_at = ?, review_requested_by = ?"
    else:
        if current != "requested":
            raise LeadError(
                "Only a requested review can be marked received or declined."
                if current is None
                else f"This review was already marked {current}."
            )
        sets = "review_status = ?, review_resolved_at = ?, review_resolved_by = ?"
    await _apply(
        db,
        [
            _update(row, now, sets, step, iso(now), user.id),
            _entry(now, user, row, "review", f"{REVIEW_STEPS[step]} by {user.name}", step=step),
            _audit(now, user, row, f"lead.review_{step}", REVIEW_STEPS[step].lower(), previous=current),
        ],
    )

"""What staff do to a lead: claim, change status, log a call, archive, restore, delete, and move a
review request along.

Each verb is one batch with its timeline and audit rows, guarded by the row's `version` so two
people acting at once cannot overwrite each other silently (the loser gets `Conflict`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from accounts import authz
from accounts.offices import Office
from accounts.users import User
from core import cardcheck, localtime, phones, records, us_address
from core.clock import iso
from core.errors import Conflict, Invalid
from core.records import Actor
from core.storage import Database, Param, Row, Statement
from core.text import clean_text
from leads import calling_hours, intake
from leads import events as lead_events
from leads import record as lead_record
from leads.queue import CALLBACK, STATUS_LABELS, STATUSES
from leads.sources import Source


def _refuse_cards(fields: dict[str, object]) -> None:
    """What staff type is refused whole when it holds a card-shaped number (they can fix it), as on
    customers; only what partners send is kept with the number redacted (intake)."""
    try:
        cardcheck.refuse(fields)
    except cardcheck.CardNumberFound as exc:
        raise Invalid(str(exc)) from None


def _update(row: Row, now: datetime, sets: str, *params: Param) -> Statement:
    return lead_record.update(row, now, sets, *params)


async def _apply(db: Database, statements: list[Statement]) -> None:
    """Run a verb's batch, whose first statement is the version-guarded UPDATE. A lost race writes
    nothing at all (not even the timeline or audit rows) and becomes Conflict."""
    try:
        await db.batch([statements[0], records.guard_changed(), *statements[1:]])
    except records.LostRace:
        raise Conflict("Someone else changed this lead a moment ago. Reload it and try again.") from None


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
        raise Invalid("Only fresh leads are claimed; this one is already being worked.")
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


def _lead_time(row: Row, value: str | datetime) -> str:
    """A time written into the lead's timeline: in the lead's own zone, named (never bare UTC)."""
    return localtime.shown(value, calling_hours.place_of(row).zone)


def _describe_status(row: Row, new: str, next_contact: str | None) -> str:
    text = f"Status: {STATUS_LABELS[row['status']]} → {STATUS_LABELS[new]}"
    if next_contact:
        text += f" (next contact {_lead_time(row, next_contact)})"
    return text


_UNSET = object()  # "not sent", as against a value that was sent (a PATCH may send any subset)


@dataclass
class _Plan:
    """One verb's share of a lead's version-guarded UPDATE, and the rows written with it."""

    sets: list[str] = field(default_factory=list)
    params: list[Param] = field(default_factory=list)
    rows: list[Statement] = field(default_factory=list)


def _status_plan(
    now: datetime,
    user: User,
    row: Row,
    status: str | None,
    next_contact_at: object = _UNSET,
    reason: str | None = None,
) -> _Plan:
    """Seed 002's rules: callback statuses need a next contact (and only they take one), Irrelevant
    needs a reason (and only it takes one), leaving Fresh clears the claim. Without a status the
    lead keeps its own, so a next contact alone reschedules the callback, and a reason alone
    rewrites why an Irrelevant lead is irrelevant; what the status cannot hold is refused."""
    target = row["status"] if status is None else status
    if target not in STATUSES:
        raise Invalid(f"Status must be one of: {', '.join(STATUSES)}.")
    when = _checked_next_contact(target, status, next_contact_at)
    clean_reason = _checked_reason(row, target, status, reason)
    _refuse_conversion_change(row, target)
    if target in CALLBACK:
        next_text = iso(when) if when is not None else row["next_contact_at"]
    else:
        next_text = None
    kept_reason = clean_reason if target == "irrelevant" else None
    if target == row["status"] and next_text == row["next_contact_at"] and kept_reason == row.get("irrelevant_reason"):
        return _Plan()
    clear_claim = [] if target == "fresh" else ["claimed_by = NULL", "claimed_at = NULL"]
    body = _status_body(row, target, next_text, clean_reason)
    return _Plan(
        sets=[
            "status = ?",
            "next_contact_at = ?",
            "irrelevant_reason = ?",
            "first_response_at = COALESCE(first_response_at, ?)",
            *clear_claim,
        ],
        params=[target, next_text, kept_reason, iso(now)],
        rows=[
            _entry(now, user, row, "status", body, previous=row["status"]),
            # issue 22: automations and webhooks react to it; the reason as it was (WHO-5's IrrelevantReason)
            *lead_events.status_moved(now, row["id"], row["office_id"], target, row["status"], reason=kept_reason),
            _audit(
                now,
                user,
                row,
                "lead.status_changed",
                f"{row['status']} → {target}",
                previous=row["status"],
                status=target,
                next_contact_at=next_text,
                reason=clean_reason or None,
            ),
        ],
    )


def _checked_next_contact(target: str, status: str | None, next_contact_at: object) -> datetime | None:
    """The next contact the `target` status keeps, or None: refused when it is not a date, when the
    status takes none (only callback statuses do), or when a callback status is sent without one."""
    sent_next = next_contact_at is not _UNSET
    when = next_contact_at if isinstance(next_contact_at, datetime) else None
    if sent_next and next_contact_at is not None and when is None:
        raise Invalid("Next contact must be a date and time.")
    callbacks = ", ".join(STATUS_LABELS[s] for s in CALLBACK)
    if when is not None and target not in CALLBACK:
        raise Invalid(
            f"A {STATUS_LABELS[target]} lead takes no next contact; only {callbacks} schedule a callback"
            + (" — send the status with it." if status is None else ".")
        )
    if target in CALLBACK and when is None and (status is not None or sent_next):
        raise Invalid(f"{STATUS_LABELS[target]} needs a next-contact date and time.")
    return when


def _checked_reason(row: Row, target: str, status: str | None, reason: str | None) -> str:
    """The cleaned Irrelevant reason ("" for other statuses): a reason goes only with Irrelevant, and
    Irrelevant needs one (a lead staying Irrelevant keeps its old one when none is sent)."""
    clean_reason = " ".join((reason or "").split())[:500]
    _refuse_cards({"reason": clean_reason})
    if reason is not None and clean_reason and target != "irrelevant":
        raise Invalid("A reason goes with Irrelevant; send status irrelevant with it.")
    if target == "irrelevant":
        clean_reason = clean_reason or (row.get("irrelevant_reason") or "" if status is None else "")
        if not clean_reason:
            raise Invalid("Irrelevant needs a reason (wrong service, prank, outside the area…).")
    return clean_reason


def _refuse_conversion_change(row: Row, target: str) -> None:
    """Converted means "is a customer now": only converting (which makes or links the customer) sets
    it, and only returning to leads (which unlinks it) clears it; a status change does neither."""
    if row.get("customer_id") is not None and target != "converted":
        raise Invalid("This lead is a customer now; use Return to leads to work it again.")
    if target == "converted" and row["status"] != "converted":
        raise Invalid("Use Convert to turn the lead into a customer (new, or linked to an existing one).")


def _status_body(row: Row, target: str, next_text: str | None, clean_reason: str) -> str:
    """The timeline text: a moved callback, a changed Irrelevant reason, or the status change."""
    if target == row["status"] and target in CALLBACK:
        body = f"Next contact moved to {_lead_time(row, next_text)}" if next_text else ""
    else:
        body = _describe_status(row, target, next_text)
    if target == "irrelevant":
        body = (body if target != row["status"] else "Irrelevant reason changed") + f" — {clean_reason}"
    return body


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
    """Set the status with its rules (see `_status_plan`); the page's status form."""
    plan = _status_plan(now, user, row, status, next_contact_at, reason)
    await _apply_plan(db, now, row, plan)


async def _apply_plan(db: Database, now: datetime, row: Row, plan: _Plan) -> None:
    if plan.sets:
        await _apply(db, [_update(row, now, ", ".join(plan.sets), *plan.params), *plan.rows])


async def patch_lead(
    db: Database,
    now: datetime,
    user: User,
    row: Row,
    changes: dict[str, str | int | None],
    *,
    status: str | None = None,
    next_contact_at: object = _UNSET,
    reason: str | None = None,
) -> None:
    """Any subset of the intake fields, the response workflow and the status: every part is checked
    before anything is written, and all of it is one version-guarded batch (all or nothing)."""
    edit = await _edit_plan(db, now, user, row, changes)
    wants_status = status is not None or next_contact_at is not _UNSET or reason is not None
    state = _status_plan(now, user, row, status, next_contact_at, reason) if wants_status else _Plan()
    await _apply_plan(db, now, row, _Plan(edit.sets + state.sets, edit.params + state.params, edit.rows + state.rows))


async def sequence_for(db: Database, source_key: str) -> tuple[str, list[int]]:
    row = await db.first(
        "SELECT s.label, s.steps FROM lead_sources l JOIN snooze_sequences s ON s.key = l.snooze_sequence"
        " WHERE l.key = ?",
        source_key,
    ) or await db.first("SELECT label, steps FROM snooze_sequences WHERE key = 'standard'")
    if row is None:
        raise Invalid("No snooze sequence is configured.")
    return row["label"], [int(m) for m in json.loads(row["steps"])]


class SequenceDone(Invalid):
    """Another call attempt past the end of the source's snooze sequence (the page then asks whether
    the lead is Irrelevant, seed 002)."""


async def log_call_attempt(db: Database, now: datetime, user: User, row: Row) -> datetime:
    """Count a call and schedule the next try from the source's snooze sequence. Returns when."""
    label, steps = await sequence_for(db, row["source_key"])
    attempt = row["call_count"] + 1
    if attempt > len(steps):
        raise SequenceDone(
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
                f"Call attempt #{attempt} by {user.name} — next try {_lead_time(row, when)} ({label} sequence{note})",
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
        raise Invalid("This lead became a customer; use Return to leads to bring it back to the queue.")
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
        raise Invalid("Archive the lead first; only archived leads can be deleted.")
    results = await db.batch(
        [
            lead_record.delete_archived(row),
            records.delete_timeline("lead", row["id"]),
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
        raise Invalid("A lead needs a name.")
    _refuse_cards({k.removeprefix("full_"): clean_text(v, intake.MAX_BODY_BYTES) for k, v in values.items()})
    if values.get("phone"):
        phone = phones.normalize(values["phone"])
        if phone.flagged:
            raise Invalid(f"{values['phone']!r} is not a phone number we can call; check it or leave it empty.")
    payload = {k: v for k, v in values.items() if v}
    delivery = intake.Delivery("manual", "application/json", json.dumps(payload), None, user.actor)
    outcome = await intake.receive(db, now, source, payload, delivery, fixed_office=office)
    if outcome.lead_id is None:
        raise Invalid("Too many leads from this source right now; try again in a few minutes.")
    return outcome.lead_id


def office_for_new_lead(user: User, requested: int | None, visible: list[Office]) -> Office:
    """The office a lead or customer typed in by staff goes into; the rule is authz's."""
    active = {o.id: o for o in visible if o.active}
    try:
        return active[authz.office_for_new_record(user, requested, list(active))]
    except authz.OfficeRefused as exc:
        raise Invalid(str(exc)) from None


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


async def edit_lead(db: Database, now: datetime, user: User, row: Row, changes: dict[str, str | int | None]) -> None:
    """Inline edits of intake fields and of the response workflow (next action, assignee)."""
    await _apply_plan(db, now, row, await _edit_plan(db, now, user, row, changes))


async def _edit_plan(db: Database, now: datetime, user: User, row: Row, changes: dict[str, str | int | None]) -> _Plan:
    sets: list[str] = []
    params: list[Param] = []
    changed: dict[str, list[object]] = {}
    for key, value in changes.items():
        old: object
        new: object
        if key in EDITABLE:
            text = clean_text(value, EDITABLE[key])
            _refuse_cards({key: text})  # nothing is written unless every field passes
            if key == "name" and not text:
                raise Invalid("A lead needs a name.")
            if key == "phone":
                phone = phones.normalize(text)
                if text and phone.flagged:
                    raise Invalid(f"{text!r} is not a phone number we can call.")
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
                raise Invalid(f"Next action must be one of: {', '.join(NEXT_ACTIONS)}.")
            new, old = value or None, row["next_action"]
            sets.append("next_action = ?")
            params.append(new)
        elif key == "assigned_user_id":
            new, old = await _assignee(db, row, value), row["assigned_user_id"]
            sets.append("assigned_user_id = ?")
            params.append(new)
        else:
            raise Invalid(f"{key!r} cannot be edited here.")
        if old != new:
            changed[key] = [old, new]
    zip_code = us_address.tail(str(changes["address"] or "")).zip if "address" in changed else None
    if zip_code and not (changes.get("zip") if "zip" in changes else row["zip"]):
        # A typed address that ends in a ZIP fills an empty ZIP (it places the lead: calling hours).
        sets.append("zip = ?")
        params.append(zip_code)
        changed["zip"] = [row["zip"], zip_code]
    if not changed:
        return _Plan()
    names = ", ".join(k.replace("_", " ") for k in changed)
    return _Plan(
        sets,
        params,
        [
            _entry(now, user, row, "sys", f"Edited by {user.name}: {names}"),
            _audit(now, user, row, "lead.edited", f"edited {names}", changes=changed),
        ],
    )


async def _assignee(db: Database, row: Row, value: object) -> int | None:
    if value in (None, ""):
        return None
    try:
        user_id = int(str(value))
    except ValueError:
        raise Invalid("Assign the lead to a user id.") from None
    staff, params = authz.office_staff(row["office_id"], "u")
    found = await db.first(f"SELECT u.id FROM users u WHERE u.id = ? AND {staff}", user_id, *params)
    if found is None:
        raise Invalid("Assign the lead to an active staff member of its office.")
    return user_id


async def add_note(db: Database, now: datetime, user: User, row: Row, text: str) -> None:
    text = clean_text(text, 5000)
    if not text:
        raise Invalid("Write something first.")
    _refuse_cards({"note": text})
    await db.batch([_entry(now, user, row, "note", text), _audit(now, user, row, "lead.note_added", "note added")])


REVIEW_STEPS = {"requested": "Review requested", "received": "Review received", "declined": "Review declined"}


async def advance_review(db: Database, now: datetime, user: User, row: Row, step: str) -> None:
    """Seed 001's review-request progression: requested (only while the next action is Review
    request), then received or declined, once each, with who and when. A converted lead is archived
    and still takes these steps: asking for a review comes after the job."""
    if step not in REVIEW_STEPS:
        raise Invalid(f"Review step must be one of: {', '.join(REVIEW_STEPS)}.")
    current = row.get("review_status")
    if step == "requested":
        if row["next_action"] != "review_request":
            raise Invalid("Set the next action to Review request first.")
        if current is not None:
            raise Invalid("A review was already requested for this lead.")
        sets = "review_status = ?, review_requested_at = ?, review_requested_by = ?"
    else:
        if current != "requested":
            raise Invalid(
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

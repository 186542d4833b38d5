"""Moving a job between statuses (JOB-19…JOB-27) and adjusting what a status carries (the Pending
follow-up, JOB-21; the Deposit expected completion, JOB-24).

| entering    | required                                                   |
| In Progress | note optional                                              |
| Deposit     | note + expected_completion_date + deposit_cents (> 0)      |
| Pending     | note + follow_up_date + follow_up_time                     |
| Done        | closing_cents + parts_cents (≥ 0)                          |
| Cancelled   | cancel_reason                                              |
| Submitted   | nothing; not for agents (X-1)                              |

A missing field is a 422 naming it and nothing changes (JOB-20). Any status may follow any other
(JOB-23); leaving Cancelled re-opens the job (JOB-22). Entering the status the job already has is not
a transition: the given fields are saved as an edit, with no status entry and no event.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from accounts import authz
from accounts.users import User
from core import records
from core.clock import iso
from core.errors import Conflict, Forbidden, Invalid
from core.storage import Database, Row, Statement
from core.text import clean_text
from jobs import actions, inputs, record, schedule
from jobs.record import STATUS_LABELS, STATUSES

NOTE_LIMIT = 4000


def _note(fields: dict[str, Any], required: bool) -> str:
    note = clean_text(fields.get("note") or "", NOTE_LIMIT)
    if required and not note:
        raise Invalid("note: a note is required for this status.", "note")
    inputs.refuse_cards({"note": note})
    return note


def _money(cents: int) -> str:
    return f"${cents // 100:,}.{cents % 100:02d}"


def _follow_up(fields: dict[str, Any], zone_name: str) -> dict[str, Any]:
    if not fields.get("follow_up_date"):
        raise Invalid("follow_up_date: pick the follow-up date.", "follow_up_date")
    if not fields.get("follow_up_time"):
        raise Invalid("follow_up_time: pick the follow-up time.", "follow_up_time")
    day = schedule.check_date(fields["follow_up_date"], "follow_up_date")
    at = schedule.check_time(fields["follow_up_time"], "follow_up_time")
    return {"follow_up_date": day, "follow_up_time": at, "follow_up_at": schedule.utc_of(day, at, zone_name)}


def _completion(fields: dict[str, Any], zone_name: str) -> dict[str, Any]:
    if not fields.get("expected_completion_date"):
        raise Invalid("expected_completion_date: pick the expected completion date.", "expected_completion_date")
    day = schedule.check_date(fields["expected_completion_date"], "expected_completion_date")
    return {"expected_completion_date": day, "completion_due_at": schedule.day_end_utc(day, zone_name)}


def _required(field: str, fields: dict[str, Any], label: str) -> Any:
    if fields.get(field) is None or fields.get(field) == "":
        raise Invalid(f"{field}: {label} is required for this status.", field)
    return fields[field]


async def _entering(db: Database, job: Row, status: str, fields: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The columns STATUS requires (checked) and the words the status entry adds."""
    zone_name = job["time_zone"]
    if status == "deposit":
        cents = inputs.cents(_required("deposit_cents", fields, "the deposit amount"), "deposit_cents", positive=True)
        columns = _completion(fields, zone_name) | {"deposit_cents": cents}
        return columns, [f"deposit {_money(cents)}", f"expected completion {columns['expected_completion_date']}"]
    if status == "pending":
        columns = _follow_up(fields, zone_name)
        return columns, [f"follow up {columns['follow_up_date']} {columns['follow_up_time']}"]
    if status == "done":
        closing = inputs.cents(_required("closing_cents", fields, "the closing total"), "closing_cents")
        parts = inputs.cents(_required("parts_cents", fields, "the parts total"), "parts_cents")
        columns = {"closing_cents": closing, "parts_cents": parts}
        if job["profit_bp"] is None:
            columns["profit_bp"] = job["profit_share_bp"]
        return columns, [f"closing {_money(closing)}", f"parts {_money(parts)}"]
    if status == "cancelled":
        reason = clean_text(_required("cancel_reason", fields, "a cancellation reason"), 300)
        known = await db.first("SELECT label FROM cancel_reasons WHERE label = ? COLLATE NOCASE", reason)
        reason = known["label"] if known else reason
        return {"cancel_reason": reason}, [f"reason: {reason}"]
    return {}, []


async def _house_brand(db: Database, job: Row, now: datetime) -> dict[str, Any]:
    """FIN-5: a Done job whose partner keeps 100 % is stamped partner-paid by the System, once."""
    if job["partner_paid_at"] or job["partner_id"] is None:
        return {}
    partner = await db.first("SELECT keep_rate_bp FROM job_partners WHERE id = ?", job["partner_id"])
    if partner is None or partner["keep_rate_bp"] != 10000:
        return {}
    return {
        "partner_paid_at": iso(now),
        "partner_paid_by": None,
        "partner_paid_by_label": "System",
        "partner_paid_auto": 1,
    }


async def set_status(db: Database, now: datetime, user: User, job: Row, status: str, fields: dict[str, Any]) -> Row:
    if status not in STATUSES:
        raise Invalid(f"status: one of {', '.join(STATUSES)}.", "status")
    if status == "submitted" and not authz.can(user, "jobs.status.submitted"):
        raise Forbidden("Only admins and above move a job back to Submitted.")
    if fields.get("version") is not None and fields["version"] != job["version"]:
        raise Conflict(actions.CHANGED)
    note = _note(fields, required=status in ("deposit", "pending") and status != job["status"])
    columns, words = await _entering(db, job, status, fields)
    if status == job["status"]:  # JOB-23: not a transition
        return await _same_status(db, now, user, job, columns, words, note)
    columns |= {"status": status, "status_changed_at": iso(now)}
    if status == "done":
        columns |= await _house_brand(db, job, now)
    before, after = STATUS_LABELS[job["status"]], STATUS_LABELS[status]
    head = f"⚠ Re-opened: {before} → {after}" if job["status"] == "cancelled" else f"🚦 Status: {before} → {after}"
    body = " · ".join([head, *words]) + (f" — {note}" if note else "")
    statements: list[Statement] = [
        record.update(job, now, columns),
        records.guard_changed(),
        actions.timeline(now, user.actor, job, body, "status", status=status),
        records.audit(
            now,
            user.actor,
            "job.status_changed",
            f"Job {job['display_id']}: {before} → {after}",
            office_id=job["office_id"],
            meta={"job": job["display_id"], "from": job["status"], "to": status},
        ),
        record.event(now, "job.status_changed", job, {"from": job["status"], "to": status, "note": note}),
    ]
    if status == "deposit":
        statements.append(
            record.event(
                now,
                "job.expected_completion_changed",
                job,
                {"expected_completion_date": columns["expected_completion_date"]},
            )
        )
    return await actions.run(db, job, statements)


async def _same_status(
    db: Database, now: datetime, user: User, job: Row, columns: dict[str, Any], words: list[str], note: str
) -> Row:
    if not columns and not note:
        return job
    statements: list[Statement] = [record.update(job, now, columns), records.guard_changed()]
    body = (
        f"✏️ {STATUS_LABELS[job['status']]} details: " + (" · ".join(words) or "note") + (f" — {note}" if note else "")
    )
    statements.append(actions.timeline(now, user.actor, job, body))
    statements.append(
        records.audit(
            now,
            user.actor,
            "job.updated",
            f"Job {job['display_id']}: {STATUS_LABELS[job['status']]} details",
            office_id=job["office_id"],
            meta={"job": job["display_id"], "fields": sorted(columns)},
        )
    )
    if "expected_completion_date" in columns and columns["expected_completion_date"] != job["expected_completion_date"]:
        statements.append(
            record.event(
                now,
                "job.expected_completion_changed",
                job,
                {"expected_completion_date": columns["expected_completion_date"]},
            )
        )
    return await actions.run(db, job, statements)


async def reschedule_follow_up(db: Database, now: datetime, user: User, job: Row, fields: dict[str, Any]) -> Row:
    """JOB-21: ⏰ Reschedule Follow-up on a Pending job, logged to the timeline."""
    if job["status"] != "pending":
        raise Invalid("follow_up_date: only a Pending job has a follow-up.", "follow_up_date")
    columns = _follow_up(fields, job["time_zone"])
    old = f"{job['follow_up_date']} {job['follow_up_time']}"
    new = f"{columns['follow_up_date']} {columns['follow_up_time']}"
    return await actions.run(
        db,
        job,
        [
            record.update(job, now, columns),
            records.guard_changed(),
            actions.timeline(now, user.actor, job, f"⏰ Follow-up rescheduled: {old} → {new}"),
            records.audit(
                now,
                user.actor,
                "job.updated",
                f"Job {job['display_id']}: follow-up rescheduled",
                office_id=job["office_id"],
                meta={"job": job["display_id"], "fields": ["follow_up_date", "follow_up_time"]},
            ),
        ],
    )

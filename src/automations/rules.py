"""Automation rules (AUT-1…AUT-14, AUT-23, AUT-25, AUT-30): what a rule is, its checks, the verbs that
save it (each one batch with its audit row) and the Pause All switch. Owner only (authz)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from core import email as mail
from core import phones, records
from core.clock import iso
from core.errors import Invalid, NotFound
from core.records import Actor
from core.storage import Database, Row, Statement, q

JOB_EVENTS = {
    "job_created": "Job Created",
    "job_status_changed": "Job Status Changed",
    "job_rebooked": "Job Rebooked",
    "contractor_assigned": "Contractor Assigned",
}
LEAD_EVENTS = {"lead_created": "Lead Created", "lead_status_changed": "Lead Status Changed"}
TIME_TRIGGERS = {
    "before_job_appointment": "before Job appointment",
    "after_job_end": "after Job end window",
    "after_lead_created": "after Lead created",
}
TRIGGERS = {**JOB_EVENTS, **LEAD_EVENTS, **TIME_TRIGGERS}
JOB_TRIGGERS = {*JOB_EVENTS, "before_job_appointment", "after_job_end"}
JOB_STATUSES = {
    "submitted": "Submitted",
    "in_progress": "In Progress",
    "deposit": "Deposit",
    "pending": "Pending",
    "done": "Done",
    "cancelled": "Cancelled",
}
LEAD_STATUSES = {
    "fresh": "Fresh",
    "not_yet_scheduled": "Not Yet Scheduled",
    "needs_follow_up": "Needs a Follow Up",
    "consultation_call": "Consultation Call",
    "converted": "Converted",
    "irrelevant": "Irrelevant",
}
CONDITIONS = ("office", "job_type", "source", "status")  # AUT-13
UNITS = {"minutes": 1, "hours": 60, "days": 1440}
RECIPIENTS = {"contractor": "Assigned Contractor", "client": "Client", "static": "Static address"}
CHANNELS = {"sms": "SMS", "email": "Email"}
MAX_BODY = 1600
MAX_OFFSET_MINUTES = 60 * 24 * 365


def is_job(trigger: str) -> bool:
    return trigger in JOB_TRIGGERS


def statuses_for(trigger: str) -> dict[str, str]:
    return JOB_STATUSES if is_job(trigger) else LEAD_STATUSES


def _text(data: dict[str, Any], name: str) -> str:
    value = data.get(name, "")
    return value.strip() if isinstance(value, str) else ""


def _flag(data: dict[str, Any], name: str, default: bool) -> bool:
    value = data.get(name, default)
    if isinstance(value, bool):
        return value
    return str(value).lower() in ("1", "true", "on", "yes")


def _offset(data: dict[str, Any], problems: dict[str, str]) -> int | None:
    raw, unit = data.get("offset"), data.get("offset_unit") or "minutes"
    if unit not in UNITS:
        problems["offset_unit"] = "Choose minutes, hours or days."
        return None
    try:
        number = int(str(raw).strip())
    except ValueError:
        problems["offset"] = "Enter a whole number greater than 0."
        return None
    if number <= 0:
        problems["offset"] = "Enter a whole number greater than 0."
        return None
    minutes = number * UNITS[unit]
    if minutes > MAX_OFFSET_MINUTES:
        problems["offset"] = "At most 365 days."
        return None
    return minutes


def _conditions(data: dict[str, Any], problems: dict[str, str], trigger: str) -> dict[str, list[str]]:
    raw = data.get("conditions") or {}
    if not isinstance(raw, dict):
        problems["conditions"] = "Conditions are {dimension: [values]}."
        return {}
    out: dict[str, list[str]] = {}
    for key, values in raw.items():
        if key not in CONDITIONS:
            problems["conditions"] = f"Unknown condition {key!r}: use {', '.join(CONDITIONS)}."
            continue
        if key == "job_type" and trigger and not is_job(trigger):
            problems["conditions"] = "Job Type applies to job triggers only."
            continue
        items = values if isinstance(values, list) else [values]
        clean = sorted({str(v).strip() for v in items if str(v).strip()})
        if key == "status" and trigger and any(v not in statuses_for(trigger) for v in clean):
            problems["conditions"] = "Current Status must be one of: " + ", ".join(statuses_for(trigger)) + "."
        if clean:
            out[key] = clean
    return out


def check(data: dict[str, Any]) -> dict[str, Any]:
    """The rule's columns from DATA, or Invalid naming every bad field (nothing is saved)."""
    problems: dict[str, str] = {}
    unknown = set(data) - {*FIELDS, "offset", "offset_unit"}
    for name in sorted(unknown):
        problems[name] = "Not a rule field."
    name = _text(data, "name")
    if not name or len(name) > 120:
        problems["name"] = "Name the rule (at most 120 characters)."
    trigger = _text(data, "trigger")
    if trigger not in TRIGGERS:
        problems["trigger"] = "Choose a trigger."
        trigger = ""
    status = _text(data, "trigger_status") or None
    if trigger in ("job_status_changed", "lead_status_changed"):
        if status not in statuses_for(trigger):
            problems["trigger_status"] = "Choose the status being entered."
    else:
        status = None
    offset = _offset(data, problems) if trigger in TIME_TRIGGERS else None
    recipient = _text(data, "recipient")
    if recipient not in RECIPIENTS:
        problems["recipient"] = "Choose a recipient."
    elif recipient == "contractor" and trigger and not is_job(trigger):
        problems["recipient"] = "Leads have no contractor: choose Client or a static address."  # AUT-5
    channel = _text(data, "channel")
    if channel not in CHANNELS:
        problems["channel"] = "Choose SMS or email."
    static_to = _text(data, "static_to") if recipient == "static" else ""
    if recipient == "static" and channel in CHANNELS:
        static_to = _static(static_to, channel, problems)
    subject = _text(data, "subject") if channel == "email" else ""
    if channel == "email" and (not subject or len(subject) > 200 or mail.has_line_break(subject)):
        problems["subject"] = "Write a subject (one line, at most 200 characters)."
    body = str(data.get("body") or "").replace("\r\n", "\n").strip()
    if not body or len(body) > MAX_BODY:
        problems["body"] = f"Write the message (at most {MAX_BODY} characters)."
    conditions = _conditions(data, problems, trigger)
    if problems:
        raise Invalid(problems)
    return {
        "name": name,
        "trigger": trigger,
        "trigger_status": status,
        "offset_minutes": offset,
        "conditions": json.dumps(conditions, sort_keys=True),
        "recipient": recipient,
        "static_to": static_to,
        "channel": channel,
        "subject": subject,
        "body": body,
        "quiet_hours": int(_flag(data, "quiet_hours", True)),
        "enabled": int(_flag(data, "enabled", True)),
    }


def _static(value: str, channel: str, problems: dict[str, str]) -> str:
    if channel == "sms":
        number = phones.normalize(value)
        if not number.e164:
            problems["static_to"] = "Enter a phone number (+1 305 555 0100)."
            return ""
        return number.e164
    if not mail.valid_address(value) or mail.has_line_break(value):
        problems["static_to"] = "Enter an email address."
        return ""
    return value


FIELDS = (
    "name",
    "trigger",
    "trigger_status",
    "offset_minutes",
    "conditions",
    "recipient",
    "static_to",
    "channel",
    "subject",
    "body",
    "quiet_hours",
    "enabled",
)


def shape(row: Row) -> dict[str, Any]:
    minutes = row["offset_minutes"]
    unit = next((u for u in ("days", "hours") if minutes and minutes % UNITS[u] == 0), "minutes")
    return {
        "id": row["id"],
        "name": row["name"],
        "trigger": row["trigger"],
        "trigger_label": TRIGGERS.get(row["trigger"], row["trigger"]),
        "trigger_status": row["trigger_status"],
        "offset": (minutes // UNITS[unit]) if minutes else None,
        "offset_unit": unit if minutes else None,
        "conditions": json.loads(row["conditions"] or "{}"),
        "recipient": row["recipient"],
        "static_to": row["static_to"],
        "channel": row["channel"],
        "subject": row["subject"],
        "body": row["body"],
        "quiet_hours": bool(row["quiet_hours"]),
        "enabled": bool(row["enabled"]),
        "enabled_at": row["enabled_at"],
        "version": row["version"],
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
    }


def describe(row: Row) -> str:
    """'2 hours after Lead created', 'Job Status Changed → Done'."""
    label = str(TRIGGERS.get(row["trigger"], row["trigger"]))
    if row["trigger"] in TIME_TRIGGERS:
        s = shape(row)
        return f"{s['offset']} {s['offset_unit'] if s['offset'] != 1 else s['offset_unit'][:-1]} {label}"
    if row["trigger_status"]:
        return f"{label} → {statuses_for(row['trigger']).get(row['trigger_status'], row['trigger_status'])}"
    return label


async def all_rules(db: Database) -> list[Row]:
    return await db.all("SELECT * FROM automation_rules ORDER BY name COLLATE NOCASE, id")


async def enabled_rules(db: Database) -> list[Row]:
    return await db.all("SELECT * FROM automation_rules WHERE enabled = 1 ORDER BY id")


async def get(db: Database, rule_id: int) -> Row:
    row = await db.first("SELECT * FROM automation_rules WHERE id = ?", rule_id)
    if row is None:
        raise NotFound("No such automation rule.")
    return row


async def create(db: Database, now: datetime, actor: Actor, data: dict[str, Any]) -> int:
    cols = check(data)
    cols["enabled_at"] = iso(now) if cols["enabled"] else None
    names = [*cols, "created_at", "updated_at"]
    results = await db.batch(
        [
            Statement(
                f"INSERT INTO automation_rules ({', '.join(names)})"
                f" VALUES ({', '.join('?' * len(names))}) RETURNING id",
                (*cols.values(), iso(now), iso(now)),
            ),
            records.audit(now, actor, "automation.created", f"Automation rule {cols['name']!r} created"),
        ]
    )
    return int(results[0].rows[0]["id"])


async def update(db: Database, now: datetime, actor: Actor, rule_id: int, data: dict[str, Any]) -> None:
    row = await get(db, rule_id)
    merged = {**shape(row), **data}
    merged.pop("offset_minutes", None)
    for name in ("id", "trigger_label", "enabled_at", "version", "created_at", "updated_at"):
        merged.pop(name, None)
    cols = check(merged)
    enabled_at = row["enabled_at"]
    if cols["enabled"] and not row["enabled"]:
        enabled_at = iso(now)  # AUT-7: no back-fill before the rule was (re-)enabled
    sets = ", ".join(f"{n} = ?" for n in cols)
    await db.batch(
        [
            Statement(
                f"UPDATE automation_rules SET {sets}, enabled_at = ?, version = version + 1, updated_at = ?"
                " WHERE id = ? AND version = ?",
                (*cols.values(), enabled_at, iso(now), rule_id, row["version"]),
            ),
            records.guard_changed(),
            records.audit(now, actor, "automation.updated", f"Automation rule {cols['name']!r} changed"),
        ]
    )


async def delete(db: Database, now: datetime, actor: Actor, rule_id: int) -> None:
    row = await get(db, rule_id)
    await db.batch(
        [
            q("DELETE FROM automation_rules WHERE id = ?", rule_id),
            records.audit(now, actor, "automation.deleted", f"Automation rule {row['name']!r} deleted"),
        ]
    )


# --- Pause All (AUT-30) ----------------------------------------------------------------------------


async def paused(db: Database) -> bool:
    row = await db.first("SELECT value FROM automation_state WHERE key = 'paused'")
    return bool(row and row["value"] == "1")


def set_state(key: str, value: str) -> Statement:
    """One automation_state value (Pause All; each event source's cursor)."""
    return q(
        "INSERT INTO automation_state (key, value) VALUES (?, ?)"
        " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        key,
        value,
    )


async def set_paused(db: Database, now: datetime, actor: Actor, value: bool) -> None:
    await db.batch(
        [
            set_state("paused", "1" if value else "0"),
            records.audit(
                now,
                actor,
                "automation.paused" if value else "automation.resumed",
                "Automations paused" if value else "Automations resumed",
            ),
        ]
    )

"""Firing rules (AUT-6, AUT-7, AUT-11, AUT-15, AUT-21…AUT-30).

Event triggers are read after commit from the event rows the change wrote in its own batch
(`lead_events`; `job_events` once the jobs package is merged), behind a cursor per source. Each
(rule, event) is one `automation_log` row, unique, written in the same batch as the message's outbox
row: a retried evaluation finds the row and sends nothing twice. Time triggers run on the 5-minute
tick; their log row is the idempotency stamp per (rule, record). Messages leave only through the
outbox (`messaging.sms.plan_text`, `messaging.email.queue`), so SMS send guards and the legal quiet
hours hold for every automated text."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from automations import render, rules, subjects
from automations.subjects import Subject
from core import geo
from core.clock import iso, parse
from core.errors import Forbidden, Invalid
from core.storage import Database, IntegrityError, Row, Statement, q
from leads import calling_hours
from messaging import email as messaging_email
from messaging import identities, lines
from messaging import sms as messaging_sms

QUIET_START, QUIET_END = 9, 21  # AUT-28: [09:00, 21:00) local, ∩ the state's calling hours
CATCH_UP = timedelta(hours=24)  # AUT-7
EVENT_BUDGET = 500  # events per source and tick
TIME_BUDGET = 200  # records per time rule and tick
TICK_CAP = 1000  # messages (sent, failed or skipped) per time tick over all rules; the rest next tick
ORIGIN = "automation"


@dataclass
class Outcome:
    status: str  # sent | failed | skipped | wait | none
    error: str = ""


def conditions_match(rule: Row, subject: Subject) -> bool:
    """AUT-12/13: OR within a dimension, AND across; empty = no constraint."""
    wanted: dict[str, list[str]] = json.loads(rule["conditions"] or "{}")
    have = {
        "office": str(subject.office_id),
        "job_type": subject.job_type,
        "source": subject.source,
        "status": subject.status,
    }
    return all(have.get(key) in values for key, values in wanted.items() if values)


async def inside_quiet_window(db: Database, subject: Subject, now: datetime) -> bool:
    """AUT-25/28/29: the record's zone (its ZIP, else its office's), 09:00–21:00 ∩ the state's hours."""
    state = geo.state_for_zip(subject.zip_code)
    zone = ZoneInfo((state and geo.zone_for_state(state)) or subject.office_zone or "America/New_York")
    local = now.astimezone(zone)
    window = await calling_hours.window_for(db, state)
    start, end = window.hours_on(local)
    hour = local.hour + local.minute / 60
    return max(start, QUIET_START) <= hour < min(end, QUIET_END)


def _recipient(rule: Row, subject: Subject) -> tuple[str, Outcome | None]:
    sms = rule["channel"] == "sms"
    if rule["recipient"] == "static":
        return rule["static_to"], None
    if rule["recipient"] == "contractor":
        if not subject.has_contractor:
            return "", Outcome("skipped", "No contractor assigned.")
        to = subject.contractor_phone if sms else subject.contractor_email
        return to, None if to else Outcome("failed", "Contractor has no phone." if sms else "Contractor has no email.")
    if subject.dormant:
        return "", Outcome("skipped", "Customer is dormant: automated messages are off.")
    if sms and not subject.sms_ok:
        return "", Outcome("skipped", "The contact's SMS preference is not selected.")
    if not sms and not subject.email_ok:
        return "", Outcome("skipped", "The contact's email preference is not selected.")
    to = subject.client_phone if sms else subject.client_email
    return to, None if to else Outcome("failed", "Client has no phone." if sms else "Client has no email.")


def log_row(
    now: datetime,
    rule: Row,
    subject: Subject,
    event_key: str,
    outcome: Outcome,
    *,
    to: str = "",
    preview: str = "",
    message_id: str | None = None,
) -> Statement:
    return q(
        "INSERT INTO automation_log (rule_id, rule_name, trigger, channel, event_key, status, recipient, subject_type,"
        " subject_id, subject_label, office_id, preview, error, message_id, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rule["id"],
        rule["name"],
        rules.describe(rule),
        rule["channel"],
        event_key,
        outcome.status,
        to,
        subject.kind,
        subject.id,
        subject.label,
        subject.office_id,
        preview[:2000],
        outcome.error[:500],
        message_id,
        iso(now),
    )


def rendered(rule: Row, subject: Subject) -> tuple[str, str]:
    """(subject line, body) as sent: email text is plain text; `render.render(..., escape=True)` is
    what an HTML part would hold."""
    subject_line = render.render(rule["subject"], subject.context).replace("\n", " ").strip()
    return subject_line, render.render(rule["body"], subject.context).strip()


async def _message(
    db: Database, now: datetime, rule: Row, subject: Subject, to: str
) -> tuple[list[Statement], str, str]:
    """(statements that queue it, message id, preview) or raises Forbidden/Invalid with the reason."""
    title, body = rendered(rule, subject)
    if rule["channel"] == "sms":
        line = await lines.sender_for(db, subject.office_id) if subject.office_id else None
        if line is None:
            raise Forbidden(
                f"No SMS sender line is set for {subject.context.get('office', {}).get('name', 'this office')}."
            )
        text = messaging_sms.Text(line=line, to=to, body=body, origin=ORIGIN, zip_code=subject.zip_code or None)
        statements, _ = await messaging_sms.plan_text(db, now, text)
        return statements, f"sms:{text.uid}", text.body
    identity = await identities.get(db, "office", subject.office_id)
    if identities.missing(identity, smtp=False):
        office = subject.context.get("office", {}).get("name", "this office")
        raise Forbidden(identities.not_configured(f"office {office}"))
    mid, statement = messaging_email.queue(
        now, to=to, subject=title or rule["name"], text=body, office_id=subject.office_id
    )
    return [statement], f"email:{mid}", f"{title}\n\n{body}"


async def fire(
    db: Database, now: datetime, rule: Row, subject: Subject, event_key: str, *, timed: bool, paused: bool
) -> Outcome:
    """Evaluate RULE for SUBJECT now; write its log row (and message) unless it should wait."""
    if not conditions_match(rule, subject):
        return Outcome("none")
    if paused:
        if timed:
            return Outcome("wait")  # AUT-30: not stamped; fires after resume within its catch-up window
        return await _log(db, now, rule, subject, event_key, Outcome("skipped", "Automations paused."))
    to, refused = _recipient(rule, subject)
    if refused:
        return await _log(db, now, rule, subject, event_key, refused, to=to)
    if rule["quiet_hours"] and not await inside_quiet_window(db, subject, now):
        if timed:
            return Outcome("wait")  # AUT-27: no stamp, retried at the next tick
        return await _log(db, now, rule, subject, event_key, Outcome("skipped", "Outside quiet hours."), to=to)
    try:
        statements, mid, preview = await _message(db, now, rule, subject, to)
    except (Forbidden, Invalid) as refusal:
        return await _log(
            db,
            now,
            rule,
            subject,
            event_key,
            Outcome("failed", _reason(refusal)),
            to=to,
            preview=rendered(rule, subject)[1],
        )
    sent = Outcome("sent")
    try:
        await db.batch(
            [log_row(now, rule, subject, event_key, sent, to=to, preview=preview, message_id=mid), *statements]
        )
    except IntegrityError:
        return Outcome("none")  # already fired for this (rule, event/record): nothing sent twice
    return sent


def _reason(refusal: Exception) -> str:
    fields = getattr(refusal, "fields", None)
    if isinstance(fields, dict) and fields:
        return "; ".join(str(v) for v in fields.values())
    return str(getattr(refusal, "detail", "") or refusal)


async def _log(
    db: Database, now: datetime, rule: Row, subject: Subject, event_key: str, outcome: Outcome, **kw: Any
) -> Outcome:
    try:
        await db.batch([log_row(now, rule, subject, event_key, outcome, **kw)])
    except IntegrityError:
        return Outcome("none")
    return outcome


# --- event triggers --------------------------------------------------------------------------------

# source table -> (record kind, its id column, event type -> trigger, the payload key of the status entered)
SOURCES = {
    "lead_events": (
        "lead",
        "lead_id",
        {"lead_created": "lead_created", "lead_status_changed": "lead_status_changed"},
        "status",
    ),
    "job_events": (
        "job",
        "job_id",
        {
            "job.created": "job_created",
            "job.status_changed": "job_status_changed",
            "job.rebooked": "job_rebooked",
            "job.contractor_assigned": "contractor_assigned",
        },
        "to",
    ),
}


def _set_cursor(source: str, value: int) -> Statement:
    return rules.set_state(f"cursor:{source}", str(value))


def prune(now: datetime, keep: timedelta = timedelta(days=35)) -> Statement:
    """Log rows are kept at least 30 days (35); older stamps no longer matter (catch-up ≤ 24 h)."""
    return q("DELETE FROM automation_log WHERE created_at < ?", iso(now - keep))


def _wants(rule: Row, event: Row, trigger: str | None, status_key: str) -> bool:
    if rule["trigger"] != trigger:
        return False
    if rule["trigger_status"]:
        payload = json.loads(event["payload"] or "{}")
        if payload.get(status_key) != rule["trigger_status"]:
            return False
    return not (rule["enabled_at"] and event["created_at"] < rule["enabled_at"])


def _new_events(budget: int) -> tuple[str, list[Any]]:
    """One read for every source's events behind its stored cursor."""
    parts: list[str] = []
    params: list[Any] = []
    for source, (_, column, _, _) in SOURCES.items():
        cursor = "SELECT CAST(value AS INTEGER) FROM automation_state WHERE key = ?"
        parts.append(
            f"SELECT * FROM (SELECT '{source}' AS src, id, type, {column} AS record_id, payload, created_at"
            f" FROM {source} WHERE id > coalesce(({cursor}), 0) ORDER BY id LIMIT ?)"
        )
        params += [f"cursor:{source}", budget]
    return " UNION ALL ".join(parts), params


def events_probe() -> Statement:
    """A row when `process_events` has events to evaluate (the cron dispatcher's probe)."""
    sql, params = _new_events(1)
    return q(f"SELECT 1 AS due FROM ({sql}) LIMIT 1", *params)


async def process_events(db: Database, now: datetime, budget: int = EVENT_BUDGET) -> dict[str, int]:
    """Evaluate the new events. Its reads go together (one D1 round trip): the state, the events
    behind the stored cursors and the enabled event rules; then one batch moves the cursors."""
    counts = {"events": 0, "sent": 0, "failed": 0, "skipped": 0}
    sql, params = _new_events(budget)  # the cursors start at the newest event (migration 0031)
    state_rows, events, enabled = await asyncio.gather(
        db.all("SELECT key, value FROM automation_state"), db.all(sql, *params), rules.enabled_rules(db)
    )
    if not events:
        return counts
    is_paused = any(r["key"] == "paused" and r["value"] == "1" for r in state_rows)
    wanted_rules = [r for r in enabled if r["trigger"] in {*rules.JOB_EVENTS, *rules.LEAD_EVENTS}]
    last: dict[str, int] = {}
    for event in sorted(events, key=lambda e: (e["created_at"], e["src"], e["id"])):
        kind, _, types, status_key = SOURCES[event["src"]]
        trigger = types.get(event["type"])
        wanted = [r for r in wanted_rules if _wants(r, event, trigger, status_key)]
        subject = await subjects.load(db, kind, event["record_id"], now) if wanted else None
        for rule in wanted if subject else []:
            key = f"{event['src']}:{event['id']}"
            outcome = await fire(db, now, rule, subject, key, timed=False, paused=is_paused)  # type: ignore[arg-type]
            if outcome.status in counts:
                counts[outcome.status] += 1
        counts["events"] += 1
        last[event["src"]] = max(last.get(event["src"], 0), event["id"])
    await db.batch([_set_cursor(src, top) for src, top in last.items()])
    return counts


# --- time triggers ---------------------------------------------------------------------------------

TIME_QUERIES = {
    # anchor = the appointment's start (AUT-6 date_start + time_start, stored as UTC start_at): due = anchor − offset
    "before_job_appointment": (
        "job",
        "SELECT j.id FROM jobs j WHERE j.start_at >= ? AND j.start_at <= ? AND j.archived_at IS NULL"
        " AND NOT EXISTS (SELECT 1 FROM automation_log a WHERE a.rule_id = ? AND a.event_key = 'time:job:' || j.id)"
        " ORDER BY j.start_at LIMIT ?",
        -1,
    ),
    # anchor = the end of the window (date_end + time_end, end_at): due = anchor + offset
    "after_job_end": (
        "job",
        "SELECT j.id FROM jobs j WHERE j.end_at >= ? AND j.end_at <= ? AND j.archived_at IS NULL"
        " AND NOT EXISTS (SELECT 1 FROM automation_log a WHERE a.rule_id = ? AND a.event_key = 'time:job:' || j.id)"
        " ORDER BY j.end_at LIMIT ?",
        1,
    ),
    # anchor = the lead's received time (AUT-6 `tr`)
    "after_lead_created": (
        "lead",
        "SELECT l.id FROM leads l WHERE l.received_at >= ? AND l.received_at <= ? AND l.archived_at IS NULL"
        " AND NOT EXISTS (SELECT 1 FROM automation_log a WHERE a.rule_id = ? AND a.event_key = 'time:lead:' || l.id)"
        " ORDER BY l.received_at LIMIT ?",
        1,
    ),
}


def timed_probe(now: datetime) -> Statement:
    """A row when `timed_tick` may have work: an enabled time rule, or the daily prune's window (the
    cron dispatcher's probe)."""
    if _prune_due(now):
        return q("SELECT 1 AS due")
    return q(
        "SELECT 1 AS due FROM automation_rules WHERE enabled = 1 AND trigger IN (SELECT value FROM json_each(?))"
        " LIMIT 1",
        json.dumps(sorted(TIME_QUERIES)),
    )


def _prune_due(now: datetime) -> bool:
    return now.minute < 5 and now.hour == 3  # once a day: old log rows go


async def time_tick(db: Database, now: datetime, budget: int = TIME_BUDGET) -> dict[str, int]:
    """AUT-6/7: each enabled time rule's records whose due instant (anchor ± offset) lies in
    [max(enabled_at, now − 24 h), now], not yet stamped; at most BUDGET records per rule per tick."""
    counts = {"rules": 0, "sent": 0, "failed": 0, "skipped": 0, "waiting": 0}
    is_paused, enabled = await asyncio.gather(rules.paused(db), rules.enabled_rules(db))  # one D1 round trip
    for rule in enabled:
        query = TIME_QUERIES.get(rule["trigger"])
        if query is None or counts["sent"] + counts["failed"] + counts["skipped"] >= TICK_CAP:
            continue
        kind, sql, sign = query
        counts["rules"] += 1
        earliest = max(now - CATCH_UP, parse(rule["enabled_at"]) if rule["enabled_at"] else now - CATCH_UP)
        shift = timedelta(minutes=rule["offset_minutes"] or 0) * sign
        rows = await db.all(sql, iso(earliest - shift), iso(now - shift), rule["id"], budget)
        for row in rows:
            subject = await subjects.load(db, kind, row["id"], now)
            if subject is None:
                continue
            outcome = await fire(db, now, rule, subject, f"time:{kind}:{row['id']}", timed=True, paused=is_paused)
            key = "waiting" if outcome.status == "wait" else outcome.status
            if key in counts:
                counts[key] += 1
    return counts


async def tick(bindings: Any, now: datetime) -> dict[str, int]:
    return {
        **await process_events(bindings.db, now),
        **{f"time_{k}": v for k, v in (await time_tick(bindings.db, now)).items()},
    }


async def events_tick(bindings: Any, now: datetime) -> dict[str, int]:
    return await process_events(bindings.db, now)


async def timed_tick(bindings: Any, now: datetime) -> dict[str, int]:
    counts = await time_tick(bindings.db, now)
    if _prune_due(now):
        await bindings.db.batch([prune(now)])
    return counts

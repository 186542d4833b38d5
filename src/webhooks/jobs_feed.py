"""Job events into webhooks (WHO-2, WHO-4): the jobs issue writes a `job_events` row in the batch of
each change; this tick reads them past a cursor and writes the per-destination `webhook` outbox rows
(the same deterministic ids and INSERT OR IGNORE as lead events, so a tick run twice adds nothing).
The cursor moves in the same batch, guarded, so two ticks at once cannot both take a page.

Mapping: job.created → Jobs Webhook URL and the BookBack (extra job-created) URL, except imported
jobs (IMP-4); job.status_changed into Done / Deposit / Cancelled → those slots (re-entering fires
again, JOB-22); job.finance_cancelled and job.expected_completion_changed → their slots.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from core import records
from core.storage import LostRace, Statement, q
from webhooks import delivery, payload

SOURCE = "job_events"
PAGE = 200
STATUS_SLOTS = {"done": "job.done", "deposit": "job.deposit", "cancelled": "job.cancelled"}


def slots_for(event: dict[str, Any], job: dict[str, Any] | None) -> list[str]:
    kind = event["type"]
    data = json.loads(event["payload"] or "{}")
    if job is None:
        return []
    if kind == "job.created":
        return [] if job.get("workiz_number") else ["job.created", "job.created.bookback"]
    if kind == "job.status_changed":
        target = data.get("to")
        return [STATUS_SLOTS[target]] if target in STATUS_SLOTS and data.get("from") != target else []
    if kind in ("job.finance_cancelled", "job.expected_completion_changed"):
        return [kind]
    return []


def cursor_guard(source: str, last: int) -> list[Statement]:
    """The head of a feed's batch: the cursor exists and still stands where this tick read it (a tick
    that ran meanwhile makes the batch a lost race). Shared with `leads_feed` (one writer per table)."""
    return [
        q("INSERT OR IGNORE INTO webhook_cursors (source, last_id) VALUES (?, 0)", source),
        records.guard("(SELECT last_id FROM webhook_cursors WHERE source = ?) = ?", source, last),
    ]


def events_probe(*sources: str) -> Statement:
    """A row when any of the feeds' SOURCES (event tables) has events behind its cursor: the cron
    dispatcher's probe, so an idle minute reads one row instead of running the feeds."""
    parts = [
        f"SELECT 1 AS due FROM (SELECT id FROM {source} WHERE id > coalesce("
        "(SELECT last_id FROM webhook_cursors WHERE source = ?), 0) LIMIT 1)"
        for source in sources
    ]
    return q(" UNION ALL ".join(parts), *sources)


def cursor_move(source: str, last_id: int) -> Statement:
    return q("UPDATE webhook_cursors SET last_id = ? WHERE source = ?", last_id, source)


async def tick(bindings: Any, now: datetime) -> dict[str, int]:
    db = bindings.db
    events = await db.all(
        "SELECT j.*, coalesce(c.last_id, 0) AS cursor FROM job_events j"
        " LEFT JOIN webhook_cursors c ON c.source = ? WHERE j.id > coalesce(c.last_id, 0) ORDER BY j.id LIMIT ?",
        SOURCE,
        PAGE,
    )
    if not events:
        return {}
    statements = cursor_guard(SOURCE, int(events[0]["cursor"]))
    fired = 0
    memo: dict[str, list[Any]] = {}  # each slot's endpoints, read once per tick
    for event in events:
        job = await db.first(
            "SELECT j.*, o.name AS office_name, o.address AS office_address"
            " FROM jobs j JOIN offices o ON o.id = j.office_id WHERE j.id = ?",
            event["job_id"],
        )
        for slot in slots_for(event, job):
            assert job is not None
            event_id = f"jev_job{event['id']}{'' if slot != 'job.created.bookback' else 'bb'}"
            data = json.loads(event["payload"] or "{}")
            at_the_time = {**dict(job), "status": data.get("to") or data.get("status") or job["status"]}
            values = payload.job_payload(slot, event_id, at_the_time)
            facts = {"offices": job["office_id"], "partners": job["partner_label"], "job_types": job["job_type_id"]}
            statements += await delivery.fan_statements(bindings, now, slot, event_id, values, facts, memo)
            fired += 1
    statements.append(cursor_move(SOURCE, int(events[-1]["id"])))
    try:
        await db.batch(statements)
    except LostRace:
        return {"lost": 1}
    return {"job_events": len(events), "job_webhook_events": fired}

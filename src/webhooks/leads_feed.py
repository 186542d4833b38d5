"""Lead events into webhooks (WHO-2, WHO-5): the lead verbs write a `lead_events` row in the batch of
each change (`leads/events.py`, the one source of lead events, which automations read too); this
tick reads them past its own cursor and writes the per-destination `webhook` outbox rows with
deterministic ids inserted OR IGNOREd, so a page handled twice adds nothing. The cursor moves in the
same batch, guarded (`jobs_feed.cursor_guard`), so two ticks at once cannot both take a page.

Mapping: lead_created → Leads (`lead.created`); lead_status_changed into Irrelevant from any other
status → Cancelled Leads (`lead.cancelled`, every entry fires, WHO-5), with the reason given then.
Other status moves (Converted, a BookBack back to Fresh) have no slot.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from core.storage import LostRace, Statement
from leads import events as lead_events
from webhooks import delivery, jobs_feed, payload

SOURCE = "lead_events"
PAGE = 200


def slot_for(event: dict[str, Any]) -> str | None:
    data = json.loads(event["payload"] or "{}")
    if event["type"] == lead_events.CREATED:
        return "lead.created"
    if event["type"] == lead_events.STATUS_CHANGED and data.get("status") == "irrelevant":
        return "lead.cancelled" if data.get("previous") != "irrelevant" else None
    return None


async def tick(bindings: Any, now: datetime) -> dict[str, int]:
    db = bindings.db
    events = await db.all(
        "SELECT e.id AS event_pk, e.type AS event_type, e.payload AS event_payload, coalesce(c.last_id, 0) AS cursor,"
        " l.*, o.name AS office_name, o.address AS office_address, s.label AS source_label"
        " FROM lead_events e LEFT JOIN webhook_cursors c ON c.source = ?"
        " LEFT JOIN leads l ON l.id = e.lead_id LEFT JOIN offices o ON o.id = l.office_id"
        " LEFT JOIN lead_sources s ON s.key = l.source_key"
        " WHERE e.id > coalesce(c.last_id, 0) ORDER BY e.id LIMIT ?",
        SOURCE,
        PAGE,
    )
    if not events:
        return {}
    statements: list[Statement] = jobs_feed.cursor_guard(SOURCE, int(events[0]["cursor"]))
    fired = 0
    memo: dict[str, list[Any]] = {}  # each slot's endpoints, read once per tick
    for row in events:
        slot = slot_for({"type": row["event_type"], "payload": row["event_payload"]})
        if slot is None or row["office_id"] is None:  # no slot, or the lead is gone
            continue
        lead = dict(row)
        data = json.loads(row["event_payload"] or "{}")
        if slot == "lead.cancelled":  # the reason given when it happened, not whatever it says by now
            lead["irrelevant_reason"] = data.get("reason") or lead.get("irrelevant_reason")
            lead["status"] = "irrelevant"
        event_id = f"lev_lead{row['event_pk']}"
        values = payload.lead_payload(slot, event_id, lead)
        facts = {"offices": lead["office_id"], "sources": lead["source_key"], "partners": lead["partner_name"]}
        statements += await delivery.fan_statements(bindings, now, slot, event_id, values, facts, memo)
        fired += 1
    statements.append(jobs_feed.cursor_move(SOURCE, int(events[-1]["event_pk"])))
    try:
        await db.batch(statements)
    except LostRace:
        return {"lost": 1}
    return {"lead_events": len(events), "lead_webhook_events": fired}

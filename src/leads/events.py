"""Lead events (issue 22): one `lead_events` row per thing that happened to a lead that someone
outside may react to — `lead.created` (any new lead: manual, bulk, inbound webhook, online booking)
and `lead.cancelled` (every entry into Irrelevant, WHO-5).

The row is a statement the verb puts **in its own batch**: a rolled-back change has no event, a
retried write has one (the id is unique). Beside it goes one outbox row of kind `webhook_fanout`
naming the event, so the webhook fan-out runs after the commit (and right after the response) with
the outbox's at-least-once delivery; a kind nobody registered simply waits, harmlessly.
"""

from __future__ import annotations

import json
import secrets
from datetime import datetime
from typing import Any

from core import outbox
from core.clock import iso
from core.records import Ref
from core.storage import Statement

CREATED = "lead.created"
CANCELLED = "lead.cancelled"
FANOUT_KIND = "webhook_fanout"


def new_id() -> str:
    return f"lev_{secrets.token_hex(12)}"


def recorded(
    now: datetime, lead: int | Ref, kind: str, office: int | Ref | None, meta: dict[str, Any] | None = None
) -> list[Statement]:
    """The event row and its fan-out message, for the caller's batch."""
    event_id = new_id()
    lead_sql, lead_params = (f"({lead.sql})", lead.params) if isinstance(lead, Ref) else ("?", (lead,))
    office_sql, office_params = (f"({office.sql})", office.params) if isinstance(office, Ref) else ("?", (office,))
    row = Statement(
        "INSERT INTO lead_events (id, lead_id, kind, office_id, meta, created_at)"
        f" VALUES (?, {lead_sql}, ?, {office_sql}, ?, ?)",
        (event_id, *lead_params, kind, *office_params, json.dumps(meta or {}, separators=(",", ":")), iso(now)),
    )
    _, message = outbox.enqueue(FANOUT_KIND, {"source": "lead", "event_id": event_id, "summary": kind}, now=iso(now))
    return [row, message]


async def get(db: Any, event_id: str) -> dict[str, Any] | None:
    return await db.first("SELECT * FROM lead_events WHERE id = ?", event_id)

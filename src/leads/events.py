"""Lead events (issue 22, AUT-11): one row per lead change that automations (and webhooks) react to,
written in the SAME batch as the change, so a rolled-back change leaves no event and a retried write
adds exactly one per committed change. Readers keep their own cursor over `lead_events.id`.

Types: `lead_created` (every intake path: manual, import, source webhooks, booking) and
`lead_status_changed` (payload `{"status", "previous"}`, only when the status really moves; a
BookBack reactivation is a change to Fresh, AUT-9; a move into Irrelevant also carries the
`reason` given, which the Cancelled Leads webhook sends as it was, WHO-5).

Readers: automations (`automations/fire.py`) and the webhook fan-out (`webhooks/leads_feed.py`),
each past its own guarded cursor on the minute tick."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from core.clock import iso
from core.records import Ref
from core.storage import Statement

CREATED = "lead_created"
STATUS_CHANGED = "lead_status_changed"


def event(
    now: datetime, type_: str, lead: int | Ref, office_id: int | Ref | None, payload: dict[str, Any] | None = None
) -> Statement:
    lead_sql, lead_params = ("?", (lead,)) if not isinstance(lead, Ref) else (f"({lead.sql})", lead.params)
    if isinstance(office_id, Ref):
        office_sql, office_params = f"({office_id.sql})", office_id.params
    else:
        office_sql, office_params = "?", (office_id,)
    return Statement(
        "INSERT INTO lead_events (type, lead_id, office_id, payload, created_at)"
        f" VALUES (?, {lead_sql}, {office_sql}, ?, ?)",
        (type_, *lead_params, *office_params, json.dumps(payload or {}), iso(now)),
    )


def status_moved(
    now: datetime, lead_id: int, office_id: int | None, status: str, previous: str, reason: str | None = None
) -> list[Statement]:
    """The status event for the caller's batch, or nothing when the status does not move."""
    if status == previous:
        return []
    payload = {"status": status, "previous": previous}
    if reason:
        payload["reason"] = reason
    return [event(now, STATUS_CHANGED, lead_id, office_id, payload)]

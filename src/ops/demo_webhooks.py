"""Demo outbound webhooks (issue 22): a main URL for new leads, cancelled leads, done jobs and the
BookBack job-created URL, and a filtered Form fan-out for one office's new leads — all pointing at
the app's own development receiver (`/dev/webhook-receiver/…`, answers 200 outside production), so
`make dev` shows deliveries with their bodies in Maintenance → Webhooks → Timeline as soon as the
minute tick runs (`webhooks-events` fans the demo leads' events out, then `outbox` sends). Through
the owning verbs; idempotent: nothing is added when any endpoint exists. Never in production.
"""

from __future__ import annotations

import dataclasses
import os
from datetime import datetime
from typing import Any

from accounts import offices
from core.bindings import Bindings
from core.records import Actor
from webhooks import endpoints

HOSTS = frozenset({"127.0.0.1"})


def _url(name: str) -> str:
    return f"http://127.0.0.1:{os.environ.get('PORT', '8787')}/dev/webhook-receiver/{name}"


async def seed(bindings: Bindings, now: datetime, actor: Actor) -> str | None:
    if bindings.settings.production or await bindings.db.first("SELECT 1 AS any FROM webhook_endpoints LIMIT 1"):
        return None
    local = dataclasses.replace(bindings, outbound_allow=bindings.outbound_allow | HOSTS)
    garage = await offices.by_name(bindings.db, "Garage")
    made: list[dict[str, Any]] = [
        {"event": "lead.created", "url": _url("zapier-new-lead"), "label": "Zapier: new leads"},
        {"event": "lead.cancelled", "url": _url("zapier-cancelled"), "label": "Zapier: cancelled leads"},
        {"event": "job.done", "url": _url("bookkeeping-done"), "label": "Bookkeeping"},
        {"event": "job.created.bookback", "url": _url("bookback"), "label": "BookBack AI"},
    ]
    if garage is not None:
        made.append(
            {
                "event": "lead.created",
                "kind": "fanout",
                "url": _url("garage-crm"),
                "label": "Garage CRM (form)",
                "filters": {"offices": [garage.id]},
                "payload_type": "form",
                "data": [
                    {"key": "name", "value": "{{FirstName}} {{LastName}}"},
                    {"key": "phone", "value": "{{Phone}}"},
                    {"key": "lead", "value": "{{LeadId}}"},
                ],
                "headers": [{"name": "X-Source", "value": "porchlight-demo"}],
            }
        )
    for body in made:
        await endpoints.create(local, now, actor, body)
    return f"{len(made)} webhook endpoints → the development receiver"

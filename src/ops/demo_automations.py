"""Demo automations (issue 22): three rules through the rules verbs, and a few log rows made by
really running them — a new lead comes in through the lead verb, the event tick evaluates it, and
the texts go to the outbox like any other. Idempotent: nothing is added when rules exist."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from accounts import offices
from automations import fire, rules
from core.bindings import Bindings
from leads import actions as lead_actions
from leads import sources as lead_sources

RULES: list[dict[str, Any]] = [
    {
        "name": "Thank every new lead",
        "trigger": "lead_created",
        "recipient": "client",
        "channel": "sms",
        "body": "Hi {{client.firstName}}, thanks for reaching {{office.name}}! We'll call you shortly about your"
        " {{lead.serviceType}}. Reply STOP to opt out.",
        "quiet_hours": True,
    },
    {
        "name": "Tell the on-call desk",
        "trigger": "lead_created",
        "recipient": "static",
        "static_to": "+13055550142",
        "channel": "sms",
        "body": "New lead {{lead.id}}: {{lead.fullName}} {{lead.phone}} ({{lead.source}})",
        "quiet_hours": False,
    },
    {
        "name": "Job reminder to the contractor",
        "trigger": "before_job_appointment",
        "offset": 1,
        "offset_unit": "days",
        "recipient": "contractor",
        "channel": "sms",
        "body": "Hi {{contractor.name}}, reminder: {{job.displayId}} on {{job.dateStart}} at {{job.timeStart}}"
        " — {{job.address}}. Client: {{client.fullName}} {{client.phone}}.",
        "quiet_hours": True,
    },
    {
        "name": "Follow-up email",
        "trigger": "lead_status_changed",
        "trigger_status": "needs_follow_up",
        "recipient": "client",
        "channel": "email",
        "subject": "Following up from {{office.name}}",
        "body": "Hi {{client.firstName}},\n\nWe tried to reach you about {{lead.serviceType}}. Reply to pick a time.",
        "quiet_hours": True,
        "enabled": False,
    },
]


async def seed(bindings: Bindings, now: datetime, owner: Any) -> tuple[str, int] | None:
    """(a summary line, how many leads it made), or None when rules exist already."""
    db = bindings.db
    if await rules.all_rules(db):
        return None
    await fire.process_events(db, now)  # the cursor starts here: the demo's earlier leads are history
    for data in RULES:
        await rules.create(db, now, owner.actor, data)
    office = next(iter(await offices.all_offices(db, include_inactive=False)), None)
    source = await lead_sources.by_key(db, "manual")
    if office is None or source is None:
        return "automations: 4 rules", 0
    values = {"full_name": "Rosa Delgado", "phone": "(212) 555-0148", "zip": "10001", "service": "Garage door opener"}
    await lead_actions.create_lead(db, now, owner, values, office, source)
    counts = await fire.process_events(db, now)
    return f"automations: 4 rules, {counts['sent'] + counts['failed'] + counts['skipped']} log rows", 1

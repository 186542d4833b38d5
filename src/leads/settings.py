"""Settings that apply to every office's leads (seed 002 "App Settings"): the escalation timer.

A fresh lead nobody has claimed within the timer counts as escalated. That is worked out at read
time from the lead's created_at and the clock, like urgency, and never stored on the lead.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from core import records
from core.clock import iso
from core.errors import Invalid
from core.records import Actor
from core.storage import Database, Row, q

DEFAULT_ESCALATION_MINUTES = 15
MAX_ESCALATION_MINUTES = 1440


async def escalation_minutes(db: Database) -> int:
    row = await db.first("SELECT escalation_minutes FROM lead_settings WHERE id = 1")
    return int(row["escalation_minutes"]) if row else DEFAULT_ESCALATION_MINUTES


def escalated(lead: Row, now: datetime, minutes: int) -> bool:
    """Fresh, unclaimed, and older than the timer."""
    if lead["status"] != "fresh" or lead.get("claimed_by") or lead.get("archived_at"):
        return False
    return lead["created_at"] <= iso(now - timedelta(minutes=minutes))


async def set_escalation_minutes(db: Database, now: datetime, actor: Actor, minutes: int) -> None:
    if not 1 <= minutes <= MAX_ESCALATION_MINUTES:
        raise Invalid(f"The escalation timer is whole minutes from 1 to {MAX_ESCALATION_MINUTES} (a day).")
    await db.batch(
        [
            q(
                "INSERT INTO lead_settings (id, escalation_minutes, updated_at) VALUES (1, ?, ?)"
                " ON CONFLICT (id) DO UPDATE SET escalation_minutes = excluded.escalation_minutes,"
                " updated_at = excluded.updated_at WHERE escalation_minutes != excluded.escalation_minutes",
                minutes,
                iso(now),
            ),
            records.if_changed(
                records.audit(
                    now,
                    actor,
                    "lead_settings.updated",
                    f"Escalation timer set to {minutes} minutes",
                    meta={"escalation_minutes": minutes},
                )
            ),
        ]
    )

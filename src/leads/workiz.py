"""The Workiz reminder (JT-5, JT-6): a lead converted in an office without the Jobs feature is opened
as a job in Workiz by hand; "Mark as Opened in Workiz" records that job's number on the lead, with a
timeline entry. Offices with Jobs on never show the reminder (their leads become Porchlight jobs).
"""

from __future__ import annotations

import re
from datetime import datetime

from accounts.users import User
from core import records
from core.clock import iso
from core.errors import Conflict, Invalid
from core.storage import Database, Row
from leads import record as lead_record

_NUMBER = re.compile(r"[A-Za-z0-9-]{1,30}")


def check_number(raw: str) -> str:
    number = (raw or "").strip().lstrip("#")
    if not _NUMBER.fullmatch(number):
        raise Invalid("workiz_job_number: the Workiz job number (letters, digits and dashes).", "workiz_job_number")
    return number


async def mark_opened(db: Database, now: datetime, user: User, lead: Row, raw_number: str) -> None:
    if lead["status"] != "converted":
        raise Invalid("workiz_job_number: only a converted lead is opened in Workiz.", "workiz_job_number")
    number = check_number(raw_number)
    try:
        await db.batch(
            [
                lead_record.update(lead, now, "workiz_job_number = ?, workiz_opened_at = ?", number, iso(now)),
                records.guard_changed(),
                records.timeline(
                    now,
                    user.actor,
                    "lead",
                    lead["id"],
                    "sys",
                    f"🔧 Opened in Workiz as job #{number}",
                    office_id=lead["office_id"],
                    meta={"workiz_job_number": number},
                ),
                records.audit(
                    now,
                    user.actor,
                    "lead.workiz_opened",
                    f"Lead {lead['display_id']} opened in Workiz as #{number}",
                    office_id=lead["office_id"],
                ),
            ]
        )
    except records.LostRace:
        raise Conflict("Someone else changed this lead a moment ago. Reload it and try again.") from None

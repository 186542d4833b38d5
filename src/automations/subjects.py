"""What a rule renders against and sends to: a lead (now) or a job (with the jobs package), loaded
fresh at fire time (AUT-15), as template variables (AUT-17, formats AUT-19) plus the facts the
guards need (office, ZIP, client's dormant/contact preferences)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from automations import rules
from core.storage import Database, Row
from leads.queue import urgency


@dataclass
class Subject:
    kind: str  # "lead" | "job"
    id: int
    label: str  # the linked record as the log shows it
    office_id: int | None
    office_zone: str
    zip_code: str
    status: str
    source: str  # source key (lead) / job source (job)
    job_type: str = ""
    context: dict[str, dict[str, Any]] = field(default_factory=dict)
    client_phone: str = ""
    client_email: str = ""
    contractor_phone: str = ""
    contractor_email: str = ""
    has_contractor: bool = False
    dormant: bool = False
    sms_ok: bool = True
    email_ok: bool = True


def _split(name: str) -> tuple[str, str]:
    first, _, last = (name or "").strip().partition(" ")
    return first, last.strip()


LEAD_SQL = (
    "SELECT l.*, o.name AS office_name, o.time_zone AS office_zone, s.label AS source_label,"
    " c.status AS customer_status, cc.sms_opt_in, cc.email_opt_in"
    " FROM leads l JOIN offices o ON o.id = l.office_id"
    " LEFT JOIN lead_sources s ON s.key = l.source_key"
    " LEFT JOIN customers c ON c.id = l.customer_id"
    " LEFT JOIN customer_contacts cc ON cc.customer_id = l.customer_id AND cc.is_primary = 1"
    " WHERE l.id = ?"
)


async def lead(db: Database, lead_id: int, now: datetime) -> Subject | None:
    row = await db.first(LEAD_SQL, lead_id)
    return None if row is None else lead_subject(row, now)


def lead_subject(row: Row, now: datetime) -> Subject:
    first, last = _split(row["name"])
    status = rules.LEAD_STATUSES.get(row["status"], row["status"])
    lead_vars = {
        "id": row["display_id"],
        "fullName": row["name"],
        "firstName": first,
        "lastName": last,
        "phone": row["phone"] or "",
        "email": row["email"],
        "zip": row["zip"],
        "serviceType": row["service"],
        "callTiming": row["how_soon"],
        "urgency": urgency(row["status"], row["next_contact_at"], now).title(),
        "source": row["source_label"] or row["source_key"],
        "status": status,
        "notes": row["notes"],
        "campaign": row["campaign"],
        "adName": row["ad_name"],
    }
    client = {
        "firstName": first,
        "lastName": last,
        "fullName": row["name"],
        "phone": row["phone"] or "",
        "email": row["email"],
        "address": row["address"],
    }
    return Subject(
        kind="lead",
        id=row["id"],
        label=f"{row['display_id']} {row['name']}".strip(),
        office_id=row["office_id"],
        office_zone=row["office_zone"],
        zip_code=row["zip"],
        status=row["status"],
        source=row["source_key"],
        context={"lead": lead_vars, "client": client, "office": {"name": row["office_name"]}},
        client_phone=row["phone"] or "",
        client_email=row["email"],
        dormant=row["customer_status"] == "dormant",
        sms_ok=row["sms_opt_in"] is None or bool(row["sms_opt_in"]),
        email_ok=row["email_opt_in"] is None or bool(row["email_opt_in"]),
    )


async def latest_lead(db: Database) -> int | None:
    row = await db.first("SELECT id FROM leads WHERE archived_at IS NULL ORDER BY id DESC LIMIT 1")
    return row["id"] if row else None


async def load(db: Database, kind: str, subject_id: int, now: datetime) -> Subject | None:
    if kind == "lead":
        return await lead(db, subject_id, now)
    return None

"""What a rule renders against and sends to: a lead or a job (issue 20's jobs package), loaded
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


JOB_SQL = (
    "SELECT j.*, o.name AS office_name, o.time_zone AS office_zone, k.name AS k_name, k.phone AS k_phone,"
    " k.email AS k_email, c.status AS customer_status, cc.sms_opt_in, cc.email_opt_in"
    " FROM jobs j JOIN offices o ON o.id = j.office_id"
    " LEFT JOIN contractors k ON k.id = j.contractor_id"
    " LEFT JOIN customers c ON c.id = j.customer_id"
    " LEFT JOIN customer_contacts cc ON cc.customer_id = j.customer_id AND cc.is_primary = 1"
    " WHERE j.id = ?"
)


async def job(db: Database, job_id: int) -> Subject | None:
    row = await db.first(JOB_SQL, job_id)
    return None if row is None else job_subject(row)


def job_subject(row: Row) -> Subject:
    full = f"{row['first_name']} {row['last_name']}".strip()
    job_vars = {
        "id": row["id"],
        "displayId": row["display_id"],
        "address": " ".join(filter(None, (row["address"], row["unit"]))),
        "city": row["city"],
        "state": row["state"],
        "postalCode": row["postal_code"],
        "dateStart": row["date_start"],
        "timeStart": row["time_start"],
        "dateEnd": row["date_end"],
        "timeEnd": row["time_end"],
        "jobType": row["job_type_label"],
        "jobSource": row["partner_label"],
        "company": row["company"],
        "status": rules.JOB_STATUSES.get(row["status"], row["status"]),
        "notes": row["notes"],
    }
    address = ", ".join(
        filter(None, (job_vars["address"], row["city"], f"{row['state']} {row['postal_code']}".strip()))
    )
    client = {
        "firstName": row["first_name"],
        "lastName": row["last_name"],
        "fullName": full,
        "phone": row["phone"],
        "email": row["email"],
        "address": address,
    }
    contractor = {
        "name": row["k_name"] or row["contractor_name"],
        "phone": row["k_phone"] or "",
        "email": row["k_email"] or "",
    }
    return Subject(
        kind="job",
        id=row["id"],
        label=row["display_id"],
        office_id=row["office_id"],
        office_zone=row["time_zone"] or row["office_zone"],
        zip_code=row["postal_code"],
        status=row["status"],
        source=str(row["partner_id"] or ""),
        job_type=str(row["job_type_id"] or ""),
        context={
            "job": job_vars,
            "client": client,
            "contractor": contractor if row["contractor_id"] else {},
            "office": {"name": row["office_name"]},
        },
        client_phone=row["phone"],
        client_email=row["email"],
        contractor_phone=row["k_phone"] or "",
        contractor_email=row["k_email"] or "",
        has_contractor=row["contractor_id"] is not None,
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
    return await job(db, subject_id)

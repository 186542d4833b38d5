"""The editor's preview (issue 22): a rule's template rendered against a real record, with the
placeholders that are not variables listed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from automations import render, rules, subjects
from core.errors import Invalid
from core.storage import Database


async def _lead_id(db: Database, record: str) -> int | None:
    if not record:
        return await subjects.latest_lead(db)
    row = await db.first(
        "SELECT id FROM leads WHERE display_id = ? OR CAST(id AS TEXT) = ?", record.strip(), record.strip()
    )
    if row is None:
        raise Invalid({"record": "No lead with that id."})
    return int(row["id"])


async def _job_id(db: Database, record: str) -> int | None:
    if not record:
        row = await db.first("SELECT id FROM jobs WHERE archived_at IS NULL ORDER BY id DESC LIMIT 1")
        return int(row["id"]) if row else None
    row = await db.first(
        "SELECT id FROM jobs WHERE display_id = ? OR CAST(id AS TEXT) = ?", record.strip(), record.strip()
    )
    if row is None:
        raise Invalid({"record": "No job with that id."})
    return int(row["id"])


async def preview(db: Database, now: datetime, data: dict[str, Any], record: str = "") -> dict[str, Any]:
    trigger = str(data.get("trigger") or "lead_created")
    body = str(data.get("body") or "")
    subject_line = str(data.get("subject") or "")
    escape = data.get("channel") == "email"
    found: subjects.Subject | None = None
    if rules.is_job(trigger):
        job_id = await _job_id(db, record)
        found = await subjects.job(db, job_id) if job_id else None
    else:
        lead_id = await _lead_id(db, record)
        found = await subjects.lead(db, lead_id, now) if lead_id else None
    context = found.context if found else {}
    return {
        "record": {"type": found.kind, "id": found.id, "label": found.label} if found else None,
        "subject": render.render(subject_line, context).replace("\n", " ").strip(),
        "body": render.render(body, context).strip(),
        "html": render.render(body, context, escape=True).strip() if escape else None,
        "unknown": render.unknown(subject_line + "\n" + body),
    }

"""SMS quick-reply templates (NUM-5): name + body (≤ 1,600 characters), kept by the owner under
Maintenance → SMS and offered in the panel's 📋 menu. Owns `sms_templates`."""

from __future__ import annotations

from datetime import datetime

from core import records
from core.clock import iso
from core.errors import Conflict, Invalid, NotFound
from core.records import Actor
from core.storage import Database, IntegrityError, Row, q

MAX_BODY = 1600


def _check(name: str, body: str) -> tuple[str, str]:
    name, body = (name or "").strip(), (body or "").strip()
    problems = {}
    if not name or len(name) > 60:
        problems["name"] = "Give the template a name of at most 60 characters."
    if not body:
        problems["body"] = "Write the template's text."
    elif len(body) > MAX_BODY:
        problems["body"] = f"Templates may be at most {MAX_BODY} characters."
    if problems:
        raise Invalid(problems)
    return name, body


async def all_templates(db: Database) -> list[Row]:
    return await db.all("SELECT id, name, body FROM sms_templates ORDER BY name COLLATE NOCASE")


async def create(db: Database, now: datetime, actor: Actor, name: str, body: str) -> int:
    name, body = _check(name, body)
    try:
        results = await db.batch(
            [
                q(
                    "INSERT INTO sms_templates (name, body, created_at, updated_at) VALUES (?, ?, ?, ?) RETURNING id",
                    name,
                    body,
                    iso(now),
                    iso(now),
                ),
                records.audit(now, actor, "sms.template_created", f"SMS template “{name}” added"),
            ]
        )
    except IntegrityError:
        raise Conflict(f"There is already a template named “{name}”.") from None
    return int(results[0].rows[0]["id"])


async def delete(db: Database, now: datetime, actor: Actor, template_id: int) -> None:
    row = await db.first("SELECT name FROM sms_templates WHERE id = ?", template_id)
    if row is None:
        raise NotFound("We couldn't find that template.")
    await db.batch(
        [
            q("DELETE FROM sms_templates WHERE id = ?", template_id),
            records.audit(now, actor, "sms.template_deleted", f"SMS template “{row['name']}” deleted"),
        ]
    )

"""CP → Finance settings (FIN-10, owner): the Finance outbound SMS line and whether the weekly payment
summaries (FIN-8, tasks/payment_summaries.py) send. The Finance email sender is the `finance` email
identity (messaging/identities.py, its own form under Maintenance → Email senders); this module only
reads it to say what is missing. Owns `finance_settings` (one row, migration 0035).

The SMS line is one of the synced lines (NUM-1); a toll-free line (NUM-3) or a no-reply line (NUM-4)
cannot send, so it is refused with the seed's words (422 on `sms_line_id`). The summaries name it as
the number to text Finance back on.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from core import records
from core.clock import iso
from core.errors import Conflict, Invalid
from core.records import Actor
from core.storage import Database, LostRace, q
from messaging import lines

FIELDS = ("sms_line_id", "weekly_enabled", "version")
STALE = "Someone else saved the Finance settings meanwhile. Reload to see them, then save again."


async def settings(db: Database) -> dict[str, Any]:
    """The JSON form (docs/api.md): the line (id and number) and the weekly switch."""
    row = await db.first(
        "SELECT f.sms_line_id, f.weekly_enabled, f.version, f.updated_at, l.number AS sms_line_number,"
        " l.label AS sms_line_label FROM finance_settings f LEFT JOIN sms_lines l ON l.id = f.sms_line_id"
        " WHERE f.id = 1"
    )
    assert row is not None, "migration 0035 inserts the finance settings row"
    return {
        "sms_line_id": row["sms_line_id"],
        "sms_line_number": row["sms_line_number"],
        "sms_line_label": row["sms_line_label"] or "",
        "weekly_enabled": bool(row["weekly_enabled"]),
        "version": row["version"],
        "updated_at": row["updated_at"],
    }


async def _line(db: Database, raw: Any) -> int | None:
    if raw is None or raw == "":
        return None
    if isinstance(raw, bool) or not isinstance(raw, int) or raw <= 0:
        raise Invalid("sms_line_id: choose one of the synced SMS lines.", "sms_line_id")
    row = await db.first("SELECT * FROM sms_lines WHERE id = ?", raw)
    if row is None:
        raise Invalid("sms_line_id: choose one of the synced SMS lines.", "sms_line_id")
    refused = lines.refusal(row)
    if refused:
        raise Invalid(f"sms_line_id: {row['number']} cannot send. {refused}", "sms_line_id")
    return raw


async def save(db: Database, now: datetime, actor: Actor, fields: dict[str, Any]) -> dict[str, Any]:
    """Change the line and/or the weekly switch (fields left out keep their value). VERSION, when
    given, must be the stored one (409 otherwise); a bad value is a 422 naming it and writes nothing."""
    unknown = [k for k in fields if k not in FIELDS]
    if unknown:
        raise Invalid(f"{unknown[0]}: not a Finance setting.", unknown[0])
    current = await settings(db)
    if fields.get("version") is not None and fields["version"] != current["version"]:
        raise Conflict(STALE)
    line_id = await _line(db, fields["sms_line_id"]) if "sms_line_id" in fields else current["sms_line_id"]
    enabled = current["weekly_enabled"]
    if "weekly_enabled" in fields:
        if not isinstance(fields["weekly_enabled"], bool):
            raise Invalid("weekly_enabled: true or false.", "weekly_enabled")
        enabled = fields["weekly_enabled"]
    number = (await db.first("SELECT number FROM sms_lines WHERE id = ?", line_id) or {}).get("number", "none")
    summary = f"Finance settings: SMS line {number}, weekly payment summaries {'on' if enabled else 'off'}"
    try:
        await db.batch(
            [
                q(
                    "UPDATE finance_settings SET sms_line_id = ?, weekly_enabled = ?, version = version + 1,"
                    " updated_at = ? WHERE id = 1 AND version = ?",
                    line_id,
                    int(enabled),
                    iso(now),
                    current["version"],
                ),
                records.guard_changed(),
                records.audit(now, actor, "finance.settings", summary, meta={"sms_line_id": line_id}),
            ]
        )
    except LostRace:
        raise Conflict(STALE) from None
    return await settings(db)

"""The automation log (AUT-31…AUT-35): the newest 200 rows matching the filters, each with its rule,
trigger, channel, recipient, linked record, rendered preview, error and time. A row logged "sent"
shows "failed" when the provider later refused the message: the status is read through the
message's own delivery state (the SMS row, or the outbox row for email), so the log never drifts
from what the outbox and the provider said. Rows are kept 35 days (`fire.prune`)."""

from __future__ import annotations

from typing import Any

from core.storage import Database, Param, Row

LIMIT = 200
STATUSES = ("sent", "failed", "skipped")

_EFFECTIVE = (
    "CASE WHEN a.status = 'sent' AND (m.status = 'failed' OR o.status IN ('failed', 'dead')) THEN 'failed'"
    " ELSE a.status END"
)
_SQL = (
    f"SELECT a.*, {_EFFECTIVE} AS shown_status,"
    " CASE WHEN a.error <> '' THEN a.error ELSE coalesce(nullif(m.error, ''), o.last_error, '') END AS shown_error"
    " FROM automation_log a"
    " LEFT JOIN sms_messages m ON a.message_id LIKE 'sms:%' AND m.uid = substr(a.message_id, 5)"
    " LEFT JOIN outbox o ON a.message_id LIKE 'email:%' AND o.id = substr(a.message_id, 7)"
)


async def recent(
    db: Database,
    *,
    q_text: str = "",
    status: str = "",
    channel: str = "",
    rule_id: int | None = None,
    limit: int = LIMIT,
) -> list[dict[str, Any]]:
    where: list[str] = []
    params: list[Param] = []
    if q_text:
        like = f"%{q_text.strip()}%"
        where.append("(a.recipient LIKE ? OR a.subject_label LIKE ? OR a.rule_name LIKE ? OR a.preview LIKE ?)")
        params += [like, like, like, like]
    if channel:
        where.append("a.channel = ?")
        params.append(channel)
    if rule_id is not None:
        where.append("a.rule_id = ?")
        params.append(rule_id)
    if status:
        where.append(f"{_EFFECTIVE} = ?")
        params.append(status)
    sql = _SQL + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY a.id DESC LIMIT ?"
    rows = await db.all(sql, *params, min(limit, LIMIT))
    return [shape(r) for r in rows]


def shape(row: Row) -> dict[str, Any]:
    return {
        "id": row["id"],
        "rule_id": row["rule_id"],
        "rule": row["rule_name"],
        "trigger": row["trigger"],
        "channel": row["channel"],
        "status": row["shown_status"],
        "recipient": row["recipient"],
        "record": {"type": row["subject_type"], "id": row["subject_id"], "label": row["subject_label"]},
        "preview": row["preview"],
        "error": row["shown_error"] or "",
        "message_id": row["message_id"],
        "created_at": row["created_at"],
    }

"""What the owner reads (WHO-21…WHO-23): the Dashboard's counts from daily counters (kept for ever,
so "All Time" is all time) and the Timeline of the newest 100 deliveries with the exact body (the
raw log is kept 30 days, `delivery.purge`)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from core.clock import iso

TIMELINE = 100
KEPT = timedelta(days=30)
WINDOWS = {"today": 0, "7d": 6, "30d": 29, "all": None}
WINDOW_LABELS = {"today": "Today", "7d": "7 Days", "30d": "30 Days", "all": "All Time"}


async def timeline(db: Any, limit: int = TIMELINE) -> list[dict[str, Any]]:
    rows = await db.all(
        "SELECT id, event_id, event, endpoint_id, url, content_type, body, status, http_status, error, created_at,"
        " updated_at FROM webhook_deliveries ORDER BY created_at DESC, id DESC LIMIT ?",
        limit,
    )
    return [dict(r) for r in rows]


async def dashboard(db: Any, now: datetime, window: str) -> dict[str, Any]:
    """Per event: how many times it fired; per destination: deliveries and failures."""
    days = WINDOWS[window]
    since = "0000-00-00" if days is None else iso(now - timedelta(days=days))[:10]
    rows = await db.all(
        "SELECT d.event, d.endpoint_id, SUM(d.fired) AS fired, SUM(d.delivered) AS delivered, SUM(d.failed) AS failed,"
        " e.url, e.kind, e.label FROM webhook_daily d LEFT JOIN webhook_endpoints e ON e.id = d.endpoint_id"
        " WHERE d.day >= ? GROUP BY d.event, d.endpoint_id ORDER BY d.event, d.endpoint_id",
        since,
    )
    events: dict[str, int] = {}
    destinations = []
    for r in rows:
        if int(r["endpoint_id"]) == 0:
            events[r["event"]] = int(r["fired"] or 0)
        else:
            destinations.append(
                {
                    "event": r["event"],
                    "endpoint_id": r["endpoint_id"],
                    "url": r["url"] or "(removed endpoint)",
                    "kind": r["kind"],
                    "label": r["label"] or "",
                    "delivered": int(r["delivered"] or 0),
                    "failed": int(r["failed"] or 0),
                }
            )
    return {"window": window, "since": None if days is None else since, "events": events, "destinations": destinations}


async def dead_letters(db: Any, now: datetime) -> int:
    """Deliveries given up (dead) or refused (failed) in the last 30 days: the page's red notice."""
    row = await db.first(
        "SELECT COUNT(*) AS n FROM webhook_deliveries WHERE status IN ('dead', 'failed') AND updated_at >= ?",
        iso(now - KEPT),
    )
    return int(row["n"]) if row else 0

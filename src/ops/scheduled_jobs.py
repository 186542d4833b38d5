"""Maintenance → System's "Scheduled jobs": each cron job's last run as `cron.dispatch` and
`porchlight cron run` record it in `cron_leases` (started, finished, result, and whether a run holds
its lease now). Read here, not in `cron`, because routes may use ops but not cron."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from core.clock import iso
from core.storage import Database


async def last_runs(db: Database, now: datetime) -> list[dict[str, Any]]:
    rows = await db.all(
        "SELECT job, leased_until, last_started, last_finished, last_result FROM cron_leases ORDER BY job"
    )
    return [
        {
            **row,
            "running": bool(row["leased_until"]) and row["leased_until"] > iso(now),
            "failed": (row["last_result"] or "").startswith("error:"),
        }
        for row in rows
    ]

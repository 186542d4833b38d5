"""The QuickBooks status: connection, token health, sync, the latest import run, counts. Never tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from core.bindings import Bindings
from quickbooks import importer, oauth
from quickbooks.client import Endpoints
from quickbooks.objects import counts


async def pending_changes(bindings: Bindings) -> int:
    row = await bindings.db.first("SELECT COUNT(*) AS n FROM quickbooks_changes")
    return int(row["n"]) if row else 0


def _connection(conn: oauth.Connection | None, now: datetime) -> dict[str, Any] | None:
    if conn is None:
        return None
    return {
        "status": conn.status,
        "realm_id": conn.realm_id,
        "company_name": conn.company_name,
        "environment": conn.environment,
        "connected_at": conn.connected_at,
        "token_health": conn.token_health(now),
        "access_token_expires_at": conn.access_expires_at if conn.connected else None,
        "refresh_token_expires_at": conn.refresh_expires_at if conn.connected else None,
        "last_refresh_at": conn.last_refresh_at,
        "last_sync_at": conn.last_sync_at,
        "sync_watermark": conn.sync_watermark,
        "requerying_since": conn.resync_since,
        "backoff_until": conn.backoff_until if conn.throttled(now) else None,
        "last_error": conn.last_error,
        "last_error_at": conn.last_error_at,
    }


async def status(bindings: Bindings) -> dict[str, Any]:
    db, now = bindings.db, bindings.clock.now()
    endpoints = Endpoints.from_settings(bindings.settings)
    conn = await oauth.connection(db)
    run = await importer.latest_run(db)
    return {
        "configured": endpoints.configured,
        "missing_settings": endpoints.missing(),
        "environment": conn.environment if conn else endpoints.environment,
        "connection": _connection(conn, now),
        "import": run.as_json() if run else None,
        "counts": await counts(db, conn.realm_id if conn else None),
        "pending_changes": await pending_changes(bindings),
        "webhook_configured": bool(endpoints.verifier_token),
    }

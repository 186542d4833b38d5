"""The intake baseline: read the body, parse the JSON, one INSERT, answer 200 JSON. No framework.

Same pragmas as the app's `storage.sqlite.connect` (WAL, synchronous=FULL, foreign_keys=ON), one
connection in autocommit, so every request is one durable transaction, as each intake batch is.
The database file is $BENCH_BARE_DB.
"""

from __future__ import annotations

import json
import os
import sqlite3
from datetime import UTC, datetime
from typing import Any

_DB = sqlite3.connect(os.environ["BENCH_BARE_DB"], isolation_level=None, check_same_thread=False)
for pragma in ("busy_timeout = 5000", "journal_mode = WAL", "synchronous = FULL", "foreign_keys = ON"):
    _DB.execute(f"PRAGMA {pragma}")
_DB.execute(
    "CREATE TABLE IF NOT EXISTS leads (id INTEGER PRIMARY KEY, name TEXT NOT NULL, phone TEXT NOT NULL,"
    " external_id TEXT, created_at TEXT NOT NULL)"
)


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    body, more = b"", True
    while more:
        message = await receive()
        body += message.get("body", b"")
        more = message.get("more_body", False)
    lead = json.loads(body)
    cursor = _DB.execute(
        "INSERT INTO leads (name, phone, external_id, created_at) VALUES (?, ?, ?, ?)",
        (lead.get("name", ""), lead.get("phone", ""), lead.get("lead_id"), datetime.now(UTC).isoformat()),
    )
    reply = {"status": "success", "lead_id": f"L-{cursor.lastrowid}", "result": "created"}
    answer = json.dumps(reply, separators=(",", ":")).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(answer)).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": answer})

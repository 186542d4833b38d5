"""Keeping imported objects current: the cron job `quickbooks-sync`.

Each tick, once an import has completed (it sets the watermark):
1. **Reported ids** — ids a webhook recorded in `quickbooks_changes` are read back with
   `SELECT * FROM <Entity> WHERE Id IN (…)`; ids QuickBooks no longer returns become tombstones. A
   reported row is cleared only if no newer event for it arrived meanwhile.
2. **Change data capture** — `GET /cdc?entities=…&changedSince=<watermark>` for every imported entity;
   full objects are upserted, `status: Deleted` stubs become tombstones, and the watermark moves to
   the tick's start minus an overlap (a change seen twice is harmless; one missed is not).
3. **Fallback** — CDC looks back at most 30 days and returns at most 1,000 objects with no paging. When
   the watermark is older than `CDC_SAFE_AGE`, or a CDC answer reaches the cap, the tick switches to a
   re-query: `WHERE MetaData.LastUpdatedTime >= <watermark> ORDERBY Id` page by page, entity by
   entity, a bounded number of pages per tick, resuming from the connection row's `resync_*`
   columns. When it has read every entity the watermark becomes the re-query's start.
   A re-query cannot see deletions; CDC's next tick reports those made in its last 30 days.

On 429 nothing more is called until `backoff_until`; other errors are noted on the connection and the
next tick tries again from the same watermark.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from core.bindings import Bindings
from core.clock import iso, parse
from core.storage import Statement
from quickbooks import estimates, identity, oauth, objects, webhook
from quickbooks.api import Api
from quickbooks.client import MAX_RESULTS, QuickBooksError, Throttled, qbo_time, quoted, select

CDC_CAP = 1000
CDC_SAFE_AGE = timedelta(days=29)  # a day short of Intuit's 30, for clock skew and slow ticks
OVERLAP = timedelta(minutes=5)
RESYNC_PAGES_PER_TICK = 5
REPORTED_PER_TICK = 200
IDS_PER_QUERY = 50
THROTTLE_BACKOFF = timedelta(seconds=60)


async def tick(bindings: Bindings, now: datetime) -> dict[str, int]:
    db = bindings.db
    conn = await oauth.connection(db)
    if conn is None or not conn.connected or conn.sync_watermark is None:
        return {}
    if conn.throttled(now):
        return {"throttled": 1}
    result: dict[str, int] = {}
    async with bindings.http() as http:
        api = Api(bindings, http)
        try:
            # Pending writes first (estimate status): CDC below then reads them back as changes.
            result.update(await estimates.drain(bindings, api))
            result["reported"] = await _fetch_reported(bindings, api, conn, now)
            if conn.resync_since is None and now - parse(conn.sync_watermark) > CDC_SAFE_AGE:
                await _begin_resync(bindings, conn.sync_watermark, now)
                conn = await oauth.connection(db) or conn
            if conn.resync_since is not None:
                result.update(await _resync(bindings, api, now))
            else:
                result.update(await _cdc(bindings, api, conn, now))
        except Throttled as exc:
            await oauth.note_error(db, now, exc.summary(), backoff=THROTTLE_BACKOFF)
            return {**result, "throttled": 1}
        except QuickBooksError as exc:
            await oauth.note_error(db, now, exc.summary())
            return {**result, "errors": 1}
    if any(result.get(k) for k in ("reported", "updated", "resync_records")):
        result["linked"] = await identity.auto_link(db, conn.realm_id, now)
    synced = oauth.synced(now)
    await db.run(synced.sql, *synced.params)
    return result


async def _fetch_reported(bindings: Bindings, api: Api, conn: oauth.Connection, now: datetime) -> int:
    db = bindings.db
    rows = await db.all(
        "SELECT entity, qbo_id, event_time, received_at FROM quickbooks_changes WHERE realm_id = ?"
        " ORDER BY received_at LIMIT ?",
        conn.realm_id,
        REPORTED_PER_TICK,
    )
    by_entity: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_entity[row["entity"]].append(row)
    handled = 0
    for entity, items in by_entity.items():
        for start in range(0, len(items), IDS_PER_QUERY):
            part = items[start : start + IDS_PER_QUERY]
            ids = [r["qbo_id"] for r in part]
            found = await api.query(
                select(entity, where=[f"Id IN ({', '.join(quoted(i) for i in ids)})"], size=len(ids))
            )
            seen = {str(o.get("Id")) for o in found}
            gone = [(entity, r["qbo_id"], r["event_time"]) for r in part if r["qbo_id"] not in seen]
            cleared = json.dumps([[entity, r["qbo_id"], r["received_at"]] for r in part])
            await db.batch(
                [
                    *objects.upserts(conn.realm_id, entity, found, now),
                    *objects.tombstones(conn.realm_id, gone, now),
                    webhook.clear_changes(conn.realm_id, cleared),
                ]
            )
            handled += len(part)
    return handled


async def _begin_resync(bindings: Bindings, since: str, now: datetime) -> None:
    begin = oauth.begin_resync(now, since, objects.ENTITIES[0], iso(now - OVERLAP))
    await bindings.db.run(begin.sql, *begin.params)


async def _cdc(bindings: Bindings, api: Api, conn: oauth.Connection, now: datetime) -> dict[str, int]:
    assert conn.sync_watermark is not None
    since = parse(conn.sync_watermark)
    changes = await api.cdc(objects.ENTITIES, since)
    statements: list[Statement] = []
    updated = deleted = 0
    for entity, found in changes.items():
        if entity not in objects.ENTITIES:
            continue
        live = [o for o in found if o.get("status") != "Deleted"]
        gone = [(entity, str(o["Id"]), objects.deleted_stub_time(o)) for o in found if o.get("status") == "Deleted"]
        statements += objects.upserts(conn.realm_id, entity, live, now)
        statements += objects.tombstones(conn.realm_id, gone, now)
        updated, deleted = updated + len(live), deleted + len(gone)
    capped = updated + deleted >= CDC_CAP
    if capped:
        # The answer may be cut short, and it does not say where: keep what came, re-query the window.
        if statements:
            await bindings.db.batch(statements)
        await _begin_resync(bindings, conn.sync_watermark, now)
        return {"updated": updated, "deleted": deleted, "cdc_capped": 1}
    statements.append(oauth.advance_watermark(now, conn.realm_id, conn.sync_watermark, iso(now - OVERLAP)))
    await bindings.db.batch(statements)
    return {"updated": updated, "deleted": deleted}


async def _resync(bindings: Bindings, api: Api, now: datetime) -> dict[str, int]:
    db = bindings.db
    pages = fetched = 0
    while pages < RESYNC_PAGES_PER_TICK:
        conn = await oauth.connection(db)
        if conn is None or conn.resync_since is None:
            break
        entity, position = conn.row["resync_entity"], int(conn.row["resync_position"] or 1)
        since = qbo_time(parse(conn.resync_since))
        rows = await api.query(select(entity, where=[f"MetaData.LastUpdatedTime >= {quoted(since)}"], start=position))
        pages, fetched = pages + 1, fetched + len(rows)
        move: Statement
        if len(rows) == MAX_RESULTS:
            move = oauth.resync_next_page(now, entity, position, len(rows))
        else:
            following = objects.ENTITIES.index(entity) + 1
            if following < len(objects.ENTITIES):
                move = oauth.resync_next_entity(now, entity, position, objects.ENTITIES[following])
            else:
                move = oauth.resync_done(now, entity, position)
        await db.batch([*objects.upserts(conn.realm_id, entity, rows, now), move])
    return {"resync_pages": pages, "resync_records": fetched}

"""The leads search index: FTS5 trigram terms, added just behind intake in bulk.

A new lead notes its id in `lead_terms_pending` (migration 0017) instead of being tokenized while
its intake waits; `index_pending` adds the noted leads to `lead_terms` in one statement per chunk.
It runs from the `lead-indexes` cron tick and before every search (`ensure_current`), so a search
always covers every lead, and the queue itself never waits on the index.
"""

from __future__ import annotations

from storage import Database, q

CHUNK = 5_000  # leads per batch: one FTS5 segment each, well inside D1's per-statement time

# The text a lead is found by: the same expression as the update and delete triggers of 0017.
_TERMS = (
    "l.name || char(10) || l.email || char(10) || l.campaign || char(10) || l.zip || char(10)"
    " || coalesce(l.phone_last10, '')"
)
_CHUNK_IDS = "SELECT lead_id FROM lead_terms_pending ORDER BY lead_id LIMIT ?"


async def pending(db: Database) -> int:
    row = await db.first("SELECT COUNT(*) AS n FROM lead_terms_pending")
    return int(row["n"]) if row else 0


async def index_pending(db: Database, *, limit: int | None = None) -> int:
    """Index noted leads, oldest first, a chunk per batch, until none are left (or LIMIT are done).
    Safe to run from several places at once: each batch indexes and forgets the same ids together."""
    done = 0
    while limit is None or done < limit:
        size = CHUNK if limit is None else min(CHUNK, limit - done)
        results = await db.batch(
            [
                q(
                    f"INSERT INTO lead_terms (rowid, terms)"
                    f" SELECT l.id, {_TERMS} FROM leads l WHERE l.id IN ({_CHUNK_IDS})",
                    size,
                ),
                q(f"DELETE FROM lead_terms_pending WHERE lead_id IN ({_CHUNK_IDS})", size),
            ]
        )
        done += results[1].changes
        if results[1].changes < size:
            break
    return done


async def ensure_current(db: Database) -> None:
    """Before a search: index whatever intake noted since the last tick (usually nothing)."""
    if await db.first("SELECT 1 AS found FROM lead_terms_pending LIMIT 1"):
        await index_pending(db)

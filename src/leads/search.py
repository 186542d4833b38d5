"""The leads search index: FTS5 trigram terms, added just behind intake in bulk.

A new lead notes its id in `lead_terms_pending` (migration 0017) instead of being tokenized while
its intake waits; `index_pending` adds the noted leads to `lead_terms` in one statement per chunk.
It runs from the `lead-indexes` cron tick and before every search, so a search
always covers every lead, and the queue itself never waits on the index.
"""

from __future__ import annotations

from core.storage import Database, Statement, drain_noted, noted_probe, q

CHUNK = 5_000  # leads per batch: one FTS5 segment each, well inside D1's per-statement time

# The text a lead is found by: the same expression as the update and delete triggers of 0024 (name,
# email, campaign, ZIP, phone digits and what they need).
_TERMS = (
    "l.name || char(10) || l.email || char(10) || l.campaign || char(10) || l.zip || char(10)"
    " || coalesce(l.phone_last10, '') || char(10) || l.service"
)


async def pending(db: Database) -> int:
    row = await db.first("SELECT COUNT(*) AS n FROM lead_terms_pending")
    return int(row["n"]) if row else 0


def pending_probe() -> Statement:
    """A row when `index_pending` has something to do (the cron dispatcher's probe)."""
    return noted_probe("lead_terms_pending")


async def index_pending(db: Database, *, limit: int | None = None) -> int:
    """Index noted leads (all, or up to LIMIT); nothing to do costs one read. Before every search and
    from the tick."""

    def add(ids: str, size: int) -> list[Statement]:
        return [
            q(f"INSERT INTO lead_terms (rowid, terms) SELECT l.id, {_TERMS} FROM leads l WHERE l.id IN ({ids})", size)
        ]

    return await drain_noted(db, "lead_terms_pending", add, chunk=CHUNK, limit=limit)

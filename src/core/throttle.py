"""Fixed-window counters in the database, for login throttling and intake rate limits.

Counters live in `rate_counters`, not in process memory: Worker isolates share nothing, and a
limit only one isolate knows about is no limit. One upsert both counts and answers the new total.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from core.clock import iso
from core.storage import Database, Statement, q


@dataclass(frozen=True)
class Window:
    limit: int
    seconds: int

    def start(self, now: datetime) -> datetime:
        epoch = int(now.timestamp())
        return datetime.fromtimestamp(epoch - epoch % self.seconds, UTC)

    def retry_after(self, now: datetime) -> int:
        end = self.start(now) + timedelta(seconds=self.seconds)
        return max(1, int((end - now).total_seconds() + 0.999))


def hit(bucket: str, window: Window, now: datetime) -> Statement:
    """Count one event; as part of a batch its RETURNING row carries the new count."""
    start = window.start(now)
    return q(
        "INSERT INTO rate_counters (bucket, window_start, count, expires_at) VALUES (?, ?, 1, ?)"
        " ON CONFLICT (bucket, window_start) DO UPDATE SET count = count + 1 RETURNING count",
        bucket,
        iso(start),
        iso(start + timedelta(seconds=window.seconds)),
    )


async def record(db: Database, bucket: str, window: Window, now: datetime) -> int:
    st = hit(bucket, window, now)
    row = await db.first(st.sql, *st.params)
    return int(row["count"]) if row else 0


async def current(db: Database, bucket: str, window: Window, now: datetime) -> int:
    row = await db.first(
        "SELECT count FROM rate_counters WHERE bucket = ? AND window_start = ?",
        bucket,
        iso(window.start(now)),
    )
    return int(row["count"]) if row else 0


async def exceeded(db: Database, bucket: str, window: Window, now: datetime) -> bool:
    return await current(db, bucket, window, now) >= window.limit


def reset(bucket: str) -> Statement:
    """Forget every count of a bucket (a statement for a batch)."""
    return q("DELETE FROM rate_counters WHERE bucket = ?", bucket)


async def clear(db: Database, bucket: str) -> None:
    st = reset(bucket)
    await db.run(st.sql, *st.params)


async def purge_expired(db: Database, now: datetime) -> int:
    return (await db.run("DELETE FROM rate_counters WHERE expires_at <= ?", iso(now))).changes

"""Backup time at a given database size, and intake throughput while a backup runs.

    .venv/bin/python bench/backup.py PATH/TO/COPY.sqlite3 [--seconds 20]

Works on the file it is given (use a copy: leads are added to it). Measures, in one run:
1. `backup_ops.take` alone (online backup API copy, integrity_check, counts, gzip, manifest);
2. intake through the real verb (`intake.receive` on the app's SqliteDatabase, group commit) for
   SECONDS with no backup — the baseline;
3. the same intake loop while a backup runs in a thread, as the scheduler runs it.
Intake here is the verb, not HTTP: the point is what the backup's thread takes from the writer.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from accounts import offices
from core.clock import FrozenClock
from core.storage.sqlite import SqliteDatabase
from leads import intake
from leads import sources as lead_sources
from leads.intake import Delivery
from ops import backup_ops

WRITERS = 32  # concurrent deliveries, as a server under load has in flight (group commit batches them)


async def intake_for(db: SqliteDatabase, clock: FrozenClock, seconds: float, start: int, stop: asyncio.Event) -> int:
    counts = await asyncio.gather(*(_writer(db, clock, seconds, start + w * 10**6, stop) for w in range(WRITERS)))
    return sum(counts)


async def _writer(db: SqliteDatabase, clock: FrozenClock, seconds: float, start: int, stop: asyncio.Event) -> int:
    source = await lead_sources.by_key(db, "website")
    office = (await offices.all_offices(db))[0]
    n = start
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline and not stop.is_set():
        n += 1
        outcome = await intake.receive(
            db,
            clock.now(),
            source,
            {"name": f"Bench {n}", "phone": f"4{n % 10**9:09d}", "email": f"bench{n}@example.test"},
            Delivery("bench", "application/json", "{}"),
            fixed_office=office,
        )
        assert outcome.status == "created", outcome
        clock.advance(seconds=20)  # the shared clock: keeps 32 writers under the per-source rate limit
    return n - start


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("database", type=Path)
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()
    clock = FrozenClock("2030-01-01T00:00:00.000Z")
    out = Path(tempfile.mkdtemp(prefix="porchlight-backup-bench-"))
    size = args.database.stat().st_size

    started = time.perf_counter()
    alone = backup_ops.take(args.database, out, clock.now())
    took = time.perf_counter() - started
    print(f"database {size / 2**20:,.0f} MiB, {alone.leads:,} leads")
    print(f"backup alone: {took:.1f} s, archive {alone.size / 2**20:,.0f} MiB ({alone.size / size:.0%} of the file)")

    db = SqliteDatabase.open(args.database)
    baseline = await intake_for(db, clock, args.seconds, 10**7, asyncio.Event())
    print(f"intake, no backup: {baseline / args.seconds:,.0f} leads/s over {args.seconds:.0f} s")

    clock.advance(minutes=1)
    stop = asyncio.Event()
    started = time.perf_counter()
    backing = asyncio.create_task(asyncio.to_thread(backup_ops.take, args.database, out, clock.now()))
    during, rounds = 0, 0
    while not backing.done():
        rounds += 1
        during += await intake_for(db, clock, 1.0, 2 * 10**8 + rounds * 10**8, stop)
    elapsed = time.perf_counter() - started
    made = backing.result()
    print(
        f"intake during a backup: {during / elapsed:,.0f} leads/s over {elapsed:.1f} s"
        f" ({during / elapsed / (baseline / args.seconds):.2f}x the baseline); that backup had {made.leads:,} leads"
    )
    db.close()


if __name__ == "__main__":
    asyncio.run(main())

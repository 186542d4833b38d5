"""The jobs board at scale (issue 20): 200,000 jobs over 3 offices.

Usage: `.venv/bin/python bench/jobs_board.py` (`--help` for sizes and runs). Builds a fresh SQLite file in
bench/results/jobs.sqlite3 (200,000 jobs over two years around the bench day in 3 Jobs offices, 300
contractors, about 1 in 12 active jobs without a contractor, the search index filled by the schema's
triggers), then times in-process, no HTTP, as an owner who sees every office:

- the board's first page for the default window (Today −3D/+7D): the context read, the list query and
  the lead/customer links, i.e. what `routes/job_board.py` does for the rows;
- the 🚨 attention count (ATT-7);
- a search (`q=`) over the whole book;

each beside the one SQL statement it rests on, run bare on its own sqlite3 connection (p95 and the
ratio), and the number of statements the board page issues (counted through a wrapper). Prints a
table and writes the `bench:jobs` section of docs/performance.md.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import report
from accounts import users
from core.clock import FrozenClock
from core.storage import Param, Result, Statement, migrations
from core.storage.sqlite import SqliteDatabase, connect
from jobs import attention, board, schedule
from loadgen import percentile as _rank

NOW = "2026-12-06T15:00:00.000Z"
START, END = "<!-- bench:jobs:start -->", "<!-- bench:jobs:end -->"
TARGETS = {"p95_ms": 50.0, "ratio": 3.0, "queries": 10}
ZONES = ("America/New_York", "America/Chicago", "America/Los_Angeles")
STREETS = ("Main St", "Oak Ave", "Palm Dr", "Algiers St", "Court St", "Atlantic Ave", "Lake Blvd", "Elm St")
FIRST = ("Emily", "Marcus", "Priya", "Tom", "Grace", "Leo", "Sofia", "Daniel", "Hannah", "Carlos", "Ava", "Noah")
LAST = ("Harrison", "Bell", "Nair", "Alvarez", "Kim", "Martins", "Rossi", "Okoro", "Weiss", "Mendez", "Lopez")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--jobs", type=int, default=200_000)
    p.add_argument("--runs", type=int, default=300, help="timed calls per case (default 300)")
    p.add_argument("--no-doc", action="store_true", help="do not rewrite docs/performance.md")
    return p.parse_args(argv)


def _status(day_offset: int, rng: random.Random) -> str:
    if day_offset < -14:
        return rng.choices(("done", "cancelled", "deposit", "pending"), (85, 12, 2, 1))[0]
    if day_offset < 0:
        return rng.choices(("done", "cancelled", "in_progress", "deposit", "pending"), (60, 10, 15, 10, 5))[0]
    return rng.choices(("submitted", "in_progress", "pending"), (80, 15, 5))[0]


def _row(i: int, rng: random.Random, today: date) -> tuple[Any, ...]:
    office = i % 3 + 1
    zone = ZONES[office - 1]
    offset = rng.randint(-600, 120)
    day = (today + timedelta(days=offset)).isoformat()
    hour = rng.randint(7, 18)
    start, end = f"{hour:02d}:{rng.choice(('00', '15', '30', '45'))}", f"{hour + 2:02d}:00"
    status = _status(offset, rng)
    contractor = None if (status not in ("done", "cancelled") and rng.random() < 0.08) else rng.randint(1, 300)
    due = schedule.day_end_utc((today + timedelta(days=offset + 5)).isoformat(), zone) if status == "deposit" else None
    follow_day = (today + timedelta(days=offset + 3)).isoformat()
    follow = schedule.utc_of(follow_day, "10:00", zone) if status == "pending" else None
    first, last = rng.choice(FIRST), rng.choice(LAST)
    phone = f"{rng.randint(201, 989)}{rng.randint(200, 999)}{rng.randint(0, 9999):04d}"
    address = f"{rng.randint(1, 9999)} {rng.choice(STREETS)}"
    w = schedule.Window(day, start, day, end).columns(zone)
    return (
        i,
        f"JOB-{i}",
        f"uuid-{i}",
        office,
        first,
        last,
        f"+1{phone}",
        phone,
        address,
        f"{i % 97:05d}",
        "Type",
        "Partner",
        contractor,
        f"Contractor {contractor}" if contractor else "",
        zone,
        w["date_start"],
        w["time_start"],
        w["date_end"],
        w["time_end"],
        w["start_at"],
        w["end_at"],
        w["advance_at"],
        status,
        NOW,
        due,
        follow,
        NOW,
        NOW,
    )


def build(path: Path, n_jobs: int, rng: random.Random) -> None:
    """The book, written straight into a migrated file (bench data, not a code path under test)."""
    for leftover in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        leftover.unlink(missing_ok=True)
    conn = connect(path)
    migrations.migrate(conn)
    conn.close()
    conn = sqlite3.connect(str(path), isolation_level=None)
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO offices (id, slug, name, time_zone, jobs_enabled, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, 1, ?, ?)",
        [(i + 1, f"o{i + 1}", f"Office {i + 1}", z, NOW, NOW) for i, z in enumerate(ZONES)],
    )
    conn.executemany(
        "INSERT INTO contractors (id, name, created_at, updated_at) VALUES (?, ?, ?, ?)",
        [(i, f"Contractor {i}", NOW, NOW) for i in range(1, 301)],
    )
    today = date.fromisoformat(NOW[:10])
    sql = (
        "INSERT INTO jobs (id, display_id, uuid, office_id, first_name, last_name, phone, phone_last10, address,"
        " postal_code, job_type_label, partner_label, contractor_id, contractor_name, time_zone, date_start,"
        " time_start, date_end, time_end, start_at, end_at, advance_at, status, status_changed_at,"
        " completion_due_at, follow_up_at, created_at, updated_at)"
        " VALUES (" + ", ".join("?" for _ in range(28)) + ")"
    )
    batch = []
    for i in range(3542, 3542 + n_jobs):
        batch.append(_row(i, rng, today))
        if len(batch) == 5000:
            conn.executemany(sql, batch)
            batch.clear()
    conn.executemany(sql, batch)
    conn.execute("UPDATE job_counter SET last = ?", (3541 + n_jobs,))
    conn.execute("COMMIT")
    conn.execute("ANALYZE")
    conn.close()


class Counting(SqliteDatabase):
    """Counts the statements the code under test issues."""

    def __init__(self, conn: sqlite3.Connection):
        super().__init__(conn)
        self.count = 0

    def _execute(self, st: Statement) -> Result:
        self.count += 1
        return super()._execute(st)


def percentile(values: list[float], p: float) -> float:
    return _rank(sorted(values), p)


async def _timed(fn: Any, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        started = time.perf_counter()
        await fn()
        out.append((time.perf_counter() - started) * 1000)
    return out


def _bare(conn: sqlite3.Connection, sql: str, params: list[Param], runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        started = time.perf_counter()
        conn.execute(sql, params).fetchall()
        out.append((time.perf_counter() - started) * 1000)
    return out


async def measure(path: Path, runs: int) -> dict[str, Any]:
    db = Counting(connect(path))
    raw = sqlite3.connect(str(path))
    now = FrozenClock(NOW).now()
    owner = users.User(1, "o@x.test", "Owner", "owner", True, frozenset(), None, True)
    today = schedule.today_in(ZONES[0], now)
    f = board.Filters()
    f.date_from, f.date_to = board.window("default", today)
    ctx = await board.context(db)

    async def first_page() -> None:
        c = await board.context(db)
        page = await board.listing(db, owner, now, f, limit=board.PAGE, ctx=c)
        await board.public_many(db, owner, now, page.rows, c)

    async def count() -> None:
        await board.attention_count(db, owner, now)

    searched = board.Filters(q="harrison")

    async def search() -> None:
        c = await board.context(db)
        page = await board.listing(db, owner, now, searched, limit=board.PAGE, ctx=c)
        await board.public_many(db, owner, now, page.rows, c)

    results: dict[str, Any] = {}
    for name, fn, filters in (("board", first_page, f), ("search", search, searched)):
        await fn()
        where, params = board._conditions(filters, now, ctx.hours)
        scope, scope_params = board.authz.job_scope(owner, ctx.enabled)
        order = "j.date_start, j.time_start, j.id"
        ids = f"SELECT j.id FROM jobs j WHERE {' AND '.join([*where, scope])} ORDER BY {order} LIMIT ?"
        sql = f"{board.LIST_SQL} WHERE j.id IN ({ids}) ORDER BY {order}"
        app_ms = await _timed(fn, runs)
        bare_ms = _bare(raw, sql, [*params, *scope_params, board.PAGE + 1], runs)
        results[name] = _summary(app_ms, bare_ms)
    scope, scope_params = board.authz.job_scope(owner, ctx.enabled, "x")
    union, union_params = attention.union(now, ctx.hours, scope, scope_params)
    app_ms = await _timed(count, runs)
    bare_ms = _bare(raw, f"SELECT COUNT(*) FROM ({union})", union_params, runs)
    results["attention"] = _summary(app_ms, bare_ms)
    results["attention"]["value"] = await board.attention_count(db, owner, now)
    results["queries"] = await _page_queries(db, owner, now, f)
    results["window_rows"] = raw.execute(
        "SELECT COUNT(*) FROM jobs WHERE date_start BETWEEN ? AND ? AND archived_at IS NULL", (f.date_from, f.date_to)
    ).fetchone()[0]
    return results


async def _page_queries(db: Counting, owner: users.User, now: datetime, f: board.Filters) -> int:
    """Every statement of the board page's reads (routes/job_board.py `_board`), counted."""
    db.count = 0
    ctx = await board.context(db)
    await board.choices(db, owner)
    page = await board.listing(db, owner, now, f, limit=board.MAX_PAGE, ctx=ctx)
    await board.public_many(db, owner, now, page.rows, ctx)
    await board.attention_count(db, owner, now, ctx)
    await board.status_counts(db, owner, ctx)
    await board.latest_change(db, owner, ctx)
    return db.count


def _summary(app_ms: list[float], bare_ms: list[float]) -> dict[str, float]:
    app95, bare95 = percentile(app_ms, 95), percentile(bare_ms, 95)
    return {
        "p50_ms": round(percentile(app_ms, 50), 2),
        "p95_ms": round(app95, 2),
        "raw_p95_ms": round(bare95, 2),
        "ratio": round(app95 / bare95, 2) if bare95 else 0.0,
    }


def markdown(r: dict[str, Any], args: argparse.Namespace) -> str:
    def ok(good: bool) -> str:
        return "✅" if good else "❌"

    m = r["machine"]
    rows = []
    cases = (
        ("board", "Board, first page (default window)"),
        ("attention", "🚨 attention count"),
        ("search", "Search `q=harrison`"),
    )
    for key, label in cases:
        x = r[key]
        good = x["p95_ms"] <= TARGETS["p95_ms"] and x["ratio"] <= TARGETS["ratio"]
        rows.append(f"| {label} | {x['p50_ms']} | {x['p95_ms']} | {x['raw_p95_ms']} | {x['ratio']}× | {ok(good)} |")
    return f"""{START}
### Jobs board (issue 20)

`bench/jobs_board.py`, {report.now_utc()}, {m.get("cpu", "?")} ({m.get("nproc", "?")} cores). {r["load"]}
{args.jobs:,} jobs over 3 offices (two years around the bench day; {r["window_rows"]:,} in the default
−3D/+7D window; {r["attention"]["value"]:,} needing attention), {args.runs} timed calls per case, in-process
SQLite, as an owner who sees every office. Targets: p95 ≤ {TARGETS["p95_ms"]:.0f} ms and ≤ {TARGETS["ratio"]:.0f}× the
bare SQL each rests on; ≤ {TARGETS["queries"]} statements per page.

| case | p50 ms | p95 ms | bare SQL p95 ms | ratio | |
|---|---|---|---|---|---|
{chr(10).join(rows)}

The board page issues {r["queries"]} statements for its reads (context, dropdowns, list, links, attention
count, status counters, live-refresh marker) {ok(r["queries"] <= TARGETS["queries"])}. The list walks
`jobs_board` (office, archived, local date, time) for the window and sorts only the ids; the attention
count is a UNION of one SELECT per flag, each on its own partial index (`jobs_due_completion`, `jobs_due_follow_up`,
`jobs_due_end`, `jobs_unassigned`); search goes through the `job_terms` trigram index.
{END}"""


def write_doc(section: str) -> None:
    text = report.DOC.read_text()
    if START in text and END in text:
        text = text[: text.index(START)] + section + text[text.index(END) + len(END) :]
    else:
        text = text.rstrip() + "\n\n" + section + "\n"
    report.DOC.write_text(text)


async def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    report.RESULTS.mkdir(parents=True, exist_ok=True)
    path = report.RESULTS / "jobs.sqlite3"
    rng = random.Random(20)
    before = report.load_average()
    started = time.perf_counter()
    build(path, args.jobs, rng)
    print(f"built in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    results = await measure(path, args.runs)
    machine = report.machine()
    load = report.load_sentence(before, report.load_average(), machine.get("nproc", 2))
    results |= {"machine": machine, "load": load}
    for key in ("board", "attention", "search"):
        print(f"{key:10} {results[key]}")
    print(f"queries per board page: {results['queries']}")
    if not args.no_doc:
        write_doc(markdown(results, args))
    failed = [
        k
        for k in ("board", "attention", "search")
        if results[k]["p95_ms"] > TARGETS["p95_ms"] or results[k]["ratio"] > TARGETS["ratio"]
    ]
    return 1 if failed or results["queries"] > TARGETS["queries"] else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))

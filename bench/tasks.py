"""Tasks benchmarks (issue 23): My Tasks and the 📋 badge at 100,000 tasks, the global timeline's first
and next page at 5,000,000 timeline entries beside the raw SQL, and building one monthly report email
from the rollups at 1,000,000 leads and 200,000 jobs.

Usage: `.venv/bin/python bench/tasks.py` (`--help` for sizes). In-process against a throwaway SQLite
file migrated like the app's: the domain functions the routes call (`tasks.listing`,
`tasks.badge_count`, `feed.page`, `report_emails.build`), without HTTP, timed per call; the timeline
beside the same SELECT run straight through sqlite3 (the one statement `feed.page` runs, counted),
the two timed in alternation. Seeding 5M entries takes a few minutes on the
shared 2-CPU machine; `--entries` takes a smaller size. The report part reuses the 1M-lead file of
bench/reports_summary.py plus `--jobs` jobs inserted as rows, so the jobs' rollup trigger writes their
`report_job_days` rows (cached beside it; `--leads 0` skips the part). Writes the `bench:tasks` section of
docs/performance.md and bench/results/tasks-*.json.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import random
import shutil
import sqlite3
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

# This file's name is the app package's: look in bench/ last, so `tasks` is src/tasks.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE] + [str(_HERE)]

import report  # noqa: E402
from accounts import users  # noqa: E402
from core.clock import iso  # noqa: E402
from core.storage import Result, Statement, migrations  # noqa: E402
from core.storage.sqlite import SqliteDatabase, connect  # noqa: E402
from loadgen import percentile  # noqa: E402
from tasks import feed, report_emails, tasks  # noqa: E402

NOW = datetime(2026, 11, 22, 15, 0, tzinfo=UTC)
TARGETS = {"tasks_p95_ms": 20.0, "timeline_p95_ms": 50.0, "timeline_ratio": 3.0, "report_s": 2.0}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--tasks", type=int, default=100_000)
    p.add_argument("--entries", type=int, default=5_000_000)
    p.add_argument("--leads", type=int, default=1_000_000, help="report email: leads (0 skips)")
    p.add_argument("--customers", type=int, default=200_000)
    p.add_argument("--jobs", type=int, default=200_000, help="report email: jobs added to the lead file")
    p.add_argument("--runs", type=int, default=200, help="timed calls per case (default 200)")
    p.add_argument("--no-doc", action="store_true")
    return p.parse_args(argv)


def seed(conn: sqlite3.Connection, n_tasks: int, n_entries: int) -> dict[str, Any]:
    rnd = random.Random(23)
    now = iso(NOW)
    conn.execute("BEGIN")
    offices = []
    for i, name in enumerate(("Garage", "Sliding", "General", "Gates", "Windows")):
        conn.execute(
            "INSERT INTO offices (slug, name, time_zone, created_at, updated_at)"
            " VALUES (?, ?, 'America/New_York', ?, ?)",
            (name.lower(), name, now, now),
        )
        offices.append(i + 1)
    people = []
    for i in range(200):
        role = "owner" if i == 0 else ("admin" if i < 10 else "agent")
        cur = conn.execute(
            "INSERT INTO users (email, name, role, password_hash, all_offices, created_at, updated_at)"
            " VALUES (?, ?, ?, 'x', ?, ?, ?)",
            (f"u{i}@bench.test", f"User {i}", role, 1 if i == 0 else 0, now, now),
        )
        uid = int(cur.lastrowid or 0)
        conn.execute("INSERT INTO user_offices (user_id, office_id) VALUES (?, ?)", (uid, offices[i % 5]))
        people.append(uid)
    rows = []
    for i in range(n_tasks):
        due = iso(NOW + timedelta(hours=rnd.randint(-24 * 60, 24 * 60)))
        done = iso(NOW - timedelta(hours=rnd.randint(1, 900))) if rnd.random() < 0.7 else None
        office = rnd.choice(offices) if rnd.random() < 0.4 else None
        user = None if office else rnd.choice(people)
        rows.append((f"Task {i}", due, user, office, office or offices[(user or 1) % 5], done, now, now))
    conn.executemany(
        "INSERT INTO tasks (title, due_at, assignee_user_id, assignee_office_id, office_id, done_at, created_at,"
        " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    conn.execute("COMMIT")
    started = time.perf_counter()
    kinds = ("status", "call", "note", "sys", "sys", "call")
    step = 50_000
    start_at = NOW - timedelta(days=365 * 3)
    span = (NOW - start_at).total_seconds()
    for base in range(0, n_entries, step):
        conn.execute("BEGIN")
        batch = []
        for i in range(base, min(base + step, n_entries)):
            at = iso(start_at + timedelta(seconds=span * i / n_entries))
            subject = "lead" if i % 10 else "customer"
            batch.append((subject, i // 8 + 1, offices[i % 5], kinds[i % 6], f"Entry {i}", people[i % 200], "User", at))
        conn.executemany(
            "INSERT INTO timeline_entries (subject_type, subject_id, office_id, kind, body, actor_user_id,"
            " actor_label, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            batch,
        )
        conn.execute("COMMIT")
    conn.execute("ANALYZE")
    return {"people": people, "offices": offices, "entries_seconds": round(time.perf_counter() - started, 1)}


class Counting(SqliteDatabase):
    """The app's database, counting the statements a call runs (the raw side must run the same ones)."""

    statements = 0

    def _execute(self, st: Statement) -> Result:
        self.statements += 1
        return super()._execute(st)


class GcWatch:
    """Python's garbage collections while the timed calls run: how many, and the longest pause."""

    def __init__(self) -> None:
        self.count, self.longest_ms, self._t = 0, 0.0, 0.0

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._t = time.perf_counter()
        else:
            self.count += 1
            self.longest_ms = max(self.longest_ms, (time.perf_counter() - self._t) * 1000)


def _ms(samples: list[float]) -> dict[str, float]:
    s = sorted(samples)
    return {"p50_ms": round(percentile(s, 50), 2), "p95_ms": round(percentile(s, 95), 2),
            "p99_ms": round(percentile(s, 99), 2)}  # fmt: skip


async def paired(
    call: Callable[[], Awaitable[Any]], conn: sqlite3.Connection, sql: str, params: list[Any], runs: int
) -> tuple[dict[str, float], dict[str, float], GcWatch]:
    """The domain call and its raw SELECT timed in alternation (app, raw, app, raw …), so a burst of
    other work on the shared machine lands on both sides alike instead of on one side's block. Each
    sample is taken twice: wall time, and the thread's CPU time (`time.thread_time`, which leaves out
    the time spent waiting for a core while other processes run)."""
    for _ in range(5):
        await call()
        conn.execute(sql, params).fetchall()
    app, raw, app_cpu, raw_cpu, watch = [], [], [], [], GcWatch()
    gc.callbacks.append(watch)
    try:
        for _ in range(runs):
            t, c = time.perf_counter(), time.thread_time()
            await call()
            app.append((time.perf_counter() - t) * 1000)
            app_cpu.append((time.thread_time() - c) * 1000)
            t, c = time.perf_counter(), time.thread_time()
            conn.execute(sql, params).fetchall()
            raw.append((time.perf_counter() - t) * 1000)
            raw_cpu.append((time.thread_time() - c) * 1000)
    finally:
        gc.callbacks.remove(watch)
    cpu_app, cpu_raw = _ms(app_cpu), _ms(raw_cpu)
    return (
        {**_ms(app), "cpu_p95_ms": cpu_app["p95_ms"]},
        {**_ms(raw), "cpu_p95_ms": cpu_raw["p95_ms"]},
        watch,
    )


async def timed(call: Callable[[], Awaitable[Any]], runs: int) -> dict[str, float]:
    for _ in range(5):
        await call()
    samples = []
    for _ in range(runs):
        t = time.perf_counter()
        await call()
        samples.append((time.perf_counter() - t) * 1000)
    return {"p50_ms": round(percentile(sorted(samples), 50), 2), "p95_ms": round(percentile(sorted(samples), 95), 2)}


async def measure_tasks_and_timeline(path: Path, args: argparse.Namespace, seeded: dict[str, Any]) -> dict[str, Any]:
    db = Counting(connect(path))
    raw = connect(path)
    agent = await users.get(db, seeded["people"][42])
    admin = await users.get(db, seeded["people"][3])
    assert agent and admin
    out: dict[str, Any] = {}
    out["my_tasks"] = await timed(lambda: tasks.listing(db, agent, "mine", "open"), args.runs)
    out["my_office"] = await timed(lambda: tasks.listing(db, agent, "office", "open"), args.runs)
    out["badge"] = await timed(lambda: tasks.badge_count(db, agent, NOW), args.runs)
    first_rows, cursor = await feed.page(db, admin, feed.Filters())
    parsed = feed.parse_cursor(cursor)
    deep = feed.parse_cursor(f"{iso(NOW - timedelta(days=700))}|{10**9}")
    for name, cur, f in (
        ("timeline_first", None, feed.Filters()),
        ("timeline_next", parsed, feed.Filters()),
        ("timeline_deep", deep, feed.Filters()),
        ("timeline_calls_user", None, feed.Filters(types=("call",), user_id=seeded["people"][13])),
    ):
        sql, params = feed.sql(admin, f, cur)
        before = db.statements
        await feed.page(db, admin, f, cur)
        statements = db.statements - before  # feed.page runs exactly this one SELECT: the raw side's
        plan = " / ".join(r[3] for r in raw.execute(f"EXPLAIN QUERY PLAN {sql}", params))
        call = lambda cur=cur, f=f: feed.page(db, admin, f, cur)  # noqa: E731
        app, baseline, watch = await paired(call, raw, sql, params, args.runs)
        out[name] = {
            **app,
            "raw_p50_ms": baseline["p50_ms"],
            "raw_p95_ms": baseline["p95_ms"],
            "ratio": round(app["p95_ms"] / max(baseline["p95_ms"], 0.01), 2),
            "raw_cpu_p95_ms": baseline["cpu_p95_ms"],
            "cpu_ratio": round(app["cpu_p95_ms"] / max(baseline["cpu_p95_ms"], 0.01), 2),
            "statements": statements,
            "gc_collections": watch.count,
            "gc_longest_ms": round(watch.longest_ms, 2),
            "sorts": "TEMP B-TREE" in plan,
            "plan": plan,
        }
    assert len(first_rows) == feed.PAGE
    db.close()
    raw.close()
    return out


def report_file(args: argparse.Namespace) -> tuple[Path, dict[str, Any]]:
    """The 1M-lead file of bench/reports_summary.py (built outside any event loop: leadgen runs its own),
    copied once more with `--jobs` jobs added (cached beside it)."""
    import reports_summary

    base, meta = reports_summary.ensure(args.leads, args.customers)
    if not args.jobs:
        return base, meta
    path = base.with_name(f"{base.stem}-jobs{args.jobs}.sqlite3")
    meta_path = path.with_suffix(".json")
    if path.exists() and meta_path.exists():
        saved = json.loads(meta_path.read_text())
        if saved.get("base_generated_at") == meta.get("generated_at") and saved.get("jobs") == args.jobs:
            return path, {**meta, **saved, "cached": True}
    partial = path.with_suffix(".partial.sqlite3")
    shutil.copyfile(base, partial)
    with closing(connect(partial)) as conn:
        added = add_jobs(conn, args.jobs)
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    partial.replace(path)
    saved = {"base_generated_at": meta.get("generated_at"), "jobs": args.jobs, **added}
    meta_path.write_text(json.dumps(saved, indent=2) + "\n")
    return path, {**meta, **saved, "cached": False}


JOB_STATUSES = (("done", 55), ("cancelled", 10), ("in_progress", 10), ("deposit", 5), ("pending", 5), ("submitted", 15))


def add_jobs(conn: sqlite3.Connection, n: int) -> dict[str, Any]:
    """N jobs over the year before NOW across the file's offices, inserted as rows (bench data): the
    rollup rows of `report_job_days` come from 0034's insert trigger, the way every job the app
    writes makes them, and the search terms from 0028's."""
    rnd = random.Random(2023)
    offices = [(r[0], r[1]) for r in conn.execute("SELECT id, time_zone FROM offices ORDER BY id")]
    users_ids = [r[0] for r in conn.execute("SELECT id FROM users WHERE role != 'partner' ORDER BY id")]
    first = int(conn.execute("SELECT last FROM job_counter").fetchone()[0]) + 1
    statuses, weights = zip(*JOB_STATUSES, strict=True)
    sql = (
        "INSERT INTO jobs (display_id, uuid, office_id, first_name, last_name, phone, phone_last10, address,"
        " job_type_label, partner_label, time_zone, date_start, time_start, date_end, time_end, start_at, end_at,"
        " advance_at, status, status_changed_at, k_confirmed, rebooked_at, closing_cents, parts_cents,"
        " deposit_cents, created_by, created_at, updated_at)"
        " VALUES (" + ", ".join("?" * 28) + ")"
    )
    started = time.perf_counter()
    span = 365 * 86_400
    conn.execute("BEGIN")
    for base in range(0, n, 10_000):
        batch = []
        for i in range(base, min(base + 10_000, n)):
            number = first + i
            office, zone = offices[i % len(offices)]
            created = NOW - timedelta(seconds=span * (n - i) / n)
            start = created + timedelta(days=rnd.randint(1, 14), hours=rnd.randint(0, 8))
            end = start + timedelta(hours=2)
            status = rnd.choices(statuses, weights)[0]
            phone = f"{rnd.randint(201, 989)}{rnd.randint(200, 999)}{rnd.randint(0, 9999):04d}"
            closing = rnd.randint(9_000, 250_000) if status == "done" else None
            batch.append((
                f"J-{number}", f"bench-job-{number}", office, "Jordan", f"Client {number}", f"+1{phone}", phone,
                f"{rnd.randint(1, 9999)} Main St", "Garage door repair", "Direct", zone,
                start.date().isoformat(), start.strftime("%H:%M"), end.date().isoformat(), end.strftime("%H:%M"),
                iso(start), iso(end), iso(end), status, iso(created), int(rnd.random() < 0.3),
                iso(created + timedelta(days=1)) if rnd.random() < 0.05 else None, closing,
                closing // 5 if closing else None, 5_000 if status == "deposit" else None,
                rnd.choice(users_ids), iso(created), iso(created),
            ))  # fmt: skip
        conn.executemany(sql, batch)
        print(f"  jobs: {min(base + 10_000, n):,}/{n:,}", file=sys.stderr, flush=True)
    conn.execute("UPDATE job_counter SET last = ?", (first + n - 1,))
    conn.execute("COMMIT")
    conn.execute("ANALYZE")
    rollup_rows = conn.execute("SELECT count(*) FROM report_job_days").fetchone()[0]
    return {"jobs_insert_seconds": round(time.perf_counter() - started, 1), "job_rollup_rows": rollup_rows}


async def measure_report(args: argparse.Namespace, path: Path, meta: dict[str, Any]) -> dict[str, Any]:
    with closing(connect(path)) as conn:
        # a file cached before the newest migrations catches up the way a deployed database does
        caught_up = migrations.migrate(conn)
        conn.execute("UPDATE offices SET jobs_enabled = 1")  # the email's Jobs section covers Jobs offices only
        conn.commit()
    db = SqliteDatabase(connect(path))
    window = report_emails.latest_window("monthly", NOW)
    samples = []
    size = 0
    for _ in range(5):
        t = time.perf_counter()
        _, _, html = await report_emails.build(db, datetime.now(UTC), window)
        samples.append(time.perf_counter() - t)
        size = len(html)
    reader = await report_emails._reader(db)
    s = await report_emails.report_summary.summary(
        db, reader, datetime.now(UTC), "custom", start=window.start, end=window.end
    )
    in_window = s["jobs"]["tiles"]["jobs"] if s.get("jobs") else 0
    facets = (await db.first("SELECT count(*) AS n FROM report_job_facets"))["n"]
    day_rows = (await db.first("SELECT count(*) AS n FROM report_job_days"))["n"]
    db.close()
    return {"leads": args.leads, "customers": args.customers, "jobs": args.jobs, "window": window.label,
            "jobs_in_window": in_window, "job_rollup_rows": day_rows, "job_facet_rows": facets,
            "caught_up": caught_up, "cached": meta.get("cached"),
            "first_s": round(samples[0], 3), "median_s": round(sorted(samples)[2], 3), "html_bytes": size}  # fmt: skip


def markdown(results: dict[str, Any]) -> str:
    t = results["timeline"]
    start, end = report.markers("tasks")
    lines = [
        start,
        "## Tasks, the global timeline, the emailed report (issue 23)",
        "",
        f"Measured {results['measured_at']} on {results['machine']['cpu']}"
        f" ({results['machine']['nproc']} cores, shared), "
        "in-process (the functions the routes call, no HTTP), `bench/tasks.py`.",
        "",
        f"**{results['tasks']:,} tasks** (70% done, 40% office-assigned), 200 users, 5 offices:",
        "",
        "| read | p50 ms | p95 ms | target |",
        "|---|---|---|---|",
    ]
    for name in ("my_tasks", "my_office", "badge"):
        r = t[name]
        lines.append(
            f"| {name.replace('_', ' ')} | {r['p50_ms']} | {r['p95_ms']} | p95 ≤ {TARGETS['tasks_p95_ms']:.0f} |"
        )
    lines += [
        "",
        f"**{results['entries']:,} timeline entries** (90% on leads), an admin of one office (office-scoped)."
        " Each page is `feed.page`, the function `/timeline` and `/api/timeline` call; beside it the same"
        " statement (`feed.sql`'s text and parameters) straight through sqlite3. `feed.page` runs exactly one"
        " statement per page (counted through the database wrapper: the office, lead and job names are joins"
        " in it, no look-ups after), so the raw side runs that one too; the two are timed in alternation so"
        " the shared machine's other work falls on both alike.",
        "",
        "| page | p50 ms | p95 ms | p99 ms | raw p50 ms | raw p95 ms | ratio (p95) | CPU p95 ms: page / raw"
        " | CPU ratio | statements | GCs | target |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name in ("timeline_first", "timeline_next", "timeline_deep", "timeline_calls_user"):
        r = t[name]
        lines.append(
            f"| {name.removeprefix('timeline_').replace('_', ' ')} | {r['p50_ms']} | {r['p95_ms']} | {r['p99_ms']}"
            f" | {r['raw_p50_ms']} | {r['raw_p95_ms']} | {r['ratio']}× | {r['cpu_p95_ms']} / {r['raw_cpu_p95_ms']}"
            f" | {r['cpu_ratio']}× | {r['statements']} | {r['gc_collections']} |"
            f" p95 ≤ {TARGETS['timeline_p95_ms']:.0f}, ≤ {TARGETS['timeline_ratio']:.0f}× |"
        )
    plans = sorted({t[n]["plan"] for n in t if n.startswith("timeline_")})
    lines += ["", "Query plans (no page sorts: each walks its index in order and stops at 51 rows):", ""]
    lines += [f"- `{p}`" for p in plans]
    pages = [t[n] for n in t if n.startswith("timeline_")]
    lines += [
        "",
        "Where the earlier runs' p95 tail (17–20 ms, 60–100× the raw SQL at a p50 equal to it) came from,"
        " profiled in-process at 100,000–300,000 entries before this run: not extra queries (one statement per"
        " page, above), not a missing index or a sort (the plans above), not garbage collection"
        f" ({sum(r['gc_collections'] for r in pages)} collections during this run's timed page reads; disabling"
        " the collector changed nothing). What the page does beyond the raw SELECT is Python work per row:"
        " turning the 51 rows into dicts, which `dict(sqlite3.Row)` made a third of the page's time; the"
        " storage layer now builds them from plain tuples (`core/storage/sqlite.py` `_dicts`; p50 0.20 → 0.17 ms"
        " beside the raw 0.125 ms at 100,000 entries). The tail itself is the wait for a core: on this shared"
        " 2-core machine about 5% of samples on either side are preempted by other processes for one to a few"
        " scheduler slices (the p99 of page and raw are equal), and a p95 that sits on that 5% edge flips between"
        " the body and the tail for a call a few tenths of a millisecond longer. Earlier runs timed all page reads"
        " and then all raw reads, so a burst of load fell on one side; now the two alternate, and each sample is"
        " also taken in thread CPU time (`time.thread_time`, which leaves out that wait): the CPU ratio is the"
        " page's own cost against the same statement's.",
    ]
    rep = results.get("report")
    if rep:
        lines += [
            "",
            f"**Monthly report email** at {rep['leads']:,} leads, {rep['customers']:,} customers and"
            f" {rep['jobs']:,} jobs (the lead file of bench/reports_summary.py plus jobs inserted as rows, so"
            f" 0034's trigger wrote their `report_job_days` rows as the app's writes do; after 0036 the rollups"
            f" hold {rep['job_rollup_rows']:,} day rows and {rep['job_facet_rows']:,} facet rows), window"
            f" {rep['window']} ({rep['jobs_in_window']:,} jobs in it): first build {rep['first_s']} s,"
            f" median of 5 {rep['median_s']} s (target ≤ {TARGETS['report_s']:.0f} s); {rep['html_bytes']:,} bytes"
            " of HTML. The first build includes whatever catch-up of the rollups the file still needs"
            " (`reports.rollups.prepare`; none when an earlier run already built them), which the one-minute"
            " cron keeps done in a running workspace; the median is the email built from the rollups, the Jobs"
            " section included (it reads `report_job_days` and `report_job_facets` since migration 0036)."
            + (
                f" The cached file was migrated forward first ({', '.join(rep['caught_up'])})."
                if rep["caught_up"]
                else ""
            ),
        ]
    lines += ["", f"Seeding the entries took {results['entries_seconds']} s. {results['load']}", end]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    before = report.load_average()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "tasks.sqlite3"
        with closing(connect(path)) as conn:
            migrations.migrate(conn)
            print(f"seeding {args.tasks:,} tasks and {args.entries:,} entries …", file=sys.stderr, flush=True)
            seeded = seed(conn, args.tasks, args.entries)
        timeline = asyncio.run(measure_tasks_and_timeline(path, args, seeded))
    print(json.dumps(timeline, indent=2), file=sys.stderr, flush=True)
    rep = asyncio.run(measure_report(args, *report_file(args))) if args.leads else None
    results = {
        "measured_at": report.now_utc(),
        "machine": report.machine(),
        "tasks": args.tasks,
        "entries": args.entries,
        "entries_seconds": seeded["entries_seconds"],
        "timeline": timeline,
        "report": rep,
        "load": report.load_sentence(before, report.load_average(), report.machine()["nproc"]),
    }
    print(json.dumps(results, indent=2))
    report.write_json(results, prefix="tasks")
    if not args.no_doc:
        report.write_section("tasks", markdown(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

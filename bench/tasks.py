"""Tasks benchmarks (issue 23): My Tasks and the 📋 badge at 100,000 tasks, the global timeline's first
and next page at 5,000,000 timeline entries beside the raw SQL, and building one monthly report email
from the rollups at 1,000,000 leads.

Usage: `.venv/bin/python bench/tasks.py` (`--help` for sizes). In-process against a throwaway SQLite
file migrated like the app's: the domain functions the routes call (`tasks.listing`,
`tasks.badge_count`, `feed.page`, `report_emails.build`), without HTTP, timed per call; the timeline
beside the same SELECT run straight through sqlite3. Seeding 5M entries takes a few minutes on the
shared 2-CPU machine; `--entries` takes a smaller size. The report part reuses the 1M-lead file of
bench/reports_summary.py (`--leads 0` skips it). Writes the `bench:tasks` section of
docs/performance.md and bench/results/tasks-*.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
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
from core.storage import migrations  # noqa: E402
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


async def timed(call: Callable[[], Awaitable[Any]], runs: int) -> dict[str, float]:
    for _ in range(5):
        await call()
    samples = []
    for _ in range(runs):
        t = time.perf_counter()
        await call()
        samples.append((time.perf_counter() - t) * 1000)
    return {"p50_ms": round(percentile(sorted(samples), 50), 2), "p95_ms": round(percentile(sorted(samples), 95), 2)}


def timed_raw(conn: sqlite3.Connection, sql: str, params: list[Any], runs: int) -> dict[str, float]:
    for _ in range(5):
        conn.execute(sql, params).fetchall()
    samples = []
    for _ in range(runs):
        t = time.perf_counter()
        conn.execute(sql, params).fetchall()
        samples.append((time.perf_counter() - t) * 1000)
    return {"p50_ms": round(percentile(sorted(samples), 50), 2), "p95_ms": round(percentile(sorted(samples), 95), 2)}


async def measure_tasks_and_timeline(path: Path, args: argparse.Namespace, seeded: dict[str, Any]) -> dict[str, Any]:
    db = SqliteDatabase(connect(path))
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
        app = await timed(lambda cur=cur, f=f: feed.page(db, admin, f, cur), args.runs)
        sql, params = feed.sql(admin, f, cur)
        baseline = timed_raw(raw, sql, params, args.runs)
        out[name] = {
            **app,
            "raw_p95_ms": baseline["p95_ms"],
            "ratio": round(app["p95_ms"] / max(baseline["p95_ms"], 0.01), 2),
        }
    assert len(first_rows) == feed.PAGE
    db.close()
    raw.close()
    return out


def report_file(args: argparse.Namespace) -> tuple[Path, dict[str, Any]]:
    """The 1M-lead file of bench/reports_summary.py (built outside any event loop: leadgen runs its own)."""
    import reports_summary

    return reports_summary.ensure(args.leads, args.customers)


async def measure_report(args: argparse.Namespace, path: Path, meta: dict[str, Any]) -> dict[str, Any]:
    db = SqliteDatabase(connect(path))
    window = report_emails.latest_window("monthly", NOW)
    samples = []
    size = 0
    for _ in range(5):
        t = time.perf_counter()
        _, _, html = await report_emails.build(db, datetime.now(UTC), window)
        samples.append(time.perf_counter() - t)
        size = len(html)
    db.close()
    return {"leads": args.leads, "customers": args.customers, "cached": meta.get("cached"),
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
        f"**{results['entries']:,} timeline entries** (90% on leads), an admin of one office (office-scoped):",
        "",
        "| page | p50 ms | p95 ms | raw SQL p95 ms | ratio | target |",
        "|---|---|---|---|---|---|",
    ]
    for name in ("timeline_first", "timeline_next", "timeline_deep", "timeline_calls_user"):
        r = t[name]
        lines.append(
            f"| {name.removeprefix('timeline_').replace('_', ' ')} | {r['p50_ms']} | {r['p95_ms']}"
            f" | {r['raw_p95_ms']} |"
            f" {r['ratio']}× | p95 ≤ {TARGETS['timeline_p95_ms']:.0f}, ≤ {TARGETS['timeline_ratio']:.0f}× |"
        )
    rep = results.get("report")
    if rep:
        lines += [
            "",
            f"**Monthly report email** at {rep['leads']:,} leads and {rep['customers']:,} customers (the rollups of"
            f" bench/reports_summary.py): first build {rep['first_s']} s, median of 5 {rep['median_s']} s"
            f" (target ≤ {TARGETS['report_s']:.0f} s); {rep['html_bytes']:,} bytes of HTML. The first build"
            " includes the rollups' catch-up of a freshly generated file (`reports.rollups.prepare`), which the"
            " one-minute cron keeps done in a running workspace; the median is the email built from the rollups.",
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

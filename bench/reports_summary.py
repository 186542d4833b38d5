"""The reports summary at scale: `reports.summary` in-process against one hand-written SQL script.

Usage: `.venv/bin/python bench/reports_summary.py` (`--help` for sizes, runs, time budget). Builds (or
reuses) bench/results/reports-L-C.sqlite3: the cached leads file of bench/leadgen.py (L leads over
the past year), plus C customers from bench/customergen.py and the activity the lead verbs would
have written to the audit log (a claim, a first call attempt, a conversion). Then, for the demo owner
(every office) and the demo agent (Garage), it times the summary — what `GET /api/reports/summary`
returns, without HTTP — beside a script of plain SELECTs over `leads`, `audit_log` and `customers`
that computes the same figures the way one would without rollups, checks that both agree, and
writes the `bench:reports` section of docs/performance.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import sqlite3
import sys
import time
from collections.abc import Awaitable, Callable
from contextlib import closing
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import customergen
import leadgen
import report
import servers
from accounts import users
from core.storage import migrations
from core.storage.sqlite import SqliteDatabase, connect
from loadgen import percentile
from reports import rollups as report_rollups
from reports import summary as reports

GENERATOR_VERSION = 1
TARGET_P95_MS = 500.0
OWNER, AGENT = "owner@porchlight.test", "agent@porchlight.test"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--leads", type=int, default=1_000_000, help="leads (default 1,000,000)")
    p.add_argument("--customers", type=int, default=200_000, help="customers (default 200,000)")
    p.add_argument("--runs", type=int, default=30, help="timed runs per case and side, at most (default 30)")
    p.add_argument("--min-runs", type=int, default=5, help="timed runs per case and side, at least (default 5)")
    p.add_argument("--budget", type=float, default=5.0, help="seconds of timed runs per case and side (default 5)")
    p.add_argument("--no-doc", action="store_true", help="do not rewrite docs/performance.md")
    args = p.parse_args(argv)
    if not (1_000 <= args.leads <= 5_000_000 and 100 <= args.customers <= 1_000_000):
        p.error("--leads must be in [1000, 5000000] and --customers in [100, 1000000]")
    if not (1 <= args.min_runs <= args.runs <= 1_000 and 0.1 <= args.budget <= 120):
        p.error("1 <= --min-runs <= --runs <= 1000, and --budget in [0.1, 120] seconds")
    return args


# --- the database --------------------------------------------------------------------------------------


def _meta(leads_n: int, customers_n: int) -> dict[str, Any]:
    return {
        "leads": leads_n,
        "customers": customers_n,
        "generator_version": GENERATOR_VERSION,
        "leadgen_version": leadgen.GENERATOR_VERSION,
        "customergen_version": customergen.GENERATOR_VERSION,
        "migrations": [m.name for m in migrations.available()],
    }


def ensure(leads_n: int, customers_n: int) -> tuple[Path, dict[str, Any]]:
    path = report.RESULTS / f"reports-{leads_n}-{customers_n}.sqlite3"
    meta_path = path.with_suffix(".json")
    if path.exists() and meta_path.exists():
        meta = json.loads(meta_path.read_text())
        if all(meta.get(k) == v for k, v in _meta(leads_n, customers_n).items()):
            return path, {**meta, "cached": True}
    base = leadgen.ensure(leads_n, report.RESULTS)
    partial = path.with_suffix(".partial.sqlite3")
    shutil.copyfile(base.path, partial)
    started = time.perf_counter()
    with closing(connect(partial)) as conn:
        counts = customergen._insert(conn, customers_n, base.now)
        print("  activity …", file=sys.stderr, flush=True)
        conn.execute("BEGIN")
        events = _activity(conn)
        conn.execute("COMMIT")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    seconds = time.perf_counter() - started
    partial.replace(path)
    meta = {
        **_meta(leads_n, customers_n),
        "generated_at": base.meta["generated_at"],
        "leads_insert_seconds": base.meta.get("insert_seconds"),
        "customers_and_activity_seconds": round(seconds, 1),
        "audit_events": events,
        **counts,
    }
    meta_path.write_text(json.dumps(meta, indent=2) + "\n")
    return path, {**meta, "cached": False}


def _activity(conn: sqlite3.Connection) -> int:
    """What the lead verbs would have logged: the claim of each worked lead (3 minutes in), its first
    call attempt (when it was first answered) and, for converted leads, the conversion a minute later.
    Written as audit rows, so the rollup trigger counts them as it counts the app's own."""
    before = conn.execute("SELECT COUNT(*) FROM audit_log").fetchone()[0]
    insert = (
        "INSERT INTO audit_log (created_at, actor_user_id, actor_label, office_id, action, summary, meta)"
        " SELECT {at}, coalesce(claimed_by, (SELECT id FROM users WHERE role = 'agent' LIMIT 1)), 'Staff', office_id,"
        " '{action}', 'benchmark', json_object('lead', display_id) FROM leads WHERE {where} ORDER BY id"
    )
    conn.execute(insert.format(at="claimed_at", action="lead.claimed", where="claimed_at IS NOT NULL"))
    conn.execute(insert.format(at="first_response_at", action="lead.call_attempt", where="call_count > 0"))
    later = "strftime('%Y-%m-%dT%H:%M:%fZ', updated_at, '+60 seconds')"
    conn.execute(insert.format(at=later, action="lead.converted", where="status = 'converted'"))
    return int(conn.execute("SELECT COUNT(*) FROM audit_log").fetchone()[0]) - before


# --- the hand-written script --------------------------------------------------------------------------

_DAY = report_rollups.day_sql("{o}", "{t}")


def raw_script(conn: sqlite3.Connection, spans: list[list[Any]], ids: list[int]) -> dict[str, Any]:
    """The figures straight from the base tables: per office, [start, end) in UTC from the local dates
    (as the app's periods give them), local days through the same offset table the app keeps."""
    r = json.dumps(spans)
    office_ids = json.dumps(ids)
    ranged = (
        "FROM json_each(?) r JOIN leads l ON l.office_id = json_extract(r.value, '$[0]')"
        " AND l.created_at >= json_extract(r.value, '$[1]') AND l.created_at < json_extract(r.value, '$[2]')"
    )
    seconds = (
        "CASE WHEN l.first_response_at IS NULL THEN 0 ELSE max(0, CAST(round((julianday(l.first_response_at)"
        " - julianday(l.created_at)) * 86400) AS INTEGER)) END"
    )
    out: dict[str, Any] = {}
    out["status"] = {
        row[0]: (row[1], row[2], row[3])
        for row in conn.execute(
            f"SELECT l.status, COUNT(*), COUNT(l.first_response_at), SUM({seconds}) {ranged} GROUP BY l.status", (r,)
        )
    }
    out["sources"] = dict(
        conn.execute(f"SELECT l.source_key, COUNT(*) {ranged} GROUP BY l.source_key", (r,)).fetchall()
    )
    day = _DAY.format(o="l.office_id", t="l.created_at")
    out["days"] = {
        row[0]: (row[1], row[2], row[3])
        for row in conn.execute(
            f"SELECT {day} AS d, SUM(l.status = 'converted'), SUM(l.status NOT IN ('converted', 'irrelevant')),"
            f" SUM(l.status = 'irrelevant') {ranged} GROUP BY d",
            (r,),
        )
    }
    out["attempts"] = {
        row[0]: (row[1], row[2])
        for row in conn.execute(
            f"SELECT min(l.call_count, 10) AS a, COUNT(*), SUM(l.status = 'converted') {ranged} GROUP BY a", (r,)
        )
    }
    out["pipeline"] = dict(
        conn.execute(
            "SELECT status, COUNT(*) FROM leads WHERE archived_at IS NULL"
            " AND office_id IN (SELECT value FROM json_each(?)) GROUP BY status",
            (office_ids,),
        ).fetchall()
    )
    out["agents"] = {
        (row[0], row[1]): row[2]
        for row in conn.execute(
            "SELECT a.actor_user_id, a.action, COUNT(*) FROM json_each(?) r JOIN audit_log a"
            " ON a.office_id = json_extract(r.value, '$[0]') AND a.created_at >= json_extract(r.value, '$[1]')"
            " AND a.created_at < json_extract(r.value, '$[2]') WHERE a.action IN ('lead.call_attempt',"
            " 'lead.claimed', 'lead.converted') GROUP BY a.actor_user_id, a.action",
            (r,),
        )
    }
    out["customers"] = dict(
        conn.execute(
            "SELECT c.source, COUNT(*) FROM json_each(?) r JOIN customers c"
            " ON c.office_id = json_extract(r.value, '$[0]')"
            " AND c.created_at >= json_extract(r.value, '$[1]') AND c.created_at < json_extract(r.value, '$[2]')"
            " WHERE c.archived_at IS NULL GROUP BY c.source",
            (r,),
        ).fetchall()
    )
    out["missing_customers"] = conn.execute(
        "SELECT COUNT(*) FROM customers WHERE source = '' AND archived_at IS NULL"
        " AND office_id IN (SELECT value FROM json_each(?))",
        (office_ids,),
    ).fetchone()[0]
    return out


def from_app(s: dict[str, Any]) -> dict[str, Any]:
    """The same figures picked out of the app's answer, for the comparison."""
    t = s["tiles"]
    status = {r["status"]: r["leads"] for r in s["leads_by_status"] if r["leads"]}
    pipeline = {r["status"]: r["leads"] for r in s["pipeline"] if r["leads"]}
    actions = {"calls": "lead.call_attempt", "claims": "lead.claimed", "conversions": "lead.converted"}
    agents = {(a["user_id"], actions[k]): a[k] for a in s["agents"] for k in actions if a[k]}
    return {
        "status": status,
        "responded": t["responded"],
        "sources": {r["source"]: r["leads"] for r in s["source_mix"]},
        "days": {
            d["date"]: (d["converted"], d["open"], d["irrelevant"])
            for d in s["status_by_day"]
            if any((d["converted"], d["open"], d["irrelevant"]))
        },
        "attempts": {r["attempts"]: (r["leads"], r["converted"]) for r in s["conversion_by_attempt"] if r["leads"]},
        "pipeline": pipeline,
        "agents": agents,
        "customers": t["customers"],
        "missing_customers": s["missing_source"]["customers"],
    }


def from_raw(raw: dict[str, Any]) -> dict[str, Any]:
    return {
        "status": {k: v[0] for k, v in raw["status"].items()},
        "responded": sum(v[1] for v in raw["status"].values()),
        "sources": raw["sources"],
        "days": raw["days"],
        "attempts": raw["attempts"],
        "pipeline": raw["pipeline"],
        "agents": raw["agents"],
        "customers": sum(raw["customers"].values()),
        "missing_customers": raw["missing_customers"],
    }


# --- measuring ---------------------------------------------------------------------------------------


def _stats(samples: list[float], result: Any) -> dict[str, Any]:
    ordered = sorted(samples)
    return {
        "p50_ms": percentile(ordered, 50),
        "p95_ms": percentile(ordered, 95),
        "runs": len(ordered),
        "result": result,
    }


def _enough(samples: list[float], spent: float, args: argparse.Namespace) -> bool:
    return len(samples) >= args.runs or (len(samples) >= args.min_runs and spent >= args.budget)


async def timed_app(call: Callable[[], Awaitable[Any]], args: argparse.Namespace) -> dict[str, Any]:
    """One untimed warm-up call, then up to --runs timed ones: at least --min-runs, else --budget."""
    result = await call()
    samples: list[float] = []
    spent = 0.0
    while not _enough(samples, spent, args):
        start = time.perf_counter()
        result = await call()
        elapsed = time.perf_counter() - start
        spent += elapsed
        samples.append(elapsed * 1000)
    return _stats(samples, result)


def timed_raw(call: Callable[[], Any], args: argparse.Namespace) -> dict[str, Any]:
    result = call()
    samples: list[float] = []
    spent = 0.0
    while not _enough(samples, spent, args):
        start = time.perf_counter()
        result = call()
        elapsed = time.perf_counter() - start
        spent += elapsed
        samples.append(elapsed * 1000)
    return _stats(samples, result)


def cases(now: datetime) -> list[tuple[str, str, date | None, date | None]]:
    today = now.date()
    return [
        ("this month", "month", None, None),
        ("year to date", "year", None, None),
        ("the last 365 days (custom)", "custom", today - timedelta(days=364), today),
    ]


async def measure(path: Path, meta: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    db = SqliteDatabase.open(path)
    raw = connect(path)
    now = datetime.fromisoformat(meta["generated_at"].replace("Z", "+00:00"))
    try:
        owner, agent = await users.by_email(db, OWNER), await users.by_email(db, AGENT)
        if owner is None or agent is None:
            raise servers.BenchSetupError("the database lacks the demo owner or agent")
        await db.run("DELETE FROM report_zones")  # time the first build, as after deploying migration 0014
        start = time.perf_counter()
        await report_rollups.prepare(db, now)
        build_s = time.perf_counter() - start
        rollup_rows = {t: raw.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in report_rollups.ROLLUPS}
        results = []
        for who, user in (("owner", owner), ("agent", agent)):
            for label, kind, first, last in cases(now):
                print(f"  {who}: {label} …", file=sys.stderr, flush=True)
                app = await timed_app(
                    lambda u=user, k=kind, a=first, b=last: reports.summary(db, u, now, k, start=a, end=b), args
                )
                summary = app.pop("result")
                spans = [
                    [p["office_id"], p["starts_at"].replace("Z", ".000Z"), p["ends_at"].replace("Z", ".000Z")]
                    for p in summary["period"]["per_office"]
                ]
                ids = [o["id"] for o in summary["offices"]]
                hand = timed_raw(lambda s=spans, i=ids: raw_script(raw, s, i), args)
                raw_figures = hand.pop("result")
                mine, theirs = from_app(summary), from_raw(raw_figures)
                differ = sorted(k for k in mine if mine[k] != theirs[k])
                results.append(
                    {
                        "user": who,
                        "case": label,
                        "period": f"{summary['period']['start']} – {summary['period']['end']}",
                        "leads_in_period": summary["tiles"]["leads"],
                        "customers_in_period": summary["tiles"]["customers"],
                        "app": app,
                        "raw": hand,
                        "same": not differ,
                        "differ": differ,
                    }
                )
        return {"build_seconds": round(build_s, 1), "rollup_rows": rollup_rows, "cases": results}
    finally:
        db.close()
        raw.close()


# --- reporting ---------------------------------------------------------------------------------------


def _ok(p95: float) -> str:
    return "yes" if p95 <= TARGET_P95_MS else "**no**"


def console_table(cases_: list[dict[str, Any]]) -> str:
    lines = [f"{'user':6} {'case':28} {'leads':>9} {'app p50':>8} {'app p95':>8} {'raw p50':>8} {'raw p95':>8} same"]
    for c in cases_:
        lines.append(
            f"{c['user']:6} {c['case']:28} {c['leads_in_period']:>9,}"
            f" {c['app']['p50_ms']:>8.1f} {c['app']['p95_ms']:>8.1f}"
            f" {c['raw']['p50_ms']:>8.1f} {c['raw']['p95_ms']:>8.1f} {c['same']}"
        )
    return "\n".join(lines)


def markdown_section(results: dict[str, Any]) -> str:
    start, end = report.markers("reports")
    m, d, r = results["machine"], results["database"], results["measured"]
    rows = [
        f"| {c['user']} | {c['case']} ({c['period']}) | {c['leads_in_period']:,} | {c['customers_in_period']:,} |"
        f" {c['app']['p50_ms']:.1f} | {c['app']['p95_ms']:.1f} | {c['raw']['p50_ms']:.1f} | {c['raw']['p95_ms']:.1f} |"
        f" {c['app']['runs']} / {c['raw']['runs']} | {'yes' if c['same'] else 'no: ' + ', '.join(c['differ'])} |"
        f" {_ok(c['app']['p95_ms'])} |"
        for c in r["cases"]
    ]
    worst = max(r["cases"], key=lambda c: c["app"]["p95_ms"])
    met = sum(c["app"]["p95_ms"] <= TARGET_P95_MS for c in r["cases"])
    rollups = ", ".join(f"`{k}` {v:,}" for k, v in r["rollup_rows"].items())
    return "\n".join(
        [
            start,
            "## The reports summary at 1,000,000 leads and 200,000 customers",
            "",
            "How to run: `.venv/bin/python bench/reports_summary.py` (`--help` for sizes, runs and time budget; the"
            " database is generated once and cached in `bench/results/`).",
            "",
            f"Generated by `bench/reports_summary.py` on {results['date']}.",
            f"Machine: {m['nproc']} CPUs ({m['cpu']}), {m['python']}, SQLite {sqlite3.sqlite_version}, {m['kernel']};"
            " a shared machine: other engineers' tests ran beside it, so absolute times move by tens of percent;"
            " compare app with raw within the run. "
            + (
                report.load_sentence(results["load_before"], results["load_after"], m["nproc"])
                if "load_before" in results
                else f"Load average {results['load']} when the cases started."
            ),
            "",
            f"Data: the cached file of `bench/leadgen.py` ({d['leads']:,} leads over the 12 months before"
            f" {d['generated_at']}, five offices in five time zones) plus {d['customers']:,} customers from"
            " `bench/customergen.py` (created over three years; 10% without a source) and"
            f" {d['audit_events']:,} audit rows of activity (each worked lead's claim, each called lead's first call"
            " attempt, each converted lead's conversion), all inserted with migration 0014's triggers in place."
            f" Building every office's rollups from scratch (what the first report after deploying 0014 does):"
            f" {r['build_seconds']} s. Rollup rows: {rollups}.",
            "",
            "Each case calls `await reports.summary(db, user, now, period)` in-process (no HTTP) on"
            " `SqliteDatabase.open(path)` — exactly what `GET /api/reports/summary` returns — as the demo owner"
            " (all five offices) and the demo agent (Garage only), after an untimed warm-up; then up to"
            f" {results['config']['runs']} timed calls, at least {results['config']['min_runs']}, stopping once"
            f" {results['config']['budget_s']:g} s are spent. **Raw** is one hand-written script of plain SELECTs"
            " over `leads`, `audit_log` and `customers` (status counts with response sums, source mix, status per"
            " local day, call-attempt buckets, pipeline, per-person calls/claims/conversions, customers by source,"
            " customers without a source), each office's period given as UTC bounds and local days read from the"
            " same offset table, on its own `sqlite3` connection, timed the same way. “Same” compares every one of"
            " those figures between the two.",
            "",
            "| user | case | leads in period | new customers | app p50 ms | app p95 ms | raw p50 ms | raw p95 ms |"
            " runs app / raw | same figures | app p95 ≤ 500 ms |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|---|---|",
            *rows,
            "",
            f"Target (p95 ≤ {TARGET_P95_MS:.0f} ms at 1M leads): met in {met} of {len(r['cases'])} cases. Slowest:"
            f" {worst['user']}, {worst['case']} (p95 {worst['app']['p95_ms']:.0f} ms).",
            "",
            "Why it is fast: the summary never reads a lead. Migration 0014's triggers keep per-office, per-local-day"
            " counts (`report_*` tables) in the same transaction as every write, so a year is at most a few thousand"
            " rows per office and figure, read by primary key ranges; the hand-written script has to visit every"
            " lead, audit row and customer of the period.",
            end,
            "",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    import os

    args = parse_args(argv)
    print(f"database with {args.leads:,} leads and {args.customers:,} customers …", file=sys.stderr, flush=True)
    try:
        path, meta = ensure(args.leads, args.customers)
        print(f"using {path.relative_to(report.REPO)}", file=sys.stderr, flush=True)
        load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
        load_before = report.load_average()
        measured = asyncio.run(measure(path, meta, args))
        load_after = report.load_average()
    except servers.BenchSetupError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 1
    results: dict[str, Any] = {
        "date": report.now_utc(),
        "machine": report.machine(),
        "load": load,
        "load_before": load_before,
        "load_after": load_after,
        "config": {"runs": args.runs, "min_runs": args.min_runs, "budget_s": args.budget},
        "database": {**meta, "size_mb": round(path.stat().st_size / 1e6)},
        "measured": measured,
    }
    print(console_table(measured["cases"]))
    print(f"rollups built in {measured['build_seconds']} s: {measured['rollup_rows']}")
    print(f"raw results: {report.write_json(results, prefix='reports').relative_to(report.REPO)}")
    if not all(c["same"] for c in measured["cases"]):
        print("WARNING: the hand-written script disagreed with the app (see 'same')", file=sys.stderr)
    if not args.no_doc:
        report.write_section("reports", markdown_section(results))
        print(f"updated {report.DOC.relative_to(report.REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

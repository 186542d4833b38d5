"""The reports' Jobs tab at scale (issue 20): 200,000 jobs over 3 offices on three calendars.

Usage: `.venv/bin/python bench/report_jobs.py` (`--help` for sizes and runs). Builds a fresh SQLite file
in bench/results/report-jobs.sqlite3: the book of bench/jobs_board.py (two years around the bench day,
300 contractors) with creation instants a few days before each job's window, five job types, four
sources, closing / parts / deposit amounts, K-confirmations and rebooks; the rollups are built from it
once by `reports.rollups.prepare` (the first report after deploying migration 0036 does the same).
Then, as an owner who sees every office, it times the Jobs tab — `reports.summary.select` plus
`reports.jobs_section.rows` and `.section`, i.e. the `jobs` part of `GET /api/reports/summary` — for
this month and for the year, beside a script of plain SELECTs over `jobs` (its `jobs_office_created`
index, each office's period as UTC bounds, local days from the same offset table) that computes the
same figures, checks that both agree, and writes the `bench:report-jobs` section of docs/performance.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sqlite3
import sys
import time
from pathlib import Path
from typing import Any

import jobs_board
import report
from accounts import users
from core.clock import FrozenClock, iso
from core.storage.sqlite import SqliteDatabase, connect
from loadgen import percentile as _rank
from reports import jobs_section as report_jobs
from reports import periods as report_periods
from reports import rollups as report_rollups
from reports import summary as reports

NOW = jobs_board.NOW
START, END = "<!-- bench:report-jobs:start -->", "<!-- bench:report-jobs:end -->"
# the default period (this month) as the board's targets; a year as the whole summary's (bench/reports_summary.py)
TARGETS = {"month": {"p95_ms": 50.0, "ratio": 3.0}, "year": {"p95_ms": 500.0, "ratio": 3.0}}
TYPES = ("Garage Door Repair", "Garage Door Install", "Sliding Door Repair", "Gate Repair", "Locksmith")
SOURCES = ("GDQ Leads", "Nehoray Leads", "Raful", "Angi")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--jobs", type=int, default=200_000)
    p.add_argument("--runs", type=int, default=100, help="timed calls per case and side (default 100)")
    p.add_argument("--no-doc", action="store_true", help="do not rewrite docs/performance.md")
    return p.parse_args(argv)


# --- the database ------------------------------------------------------------------------------------


def build(path: Path, n_jobs: int, rng: random.Random) -> float:
    """The book (bench data written straight into a migrated file), then the rollups built once through
    `prepare`, as after deploying the migration. Returns the rollup build's seconds."""
    jobs_board.build(path, n_jobs, rng)
    conn = sqlite3.connect(str(path), isolation_level=None)
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("BEGIN")
    # creation a few days before the window (never after the bench day), money by status, labels by id
    conn.execute(
        "UPDATE jobs SET created_at = min(?, strftime('%Y-%m-%dT%H:%M:%S.000Z', start_at,"
        " '-' || (id % 9 + 1) || ' days', '-' || (id % 11) || ' hours')),"
        " job_type_label = json_extract(?, '$[' || (id % 5) || ']'),"
        " partner_label = json_extract(?, '$[' || (id / 5 % 4) || ']'),"
        " closing_cents = CASE WHEN status = 'done' THEN 9000 + id * 37 % 250000 END,"
        " parts_cents = CASE WHEN status = 'done' THEN (9000 + id * 37 % 250000) / 8 END,"
        " deposit_cents = CASE WHEN status IN ('deposit', 'done') AND id % 3 = 0 THEN 5000 + id % 10 * 1000 END,"
        " k_confirmed = (contractor_id IS NOT NULL AND id % 4 != 0),"
        " rebooked_at = CASE WHEN id % 25 = 0 THEN ? END,"
        " archived_at = CASE WHEN id % 97 = 0 THEN ? END",
        (NOW, json.dumps(TYPES), json.dumps(SOURCES), NOW, NOW),
    )
    conn.execute("COMMIT")
    conn.execute("ANALYZE")
    conn.close()
    db = SqliteDatabase(connect(path))
    started = time.perf_counter()
    asyncio.run(report_rollups.prepare(db, FrozenClock(NOW).now()))
    seconds = time.perf_counter() - started
    db.close()
    return seconds


# --- the raw side ------------------------------------------------------------------------------------

_LOCAL_DAY = (
    "date(j.created_at, coalesce((SELECT z.minutes FROM report_zone_shifts z WHERE z.office_id = j.office_id"
    " AND z.starts_at <= j.created_at ORDER BY z.starts_at DESC LIMIT 1), 0) || ' minutes')"
)


def _spans(sel: reports.Selection) -> str:
    out = []
    for o in sel.offices:
        starts, ends = report_periods.bounds(sel.periods[o.id], o.zone)
        out.append([o.id, iso(starts), iso(ends)])
    return json.dumps(out)


def raw(conn: sqlite3.Connection, spans: str) -> dict[str, Any]:
    """The Jobs tab's figures from `jobs` itself: one SELECT per figure family."""
    within = (
        "FROM json_each(?) r CROSS JOIN jobs j INDEXED BY jobs_office_created WHERE j.office_id = json_extract(r.value,"
        " '$[0]') AND j.created_at >= json_extract(r.value, '$[1]') AND j.created_at < json_extract(r.value, '$[2]')"
        " AND j.archived_at IS NULL"
    )
    tiles = conn.execute(
        "SELECT COUNT(*), SUM(j.status = 'done'), SUM(j.status = 'cancelled'),"
        " coalesce(SUM(CASE WHEN j.status = 'done' THEN j.closing_cents END), 0),"
        " SUM(coalesce(j.deposit_cents, 0) > 0),"
        " coalesce(SUM(j.deposit_cents), 0), COUNT(j.rebooked_at), SUM(j.k_confirmed), coalesce(SUM(j.parts_cents), 0)"
        f" {within}",
        (spans,),
    ).fetchone()
    offices = conn.execute(f"SELECT j.office_id, COUNT(*) {within} GROUP BY j.office_id", (spans,)).fetchall()
    facets = {
        name: conn.execute(
            f"SELECT {column}, COUNT(*), SUM(j.status = 'done'), SUM(j.status = 'cancelled'),"
            f" coalesce(SUM(CASE WHEN j.status = 'done' THEN j.closing_cents END), 0) {within} GROUP BY {column}",
            (spans,),
        ).fetchall()
        for name, column in (
            ("type", "j.job_type_label"),
            ("source", "j.partner_label"),
            ("contractor", "j.contractor_id"),
        )
    }
    days = conn.execute(
        f"SELECT {_LOCAL_DAY} AS day, SUM(j.status = 'done'), SUM(j.status NOT IN ('done', 'cancelled')),"
        f" SUM(j.status = 'cancelled') {within} GROUP BY day",
        (spans,),
    ).fetchall()
    return {"tiles": tiles, "offices": offices, "facets": facets, "days": days}


def same(j: dict[str, Any], r: dict[str, Any]) -> bool:
    """Every figure of the tab equals the raw script's."""
    t = j["tiles"]
    keys = ("jobs", "done", "cancelled", "revenue_cents", "deposits", "deposit_cents", "rebooked", "k_accepted")
    tiles = (*(t[k] for k in keys), t["parts_cents"])
    if tiles != tuple(int(v or 0) for v in r["tiles"]):
        return False
    if {o["office_id"]: o["jobs"] for o in j["jobs_by_office"] if o["jobs"]} != dict(r["offices"]):
        return False
    for name, key in (("type", "jobs_by_type"), ("source", "jobs_by_source")):
        ours = {e["label"]: (e["jobs"], e["done"], e["cancelled"], e["revenue_cents"]) for e in j[key]}
        if ours != {row[0]: tuple(row[1:]) for row in r["facets"][name]}:
            return False
    every = sorted(
        (row for row in r["facets"]["contractor"] if row[0] is not None), key=lambda x: (-x[1], -x[2], -x[4])
    )
    top = [(c["jobs"], c["done"], c["revenue_cents"]) for c in j["top_contractors"]]
    if top != [(row[1], row[2], row[4]) for row in every[: len(top)]]:
        return False
    days = {
        d["date"]: (d["done"], d["open"], d["cancelled"])
        for d in j["jobs_by_day"]
        if any(d[k] for k in ("done", "open", "cancelled"))
    }
    return days == {row[0]: tuple(row[1:]) for row in r["days"]}


# --- timing ------------------------------------------------------------------------------------------


def percentile(values: list[float], p: float) -> float:
    return _rank(sorted(values), p)


async def measure(path: Path, runs: int) -> dict[str, Any]:
    db = SqliteDatabase(connect(path))
    conn = sqlite3.connect(str(path))
    now = FrozenClock(NOW).now()
    owner = users.User(1, "o@x.test", "Owner", "owner", True, frozenset(), None, True)
    out: dict[str, Any] = {}
    for kind in ("month", "year"):

        async def tab(kind: str = kind) -> dict[str, Any] | None:
            sel = await reports.select(db, owner, now, kind)
            return report_jobs.section(sel, await report_jobs.rows(db, owner, sel))

        sel = await reports.select(db, owner, now, kind)
        spans = _spans(sel)
        found = await tab()
        assert found is not None
        agree = same(found, raw(conn, spans))
        app_ms, raw_ms = [], []
        for _ in range(runs):  # interleaved, so both sides see the same machine
            started = time.perf_counter()
            await tab()
            app_ms.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            raw(conn, spans)
            raw_ms.append((time.perf_counter() - started) * 1000)
        app95, raw95 = percentile(app_ms, 95), percentile(raw_ms, 95)
        rows = conn.execute(
            "SELECT COUNT(*) FROM json_each(?) r CROSS JOIN jobs j WHERE j.office_id = json_extract(r.value, '$[0]')"
            " AND j.created_at >= json_extract(r.value, '$[1]') AND j.created_at < json_extract(r.value, '$[2]')"
            " AND j.archived_at IS NULL",
            (spans,),
        ).fetchone()[0]
        out[kind] = {
            "p50_ms": round(percentile(app_ms, 50), 2),
            "p95_ms": round(app95, 2),
            "raw_p95_ms": round(raw95, 2),
            "ratio": round(app95 / raw95, 3) if raw95 else 0.0,
            "same": agree,
            "jobs": rows,
        }
    db.close()
    conn.close()
    return out


def _good(r: dict[str, Any], kind: str) -> bool:
    x, target = r[kind], TARGETS[kind]
    return bool(x["same"]) and x["p95_ms"] <= target["p95_ms"] and x["ratio"] <= target["ratio"]


def markdown(r: dict[str, Any], args: argparse.Namespace) -> str:
    def ok(kind: str) -> str:
        return "✅" if _good(r, kind) else "❌"

    m = r["machine"]
    rows = [
        f"| {label} | {r[k]['jobs']:,} | {r[k]['p50_ms']} | {r[k]['p95_ms']} | {r[k]['raw_p95_ms']} |"
        f" {r[k]['ratio']}× | {'yes' if r[k]['same'] else 'NO'} | {ok(k)} |"
        for k, label in (("month", "This month"), ("year", "This year"))
    ]
    return f"""{START}
### The reports' Jobs tab (issue 20)

`bench/report_jobs.py`, {report.now_utc()}, {m.get("cpu", "?")} ({m.get("nproc", "?")} cores). {r["load"]}
{args.jobs:,} jobs over 3 offices on three calendars (New York, Chicago, Los Angeles; the book of
`bench/jobs_board.py`, created up to nine days before each window but never after the bench day
(December 6, so "this month" is six days holding every job booked further ahead), 5 types, 4 sources,
300 contractors, 1 in 97 archived), {args.runs} timed calls per case and side, interleaved, in-process SQLite,
as an owner who sees every office. **App** is the Jobs tab: `summary.select` + `jobs_section.rows` +
`.section` (tiles, the four breakdowns, the daily chart, the top contractors), three reads of the
rollups `report_job_days` and `report_job_facets` gathered into one D1 round trip. **Raw** is a script
of plain SELECTs over `jobs` (index `jobs_office_created`) computing the same figures; “same” compares
every figure. First build of the rollups from the base table (`prepare`, once after deploying
migration 0036): {r["build_s"]:.1f} s. Targets: p95 ≤ {TARGETS["month"]["p95_ms"]:.0f} ms for this month (the
default period), ≤ {TARGETS["year"]["p95_ms"]:.0f} ms for a year (the whole summary's target), each
≤ {TARGETS["month"]["ratio"]:.0f}× raw.

| period | jobs in it | p50 ms | p95 ms | raw p95 ms | ratio | same | |
|---|---:|---:|---:|---:|---:|---|---|
{chr(10).join(rows)}
{END}"""


def write_doc(section: str) -> None:
    text = report.DOC.read_text()
    if START in text and END in text:
        text = text[: text.index(START)] + section + text[text.index(END) + len(END) :]
    else:
        text = text.rstrip() + "\n\n" + section + "\n"
    report.DOC.write_text(text)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    report.RESULTS.mkdir(parents=True, exist_ok=True)
    path = report.RESULTS / "report-jobs.sqlite3"
    before = report.load_average()
    started = time.perf_counter()
    build_s = build(path, args.jobs, random.Random(20))
    print(f"built in {time.perf_counter() - started:.1f} s (rollups {build_s:.1f} s)", file=sys.stderr)
    results = asyncio.run(measure(path, args.runs))
    machine = report.machine()
    results |= {
        "machine": machine,
        "load": report.load_sentence(before, report.load_average(), machine.get("nproc", 2)),
        "build_s": build_s,
    }
    for kind in ("month", "year"):
        print(f"{kind:6} {results[kind]}")
    if not args.no_doc:
        write_doc(markdown(results, args))
    return 0 if all(_good(results, k) for k in ("month", "year")) else 1


if __name__ == "__main__":
    sys.exit(main())

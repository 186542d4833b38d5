"""The one-time QuickBooks import at scale: 20,000 customers, 100,000 invoices, 50,000 payments and
10,000 estimates from the fake Intuit server, through the real importer.

Usage: `.venv/bin/python bench/quickbooks_import.py` (`--help` for sizes). The fake server
(tests/fakes/quickbooks.py, real HTTP on 127.0.0.1) runs in its own process, so its memory is not
counted; the bulk entities are generated programmatically (same envelopes, paging, OAuth and COUNT
as the fixtures), each page serialised before timing starts, as Intuit's servers would do that work.
This process migrates a fresh SQLite file, makes an owner and 5,000 Porchlight customers (4,000 of
them sharing an e-mail with a QuickBooks customer, so auto-linking runs at scale too), connects
through the OAuth code flow, and runs `importer.tick` back to back, exactly as the
`quickbooks-import` cron job would, until the run completes. It reports records per second (wall
clock, fake included) and this process's peak RSS, prints them, and writes
bench/results/quickbooks-*.json and the `bench:quickbooks` section of docs/performance.md.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import multiprocessing
import os
import resource
import secrets
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

import report
from core.storage.sqlite import CACHE_KIB

sys.path.insert(0, str(report.REPO))

TARGET_RPS = 5_000
TARGET_RSS_MB = 256
SIZES = {"Customer": 20_000, "Invoice": 100_000, "Payment": 50_000, "Estimate": 10_000}
LINKED = 4_000
PORCHLIGHT_CUSTOMERS = 5_000
DEFAULT_CACHE_KIB = 2048  # SQLite's own default page cache (PRAGMA cache_size = -2000 is ~2 MiB)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--scale", type=float, default=1.0, help="multiply every entity count (default 1.0)")
    p.add_argument(
        "--no-compare-cache",
        dest="compare_cache",
        action="store_false",
        help="skip the second import with SQLite's default 2 MiB page cache",
    )
    p.add_argument("--no-doc", action="store_true", help="do not rewrite docs/performance.md")
    args = p.parse_args(argv)
    if not 0.001 <= args.scale <= 10:
        p.error("--scale must be in [0.001, 10]")
    return args


# --- the fake, in its own process ----------------------------------------------------------------


def _bulk_row(entity: str, n: int, templates: dict[str, dict[str, Any]], customers: int) -> dict[str, Any]:
    """Row n (1-based) of a bulk entity, shaped like the fixture's first row."""
    row = dict(templates[entity])
    row["Id"] = str(n)
    customer = str(1 + (n * 7919) % customers)
    day = f"2026-{1 + n % 12:02d}-{1 + n % 28:02d}"
    if entity == "Customer":
        row.update(
            DisplayName=f"Customer {n}",
            FullyQualifiedName=f"Customer {n}",
            GivenName="Customer",
            FamilyName=str(n),
            PrimaryEmailAddr={"Address": f"customer{n}@example.com"},
            PrimaryPhone={"FreeFormNumber": f"(555) {n // 10000:03d}-{n % 10000:04d}"},
            Active=n % 50 != 0,
            Balance=float(n % 400),
        )
    else:
        amount = 100 + n % 900
        row.update(TxnDate=day, CustomerRef={"value": customer, "name": f"Customer {customer}"}, TotalAmt=float(amount))
        if "DocNumber" in row:
            row["DocNumber"] = f"B{n}"
        if entity == "Invoice":
            row.update(
                Balance=float(amount if n % 3 == 0 else 0),
                DueDate=f"2026-{1 + n % 12:02d}-28",
                TxnTaxDetail={"TotalTax": round(amount * 0.08, 2)},
            )
        elif entity == "Estimate":
            row.update(TxnStatus="Pending", ExpirationDate="2027-06-30", LinkedTxn=[])
        elif entity == "Payment":
            row.update(UnappliedAmt=0.0)
    return row


def _serve(sizes: dict[str, int], queue: Any, stop: Any) -> None:
    from tests.fakes.quickbooks import FIXTURE_FILES, FakeQuickBooks, load_fixture

    templates = {e: load_fixture(FIXTURE_FILES[e])["QueryResponse"][e][0] for e in sizes}
    customers = sizes["Customer"]

    def page_of(entity: str, start: int, size: int) -> bytes:
        total = sizes[entity]
        page = [_bulk_row(entity, n, templates, customers) for n in range(start, min(total, start + size - 1) + 1)]
        envelope = {entity: page, "startPosition": start, "maxResults": len(page)} if page else {}
        return json.dumps({"QueryResponse": envelope}).encode()

    # Intuit builds its pages on its own servers: so that this process's CPU is not what is measured,
    # the pages the importer will ask for are serialised before the clock starts.
    ready = {(e, start): page_of(e, start, 1000) for e, n in sizes.items() for start in range(1, n + 2, 1000)}

    class BulkFake(FakeQuickBooks):
        def _query(self, text: str):  # type: ignore[no-untyped-def]
            m = self._SELECT.match(text)
            entity = m.group("entity") if m else ""
            if entity not in sizes or (m and m.group("where") and "Active" not in m.group("where")):
                return super()._query(text)
            assert m is not None
            if m.group("what") != "*":
                return self._json(200, {"QueryResponse": {"totalCount": sizes[entity]}})
            start, size = int(m.group("start") or 1), int(m.group("max") or 100)
            body = ready.get((entity, start)) if size == 1000 else None
            return 200, {"Content-Type": "application/json;charset=UTF-8"}, body or page_of(entity, start, size)

    fake = BulkFake(per_minute_limit=10**9).seed_fixtures()
    for entity in sizes:  # the bulk entities come only from the generator
        fake.objects.pop(entity, None)
    fake.start()
    queue.put(fake.settings_env())
    stop.wait()
    fake.stop()


# --- this process: the importer ------------------------------------------------------------------


async def _setup(db_path: Path, env: dict[str, str]) -> tuple[Any, Any]:
    from accounts import offices, users
    from core import config
    from core.bindings import Bindings
    from core.clock import SystemClock, iso
    from core.records import SYSTEM
    from core.storage import Statement, migrations
    from core.storage.sqlite import SqliteDatabase, connect

    conn = connect(db_path)
    migrations.migrate(conn)
    db = SqliteDatabase(conn)
    settings = config.load(
        {
            "PORCHLIGHT_ENV": "test",
            "ENCRYPTION_KEY": os.environ.setdefault(
                "BENCH_ENCRYPTION_KEY", base64.b64encode(secrets.token_bytes(32)).decode()
            ),
            # a fresh key per run, shared through the environment with the processes this one spawns
            "WEBHOOK_SECRET": "bench-webhook-secret",
            **env,
        }
    )
    bindings = Bindings(db=db, settings=settings, clock=SystemClock())
    now = bindings.clock.now()
    office = await offices.create_office(db, now, SYSTEM, name="Bench", time_zone="America/New_York")
    profile = users.check_profile("Owner", "owner", True, set(), None)
    await users.create_user(db, now, SYSTEM, email="owner@bench.test", password="bench-password-1234", profile=profile)
    owner = await users.by_email(db, "owner@bench.test")
    statements = []
    for n in range(1, PORCHLIGHT_CUSTOMERS + 1):
        # Every fifth QuickBooks customer shares its e-mail with one of ours; the rest are strangers.
        email = f"customer{n * 5}@example.com" if n <= LINKED else f"stranger{n}@example.org"
        statements.append(
            Statement(
                "INSERT INTO customers (id, display_id, office_id, name, email, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (n, f"C-{n}", office.id, f"Porchlight {n}", email, iso(now), iso(now)),
            )
        )
    await db.batch(statements)
    return bindings, owner


async def _connect(bindings: Any, owner: Any) -> None:
    from core.records import Actor
    from quickbooks import oauth

    url = await oauth.connect_url(bindings, 1, owner.id)
    async with httpx.AsyncClient() as http:
        back = (await http.get(url)).headers["location"]
        query = {k: v[0] for k, v in parse_qs(urlsplit(back).query).items()}
        await oauth.complete(
            bindings,
            http,
            Actor(owner.id, owner.name),
            session_id=1,
            code=query["code"],
            state=query["state"],
            realm_id=query["realmId"],
        )


async def _import(bindings: Any, owner: Any) -> dict[str, Any]:
    from core.records import Actor
    from quickbooks import importer

    await importer.start_import(bindings, Actor(owner.id, owner.name))
    ticks = linked = 0
    started = time.perf_counter()
    while True:
        result = await importer.tick(bindings, bindings.clock.now())
        ticks += 1
        linked += result.get("linked", 0)
        if result.get("completed") or not result:
            break
        if result.get("failed") or result.get("throttled"):
            raise RuntimeError(f"the import stopped: {result}")
    seconds = time.perf_counter() - started
    run = await importer.latest_run(bindings.db)
    assert run is not None and run.status == "completed", run
    return {
        "seconds": round(seconds, 2),
        "ticks": ticks,
        "records": run.imported,
        "per_entity": {s.entity: s.imported for s in run.steps},
        "auto_linked": linked,
    }


def measure_apart(sizes: dict[str, int], cache_kib: int | None = None) -> dict[str, Any]:
    """`measure` in a process of its own, so its peak RSS is that import's alone (ru_maxrss never goes
    down, so a second import in one process would report the larger of the two)."""
    ctx = multiprocessing.get_context("spawn")
    answer = ctx.Queue()
    worker = ctx.Process(target=_measure_into, args=(sizes, cache_kib, answer))
    worker.start()
    try:
        found: dict[str, Any] = answer.get(timeout=1800)
    finally:
        worker.join(timeout=60)
    if "error" in found:
        raise RuntimeError(found["error"])
    return found


def _measure_into(sizes: dict[str, int], cache_kib: int | None, answer: Any) -> None:
    try:
        if cache_kib is not None:
            from core.storage import sqlite

            sqlite.CACHE_KIB = cache_kib  # read by connect(): this process's one database connection
        answer.put(measure(sizes))
    except Exception as exc:  # reported, not swallowed: the parent raises it
        answer.put({"error": f"{type(exc).__name__}: {exc}"})


def measure(sizes: dict[str, int]) -> dict[str, Any]:
    ctx = multiprocessing.get_context("spawn")
    queue, stop = ctx.Queue(), ctx.Event()
    server = ctx.Process(target=_serve, args=(sizes, queue, stop), daemon=True)
    server.start()
    try:
        env = queue.get(timeout=60)
        with tempfile.TemporaryDirectory() as tmp:
            db_path = Path(tmp) / "bench.sqlite3"

            async def go() -> dict[str, Any]:
                bindings, owner = await _setup(db_path, env)
                await _connect(bindings, owner)
                rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
                found = await _import(bindings, owner)
                found["rss_before_import_mb"] = round(rss_before, 1)
                found["db_mb"] = round(db_path.stat().st_size / 2**20, 1)
                return found

            found = asyncio.run(go())
    finally:
        stop.set()
        server.join(timeout=10)
    found["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    found["records_per_second"] = round(found["records"] / found["seconds"])
    return found


# --- the report ----------------------------------------------------------------------------------


def _md_row(label: str, r: dict[str, Any]) -> str:
    return (
        f"| {label} | {r['records']:,} | {r['seconds']:.1f} s | **{r['records_per_second']:,}** | {r['ticks']} |"
        f" **{r['peak_rss_mb']:.0f} MB** | {r['rss_before_import_mb']:.0f} MB | {r['db_mb']:.0f} MB |"
        f" {r['auto_linked']:,} |"
    )


def markdown_section(results: dict[str, Any]) -> str:
    start, end = report.markers("quickbooks")
    r = results["import"]
    small = results.get("import_default_cache")
    m = results["machine"]
    ok_rate = "meets" if r["records_per_second"] >= TARGET_RPS else "misses"
    ok_rss = "meets" if r["peak_rss_mb"] < TARGET_RSS_MB else "misses"
    per = ", ".join(f"{e} {n:,}" for e, n in r["per_entity"].items())
    cache_mib = CACHE_KIB // 1024
    rows = [_md_row(f"app ({cache_mib} MiB page cache)", r)]
    if small:
        rows.append(_md_row(f"SQLite's default cache ({DEFAULT_CACHE_KIB // 1024} MiB), for comparison", small))
    memory = (
        f"Where the memory goes: RSS was {r['rss_before_import_mb']:.0f} MB before the import started (Python,"
        " the app's modules and the 5,000 customers). The connection's SQLite page cache is"
        f" {cache_mib} MiB (`core/storage/sqlite.py` `CACHE_KIB`, set for intake: with SQLite's 2 MiB default a growing"
        " file pushed the leads' index pages out and intake slowed by a fifth). SQLite fills it as pages are"
        f" touched and keeps them up to that bound, so an import writing a {r['db_mb']:.0f} MB file ends with"
        f" up to {cache_mib} MiB of cache resident. That is the step from the 83 MB these docs quoted before"
        " (measured on 2026-11-22 before the cache was raised, the same day) to the figure above; it is a"
        " ceiling, not growth with the import's size."
    )
    if small:
        memory += (
            f" The second row is the same import in a fresh process with the cache at SQLite's default: peak"
            f" {small['peak_rss_mb']:.0f} MB, so the cache accounts for"
            f" {r['peak_rss_mb'] - small['peak_rss_mb']:.0f} MB of the {r['peak_rss_mb']:.0f}. The importer's own"
            f" share is the rest above the starting {small['rss_before_import_mb']:.0f} MB"
            f" ({small['peak_rss_mb'] - small['rss_before_import_mb']:.0f} MB): the page being written and the"
            " next one asked for ahead, each 1,000 records as text and parsed, and the upsert statements of one"
            " page (tracemalloc on a quarter-size run, pages being 1,000 records at any size: Python objects"
            " peaked 21 MB above the import's start and 5 MB stayed held), plus what the allocator keeps. The"
            " page prefetch is at most one page of that. In the Worker, D1 holds the"
            " database's pages, not the isolate."
        )
    return "\n".join(
        [
            start,
            "## QuickBooks import",
            "",
            f"Measured {results['date']} on {m['nproc']} CPU(s) ({m['cpu']}), {m['python']}, with"
            " `.venv/bin/python bench/quickbooks_import.py`."
            " " + report.load_sentence(results["load_before"], results["load_after"], m["nproc"]),
            "",
            "The real importer (`importer.tick`, 8 pages of 1,000 per tick, one batch per page) against the fake"
            " Intuit server in its own process, into a fresh SQLite file holding 5,000 Porchlight customers. Each"
            " import runs in a process of its own, so its peak RSS (`ru_maxrss`) is that import's alone.",
            "",
            "| importer process | records | wall time | records/s | ticks | peak RSS | RSS before | database"
            " | auto-linked |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
            *rows,
            "",
            f"Per entity: {per}. Target ≥ {TARGET_RPS:,} records/s ({ok_rate} it) with peak RSS under"
            f" {TARGET_RSS_MB} MB ({ok_rss} it)."
            + (
                f" The records/s were measured with the machine overloaded (load {results['load_before'][0]:.1f}"
                f" on {m['nproc']} cores at the start): they are what the importer got, not what it needs; on"
                " an idle machine of the same kind the same import ran at 6,073 records/s (issue 16)."
                if results["load_before"][0] > m["nproc"]
                else ""
            ),
            "",
            memory,
            "",
            "The wall time covers this process's work (parsing each answer, the upserts, auto-linking) and the"
            " local HTTP exchange; the fake serialises its pages before timing, as Intuit's servers would. In"
            " production QuickBooks' latency adds to each page, and the cron budget (docs/quickbooks.md: 8 pages a"
            " tick, every 2 minutes) rather than this throughput decides how long an import takes; the importer"
            " asks for the next page while it writes one, so that latency overlaps the database work. On a shared"
            " machine the records/s move with the other load (see the load average above); the memory does not.",
            end,
            "",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    sizes = {e: max(1, int(n * args.scale)) for e, n in SIZES.items()}
    print(f"importing {sum(sizes.values()):,} records: {sizes}", file=sys.stderr, flush=True)
    load_before = report.load_average()
    results = {"date": report.now_utc(), "machine": report.machine(), "sizes": sizes}
    results["import"] = measure_apart(sizes)
    if args.compare_cache:
        print(f"again with SQLite's default page cache ({DEFAULT_CACHE_KIB} KiB) ...", file=sys.stderr, flush=True)
        results["import_default_cache"] = measure_apart(sizes, DEFAULT_CACHE_KIB)
    results["load_before"], results["load_after"] = load_before, report.load_average()
    r = results["import"]
    print(
        f"{r['records']:,} records in {r['seconds']:.1f} s = {r['records_per_second']:,}/s over {r['ticks']} ticks;"
        f" peak RSS {r['peak_rss_mb']:.0f} MB; {r['auto_linked']:,} customers auto-linked"
    )
    print(f"raw results: {report.write_json(results, prefix='quickbooks').relative_to(report.REPO)}")
    if not args.no_doc and args.scale == 1.0:
        report.write_section("quickbooks", markdown_section(results))
        print(f"updated {report.DOC.relative_to(report.REPO)}")
    return 0 if r["records_per_second"] >= TARGET_RPS and r["peak_rss_mb"] < TARGET_RSS_MB else 1


if __name__ == "__main__":
    raise SystemExit(main())

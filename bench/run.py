"""Porchlight's HTTP benchmark: the main pages and /healthz against a bare ASGI app, plus argon2id.

Usage: `make bench` (or `.venv/bin/python bench/run.py --help`). Starts its own servers on free
loopback ports, prints a table, writes bench/results/http-*.json and the `bench:http` section of
docs/performance.md. One server runs on a throwaway demo database (/healthz and an empty queue);
a second serves a copy of the cached 1M-lead, 200k-customer file of bench/reports_summary.py
(built on first use) for the pages people actually open: the leads queue, a lead's panel, the
clients list, a client's record and the reports page (`--leads 0` leaves those out).
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Coroutine
from contextlib import ExitStack, closing
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import hashing
import loadgen
import report
import reports_summary
import servers

T = TypeVar("T")


@dataclass(frozen=True)
class Target:
    name: str
    server: servers.Server
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    baseline: bool = False
    db: Path | None = None  # the server's database, watched for commits


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seconds", type=float, default=5.0, help="measured duration per target (default 5)")
    p.add_argument("--warmup", type=float, default=1.0, help="unrecorded warm-up per target (default 1)")
    p.add_argument("--concurrency", type=int, default=32, help="keep-alive connections (default 32)")
    p.add_argument("--rounds", type=int, default=5, help="interleaved rounds; medians are reported (default 5)")
    p.add_argument(
        "--quiet-wait", type=float, default=60.0, help="max seconds to wait for an idle machine before each run"
    )
    p.add_argument("--hash-runs", type=int, default=20, help="argon2id hashes to time (default 20)")
    p.add_argument("--leads", type=int, default=1_000_000, help="leads in the large file (default 1M; 0: skip)")
    p.add_argument("--customers", type=int, default=200_000, help="customers in the large file (default 200k)")
    p.add_argument("--no-doc", action="store_true", help="do not rewrite docs/performance.md")
    args = p.parse_args(argv)
    if not (0 <= args.leads <= 5_000_000 and 1 <= args.customers <= 1_000_000):
        p.error("--leads must be in [0, 5000000], --customers in [1, 1000000]")
    if not (0 < args.seconds <= 600 and 0 <= args.warmup <= 60 and 1 <= args.concurrency <= 1024):
        p.error("--seconds must be in (0, 600], --warmup in [0, 60], --concurrency in [1, 1024]")
    if not (1 <= args.hash_runs <= 1000 and 1 <= args.rounds <= 20 and 0 <= args.quiet_wait <= 600):
        p.error("--hash-runs must be in [1, 1000], --rounds in [1, 20], --quiet-wait in [0, 600]")
    return args


def data_version(conn: sqlite3.Connection) -> int:
    """Changes whenever another connection (the server) commits; reads leave it alone."""
    return int(conn.execute("PRAGMA data_version").fetchone()[0])


async def load_counting_commits(
    load: loadgen.Load, probes: dict[str, loadgen.Probe], db: sqlite3.Connection
) -> tuple[loadgen.Outcome, int]:
    """Run the load while polling `data_version`, to count the server's commits (warm-up included).

    GETs should only read; a count near 0 over thousands of requests says so. Polling at 50 Hz costs
    the client next to nothing and separates commits that are more than 20 ms apart.
    """
    commits = 0
    last = data_version(db)

    def check() -> None:
        nonlocal commits, last
        current = data_version(db)
        if current != last:
            commits, last = commits + 1, current

    async def poll() -> None:
        while True:
            await asyncio.sleep(0.02)
            check()

    poller = asyncio.ensure_future(poll())
    try:
        outcome = await loadgen.run(load, probes)
    finally:
        poller.cancel()
    check()
    return outcome, commits


def measure(target: Target, args: argparse.Namespace, db_path: Path) -> dict[str, Any]:
    db_path = target.db or db_path
    load = loadgen.Load(
        port=target.server.port,
        path=target.path,
        headers=target.headers,
        concurrency=args.concurrency,
        warmup_s=args.warmup,
        duration_s=args.seconds,
    )
    probes = {
        "client": time.process_time,
        "server": target.server.cpu_seconds,
        "machine": servers.machine_busy_seconds,
    }
    with closing(sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, isolation_level=None)) as db:
        outcome, commits = _run_loop(load_counting_commits(load, probes, db))
    cpu = outcome.probes
    bad = {code: n for code, n in outcome.statuses.items() if code != 200}
    if bad:
        raise servers.BenchSetupError(f"{target.name}: non-200 responses {bad}\n{target.server.log_tail()}")
    return {
        "name": target.name,
        "path": target.path,
        "baseline": target.baseline,
        "requests": outcome.requests,
        "rps": outcome.rps,
        "p50_ms": outcome.percentile(50),
        "p99_ms": outcome.percentile(99),
        # CPU as % of one core over the window. "other" is everything else on the machine (the kernel's
        # loopback work, and any other process: a busy neighbour makes the run noisy).
        "server_cpu_pct": 100 * cpu["server"] / args.seconds,
        "client_cpu_pct": 100 * cpu["client"] / args.seconds,
        "other_cpu_pct": 100 * (cpu["machine"] - cpu["server"] - cpu["client"]) / args.seconds,
        "served": sum(outcome.statuses.values()),  # warm-up included, like the commit count
        "db_commits": None if target.baseline else commits,
        "statuses": {str(k): v for k, v in outcome.statuses.items()},
    }


def _run_loop(coro: Coroutine[Any, Any, T]) -> T:
    # uvloop keeps the client's per-request cost low, leaving more of the shared CPU to the server.
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coro)
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(coro)


def wait_for_quiet(max_wait_s: float, threshold_pct: float = 15.0) -> float:
    """Wait (bounded) until the rest of the machine is idle; return the CPU it was using, % of a core.

    The box has two cores and may be shared (a test suite running next door): measuring while a
    neighbour is busy mostly measures the neighbour. Our own servers are idle between runs.
    """
    deadline = time.monotonic() + max_wait_s
    while True:
        before = servers.machine_busy_seconds()
        time.sleep(0.5)
        busy_pct = 100 * (servers.machine_busy_seconds() - before) / 0.5
        if busy_pct <= threshold_pct or time.monotonic() >= deadline:
            return busy_pct


def summarize(name: str, rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """The median of each figure over the rounds (robust to one round hit by a neighbour)."""
    figures = ("rps", "p50_ms", "p99_ms", "server_cpu_pct", "client_cpu_pct", "other_cpu_pct")
    first = rounds[0]
    return {
        "name": name,
        "path": first["path"],
        "baseline": first["baseline"],
        **{f: statistics.median(r[f] for r in rounds) for f in figures},
        "rps_min": min(r["rps"] for r in rounds),
        "rps_max": max(r["rps"] for r in rounds),
        "served": sum(r["served"] for r in rounds),
        "db_commits": None if first["db_commits"] is None else sum(r["db_commits"] for r in rounds),
        "rounds": rounds,
    }


def http_benchmarks(args: argparse.Namespace, stack: ExitStack) -> list[dict[str, Any]]:
    tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="porchlight-bench-")))
    env = servers.app_environment(tmp)
    servers.prepare_database(env)
    app = servers.start_porchlight(env, tmp)
    stack.callback(app.stop)
    bare = servers.start_hello(env, tmp)
    stack.callback(bare.stop)
    servers.wait_until_up(app, "/healthz")
    servers.wait_until_up(bare, "/")

    cookie = servers.sign_in(app.port)
    servers.check_page(app.port, "/leads", cookie)
    targets = [
        Target("bare ASGI hello", bare, "/", baseline=True),
        Target("GET /healthz", app, "/healthz"),
        Target("GET /leads (signed in, empty queue)", app, "/leads", {"Cookie": f"{servers.SESSION_COOKIE}={cookie}"}),
    ]
    if args.leads:
        targets += large_targets(args, stack, tmp)
    db_path = Path(env["PORCHLIGHT_DB"])
    rounds: dict[str, list[dict[str, Any]]] = {t.name: [] for t in targets}
    # Rounds interleave the targets, so a slow patch of the machine hits all of them, not just one.
    for n in range(1, args.rounds + 1):
        for target in targets:
            idle = wait_for_quiet(args.quiet_wait)
            print(f"round {n}/{args.rounds}: {target.name} ({args.seconds:g}s)", file=sys.stderr, flush=True)
            row = measure(target, args, db_path)
            row["busy_before_pct"] = idle
            rounds[target.name].append(row)
    rows = [summarize(name, rs) for name, rs in rounds.items()]
    base_rps = next(r["rps"] for r in rows if r["baseline"])
    for row in rows:
        row["ratio"] = row["rps"] / base_rps if base_rps else float("nan")
    return rows


def large_targets(args: argparse.Namespace, stack: ExitStack, tmp: Path) -> list[Target]:
    """The main pages on realistic data: a second server on a copy of the cached large file (the copy
    takes the sign-in's session rows; the cached file only has its report rollups built, once).
    Signed in as the demo owner, who sees all five offices: the most any one user's pages read."""
    print(f"large file: {args.leads:,} leads, {args.customers:,} customers ...", file=sys.stderr, flush=True)
    cached, _ = reports_summary.ensure(args.leads, args.customers)
    built = _run_loop(_prepare_rollups(cached))
    if built:
        print(f"  built the report rollups of {len(built)} offices in the cached file", file=sys.stderr, flush=True)
    copy = tmp / "large.sqlite3"
    shutil.copyfile(cached, copy)
    env = {**servers.app_environment(tmp), "PORCHLIGHT_DB": str(copy)}
    app = servers.start_porchlight(env, tmp, name="porchlight-large")
    stack.callback(app.stop)
    servers.wait_until_up(app, "/healthz", timeout_s=120)
    with closing(sqlite3.connect(f"file:{copy}?mode=ro", uri=True)) as db:
        # The queue's first row (newest open lead) and the newest client: what a person opens first.
        lead = db.execute("SELECT display_id FROM leads WHERE archived_at IS NULL ORDER BY id DESC LIMIT 1").fetchone()
        client = db.execute(
            "SELECT display_id FROM customers WHERE archived_at IS NULL ORDER BY id DESC LIMIT 1"
        ).fetchone()
    session = servers.sign_in(app.port, servers.OWNER_EMAIL, servers.OWNER_PASSWORD)
    cookie = {"Cookie": f"{servers.SESSION_COOKIE}={session}"}
    pages = [
        (f"GET /leads ({args.leads:,} leads)", "/leads", cookie),
        ("GET /leads/{id} (lead panel)", f"/leads/{lead[0]}", {**cookie, "HX-Request": "true"}),
        (f"GET /clients ({args.customers:,} clients)", "/clients", cookie),
        ("GET /clients/{id} (client record)", f"/clients/{client[0]}", cookie),
        ("GET /reports (this month)", "/reports", cookie),
    ]
    for _, path, headers in pages:  # each must render (and is warmed once) before any timing
        servers.check_page(app.port, path, headers, timeout_s=300)
    return [Target(name, app, path, headers, db=copy) for name, path, headers in pages]


async def _prepare_rollups(path: Path) -> list[int]:
    """The generated file has the report rollups' rows but not their built state: the first report
    builds them (tens of seconds at this size, once per file: bench/reports_summary.py times that
    build). Done here, once, so the measured page is the steady state and the warm-up stays short."""
    from core.storage.sqlite import SqliteDatabase
    from reports import rollups as report_rollups

    db = SqliteDatabase.open(path)
    try:
        return await report_rollups.prepare(db, datetime.now(UTC))
    finally:
        db.close()


def password_hashing(runs: int) -> dict[str, Any]:
    print(f"timing {runs} argon2id hashes and verifies ...", file=sys.stderr, flush=True)
    cost = hashing.measure(runs)
    return {
        "params": cost.params,
        "runs": cost.runs,
        "hash": cost.summary(cost.hash_ms),
        "verify": cost.summary(cost.verify_ms),
        "hash_samples_ms": cost.hash_ms,
        "verify_samples_ms": cost.verify_ms,
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    results: dict[str, Any] = {
        "date": report.now_utc(),
        "machine": report.machine(),
        "load_before": report.load_average(),
        "config": {
            "concurrency": args.concurrency,
            "warmup_s": args.warmup,
            "seconds": args.seconds,
            "rounds": args.rounds,
            "leads": args.leads,
            "customers": args.customers,
        },
    }
    try:
        with ExitStack() as stack:  # stops the servers and removes the temp dir, error or not
            results["http"] = http_benchmarks(args, stack)
    except servers.BenchSetupError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 1
    results["load_after"] = report.load_average()
    # Hashing runs with the servers stopped, so it has the machine to itself.
    wait_for_quiet(args.quiet_wait)
    results["password_hash"] = password_hashing(args.hash_runs)

    print(report.console_table(results))
    print(f"raw results: {report.write_json(results).relative_to(report.REPO)}")
    if not args.no_doc:
        report.write_doc(results)
        print(f"updated {report.DOC.relative_to(report.REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

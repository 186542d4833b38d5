"""SMS benchmarks (issue 21): the inbound webhook against the intake bench's bare insert, the live
panel's change stamp, and the thread list at 100,000 messages.

Usage: `.venv/bin/python bench/sms.py` (`--help` for options). Starts `porchlight serve --no-cron`
configured for Twilio (so every inbound is signature-checked as in production) and
`bench/bare_insert.py` on free loopback ports with throwaway databases. Before the server starts,
the app's database gets one line and 100,000 messages in 10,000 threads. Then:

- `POST /webhook/sms/twilio` — signed form posts, each a new provider message id from one of 20,000
  numbers, 32 senders, interleaved rounds with the bare insert (the same baseline as
  bench/webhook_intake.py); every answer must be 200 and the messages table must gain exactly one row
  per answer.
- `GET /api/last-change` and `GET /api/sms/threads` as the signed-in owner, one poller (the latency a
  panel sees), p95.

Prints a table, writes bench/results/sms-*.json and the `bench:sms` section of docs/performance.md.
"""

from __future__ import annotations

import argparse
import itertools
import secrets
import sqlite3
import sys
import tempfile
import time
from contextlib import ExitStack, closing
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import loadgen
import report
import run
import servers
import webhook_intake
from core.sms_gateway import twilio_signature

SID = "AC" + "b" * 32
TOKEN = "bench-twilio-token"
PUBLIC = "https://bench.porchlight.test"
LINE = "+12125550100"
THREADS = 10_000
MESSAGES = 100_000
TARGETS = {"ratio": 0.5, "webhook_p99_ms": 50.0, "last_change_p95_ms": 5.0, "threads_p95_ms": 50.0}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seconds", type=float, default=5.0, help="measured duration per target (default 5)")
    p.add_argument("--warmup", type=float, default=1.0, help="unrecorded warm-up per target (default 1)")
    p.add_argument("--concurrency", type=int, default=32, help="concurrent webhook senders (default 32)")
    p.add_argument("--rounds", type=int, default=3, help="interleaved rounds; medians are reported (default 3)")
    p.add_argument("--quiet-wait", type=float, default=60.0, help="max seconds to wait for an idle machine")
    p.add_argument("--no-doc", action="store_true", help="do not rewrite docs/performance.md")
    return p.parse_args(argv)


def seed(db_path: Path) -> None:
    """One line in the first office and MESSAGES messages in THREADS threads, written directly (a
    benchmark brings its own data), with the change-stamp row the verbs would keep."""
    now = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())
    with closing(sqlite3.connect(db_path, isolation_level=None)) as db:
        office = db.execute("SELECT id FROM offices ORDER BY id LIMIT 1").fetchone()[0]
        db.execute("BEGIN")
        db.execute(
            "INSERT INTO sms_lines (number, label, provider, office_id, created_at, updated_at)"
            " VALUES (?, 'Bench', 'twilio', ?, ?, ?)",
            (LINE, office, now, now),
        )
        line = db.execute("SELECT id FROM sms_lines WHERE number = ?", (LINE,)).fetchone()[0]
        per = MESSAGES // THREADS
        for t in range(THREADS):
            number = f"+1312{t:07d}"
            at = f"2026-11-{1 + t % 28:02d}T{t % 24:02d}:{t % 60:02d}:00.000Z"
            db.execute(
                "INSERT INTO sms_threads (line_id, their_number, their_last10, office_id, unread, last_at, last_body,"
                " last_direction, created_at) VALUES (?, ?, ?, ?, ?, ?, 'Bench text', 'in', ?)",
                (line, number, number[-10:], office, t % 3, at, at),
            )
            thread = db.execute("SELECT last_insert_rowid()").fetchone()[0]
            db.executemany(
                "INSERT INTO sms_messages (uid, thread_id, direction, body, status, origin, resolved, created_at,"
                " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        f"b{t}-{m}",
                        thread,
                        "in" if m % 2 == 0 else "out",
                        f"Bench message {m} of thread {t}",
                        "received" if m % 2 == 0 else "delivered",
                        "inbound" if m % 2 == 0 else "manual",
                        1,
                        at,
                        at,
                    )
                    for m in range(per)
                ],
            )
        db.execute(
            "INSERT INTO sms_change_stamps (office_id, stamp, unread) VALUES (?, 1, ?)",
            (office, sum(t % 3 for t in range(THREADS))),
        )
        db.execute("COMMIT")


def message_count(db_path: Path) -> int:
    with closing(sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)) as db:
        return int(db.execute("SELECT COUNT(*) FROM sms_messages").fetchone()[0])


class Inbound:
    """Each POST: a signed Twilio inbound with a message id no other request uses."""

    def __init__(self, port: int):
        self.port = port
        self.numbers = itertools.cycle(range(20_000))
        self.run = secrets.token_hex(4)
        self.sent = 0
        self.url = f"{PUBLIC}/webhook/sms/twilio"

    def __call__(self) -> bytes:
        self.sent += 1
        form = {
            "MessageSid": f"SM{self.run}{self.sent:024d}",
            "AccountSid": SID,
            "From": f"+1415{next(self.numbers):07d}",
            "To": LINE,
            "Body": f"Bench inbound {self.sent}: is Tuesday OK?",
            "NumMedia": "0",
        }
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": twilio_signature(TOKEN, self.url, form),
        }
        return loadgen.build_post(self.port, "/webhook/sms/twilio", urlencode(form).encode(), headers)


def classify(status: int, body: bytes) -> str:
    if status == 200 and (b"<Response>" in body or b'"created"' in body):
        return "200 stored"
    return f"{status} {body[:80]!r}"


def measure(name: str, port: int, path: str, args: argparse.Namespace, **load: Any) -> dict[str, Any]:
    spec = loadgen.Load(port=port, path=path, warmup_s=args.warmup, duration_s=args.seconds, **load)
    outcome = run._run_loop(loadgen.run(spec, {}))
    return {
        "name": name,
        "rps": outcome.rps,
        "requests": outcome.requests,
        "p50_ms": outcome.percentile(50),
        "p95_ms": outcome.percentile(95),
        "p99_ms": outcome.percentile(99),
        "labels": outcome.labels,
        "statuses": {str(k): v for k, v in outcome.statuses.items()},
    }


def median(rows: list[dict[str, Any]], key: str) -> float:
    values = sorted(r[key] for r in rows)
    return values[len(values) // 2]


def cpu_per_inbound(db_path: Path, count: int = 2000) -> dict[str, float]:
    """The domain's cost of one inbound (`messaging.sms.receive`: duplicate check, line, one batch),
    in process, without HTTP: CPU and wall time per text. Load on the machine moves wall time, hardly CPU."""
    import asyncio

    from core.sms_gateway import InboundSms
    from core.storage.sqlite import SqliteDatabase
    from messaging import sms as sms_verbs

    async def go() -> tuple[float, float]:
        db = SqliteDatabase.open(db_path)
        try:
            from datetime import UTC, datetime

            now = datetime.now(UTC)
            wall, cpu = time.perf_counter(), time.process_time()
            for n in range(count):
                await sms_verbs.receive(db, now, InboundSms(f"SMcpu{n:08d}", f"+1646{n % 5000:07d}", LINE, f"cpu {n}"))
            return time.perf_counter() - wall, time.process_time() - cpu
        finally:
            db.close()

    wall_s, cpu_s = asyncio.run(go())
    return {"texts": count, "cpu_ms": 1000 * cpu_s / count, "wall_ms": 1000 * wall_s / count}


def benchmarks(args: argparse.Namespace, stack: ExitStack) -> dict[str, Any]:
    load_before = report.load_average()
    tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="porchlight-sms-")))
    env = servers.app_environment(tmp)
    env.update(
        SMS_PROVIDER="twilio",
        TWILIO_ACCOUNT_SID=SID,
        TWILIO_AUTH_TOKEN=TOKEN,
        SMS_PUBLIC_URL=PUBLIC,
        TWILIO_API_BASE="http://127.0.0.1:9",
    )
    servers.prepare_database(env)
    app_db, bare_db = Path(env["PORCHLIGHT_DB"]), tmp / "bare.sqlite3"
    started = time.perf_counter()
    seed(app_db)
    seeded_s = time.perf_counter() - started
    app = servers.start_porchlight(env, tmp)
    stack.callback(app.stop)
    bare = servers.start_asgi("bare_insert", "bare_insert:app", {**env, "BENCH_BARE_DB": str(bare_db)}, tmp)
    stack.callback(bare.stop)
    servers.wait_until_up(app, "/healthz")
    webhook_intake._wait_for_bare(bare)

    before = message_count(app_db)
    inbound, baseline = Inbound(app.port), webhook_intake.Senders(bare.port, ["bench"] * 100_000)
    rounds: dict[str, list[dict[str, Any]]] = {"bare": [], "webhook": []}
    for n in range(1, args.rounds + 1):
        for key, port, maker in (("bare", bare.port, baseline), ("webhook", app.port, inbound)):
            run.wait_for_quiet(args.quiet_wait)
            print(f"round {n}/{args.rounds}: {key}", file=sys.stderr, flush=True)
            rounds[key].append(
                measure(
                    key,
                    port,
                    "/",
                    args,
                    concurrency=args.concurrency,
                    next_request=maker,
                    classify=classify if key == "webhook" else webhook_intake.classify,
                )
            )
    stored = sum(r["labels"].get("200 stored", 0) for r in rounds["webhook"])
    answered = sum(sum(r["labels"].values()) for r in rounds["webhook"])
    added = message_count(app_db) - before

    cookie = {"Cookie": f"{servers.SESSION_COOKIE}={servers.sign_in(app.port)}", "Accept": "application/json"}
    run.wait_for_quiet(args.quiet_wait)
    stamp = measure("GET /api/last-change", app.port, "/api/last-change", args, concurrency=1, headers=cookie)
    run.wait_for_quiet(args.quiet_wait)
    listing = measure("GET /api/sms/threads", app.port, "/api/sms/threads", args, concurrency=1, headers=cookie)
    run.wait_for_quiet(args.quiet_wait)
    unread = measure(
        "GET /api/sms/threads?unread=1", app.port, "/api/sms/threads?unread=1", args, concurrency=1, headers=cookie
    )
    bare_rps, hook_rps = median(rounds["bare"], "rps"), median(rounds["webhook"], "rps")
    in_process = cpu_per_inbound(app_db)
    return {
        "load": {"before": load_before, "after": report.load_average()},
        "in_process": in_process,
        "machine": report.machine(),
        "when": report.now_utc(),
        "seeded": {"threads": THREADS, "messages": MESSAGES, "seconds": seeded_s},
        "bare": {"rps": bare_rps, "p99_ms": median(rounds["bare"], "p99_ms")},
        "webhook": {
            "rps": hook_rps,
            "p50_ms": median(rounds["webhook"], "p50_ms"),
            "p99_ms": median(rounds["webhook"], "p99_ms"),
            "ratio": hook_rps / bare_rps if bare_rps else 0.0,
            "answered": answered,
            "stored": stored,
            "rows_added": added,
        },
        "last_change": stamp,
        "threads": listing,
        "threads_unread": unread,
        "rounds": rounds,
        "concurrency": args.concurrency,
        "seconds": args.seconds,
    }


def problems(results: dict[str, Any]) -> list[str]:
    w = results["webhook"]
    found = []
    if w["answered"] != w["stored"]:
        found.append(f"{w['answered'] - w['stored']} webhook answers were not 200")
    if w["rows_added"] != w["stored"]:
        found.append(f"{w['stored']} stored answers but {w['rows_added']} new rows")
    for key in ("last_change", "threads", "threads_unread"):
        if set(results[key]["statuses"]) != {"200"}:
            found.append(f"{results[key]['name']}: statuses {results[key]['statuses']}")
    return found


def verdicts(results: dict[str, Any]) -> list[tuple[str, str, bool]]:
    w = results["webhook"]
    return [
        (
            f"inbound webhook ≥ {TARGETS['ratio']}× the bare insert",
            f"{w['ratio']:.2f}×",
            w["ratio"] >= TARGETS["ratio"],
        ),
        (
            f"inbound webhook p99 ≤ {TARGETS['webhook_p99_ms']:g} ms at {results['concurrency']} senders",
            f"{w['p99_ms']:.1f} ms",
            w["p99_ms"] <= TARGETS["webhook_p99_ms"],
        ),
        (
            f"/api/last-change p95 ≤ {TARGETS['last_change_p95_ms']:g} ms",
            f"{results['last_change']['p95_ms']:.2f} ms",
            results["last_change"]["p95_ms"] <= TARGETS["last_change_p95_ms"],
        ),
        (
            f"thread list at {MESSAGES:,} messages p95 ≤ {TARGETS['threads_p95_ms']:g} ms",
            f"{results['threads']['p95_ms']:.1f} ms (unread only: {results['threads_unread']['p95_ms']:.1f} ms)",
            max(results["threads"]["p95_ms"], results["threads_unread"]["p95_ms"]) <= TARGETS["threads_p95_ms"],
        ),
    ]


def markdown(results: dict[str, Any]) -> str:
    start, end = report.markers("sms")
    w, b = results["webhook"], results["bare"]
    lines = [
        start,
        "",
        "## SMS: inbound webhook, change stamp, thread list",
        "",
        "How to run: `.venv/bin/python bench/sms.py` (`--help` for duration and rounds).",
        "",
        f"Measured {results['when']} on {results['machine'].get('cpu', 'this machine')}"
        f" ({results['machine'].get('nproc', '?')} CPUs), {results['seconds']:g} s per run after a warm-up,"
        " medians of interleaved rounds.",
        "",
        "| what | requests/s | p50 ms | p95 ms | p99 ms |",
        "|---|---:|---:|---:|---:|",
        f"| bare ASGI insert (baseline, {results['concurrency']} senders) | {b['rps']:.0f} | | | {b['p99_ms']:.1f} |",
        f"| `POST /webhook/sms/twilio` signed inbound ({results['concurrency']} senders) | {w['rps']:.0f} |"
        f" {w['p50_ms']:.1f} | | {w['p99_ms']:.1f} |",
    ]
    for key in ("last_change", "threads", "threads_unread"):
        r = results[key]
        lines.append(
            f"| `{r['name'].split(' ', 1)[1]}` (one poller) | {r['rps']:.0f} | {r['p50_ms']:.2f} |"
            f" {r['p95_ms']:.2f} | {r['p99_ms']:.2f} |"
        )
    ip, load = results["in_process"], results["load"]
    lines += [
        "",
        f"Load average (1, 5, 15 min) {', '.join(f'{x:.2f}' for x in load['before'])} when the run started and"
        f" {', '.join(f'{x:.2f}' for x in load['after'])} when it ended, on {results['machine'].get('nproc', 2)} cores:"
        " a load above the core count means other work queued for the CPU beside the benchmark, and latency"
        " percentiles then measure the queue more than the app. In process, without HTTP, one inbound"
        f" (`messaging.sms.receive`) cost {ip['cpu_ms']:.2f} ms of CPU ({ip['wall_ms']:.2f} ms wall) over"
        f" {ip['texts']:,} texts into the same database — the figure to compare between runs.",
    ]
    lines += ["", "| target | measured | |", "|---|---|---|"]
    lines += [f"| {goal} | {value} | {'✓' if ok else '✗'} |" for goal, value, ok in verdicts(results)]
    lines += [
        "",
        f"Every inbound answer was 200 and the messages table gained exactly one row per answer ({w['stored']:,}"
        f" stored). The database held {results['seeded']['messages']:,} messages in"
        f" {results['seeded']['threads']:,} threads before the run, so the list and the stamp are read at that size.",
        "",
        end,
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with ExitStack() as stack:
        results = benchmarks(args, stack)
    found = problems(results)
    for goal, value, ok in verdicts(results):
        print(f"{'PASS' if ok else 'MISS'}  {goal}: {value}")
    path = report.write_json(results, prefix="sms")
    print(f"results: {path}")
    if found:
        print("INVALID RUN:\n  " + "\n  ".join(found), file=sys.stderr)
        return 1
    if not args.no_doc:
        report.write_section("sms", markdown(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())

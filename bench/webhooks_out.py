"""Outbound webhooks (issue 22): deliveries per second to a local receiver; 0 lost and 0 duplicated
webhook-ids across 1,000 events with the receiver failing 30 % and a worker killed; intake with 10
destinations against intake with none.

Usage: `.venv/bin/python bench/webhooks_out.py` (`--help`). The receiver (tests/fakes/webhook_receiver.py,
real HTTP on 127.0.0.1, verifying each signature with the official `standardwebhooks` library) runs in
its own process. Each phase migrates a fresh SQLite file and creates leads through `leads.intake.receive`
(each writes its `lead_events` row in its own batch; the minute tick's `webhooks.leads_feed` turns them
into webhook messages).

1. Intake: N leads with no endpoint, then N leads with 10 enabled endpoints (1 main + 9 fan-outs) —
   leads per second each, and the ratio (target ≥ 0.9).
2. Throughput: 1,000 leads, one main URL, receiver always 200: `outbox.drain` (production settings,
   50 rows per drain, 8 in flight) until nothing is due; deliveries/s over that wall time (target ≥ 200).
3. Faults: 1,000 leads, one main URL, receiver failing 30 % at random (500). A worker process claims
   200 rows and is killed with SIGKILL after the
   receiver has seen `--kill-after` requests; this process then drains, skipping the clock ahead
   only when nothing is due (retry waits, the dead worker's lease). Counted at the receiver:
   lost = events whose webhook-id was never answered 2xx;
   duplicated = 2xx webhook-ids that belong to no event or two ids for one event (at-least-once
   repeats of the same id, e.g. the killed worker's unrecorded sends, are counted apart — receivers
   dedupe them on webhook-id).
Writes bench/results/webhooks_out-*.json and the `bench:webhooks_out` section of docs/performance.md.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import multiprocessing
import os
import secrets
import signal
import sys
import tempfile
import time
import urllib.request
from datetime import timedelta
from pathlib import Path
from typing import Any

import report

sys.path.insert(0, str(report.REPO))
sys.path.insert(0, str(report.REPO / "src"))

ENV = {
    "PORCHLIGHT_ENV": "test",
    "ENCRYPTION_KEY": os.environ.setdefault("BENCH_ENCRYPTION_KEY", base64.b64encode(secrets.token_bytes(32)).decode()),
    # a fresh key per run, shared through the environment with the processes this one spawns
    "WEBHOOK_SECRET": "bench-webhook-secret",
}
TARGET_RATE = 200
TARGET_RATIO = 0.9


def _serve(fail_rate: float, queue: Any, stop: Any, secret_q: Any) -> None:
    import threading

    from tests.fakes.webhook_receiver import Receiver

    receiver = Receiver(fail_rate=fail_rate, seed=22).start()  # the clock skips ahead: signature, not age
    queue.put(receiver.base)
    secret = secret_q.get()
    receiver.secrets["/hook"] = secret
    threading.Thread(target=lambda: (stop.wait(), os._exit(0)), daemon=True).start()
    stop.wait()


def _stats(base: str) -> dict[str, Any]:
    with urllib.request.urlopen(f"{base}/_stats", timeout=30) as answer:  # noqa: S310 - our receiver on loopback
        return json.loads(answer.read())


class BenchClock:
    def __init__(self) -> None:
        from core.clock import SystemClock

        self.real = SystemClock()
        self.skipped = timedelta(0)

    def now(self):  # type: ignore[no-untyped-def]
        return self.real.now() + self.skipped


def _bindings(db_path: Path, clock: Any) -> Any:
    from core import config
    from core.bindings import Bindings
    from core.storage.sqlite import SqliteDatabase, connect

    return Bindings(
        db=SqliteDatabase(connect(db_path)),
        settings=config.load(ENV),
        clock=clock,
        outbound_allow=frozenset({"127.0.0.1"}),
    )


async def _fresh(db_path: Path) -> tuple[Any, Any]:
    from accounts import offices
    from core.records import SYSTEM
    from core.storage import migrations
    from core.storage.sqlite import connect

    conn = connect(db_path)
    migrations.migrate(conn)
    conn.close()
    b = _bindings(db_path, BenchClock())
    office = await offices.create_office(b.db, b.clock.now(), SYSTEM, name="Bench", time_zone="America/New_York")
    return b, office


async def _endpoints(b: Any, url: str, n: int) -> str:
    from core.records import SYSTEM
    from webhooks import endpoints

    _, secret = await endpoints.create(b, b.clock.now(), SYSTEM, {"event": "lead.created", "url": url})
    for i in range(n - 1):
        await endpoints.create(
            b,
            b.clock.now(),
            SYSTEM,
            {
                "event": "lead.created",
                "kind": "fanout",
                "url": f"{url}-{i}",
                "payload_type": "form",
                "data": [{"key": "n", "value": "{{FirstName}}"}],
            },
        )
    return secret


async def _leads(b: Any, office: Any, n: int, tag: str) -> float:
    from leads import intake
    from leads import sources as lead_sources
    from leads.intake import Delivery

    source = await lead_sources.by_key(b.db, "website")
    began = time.perf_counter()
    for i in range(n):
        payload = {
            "name": f"Bench {tag} {i}",
            "phone": f"30579{i:05d}",
            "email": f"b{tag}{i}@example.com",
            "zip": "33101",
        }
        # the rate limit is per source and 10 minutes: move the clock so it never applies
        b.clock.skipped += timedelta(seconds=7)
        out = await intake.receive(
            b.db, b.clock.now(), source, payload, Delivery("bench", "application/json", "{}"), fixed_office=office
        )
        assert out.status == "created", out
    return time.perf_counter() - began


async def _fan_out_all(b: Any) -> None:
    """The minute tick's lead feed until every event is a webhook message (200 events a page)."""
    from webhooks import leads_feed

    while await leads_feed.tick(b, b.clock.now()):
        pass


async def _drain_all(b: Any) -> dict[str, Any]:
    from core import outbox
    from core.clock import parse
    from webhooks import delivery  # noqa: F401 - registers

    await _fan_out_all(b)
    drains = skips = 0
    while True:
        done = await outbox.drain(b, outbox.DRAIN_LIMIT)
        drains += 1
        if done:
            continue
        due = await b.db.first("SELECT min(next_attempt_at) AS at FROM outbox WHERE status IN ('pending', 'sending')")
        if due is None or due["at"] is None:
            break
        b.clock.skipped += max(parse(due["at"]) - b.clock.now(), timedelta(0)) + timedelta(milliseconds=1)
        skips += 1
    statuses = {
        r["status"]: r["n"]
        for r in await b.db.all("SELECT status, COUNT(*) AS n FROM outbox WHERE kind = 'webhook' GROUP BY status")
    }
    return {"drains": drains, "clock_skips": skips, "statuses": statuses}


def _doomed(db_path: str, skipped_s: float, rows: int) -> None:
    from core import outbox
    from webhooks import delivery  # noqa: F401 - registers

    async def work() -> None:
        clock = BenchClock()
        clock.skipped = timedelta(seconds=skipped_s)  # the same "now" as the benchmark's process
        await outbox.drain(_bindings(Path(db_path), clock), rows, owner="doomed", kinds=["webhook"])

    asyncio.run(work())


def _receiver(fail_rate: float) -> tuple[Any, str, Any, Any]:
    ctx = multiprocessing.get_context("spawn")
    queue, stop, secret_q = ctx.Queue(), ctx.Event(), ctx.Queue()
    proc = ctx.Process(target=_serve, args=(fail_rate, queue, stop, secret_q), daemon=True)
    proc.start()
    return proc, queue.get(timeout=60), stop, secret_q


async def _intake_phase(folder: Path, n: int, url: str) -> dict[str, Any]:
    """Alternating rounds (none, ten, none, ten, …) on two databases, best round of each: the
    machine's load moves between rounds, not within the comparison."""
    b0, o0 = await _fresh(folder / "none.db")
    b10, o10 = await _fresh(folder / "ten.db")
    await _endpoints(b10, url, 10)
    rounds, size = 5, max(1, n // 5)
    none, ten = [], []
    for r in range(rounds):
        none.append(await _leads(b0, o0, size, f"n{r}x"))
        ten.append(await _leads(b10, o10, size, f"t{r}x"))
    best_none, best_ten = min(none), min(ten)
    return {
        "intake_leads": size * rounds,
        "intake_none_per_s": round(size / best_none),
        "intake_ten_per_s": round(size / best_ten),
        "intake_ratio": round(best_none / best_ten, 3),
    }


async def _throughput(folder: Path, n: int) -> dict[str, Any]:
    proc, base, stop, secret_q = _receiver(0.0)
    try:
        b, office = await _fresh(folder / "rate.db")
        secret_q.put(await _endpoints(b, base + "/hook", 1))
        await _leads(b, office, n, "r")
        import resource

        began, cpu0 = time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF)
        drained = await _drain_all(b)
        wall = time.perf_counter() - began
        cpu1 = resource.getrusage(resource.RUSAGE_SELF)
        cpu = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
        stats = _stats(base)
    finally:
        stop.set()
        proc.join(5)
    return {
        "rate_events": n,
        "rate_wall_s": round(wall, 2),
        "per_second": round(n / wall),
        "per_cpu_second": round(n / max(cpu, 1e-6)),
        "rate_received": stats["received"],
        "rate_unverified": stats["unverified"],
        **{f"rate_{k}": v for k, v in drained.items()},
    }


async def _faults(folder: Path, n: int, fail_rate: float, kill_after: int) -> dict[str, Any]:
    proc, base, stop, secret_q = _receiver(fail_rate)
    try:
        db_path = folder / "faults.db"
        b, office = await _fresh(db_path)
        secret_q.put(await _endpoints(b, base + "/hook", 1))
        await _leads(b, office, n, "f")
        from core import outbox

        await _fan_out_all(b)  # the events become their webhook messages
        expected = {r["id"] for r in await b.db.all("SELECT id FROM outbox WHERE kind = 'webhook'")}
        ctx = multiprocessing.get_context("spawn")
        worker = ctx.Process(target=_doomed, args=(str(db_path), b.clock.skipped.total_seconds(), 200))
        worker.start()
        while _stats(base)["received"] < kill_after and worker.is_alive():
            time.sleep(0.01)  # noqa: ASYNC251 - nothing else runs in this loop meanwhile
        if not worker.is_alive():
            raise SystemExit("the worker ended by itself before it could be killed; lower --kill-after")
        os.kill(worker.pid, signal.SIGKILL)
        worker.join()
        b.clock.skipped += outbox.LEASE  # the dead worker's lease runs out
        at_kill = _stats(base)["received"]
        b.clock.skipped += timedelta(seconds=1)
        drained = await _drain_all(b)
        stats = _stats(base)
    finally:
        stop.set()
        proc.join(5)
    delivered = stats["delivered_ids"]
    unique = set(delivered)
    return {
        "fault_events": n,
        "fail_rate": fail_rate,
        "killed_after_requests": at_kill,
        "fault_requests": stats["received"],
        "fault_unverified": stats["unverified"],
        "webhook_messages": len(expected),
        "lost": len(expected - unique),
        "duplicated": len(unique - expected) + (len(expected) - len({i.rsplit("_", 1)[0] for i in expected})),
        "same_id_repeats": len(delivered) - len(unique),
        **{f"fault_{k}": v for k, v in drained.items()},
    }


def markdown(r: dict[str, Any]) -> str:
    start, end = report.markers("webhooks_out")
    m = r["machine"]
    ok = (
        r["per_second"] >= TARGET_RATE and r["lost"] == 0 and r["duplicated"] == 0 and r["intake_ratio"] >= TARGET_RATIO
    )
    return "\n".join(
        [
            start,
            "## Outbound webhooks",
            "",
            f"Measured {r['measured_at']} on {m['nproc']} CPU(s) ({m['cpu']}), {m['python']}, with"
            f" `.venv/bin/python bench/webhooks_out.py`. {r['load']}",
            "",
            "| measure | result | target |",
            "|---|---:|---:|",
            f"| deliveries/s to a local receiver ({r['rate_events']:,} leads, one main URL, production drain 50 × 8), wall clock | **{r['per_second']:,}** | ≥ {TARGET_RATE} |",  # noqa: E501 - one table row
            f"| deliveries per CPU-second of the drainer (independent of the machine's load) | {r['per_cpu_second']:,} | |",  # noqa: E501 - one table row
            f"| lost webhook-ids ({r['fault_events']:,} events, receiver failing {r['fail_rate']:.0%}, a worker SIGKILLed after {r['killed_after_requests']} requests) | **{r['lost']}** | 0 |",  # noqa: E501 - one table row
            f"| duplicated webhook-ids (ids of no event, or two ids for one event) | **{r['duplicated']}** | 0 |",
            f"| same-id repeats answered 2xx (the killed worker's unrecorded sends; receivers dedupe on webhook-id) | {r['same_id_repeats']} | — |",  # noqa: E501 - one table row
            f"| intake leads/s with no endpoint / with 10 endpoints ({r['intake_leads']:,} leads each) | {r['intake_none_per_s']:,} / {r['intake_ten_per_s']:,} | |",  # noqa: E501 - one table row
            f"| intake with 10 destinations ÷ intake with none | **{r['intake_ratio']}** | ≥ {TARGET_RATIO} |",
            "",
            f"Every request was verified by the receiver with `standardwebhooks` (unverified: {r['rate_unverified'] + r['fault_unverified']} — a request cut off mid-body when the worker was killed)."  # noqa: E501 - one table row
            f" Fault run: {r['fault_requests']:,} requests, outbox rows afterwards {r['fault_statuses']}, {r['fault_drains']} drains,"  # noqa: E501 - one table row
            f" {r['fault_clock_skips']} clock skips (retry waits and the dead worker's lease pass without waiting). Intake"  # noqa: E501 - one table row
            " does the same work whatever the number of destinations (one event row in the lead's batch);"
            " the fan-out (the minute tick's lead feed) and deliveries happen after the response."
            " Earlier runs measured 36–83 deliveries/s: the fake receiver, not the drain, was the limit. Its"
            " server kept Python's default listen backlog of 5, so a drain opening 8 connections at once"
            " lost SYNs that the kernel retried a second later (slowest post 1,024 ms); it now queues 128"
            " and answers with Nagle off, as a real receiver would."
            f" {'Meets every target.' if ok else 'MISSES a target at this load (see the numbers).'}",
            end,
            "",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--events", type=int, default=1000)
    p.add_argument("--intake", type=int, default=500)
    p.add_argument("--fail-rate", type=float, default=0.3)
    p.add_argument("--kill-after", type=int, default=60)
    p.add_argument("--no-doc", action="store_true")
    args = p.parse_args(argv)
    load_before = report.load_average()
    results: dict[str, Any] = {"measured_at": report.now_utc(), "machine": report.machine()}
    with tempfile.TemporaryDirectory(prefix="bench-webhooks-") as tmp:
        folder = Path(tmp)
        results |= asyncio.run(_intake_phase(folder, args.intake, "http://127.0.0.1:9/hook"))
        results |= asyncio.run(_throughput(folder, args.events))
        results |= asyncio.run(_faults(folder, args.events, args.fail_rate, args.kill_after))
    results["load"] = report.load_sentence(load_before, report.load_average(), results["machine"]["nproc"])
    print(json.dumps({k: v for k, v in results.items() if k != "machine"}, indent=2))
    print(f"wrote {report.write_json(results, prefix='webhooks_out')}")
    if not args.no_doc:
        report.write_section("webhooks_out", markdown(results))
    return 0 if results["lost"] == 0 and results["duplicated"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())

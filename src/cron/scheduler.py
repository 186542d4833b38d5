"""The local stand-in for Cloudflare's cron triggers: reads [triggers].crons from wrangler.toml and
runs the registered jobs in-process on their schedules (local runtime only; needs croniter).

It also takes the local backups (`Bindings.backups`: daily by default, then prunes to N daily and
M weekly). That schedule is not in wrangler.toml because the Worker must not run it: on D1, Time
Travel keeps the history. The sleeps here use real time; what is due is decided on the Clock."""

from __future__ import annotations

import asyncio
import logging
import tomllib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import cron
from core.bindings import ROOT, Bindings
from ops import backups

log = logging.getLogger("porchlight.cron")


def wrangler_crons(path: Path = ROOT / "wrangler.toml") -> list[str]:
    with path.open("rb") as f:
        return list(tomllib.load(f).get("triggers", {}).get("crons", []))


async def run_forever(bindings: Bindings, stop: asyncio.Event, crons: list[str] | None = None) -> None:
    await asyncio.gather(run_crons(bindings, stop, crons), run_backups(bindings, stop))


async def _sleep_until(due: datetime, stop: asyncio.Event) -> bool:
    """Wait for DUE; False when asked to stop first."""
    delay = (due - datetime.now(UTC)).total_seconds()
    if delay > 0:
        try:
            await asyncio.wait_for(stop.wait(), timeout=delay)
            return False
        except TimeoutError:
            pass
    return not stop.is_set()


async def run_backups(bindings: Bindings, stop: asyncio.Event, catch_up_after: float = 60.0) -> None:
    """Backups on the policy's schedule, plus one CATCH_UP_AFTER seconds after start when the newest
    is over a day old. The copy runs in a thread: SQLite and zlib release the GIL, so the server
    keeps answering (docs/performance.md has intake throughput during a backup)."""
    from croniter import croniter

    from ops import backup_ops

    policy = bindings.backups
    if policy is None or not policy.schedule:
        return
    due = croniter(policy.schedule, datetime.now(UTC)).get_next(datetime)
    if await asyncio.to_thread(backups.catch_up_due, policy, bindings.clock.now()):
        due = min(due, datetime.now(UTC) + timedelta(seconds=catch_up_after))
    while await _sleep_until(due, stop):
        try:
            record = await asyncio.to_thread(backup_ops.scheduled, policy, bindings.clock.now())
            (log.info if record["ok"] else log.error)("backup: %s %s", record["file"] or "failed", record["detail"])
        except Exception:
            log.exception("backup failed")
        due = croniter(policy.schedule, datetime.now(UTC)).get_next(datetime)


async def run_crons(bindings: Bindings, stop: asyncio.Event, crons: list[str] | None = None) -> None:
    from croniter import croniter

    expressions = crons if crons is not None else wrangler_crons()
    now = datetime.now(UTC)
    upcoming = {expr: croniter(expr, now).get_next(datetime) for expr in expressions}
    while not stop.is_set():
        expr, due = min(upcoming.items(), key=lambda item: item[1])
        delay = (due - datetime.now(UTC)).total_seconds()
        if delay > 0:
            try:
                await asyncio.wait_for(stop.wait(), timeout=delay)
                return
            except TimeoutError:
                pass
        try:
            for outcome in await cron.dispatch(bindings, expr):
                log.info("cron %s: %s", expr, outcome)
        except Exception:
            log.exception("cron %s failed", expr)
        upcoming[expr] = croniter(expr, datetime.now(UTC)).get_next(datetime)

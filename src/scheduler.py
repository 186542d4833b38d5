"""The local stand-in for Cloudflare's cron triggers: reads [triggers].crons from wrangler.toml and
runs the registered jobs in-process on their schedules (local runtime only; needs croniter)."""

from __future__ import annotations

import asyncio
import logging
import tomllib
from datetime import UTC, datetime
from pathlib import Path

import cron
from bindings import ROOT, Bindings

log = logging.getLogger("porchlight.cron")


def wrangler_crons(path: Path = ROOT / "wrangler.toml") -> list[str]:
    with path.open("rb") as f:
        return list(tomllib.load(f).get("triggers", {}).get("crons", []))


async def run_forever(bindings: Bindings, stop: asyncio.Event, crons: list[str] | None = None) -> None:
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

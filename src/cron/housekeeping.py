"""Drop expired sessions and rate-limit windows. Safe to run any number of times."""

from __future__ import annotations

from datetime import datetime

from accounts import sessions
from core import throttle
from core.bindings import Bindings


async def run(bindings: Bindings, now: datetime) -> dict[str, int]:
    return {
        "sessions_removed": await sessions.purge_expired(bindings.db, now, bindings.settings),
        "counters_removed": await throttle.purge_expired(bindings.db, now),
    }

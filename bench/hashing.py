"""The argon2id cost a login pays, measured through the app's own `passwords` module."""

from __future__ import annotations

import asyncio
import re
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from accounts import passwords
from loadgen import percentile

SAMPLE_PASSWORD = "correct horse battery staple"


@dataclass
class HashCost:
    params: str  # as encoded in the hash itself, e.g. "m=19456,t=2,p=1"
    runs: int
    hash_ms: list[float]
    verify_ms: list[float]

    @staticmethod
    def summary(samples: list[float]) -> dict[str, float]:
        ordered = sorted(samples)
        return {"median_ms": statistics.median(ordered), "p95_ms": percentile(ordered, 95)}


async def _timed_ms(call: Callable[[], Awaitable[object]]) -> float:
    start = time.perf_counter()
    await call()
    return (time.perf_counter() - start) * 1000


async def _measure(runs: int) -> HashCost:
    # One untimed hash first: the first call pays for loading the library and starting the thread pool.
    stored = await passwords.hash_password(SAMPLE_PASSWORD)
    match = re.match(r"\$argon2id\$v=\d+\$([^$]+)\$", stored)
    params = match.group(1) if match else "unknown"
    hash_ms = [await _timed_ms(lambda: passwords.hash_password(SAMPLE_PASSWORD)) for _ in range(runs)]
    # Sign-in pays for verify(), which recomputes the same hash; measure it too.
    verify_ms = [await _timed_ms(lambda: passwords.verify(stored, SAMPLE_PASSWORD)) for _ in range(runs)]
    return HashCost(params=params, runs=runs, hash_ms=hash_ms, verify_ms=verify_ms)


def measure(runs: int = 20) -> HashCost:
    return asyncio.run(_measure(runs))

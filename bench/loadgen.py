"""A deliberately cheap HTTP/1.1 load generator: N keep-alive connections, one request at a time each.

The machine has two cores and the server under test takes one, so the client must cost as little
as possible per request: raw asyncio streams, a pre-built request, and a parser that reads only the
status line, Content-Length and the body (every response we measure carries Content-Length).

GETs repeat one pre-built request. Writes that must differ per request (a POST with a unique body,
or a different URL each time) pass `next_request`, which builds each request's bytes (see
`build_post`), and `classify`, which labels each response from its status and body so the caller
can prove what the server did (e.g. every POST created a row) rather than only count 200s.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

Classify = Callable[[int, bytes], str]  # (status, body) -> a label the outcome counts

HOST = "127.0.0.1"  # only ever loopback


class ProtocolError(Exception):
    pass


@dataclass
class Load:
    """One closed-loop run against one URL path."""

    port: int
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    concurrency: int = 32
    warmup_s: float = 1.0
    duration_s: float = 5.0
    max_requests: int = 2_000_000  # a hard cap on work (and memory) whatever the duration
    next_request: Callable[[], bytes] | None = None  # per-request bytes instead of repeating GET `path`
    classify: Classify | None = None  # label every response (warm-up included) from its status and body


@dataclass
class Outcome:
    requests: int  # completed inside the measured window
    seconds: float
    latencies_ms: list[float]
    statuses: dict[int, int]  # every response, warm-up included
    probes: dict[str, float]  # how much each probe's counter grew over the measured window
    labels: dict[str, int] = field(default_factory=dict)  # `Load.classify` counts, warm-up included
    issued: int = 0  # requests sent, warm-up included (reaching `Load.max_requests` cuts a run short)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        return percentile(sorted(self.latencies_ms), p)


def percentile(ordered: list[float], p: float) -> float:
    """Nearest-rank percentile of an already sorted list (no interpolation: a value that happened)."""
    if not ordered:
        return math.nan
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def _head(method: str, path: str, port: int, headers: dict[str, str]) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {HOST}:{port}", "User-Agent: porchlight-bench"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def build_request(load: Load) -> bytes:
    return _head("GET", load.path, load.port, load.headers)


def build_post(port: int, path: str, body: bytes, headers: dict[str, str] | None = None) -> bytes:
    """One complete POST (head and body), for a `Load.next_request` factory."""
    head = {"Content-Type": "application/json", **(headers or {}), "Content-Length": str(len(body))}
    return _head("POST", path, port, head) + body


async def read_response(reader: asyncio.StreamReader) -> int:
    """Consume one response and return its status code."""
    status, _ = await read_response_body(reader)
    return status


async def read_response_body(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    """Consume one response and return its status code and body."""
    head = await reader.readuntil(b"\r\n\r\n")
    status_line, _, rest = head.partition(b"\r\n")
    parts = status_line.split(b" ", 2)
    if len(parts) < 2 or not parts[0].startswith(b"HTTP/1."):
        raise ProtocolError(f"bad status line {status_line!r}")
    length = None
    for line in rest.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
            break
    if length is None:
        raise ProtocolError("response without Content-Length (chunked bodies are not supported here)")
    body = await reader.readexactly(length) if length else b""
    return int(parts[1]), body


@dataclass
class _Window:
    start: float
    end: float
    cap: int
    issued: int = 0


@dataclass
class _Tally:
    latencies_ms: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    labels: dict[str, int] = field(default_factory=dict)


async def _classified(classify: Classify, reader: asyncio.StreamReader, labels: dict[str, int]) -> int:
    """Read one response and count the label `classify` gives it."""
    status, body = await read_response_body(reader)
    label = classify(status, body)
    labels[label] = labels.get(label, 0) + 1
    return status


async def _connection(load: Load, request: bytes, window: _Window, tally: _Tally) -> None:
    reader, writer = await asyncio.open_connection(HOST, load.port)
    latencies_ms, statuses = tally.latencies_ms, tally.statuses
    try:
        clock = time.perf_counter
        while window.issued < window.cap:
            sent = clock()
            if sent >= window.end:
                break
            window.issued += 1
            writer.write(request if load.next_request is None else load.next_request())
            if load.classify is None:
                status, _ = await read_response_body(reader)
            else:
                status = await _classified(load.classify, reader, tally.labels)
            finished = clock()
            statuses[status] = statuses.get(status, 0) + 1
            # Warm-up requests (and any finishing after the window) are served but not recorded.
            if window.start <= finished <= window.end:
                latencies_ms.append((finished - sent) * 1000)
    finally:
        writer.close()


Probe = Callable[[], float]  # a monotonic counter, e.g. CPU seconds used so far


async def _probe_window(window: _Window, probes: dict[str, Probe]) -> dict[str, float]:
    """Each probe's growth between the window's start and end (warm-up excluded, like the latencies)."""

    def sample() -> dict[str, float]:
        return {name: probe() for name, probe in probes.items()}

    await asyncio.sleep(max(0.0, window.start - time.perf_counter()))
    before = sample()
    await asyncio.sleep(max(0.0, window.end - time.perf_counter()))
    after = sample()
    return {name: after[name] - before[name] for name in probes}


async def run(load: Load, probes: dict[str, Probe] | None = None) -> Outcome:
    request = build_request(load) if load.next_request is None else b""
    now = time.perf_counter()
    window = _Window(start=now + load.warmup_s, end=now + load.warmup_s + load.duration_s, cap=load.max_requests)
    tally = _Tally()
    sampler = asyncio.ensure_future(_probe_window(window, probes or {}))
    tasks = [_connection(load, request, window, tally) for _ in range(load.concurrency)]
    try:
        # A stuck server must not hang the benchmark: give in-flight requests a grace period, then give up.
        await asyncio.wait_for(asyncio.gather(*tasks), timeout=load.warmup_s + load.duration_s + 10)
        grown = await sampler
    finally:
        sampler.cancel()
    return Outcome(
        requests=len(tally.latencies_ms),
        seconds=load.duration_s,
        latencies_ms=tally.latencies_ms,
        statuses=tally.statuses,
        probes=grown,
        labels=tally.labels,
        issued=window.issued,
    )

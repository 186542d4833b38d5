"""The assistant and the ticket PDF (issue 24), against the fake Anthropic API in one run.

Usage: `.venv/bin/python bench/assistant.py [--leads 20000] [--runs 30]`. Builds a fresh SQLite file
with one office, an owner and LEADS leads, starts tests/fakes/anthropic.py, and measures:

1. Time to first streamed byte: from the moment the fake writes its first event (`message_start`) to
   the first SSE bytes of the turn's first `text` event out of `routes.sse` (the bytes the route sends),
   through the real SDK, our outbound transport and `assistant.chat.run_turn`.
2. Tool overhead: `tools.run(ctx, "count_leads", {})` (argument checks, scope, scrub) against the same
   scoped `COUNT(*)` alone; and a whole turn with one tool call against a turn without, less the query
   and the extra model round trip, i.e. what the loop adds per call.
3. The PDF of a 5-page summary: `tickets.summaries.render_pdf` time and tracemalloc peak.
Prints a table; `--write` replaces the `bench:assistant` section of docs/performance.md.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import secrets
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# this file is bench/assistant.py: keep its folder off the path so `assistant` is the app's package
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(REPO))

from tests.fakes.anthropic import API_KEY, FakeAnthropic, Reply  # noqa: E402

from accounts import authz, offices, users  # noqa: E402
from assistant import chat, tools  # noqa: E402
from assistant.settings import AssistantSettings  # noqa: E402
from core import config, outbound  # noqa: E402
from core.bindings import Bindings  # noqa: E402
from core.clock import FrozenClock, iso  # noqa: E402
from core.records import SYSTEM  # noqa: E402
from core.storage import migrations, q  # noqa: E402
from core.storage.sqlite import SqliteDatabase, connect  # noqa: E402
from routes import sse  # noqa: E402
from tickets import summaries  # noqa: E402

NOW = "2026-11-22T15:00:00Z"
ENV = {
    "PORCHLIGHT_ENV": "test",
    "ENCRYPTION_KEY": os.environ.setdefault("BENCH_ENCRYPTION_KEY", base64.b64encode(secrets.token_bytes(32)).decode()),
    # a fresh key per run, shared through the environment with the processes this one spawns
    "WEBHOOK_SECRET": "bench-webhook-secret-value",
}


async def build(path: Path, leads: int, fake: FakeAnthropic) -> tuple[Bindings, users.User]:
    conn = connect(path)
    migrations.migrate(conn)
    db = SqliteDatabase(conn)
    clock = FrozenClock(NOW)
    office = await offices.create_office(db, clock.now(), SYSTEM, name="Garage", time_zone="America/New_York")
    profile = users.check_profile("Owner", "owner", True, set(), None)
    await users.create_user(
        db, clock.now(), SYSTEM, email="o@example.test", password="bench-password-1", profile=profile
    )
    owner = await users.by_email(db, "o@example.test")
    assert owner is not None
    stamp = iso(clock.now())
    for start in range(0, leads, 500):
        await db.batch(
            [
                q(
                    "INSERT INTO leads (id, display_id, office_id, source_key, name, received_at, created_at,"
                    " updated_at) VALUES (?, ?, ?, 'website', ?, ?, ?, ?)",
                    i,
                    f"L-{i}",
                    office.id,
                    f"Lead {i}",
                    stamp,
                    stamp,
                    stamp,
                )
                for i in range(start + 1, min(start + 500, leads) + 1)
            ]
        )
    settings = config.load({**ENV, "ANTHROPIC_API_KEY": API_KEY, "ANTHROPIC_BASE_URL": fake.base_url})
    return Bindings(db=db, settings=settings, clock=clock, http=outbound.client), owner


async def first_byte(b: Bindings, user: users.User, fake: FakeAnthropic, conv: int) -> float:
    fake.queue(Reply(text="Forty-two open leads in Garage.", pieces=6))
    events = chat.run_turn(b, user, AssistantSettings(), conv, "How many?")
    got = None
    async for chunk in sse._encode(events):
        if got is None and chunk.startswith(b"event: text"):
            got = time.perf_counter()
    assert got is not None
    return (got - fake.first_event_at[-1]) * 1000


async def turn_ms(b: Bindings, user: users.User, fake: FakeAnthropic, conv: int, calls: int) -> float:
    """A turn whose model asks for CALLS tool calls in one message, then answers: the same two model
    round trips whatever CALLS is, so the difference between two CALLS is the tools and the loop."""
    fake.queue(Reply(tool_uses=[("count_leads", {})] * calls), Reply(text="done"))
    started = time.perf_counter()
    async for _ in chat.run_turn(b, user, AssistantSettings(), conv, "count"):
        pass
    return (time.perf_counter() - started) * 1000


async def main(leads: int, runs: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp, FakeAnthropic() as fake:
        b, owner = await build(Path(tmp) / "bench.sqlite3", leads, fake)
        conv = (
            await b.db.batch(
                [
                    q(
                        "INSERT INTO assistant_conversations (user_id, created_at, updated_at) VALUES (?, ?, ?)",
                        owner.id,
                        NOW,
                        NOW,
                    )
                ]
            )
        )[0].last_row_id or 0
        ttfb = [await first_byte(b, owner, fake, conv) for _ in range(runs)]
        ctx = tools.Context(b.db, owner, b.clock.now())
        scope, params = authz.lead_scope(owner, "l")
        query, tool = [], []
        for _ in range(runs):
            t = time.perf_counter()
            await b.db.first(f"SELECT COUNT(*) AS n FROM leads l WHERE {scope} AND l.archived_at IS NULL", *params)
            query.append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            await tools.run(ctx, "count_leads", {})
            tool.append((time.perf_counter() - t) * 1000)
        plain = [await turn_ms(b, owner, fake, conv, 1) for _ in range(runs)]
        called = [await turn_ms(b, owner, fake, conv, 10) for _ in range(runs)]
        # what each further call adds to a turn (the loop, the chip event, the stored row), beyond the
        # query it wraps: (ten-call turn − one-call turn) / 9 − the query
        loop_overhead = (statistics.median(called) - statistics.median(plain)) / 9 - statistics.median(query)
    text = "\n".join(
        f"Step {i}: checked the opener's wiring, the sensors, the limits and the force settings." for i in range(230)
    )
    row = {"number": "T-1001", "title": "Bench", "customer_name": "José Müller", "customer_display_id": "C-1"}
    summary = {"summary": text, "advice": "- Keep the sensors clear.", "recommendations": 1}
    pdf_ms, peaks = [], []
    for _ in range(5):
        tracemalloc.start()
        t = time.perf_counter()
        data = summaries.render_pdf("Garage Doors Co.", row, summary, "November 22, 2026")
        pdf_ms.append((time.perf_counter() - t) * 1000)
        peaks.append(tracemalloc.get_traced_memory()[1] / 2**20)
        tracemalloc.stop()
    pages = data.count(b"/Type /Page ") + data.count(b"/Type /Page\n")
    return {
        "ttfb_ms_median": statistics.median(ttfb),
        "ttfb_ms_max": max(ttfb),
        "query_ms": statistics.median(query),
        "tool_ms": statistics.median(tool),
        "tool_overhead_ms": statistics.median(tool) - statistics.median(query),
        "turn_plain_ms": statistics.median(plain),
        "turn_one_tool_ms": statistics.median(called),
        "loop_overhead_ms": loop_overhead,
        "pdf_ms": statistics.median(pdf_ms),
        "pdf_peak_mib": max(peaks),
        "pdf_pages": pages,
        "leads": leads,
    }


def report(r: dict[str, float]) -> str:
    rows = [
        (
            "first streamed byte after the fake's first event (median / max)",
            f"{r['ttfb_ms_median']:.1f} / {r['ttfb_ms_max']:.1f} ms",
            "≤ 300 ms",
        ),
        (
            "`count_leads` tool vs its scoped `COUNT(*)`",
            f"{r['tool_ms']:.2f} vs {r['query_ms']:.2f} ms (+{r['tool_overhead_ms']:.2f} ms)",
            "≤ +20 ms",
        ),
        (
            "a turn with 1 vs 10 tool calls (same two model round trips)",
            f"{r['turn_plain_ms']:.1f} vs {r['turn_one_tool_ms']:.1f} ms",
            "",
        ),
        (
            "what each further tool call adds over its query ((10-call − 1-call) / 9 − query)",
            f"{r['loop_overhead_ms']:.2f} ms",
            "≤ 20 ms",
        ),
        (
            f"PDF of a {int(r['pdf_pages'])}-page summary (time / tracemalloc peak)",
            f"{r['pdf_ms']:.1f} ms / {r['pdf_peak_mib']:.1f} MiB",
            "≤ 500 ms / ≤ 50 MB",
        ),
    ]
    return "\n".join(
        [
            "<!-- bench:assistant -->",
            f"Measured by `bench/assistant.py` ({int(r['leads']):,} leads, the fake Anthropic API on 127.0.0.1):",
            "",
            "| what | measured | budget |",
            "|---|---|---|",
            *(f"| {a} | {b} | {c} |" for a, b, c in rows),
            "<!-- /bench:assistant -->",
        ]
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--leads", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument(
        "--write", action="store_true", help="replace the bench:assistant section of docs/performance.md"
    )
    args = parser.parse_args()
    result = asyncio.run(main(args.leads, args.runs))
    section = report(result)
    print(section)
    if args.write:
        doc = REPO / "docs" / "performance.md"
        text = doc.read_text(encoding="utf-8")
        start, end = "<!-- bench:assistant -->", "<!-- /bench:assistant -->"
        if start in text:
            text = text[: text.index(start)] + section + text[text.index(end) + len(end) :]
        else:
            text = text.rstrip() + "\n\n## The assistant and the ticket PDF (issue 24)\n\n" + section + "\n"
        doc.write_text(text, encoding="utf-8")

"""D1 round trips per request: on the edge every database call is a network hop to D1, so each listed
page, action, webhook and cron tick has a budget (pages and actions <= 5, webhooks <= 3) and this
test fails when one exceeds it. A round trip is one call through the Database interface (`all`,
`first`, `run`, or a non-empty `batch`, which D1 runs as one request). docs/performance.md
("D1 round trips per request") has the table; `ROUTES` is its source, and a test keeps them equal.

The count is taken at the D1 binding, under the D1 adapter (storage/d1.py), which sends reads made
together (asyncio.gather) as one batch; in the SQLite pass the measured requests run on the fake
D1 binding over the same file, in the d1real pass on the real engine.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import cron
from core.storage.d1 import D1Database
from tests.booking_support import form, make_embed
from tests.conftest import TEST_ENV, sign_in
from tests.customers_support import make_customer
from tests.fakes.d1 import FakeD1Binding
from tests.leads.test_leads_queue import make_lead

PAGE, ACTION, WEBHOOK = 5, 5, 3
IDLE_TICK = 2  # a cron tick whose jobs have nothing to do: the claim batch (with the probes) and the release
DOC = Path(__file__).resolve().parents[2] / "docs" / "performance.md"


TRACE: list[str] = []


class Counted:
    """A D1 binding that counts its round trips (and keeps the SQL, for -s)."""

    def __init__(self, inner: Any):
        self.inner = inner
        self.calls = 0

    def prepare(self, sql: str) -> Any:
        outer = self

        class Statement:
            def __init__(self, st: Any):
                self.st = st

            def bind(self, *values: Any) -> Statement:
                return Statement(self.st.bind(*values))

            async def all(self) -> Any:
                outer.calls += 1
                TRACE.append(" ".join(sql.split())[:100])
                return await self.st.all()

            run = all

        return Statement(self.inner.prepare(sql))

    async def batch(self, statements: list[Any]) -> Any:
        self.calls += 1
        TRACE.append("BATCH " + " | ".join(" ".join(s.st.sql.split())[:40] for s in statements))
        return await self.inner.batch([s.st for s in statements])


@dataclass(frozen=True)
class Route:
    name: str  # as in the docs table
    kind: str  # page, action, webhook, tick
    budget: int


ROUTES = (
    Route("GET /leads (queue)", "page", PAGE),
    Route("GET /api/leads", "page", PAGE),
    Route("GET /leads/{id} (lead panel)", "page", PAGE),
    Route("GET /api/leads/{id}", "page", PAGE),
    Route("POST /leads/{id}/claim", "action", ACTION),
    Route("POST /leads/{id}/status", "action", ACTION),
    Route("POST /leads/{id}/notes", "action", ACTION),
    Route("POST /leads/{id}/call", "action", ACTION),
    Route("POST /leads/{id}/archive", "action", ACTION),
    Route("GET /leads/{id}/convert", "page", PAGE),
    Route("POST /leads/{id}/convert", "action", ACTION),
    Route("GET /clients", "page", PAGE),
    Route("GET /clients/{id} (customer record)", "page", PAGE),
    Route("POST /clients/{id}/notes", "action", ACTION),
    Route("GET /billing", "page", PAGE),
    Route("GET /reports", "page", PAGE),
    Route("GET /book/{slug} (booking page)", "page", PAGE),
    Route("POST /book/{slug} (booking submit)", "action", ACTION),
    Route("POST /request-help (website form)", "webhook", WEBHOOK),
    Route("POST /webhook/leads", "webhook", WEBHOOK),
    Route("POST /webhook/facebook", "webhook", WEBHOOK),
    # Cron ticks (src/cron/__init__.py, dispatch): one batch claims every job of the expression and asks
    # each job's probe whether it has work, one batch releases them all, so an idle tick is 2 whatever
    # its jobs; a job with work adds its own reads and writes. (Before: 2 a job plus each job's own look.)
    Route("cron * * * * * (lead-indexes, outbox), idle", "tick", IDLE_TICK),  # was 13
    # 3 new leads, on top: lead-indexes (its two "noted?" reads together, two batches), webhooks-events
    # (both feeds' reads together, the lead slot's endpoints, the deliveries batch), automation-events
    # (its reads together, the cursor batch), the outbox it feeds (its claim): 3 + 3 + 2 + 1
    Route("cron * * * * * (lead-indexes, outbox), 3 new leads", "tick", IDLE_TICK + 9),  # was 18
    Route("cron */2 * * * * (quickbooks-import), not connected", "tick", IDLE_TICK + 1),  # no probe: its run read
    # housekeeping's two deletes, quickbooks-sync's connection read, webhooks-purge's delete (no probes)
    Route("cron */10 * * * * (housekeeping, quickbooks-sync)", "tick", IDLE_TICK + 4),  # was 10
    Route("cron */5 * * * * (automation-times)", "tick", IDLE_TICK),  # was 4
    Route(
        "cron */15 * * * * (jobs-auto-status, recurring-tasks, report-emails, payment-summaries)", "tick", IDLE_TICK
    ),  # was 9
)


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no csrf token on the page"
    return match.group(1)


@pytest.fixture
async def measured(client, bindings, people, db_path, real_d1) -> dict[str, int]:
    """Every listed route once, in an order where each has something to show or change."""
    office = people.office_a
    lead_a = await make_lead(bindings, office, name="Ada Queue")
    lead_b = await make_lead(bindings, office, name="Bo Convert", phone="3057942299")
    await make_lead(bindings, office, name="Cy Archive", phone="3057942288")
    customer = await make_customer(bindings, office, "Dana Record", phone="3057942277")
    await make_embed(bindings, office.id)
    await cron.run_job(bindings, "lead-indexes")
    conn = sqlite3.connect(str(db_path), check_same_thread=False)
    counter = Counted(real_d1.binding() if real_d1 is not None else FakeD1Binding(conn))
    bindings.db = D1Database(counter)
    found: dict[str, int] = {}

    async def count(name: str, method: str, url: str, expect: int = 200, **kw: Any) -> Any:
        counter.calls = 0
        TRACE.clear()
        response = await client.request(method, url, **kw)
        assert response.status_code == expect, (name, response.status_code, response.text[:300])
        assert "error" not in response.headers.get("location", ""), (name, response.headers["location"])
        found[name] = counter.calls
        print("==", name, counter.calls, *TRACE, sep="\n   ")
        TRACE.clear()
        return response

    async def tick(name: str, expression: str) -> None:
        counter.calls = 0
        TRACE.clear()
        await cron.dispatch(bindings, expression)
        found[name] = counter.calls
        print("==", name, counter.calls, *TRACE, sep="\n   ")
        TRACE.clear()

    csrf = await sign_in(client, bindings, people.owner)
    form_csrf = {"csrf_token": csrf}
    await count("GET /leads (queue)", "GET", "/leads")
    await count("GET /api/leads", "GET", "/api/leads")
    await count("GET /leads/{id} (lead panel)", "GET", f"/leads/{lead_a}")
    await count("GET /api/leads/{id}", "GET", f"/api/leads/{lead_a}", headers={"x-csrf-token": csrf})
    await count("POST /leads/{id}/claim", "POST", f"/leads/{lead_a}/claim", 303, data=form_csrf)
    await count(
        "POST /leads/{id}/status",
        "POST",
        f"/leads/{lead_a}/status",
        303,
        data={**form_csrf, "status": "needs_follow_up"},
    )
    await count("POST /leads/{id}/notes", "POST", f"/leads/{lead_a}/notes", 303, data={**form_csrf, "text": "Called."})
    await count(
        "POST /leads/{id}/call", "POST", f"/leads/{lead_a}/call", 303, data={**form_csrf, "outcome": "no_answer"}
    )
    await count("POST /leads/{id}/archive", "POST", f"/leads/{lead_a}/archive", 303, data=form_csrf)
    await count("GET /leads/{id}/convert", "GET", f"/leads/{lead_b}/convert")
    await count("POST /leads/{id}/convert", "POST", f"/leads/{lead_b}/convert", 303, data=form_csrf)
    await count("GET /clients", "GET", "/clients")
    await count("GET /clients/{id} (customer record)", "GET", f"/clients/{customer['display_id']}")
    await count(
        "POST /clients/{id}/notes",
        "POST",
        f"/clients/{customer['display_id']}/notes",
        303,
        data={**form_csrf, "text": "Hi"},
    )
    await count("GET /billing", "GET", "/billing")
    await client.get("/reports")  # the first view after a time-zone change rebuilds the rollups: not measured
    await count("GET /reports", "GET", "/reports")
    client.cookies.clear()
    await count("GET /book/{slug} (booking page)", "GET", "/book/garage-doors")
    await count("POST /book/{slug} (booking submit)", "POST", "/book/garage-doors", data=form())
    await count(
        "POST /request-help (website form)",
        "POST",
        "/request-help",
        json={"name": "Eve Form", "phone": "3057942266", "zip": "33130"},
    )
    secret = {"x-webhook-secret": TEST_ENV["WEBHOOK_SECRET"]}
    hook = {"name": "Finn Hook", "phone": "3057942255", "source": "website"}
    await count("POST /webhook/leads", "POST", "/webhook/leads", json=hook, headers=secret)
    fb = {"full_name": "Gus Facebook", "phone_number": "3057942244", "leadgen_id": "991"}
    await count("POST /webhook/facebook", "POST", "/webhook/facebook", json=fb, headers=secret)
    await tick("cron * * * * * (lead-indexes, outbox), 3 new leads", "* * * * *")
    await tick("cron * * * * * (lead-indexes, outbox), idle", "* * * * *")
    await tick("cron */2 * * * * (quickbooks-import), not connected", "*/2 * * * *")
    await tick("cron */10 * * * * (housekeeping, quickbooks-sync)", "*/10 * * * *")
    await tick("cron */5 * * * * (automation-times)", "*/5 * * * *")
    await tick(
        "cron */15 * * * * (jobs-auto-status, recurring-tasks, report-emails, payment-summaries)", "*/15 * * * *"
    )
    conn.close()
    return found


async def test_every_listed_route_stays_within_its_d1_round_trip_budget(measured):
    assert set(measured) == {r.name for r in ROUTES}
    print("\n".join(f"{r.name}: {measured[r.name]}" for r in ROUTES))  # shown with -s
    over = {r.name: (measured[r.name], r.budget) for r in ROUTES if measured[r.name] > r.budget}
    assert not over, f"over budget (round trips, budget): {over}"
    # the table in docs/performance.md says exactly this
    text = DOC.read_text(encoding="utf-8")
    table = text.split("<!-- d1:round-trips:start -->")[1].split("<!-- d1:round-trips:end -->")[0]
    rows = [
        [c.strip() for c in line.strip().strip("|").split("|")] for line in table.splitlines() if line.startswith("| `")
    ]
    documented = {r[0].strip("`"): (r[1], int(r[2]), int(r[3])) for r in rows}
    assert documented == {r.name: (r.kind, measured[r.name], r.budget) for r in ROUTES}

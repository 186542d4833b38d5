"""The demo partner (`porchlight demo seed`): the partner user's name is a demo Job Partner's and the
demo leads' partner name, so signing in as partner@porchlight.test shows that partner's jobs on the
board and its leads in the queue — with the contractors' phone and email absent from the JSON
(BRD-12, X-4)."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.storage import migrations
from core.storage.sqlite import connect
from ops import demo
from tests.conftest import DB_MODE, login_form


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """An empty migrated database, as `porchlight db migrate` leaves it: `demo seed` makes its people."""
    if DB_MODE == "d1real":
        pytest.skip("the real-D1 run copies the shared template; this test needs an empty database")
    path = tmp_path / "fresh.sqlite3"
    conn = connect(path)
    migrations.migrate(conn)
    conn.close()
    return path


async def test_the_demo_partner_sees_its_jobs_and_leads_without_contractor_contacts(client, bindings):
    now = bindings.clock.now()
    assert await demo.seed(bindings.db, now)
    assert await demo.seed_business(bindings, now) is not None
    signed = await login_form(client, "partner@porchlight.test", demo.demo_password("partner"))
    assert signed.status_code in (302, 303), signed.text
    board = await client.get("/jobs", params={"range": "all"})
    assert board.status_code == 200 and 'data-job="JOB-' in board.text

    jobs = (await client.get("/api/jobs", params={"limit": 500})).json()["items"]
    assert jobs and {j["partner_label"] for j in jobs} == {"GDQ Leads"}
    assert all("contractor_phone" not in j and "contractor_email" not in j for j in jobs)
    contacts = await bindings.db.all(
        "SELECT c.phone, c.email FROM contractors c WHERE c.id IN"
        " (SELECT contractor_id FROM jobs WHERE partner_label = 'GDQ Leads' AND contractor_id IS NOT NULL)"
    )
    assert contacts
    raw = (await client.get("/api/jobs", params={"limit": 500})).text
    for c in contacts:
        for value in (c["phone"], c["email"]):
            assert not value or value not in raw

    leads = (await client.get("/api/leads")).json()["items"]
    assert leads  # the queue is scoped to leads whose partner name is the user's

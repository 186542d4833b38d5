"""The reports' Jobs tab (issue 20; 002 › Reports › Jobs tab): the figures equal a direct count over
`jobs` after creates, status changes, K-confirmations, rebooks, finance edits, archives and a
rebuild; only offices with Jobs on count (X-8); scope per role; the CSV exports."""

from __future__ import annotations

import pytest

from reports import rollups as report_rollups
from tests.conftest import sign_in_api
from tests.jobs.support import make_network, new_job


@pytest.fixture
async def net(client, bindings, people):
    return await make_network(client, bindings, people.owner)


async def direct(db) -> dict:
    """The Jobs tab's figures counted straight from `jobs` (every test job is in this month)."""
    row = await db.first(
        "SELECT COUNT(*) AS jobs, coalesce(SUM(status = 'done'), 0) AS done,"
        " coalesce(SUM(status = 'cancelled'), 0) AS cancelled, coalesce(SUM(k_confirmed), 0) AS k_accepted,"
        " COUNT(rebooked_at) AS rebooked,"
        " coalesce(SUM(CASE WHEN status = 'done' THEN coalesce(closing_cents, 0) END), 0) AS revenue_cents"
        " FROM jobs WHERE archived_at IS NULL AND office_id IN (SELECT id FROM offices WHERE jobs_enabled = 1)"
    )
    assert row is not None
    return dict(row)


def shown(tiles: dict) -> dict:
    return {k: tiles[k] for k in ("jobs", "done", "cancelled", "k_accepted", "rebooked", "revenue_cents")}


async def test_figures_follow_every_job_change(client, bindings, people, net):
    await sign_in_api(client, bindings, people.owner)
    a = await new_job(client, net, contractor_id=net.mike["id"])
    b = await new_job(client, net, first_name="Bo")
    c = await new_job(client, net, first_name="Cy", contractor_id=net.joe["id"])
    d = await new_job(client, net, first_name="Di")
    r = await client.post(
        f"/api/jobs/{a['display_id']}/status", json={"status": "done", "closing_cents": 125000, "parts_cents": 100}
    )
    assert r.status_code == 200, r.text
    r = await client.post(f"/api/jobs/{c['display_id']}/k-confirm", json={})
    assert r.status_code == 200, r.text
    r = await client.post(f"/api/jobs/{b['display_id']}/rebook", json={})
    assert r.status_code == 200, r.text
    r = await client.post(
        f"/api/jobs/{b['display_id']}/status", json={"status": "cancelled", "cancel_reason": "Customer changed mind"}
    )
    assert r.status_code == 200, r.text
    r = await client.post(f"/api/jobs/{d['display_id']}/archive", json={})
    assert r.status_code == 200, r.text
    done = (await client.get(f"/api/jobs/{a['display_id']}")).json()
    r = await client.patch(f"/api/finance/{a['display_id']}", json={"closing_cents": 99950, "version": done["version"]})
    assert r.status_code == 200, r.text

    s = (await client.get("/api/reports/summary")).json()
    expected = await direct(people.db)
    assert expected == {
        "jobs": 3, "done": 1, "cancelled": 1, "k_accepted": 1, "rebooked": 1, "revenue_cents": 99950
    }  # fmt: skip
    assert shown(s["jobs"]["tiles"]) == expected
    assert s["jobs"]["tiles"]["done_rate"] == 33.3
    by_status = {r["status"]: r["jobs"] for r in s["jobs"]["jobs_by_status"]}
    assert by_status == {"submitted": 1, "in_progress": 0, "deposit": 0, "pending": 0, "done": 1, "cancelled": 1}
    assert s["jobs"]["jobs_by_office"] == [
        {
            "office_id": people.office_a.id,
            "office": "Garage",
            "jobs": 3,
            "done": 1,
            "cancelled": 1,
            "revenue_cents": 99950,
            "share": 100.0,
        }
    ]

    # a rebuild from the base tables gives the same rows; a hard delete and an unarchive count too
    before = await people.db.all("SELECT * FROM report_job_days WHERE jobs <> 0 ORDER BY 1, 2, 3")
    await people.db.run("DELETE FROM report_zones")
    await report_rollups.prepare(people.db, bindings.clock.now())
    assert await people.db.all("SELECT * FROM report_job_days ORDER BY 1, 2, 3") == before
    r = await client.post(f"/api/jobs/{d['display_id']}/restore", json={})
    assert r.status_code == 200, r.text
    await people.db.run("DELETE FROM jobs WHERE display_id = ?", c["display_id"])
    s = (await client.get("/api/reports/summary")).json()
    assert shown(s["jobs"]["tiles"]) == await direct(people.db)
    assert s["jobs"]["tiles"]["jobs"] == 3 and s["jobs"]["tiles"]["k_accepted"] == 0


async def test_scope_per_role_and_offices_with_jobs_off(client, bindings, people, net):
    await sign_in_api(client, bindings, people.owner)
    await new_job(client, net)
    # the owner sees Garage's jobs; Sliding has Jobs off, so it is not in the tab
    s = (await client.get("/api/reports/summary")).json()
    assert s["jobs"]["tiles"]["jobs"] == 1
    assert [o["office"] for o in s["jobs"]["jobs_by_office"]] == ["Garage"]
    only_b = (await client.get(f"/api/reports/summary?offices={people.office_b.id}")).json()
    assert only_b["jobs"] is None  # no selected office has Jobs on: no Jobs tab
    page = await client.get(f"/reports?offices={people.office_b.id}")
    assert page.status_code == 200 and 'id="jobs"' not in page.text
    # an agent of Garage sees them; an agent of Sliding (Jobs off) gets no tab
    await sign_in_api(client, bindings, people.agent)
    assert (await client.get("/api/reports/summary")).json()["jobs"]["tiles"]["jobs"] == 1
    page = await client.get("/reports")
    assert 'id="jobs"' in page.text and "K-accepted" in page.text
    await sign_in_api(client, bindings, people.agent_b)
    assert (await client.get("/api/reports/summary")).json()["jobs"] is None
    assert 'id="jobs"' not in (await client.get("/reports")).text


async def test_csv_exports_of_the_jobs_tab(client, bindings, people, net):
    await sign_in_api(client, bindings, people.owner)
    job = await new_job(client, net)
    r = await client.post(
        f"/api/jobs/{job['display_id']}/status", json={"status": "done", "closing_cents": 5000, "parts_cents": 0}
    )
    assert r.status_code == 200, r.text
    figures = await client.get("/reports/export/jobs_figures.csv")
    assert figures.status_code == 200
    assert "Revenue (closing of Done jobs),$50.00" in figures.text and "Jobs,1" in figures.text
    offices = await client.get("/reports/export/jobs_by_office.csv")
    assert offices.text.splitlines() == ["Office,Jobs,Done,Cancelled,Revenue", "Garage,1,1,0,$50.00"]
    by_status = await client.get("/reports/export/jobs_by_status.csv")
    assert "Done,1,100.0" in by_status.text
    await sign_in_api(client, bindings, people.agent_b)
    hidden = await client.get("/reports/export/jobs_by_office.csv")
    assert hidden.text.splitlines() == ["Office,Jobs,Done,Cancelled,Revenue"]

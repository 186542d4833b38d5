"""The rest of the reports' Jobs tab (issue 20; seed 002 › Reports › Jobs tab; migration 0036): the
Deposits and Parts Cost tiles, jobs by type / source / office, the daily chart and the top
contractors, on a known set of jobs in two offices on two calendars (New York and Los Angeles),
with a frozen clock; the rollups after status, contractor and type changes (and against a rebuild);
office scope; the CSV exports; the JSON in /openapi.json."""

from __future__ import annotations

from typing import Any

import pytest

from accounts import offices
from core.records import SYSTEM
from reports import rollups as report_rollups
from tests.conftest import sign_in_api
from tests.jobs.support import make_network, new_job
from tests.network.support import contractor

DAY = "period=custom&start=2026-11-22&end=2026-11-22"
TWO_DAYS = "period=custom&start=2026-11-22&end=2026-11-23"


@pytest.fixture
async def jobs(client, bindings, people) -> dict[str, Any]:
    """Garage (New York) and Sliding (Los Angeles, Jobs turned on), jobs made at known instants:

    - 2026-11-22 15:00Z (both offices' Nov 22): Garage a (Garage Door, GDQ, Mike → Done $1,000 with
      $25 parts), b (Locksmith, Angi, Lee → Deposit $50), c (Garage Door, GDQ, no contractor →
      Cancelled), d (Mike, archived: never counted).
    - 2026-11-23 05:30Z (New York's Nov 23, 00:30; Los Angeles' Nov 22, 21:30): Sliding e (Garage
      Door, GDQ, Mike → Done $200) and Garage f (Locksmith, Angi, Lee, left Submitted).
    """
    net = await make_network(client, bindings, people.owner)
    b = people.office_b
    await offices.update_office(
        bindings.db, bindings.clock.now(), SYSTEM, b, name=b.name, time_zone=b.time_zone, jobs_enabled=True, active=True
    )
    angi = (await client.post("/api/job-partners", json={"name": "Angi"})).json()["id"]
    lee = await contractor(client, "Lee Locks", [net.other_type], area_ids=[net.area["id"]], profit_share_percent=30)
    bindings.clock.set("2026-11-22T15:00:00.000Z")
    a = await new_job(client, net, contractor_id=net.mike["id"])
    bj = await new_job(
        client, net, first_name="Bo", job_type_id=net.other_type, partner_id=angi, contractor_id=lee["id"]
    )
    c = await new_job(client, net, first_name="Cy")
    d = await new_job(client, net, first_name="Di", contractor_id=net.mike["id"])
    await _status(client, a, "done", closing_cents=100000, parts_cents=2500)
    await _status(client, bj, "deposit", note="paid", expected_completion_date="2026-11-30", deposit_cents=5000)
    await _status(client, c, "cancelled", cancel_reason="Customer changed mind")
    assert (await client.post(f"/api/jobs/{d['display_id']}/archive", json={})).status_code == 200
    bindings.clock.set("2026-11-23T05:30:00.000Z")
    await sign_in_api(client, bindings, people.owner)  # a fresh session at the new "now"
    e = await new_job(client, net, first_name="Ed", office_id=b.id, contractor_id=net.mike["id"])
    f = await new_job(
        client, net, first_name="Flo", job_type_id=net.other_type, partner_id=angi, contractor_id=lee["id"]
    )
    await _status(client, e, "done", closing_cents=20000, parts_cents=0)
    return {"net": net, "a": a, "b": bj, "c": c, "d": d, "e": e, "f": f, "angi": angi, "lee": lee}


async def _status(client, job: dict[str, Any], status: str, **fields: Any) -> None:
    r = await client.post(f"/api/jobs/{job['display_id']}/status", json={"status": status, **fields})
    assert r.status_code == 200, r.text


async def _jobs(client, query: str = DAY) -> dict[str, Any]:
    r = await client.get(f"/api/reports/summary?{query}")
    assert r.status_code == 200, r.text
    return r.json()["jobs"]


def _by_label(rows: list[dict[str, Any]]) -> dict[str, tuple[int, int, int, int]]:
    return {r["label"]: (r["jobs"], r["done"], r["cancelled"], r["revenue_cents"]) for r in rows}


async def test_every_tile_bar_chart_and_table_on_a_known_set_of_jobs(client, people, jobs):
    j = await _jobs(client)
    assert j["tiles"] == {
        "jobs": 4, "done": 2, "done_rate": 50.0, "cancelled": 1, "cancel_rate": 25.0,
        "revenue_cents": 120000, "deposits": 1, "deposit_cents": 5000, "rebooked": 0,
        "k_accepted": 0, "parts_cents": 2500,
    }  # fmt: skip
    assert [(o["office"], o["jobs"], o["done"], o["cancelled"], o["revenue_cents"]) for o in j["jobs_by_office"]] == [
        ("Garage", 3, 1, 1, 100000),
        ("Sliding", 1, 1, 0, 20000),
    ]
    assert _by_label(j["jobs_by_type"]) == {"Garage Door": (3, 2, 1, 120000), "Locksmith": (1, 0, 0, 0)}
    assert [r["label"] for r in j["jobs_by_type"]] == ["Garage Door", "Locksmith"]  # most jobs first
    assert j["jobs_by_type"][0]["share"] == 75.0
    assert _by_label(j["jobs_by_source"]) == {"GDQ": (3, 2, 1, 120000), "Angi": (1, 0, 0, 0)}
    assert [(c["name"], c["jobs"], c["done"], c["cancelled"], c["revenue_cents"]) for c in j["top_contractors"]] == [
        ("Mike Hernandez", 2, 2, 0, 120000),
        ("Lee Locks", 1, 0, 0, 0),
    ]  # c has no contractor: not a row; d is archived
    assert j["jobs_by_day"] == [{"date": "2026-11-22", "done": 2, "open": 1, "cancelled": 1}]

    # the next day on each office's own calendar: f is New York's Nov 23, e is Los Angeles' Nov 22
    two = await _jobs(client, TWO_DAYS)
    assert two["jobs_by_day"] == [
        {"date": "2026-11-22", "done": 2, "open": 1, "cancelled": 1},
        {"date": "2026-11-23", "done": 0, "open": 1, "cancelled": 0},
    ]
    assert two["tiles"]["jobs"] == 5 and _by_label(two["jobs_by_source"])["Angi"] == (2, 0, 0, 0)
    only_garage = await _jobs(client, f"{DAY}&offices={people.office_a.id}")
    assert [o["office"] for o in only_garage["jobs_by_office"]] == ["Garage"]
    assert only_garage["tiles"]["jobs"] == 3 and only_garage["top_contractors"][0]["jobs"] == 1


async def test_the_rollups_follow_changes_and_equal_a_rebuild(client, bindings, people, jobs):
    net = jobs["net"]
    # Done → re-opened, a contractor swap, a type change, a K-confirmation, a deposit edited in
    # Finance, a parts edit, an archive and a hard delete
    await _status(client, jobs["e"], "cancelled", cancel_reason="Customer changed mind")
    c = (await client.get(f"/api/jobs/{jobs['c']['display_id']}")).json()
    r = await client.patch(
        f"/api/jobs/{c['display_id']}", json={"job_type_id": net.other_type, "version": c["version"]}
    )
    assert r.status_code == 200, r.text
    r = await client.put(f"/api/jobs/{c['display_id']}/contractor", json={"contractor_id": jobs["lee"]["id"]})
    assert r.status_code == 200, r.text
    assert (await client.post(f"/api/jobs/{jobs['b']['display_id']}/k-confirm", json={})).status_code == 200
    b = (await client.get(f"/api/jobs/{jobs['b']['display_id']}")).json()
    r = await client.patch(f"/api/finance/{b['display_id']}", json={"deposit_cents": 7500, "version": b["version"]})
    assert r.status_code == 200, r.text
    a = (await client.get(f"/api/jobs/{jobs['a']['display_id']}")).json()
    r = await client.patch(f"/api/finance/{a['display_id']}", json={"parts_cents": 4000, "version": a["version"]})
    assert r.status_code == 200, r.text

    j = await _jobs(client)
    assert j["tiles"] == {
        "jobs": 4, "done": 1, "done_rate": 25.0, "cancelled": 2, "cancel_rate": 50.0,
        "revenue_cents": 100000, "deposits": 1, "deposit_cents": 7500, "rebooked": 0,
        "k_accepted": 1, "parts_cents": 4000,
    }  # fmt: skip
    assert _by_label(j["jobs_by_type"]) == {"Garage Door": (2, 1, 1, 100000), "Locksmith": (2, 0, 1, 0)}
    assert [(c["name"], c["jobs"], c["done"], c["cancelled"], c["revenue_cents"]) for c in j["top_contractors"]] == [
        ("Mike Hernandez", 2, 1, 1, 100000),
        ("Lee Locks", 2, 0, 1, 0),
    ]  # as many jobs each: more Done first
    assert j["jobs_by_day"] == [{"date": "2026-11-22", "done": 1, "open": 1, "cancelled": 2}]

    # the trigger-kept rows equal a rebuild from the base tables, row for row
    rows = "SELECT * FROM report_job_facets WHERE jobs <> 0 ORDER BY 1, 2, 3, 4"
    days = "SELECT * FROM report_job_days WHERE jobs <> 0 ORDER BY 1, 2, 3"
    before = (await people.db.all(rows), await people.db.all(days))
    await people.db.run("DELETE FROM report_zones")
    await report_rollups.prepare(people.db, bindings.clock.now())
    assert (await people.db.all(rows.replace("WHERE jobs <> 0 ", "")), await people.db.all(days)) == before
    assert (await client.post(f"/api/jobs/{jobs['b']['display_id']}/archive", json={})).status_code == 200
    await people.db.run("DELETE FROM jobs WHERE display_id = ?", jobs["c"]["display_id"])
    j = await _jobs(client)
    assert j["tiles"]["jobs"] == 2 and j["tiles"]["deposit_cents"] == 0 and j["tiles"]["deposits"] == 0
    assert [(c["name"], c["jobs"]) for c in j["top_contractors"]] == [("Mike Hernandez", 2)]
    assert await people.db.first("SELECT 1 FROM report_job_facets WHERE jobs < 0 OR done < 0") is None


async def test_office_scope_and_who_gets_the_tab(client, bindings, people, jobs):
    # an admin of Garage sees Garage's jobs only, whatever offices the URL asks for
    await sign_in_api(client, bindings, people.admin)
    for query in (DAY, f"{DAY}&offices={people.office_b.id},{people.office_a.id}"):
        j = await _jobs(client, query)
        assert [o["office"] for o in j["jobs_by_office"]] == ["Garage"]
        assert j["tiles"]["jobs"] == 3 and j["tiles"]["revenue_cents"] == 100000
        assert [(c["name"], c["jobs"]) for c in j["top_contractors"]] == [("Mike Hernandez", 1), ("Lee Locks", 1)]
    assert await _jobs(client, f"{DAY}&offices={people.office_b.id}") is None  # only another office: nothing
    # Sliding's agent sees Sliding's job only
    await sign_in_api(client, bindings, people.agent_b)
    j = await _jobs(client)
    assert j["tiles"]["jobs"] == 1 and _by_label(j["jobs_by_type"]) == {"Garage Door": (1, 1, 0, 20000)}
    # the Jobs tab is hidden for a user none of whose offices has Jobs on (seed 002 › Office Settings)
    b = await offices.get(bindings.db, people.office_b.id)
    await offices.update_office(
        bindings.db,
        bindings.clock.now(),
        SYSTEM,
        b,
        name=b.name,
        time_zone=b.time_zone,
        jobs_enabled=False,
        active=True,
    )
    assert await _jobs(client) is None
    page = await client.get(f"/reports?{DAY}")
    assert page.status_code == 200 and 'id="jobs"' not in page.text and "Top contractors" not in page.text


async def test_the_page_csv_exports_and_openapi(client, people, jobs):
    page = await client.get(f"/reports?{DAY}")
    assert page.status_code == 200
    for part in ('id="jobs_by_type"', 'id="jobs_by_source"', 'id="jobs_by_office"', 'id="jobs_by_day"'):
        assert part in page.text
    assert "Parts cost" in page.text and "$25.00" in page.text and "Deposits" in page.text and "$50.00" in page.text
    assert '<th scope="row">Mike Hernandez</th><td class="num">2</td>' in page.text
    assert 'class="s-cancelled"' in page.text and 'class="s-done"' in page.text  # the stacked daily columns
    csv = (await client.get(f"/reports/export/top_contractors.csv?{DAY}")).text.splitlines()
    assert csv == [
        "Contractor,Jobs,Done,Cancelled,Revenue",
        'Mike Hernandez,2,2,0,"$1,200.00"',
        "Lee Locks,1,0,0,$0.00",
    ]
    by_day = (await client.get(f"/reports/export/jobs_by_day.csv?{TWO_DAYS}")).text.splitlines()
    assert by_day == ["Date,Done,Open,Cancelled", "2026-11-22,2,1,1", "2026-11-23,0,1,0"]
    source = (await client.get(f"/reports/export/jobs_by_source.csv?{DAY}")).text.splitlines()
    assert source[:2] == ["Source,Jobs,Share %,Done,Cancelled,Revenue", 'GDQ,3,75.0,2,1,"$1,200.00"']
    figures = (await client.get(f"/reports/export/jobs_figures.csv?{DAY}")).text
    assert "Parts cost,$25.00" in figures and "Deposit amounts,$50.00" in figures
    spec = (await client.get("/openapi.json")).json()
    described = spec["paths"]["/api/reports/summary"]["get"]["description"]
    for field in ("deposit_cents", "parts_cents", "jobs_by_type", "jobs_by_source", "jobs_by_day", "top_contractors"):
        assert field in described

"""The Archived Jobs modal (ARC-3, ARC-4): the 📦 Archived button on the board for owner, admin and
finance admin and on Finance for owner and finance admin; the list (newest archived first, search,
"Load more"); ↩ Restore through the one restore verb (one timeline note, one audit row) that drops the
row and tells the page to refresh; office scope (another office's archived job is neither listed nor
restorable)."""

from __future__ import annotations

import json

import pytest

from accounts import offices
from core.records import SYSTEM
from jobs import archive
from tests.conftest import sign_in_api, snapshot_file
from tests.jobs.support import make_network, new_job

BUTTON = "data-open-archived"


@pytest.fixture
async def net(client, bindings, people):
    return await make_network(client, bindings, people.owner)


@pytest.mark.parametrize(
    ("who", "board", "finance"),
    [
        ("owner", True, True),
        ("admin", True, None),  # plain admins have no Finance page (FIN-1)
        ("finance", True, True),
        ("agent", False, None),
        ("viewer", False, False),
        ("partner", False, None),
    ],
)
async def test_the_archived_button_shows_for_admin_and_above(client, bindings, people, net, who, board, finance):
    await sign_in_api(client, bindings, getattr(people, who))
    page = await client.get("/jobs")
    assert page.status_code == 200
    assert (BUTTON in page.text) is board and ('id="archived-jobs"' in page.text) is board
    fin = await client.get("/finance")
    if finance is None:
        assert fin.status_code == 403
    else:
        assert fin.status_code == 200 and (BUTTON in fin.text) is finance
    listing = await client.get("/jobs/archived", headers={"HX-Request": "true"})
    assert listing.status_code == (200 if board else 403)
    # the board's old archived filter is admin and above too, like GET /api/jobs?archived=1
    assert (await client.get("/jobs", params={"archived": "true"})).status_code == (200 if board else 403)
    assert (await client.get("/api/jobs", params={"archived": 1})).status_code == (200 if board else 403)


async def _archived_jobs(client, bindings, people, net, n):
    """N jobs, archived one a minute apart (the last one newest)."""
    await sign_in_api(client, bindings, people.admin)
    made = []
    for i in range(n):
        job = await new_job(client, net, first_name=f"Client{i:02d}", address=f"{100 + i} Palm Way")
        bindings.clock.advance(minutes=1)
        assert (await client.post(f"/api/jobs/{job['display_id']}/archive")).status_code == 200
        made.append(job["display_id"])
    return made


async def test_the_list_is_newest_archived_first_searchable_and_paged(client, bindings, people, net):
    made = await _archived_jobs(client, bindings, people, net, archive.ARCHIVED_PAGE + 2)
    await sign_in_api(client, bindings, people.finance)
    first = await client.get("/jobs/archived", headers={"HX-Request": "true"})
    ids = [part.split('"', 1)[0] for part in first.text.split('data-archived-job="')[1:]]
    assert ids == list(reversed(made))[: archive.ARCHIVED_PAGE]
    assert "Load more" in first.text and "<html" not in first.text  # a fragment for the modal
    row = first.text.split(f'data-archived-job="{made[-1]}"', 1)[1].split("</tr>", 1)[0]
    assert "Client" in row and f"{100 + len(made) - 1} Palm Way" in row and "GDQ" in row and "Submitted" in row
    cursor = first.text.split("cursor=", 1)[1].split('"', 1)[0]
    more = await client.get(f"/jobs/archived?cursor={cursor}", headers={"HX-Request": "true"})
    rest = [part.split('"', 1)[0] for part in more.text.split('data-archived-job="')[1:]]
    assert rest == list(reversed(made))[archive.ARCHIVED_PAGE :] and "Load more" not in more.text
    assert "<table" not in more.text  # only rows, appended in place of the Load more row
    found = await client.get("/jobs/archived", params={"q": "Client03"}, headers={"HX-Request": "true"})
    assert [part.split('"', 1)[0] for part in found.text.split('data-archived-job="')[1:]] == [made[3]]
    none = await client.get("/jobs/archived", params={"q": "Nobody"}, headers={"HX-Request": "true"})
    assert "No archived job matches" in none.text
    assert (await client.get("/jobs/archived", params={"q": "ab"})).status_code == 422
    assert (await client.get("/jobs/archived", params={"cursor": "nonsense"})).status_code == 422
    page = await client.get("/jobs/archived")  # without htmx: a page of its own
    assert page.status_code == 200 and "<html" in page.text and "📦 Archived Jobs" in page.text


async def test_restore_from_the_modal_writes_one_note_and_one_audit_row(client, bindings, people, net):
    [display] = await _archived_jobs(client, bindings, people, net, 1)
    await sign_in_api(client, bindings, people.owner)
    before = await bindings.db.first("SELECT COUNT(*) AS n FROM audit_log")
    answer = await client.post(f"/jobs/archived/{display}/restore", headers={"HX-Request": "true"})
    assert answer.status_code == 200
    assert json.loads(answer.headers["HX-Trigger"]) == {"jobs-restored": {"display_id": display}}
    assert 'hx-swap-oob="true"' in answer.text and f"{display} restored" in answer.text
    job = (await client.get(f"/api/jobs/{display}")).json()
    assert job["archived_at"] is None
    assert [e["body"] for e in job["timeline"]].count(f"↩ Job {display} restored") == 1
    after = await bindings.db.first("SELECT COUNT(*) AS n FROM audit_log")
    assert after["n"] == before["n"] + 1
    assert await bindings.db.first("SELECT 1 AS x FROM audit_log WHERE action = 'job.restored'")
    assert [
        j["display_id"] for j in (await client.get("/api/jobs", params={"date_from": "2026-11-01"})).json()["items"]
    ] == [display]
    listing = await client.get("/jobs/archived", headers={"HX-Request": "true"})
    assert "data-archived-job" not in listing.text and "No archived jobs" in listing.text
    # without htmx the form posts and comes back to the list with a message
    await client.post(f"/api/jobs/{display}/archive")
    plain = await client.post(f"/jobs/archived/{display}/restore")
    assert plain.status_code == 303 and plain.headers["location"] == "/jobs/archived"


async def test_another_offices_archived_job_is_not_listed_nor_restorable(client, bindings, people, net, db_path):
    b = people.office_b
    await offices.update_office(
        bindings.db, bindings.clock.now(), SYSTEM, b, name=b.name, time_zone=b.time_zone, jobs_enabled=True, active=True
    )
    await sign_in_api(client, bindings, people.agent_b)
    theirs = await new_job(client, net, first_name="Bee")
    [mine] = await _archived_jobs(client, bindings, people, net, 1)
    await sign_in_api(client, bindings, people.owner)
    assert (await client.post(f"/api/jobs/{theirs['display_id']}/archive")).status_code == 200
    everything = await client.get("/jobs/archived", headers={"HX-Request": "true"})
    assert theirs["display_id"] in everything.text and mine in everything.text  # the owner sees every office
    await sign_in_api(client, bindings, people.admin)  # office A only
    listing = await client.get("/jobs/archived", headers={"HX-Request": "true"})
    assert mine in listing.text and theirs["display_id"] not in listing.text
    before = snapshot_file(db_path)
    refused = await client.post(f"/jobs/archived/{theirs['display_id']}/restore", headers={"HX-Request": "true"})
    assert refused.status_code == 404 and "HX-Trigger" not in refused.headers
    assert snapshot_file(db_path) == before


async def test_the_demo_has_archived_jobs_to_restore(client, bindings, people, net):
    from ops import demo_archived

    await sign_in_api(client, bindings, people.owner)
    await new_job(client, net)  # the demo archives only beside its other jobs
    assert await demo_archived.seed(bindings, bindings.clock.now()) == len(demo_archived.ARCHIVED)
    assert await demo_archived.seed(bindings, bindings.clock.now()) == 0
    listing = await client.get("/jobs/archived", headers={"HX-Request": "true"})
    assert listing.text.count("data-archived-job=") == 2 and "Whitfield" in listing.text
    notes = await bindings.db.first("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'job.archived'")
    assert notes["n"] == 2

"""K-confirmation (KC-), Rebook (RB-), Find Contractor (FC-), archive/restore/delete (ARC-), roles
(X-1), office scope (404) and the partner view (BRD-12, X-4)."""

from __future__ import annotations

import pytest

from accounts import offices
from core.records import SYSTEM
from tests.conftest import sign_in_api, snapshot_file
from tests.jobs.support import make_network, new_job


@pytest.fixture
async def net(client, bindings, people):
    return await make_network(client, bindings, people.owner)


async def test_find_contractor_assigns_from_the_filtered_list_and_snapshots(client, bindings, people, net):
    await sign_in_api(client, bindings, people.agent)
    job = await new_job(client, net)
    offered = (await client.get(f"/api/jobs/{job['display_id']}/contractors")).json()["items"]
    assert [c["name"] for c in offered] == ["Joe Smith", "Mike Hernandez"]  # FC-1: area + type, A–Z
    far = await client.put(f"/api/jobs/{job['display_id']}/contractor", json={"contractor_id": net.far["id"]})
    assert far.status_code == 422 and "contractor_id" in far.json()["fields"]
    got = (await client.put(f"/api/jobs/{job['display_id']}/contractor", json={"contractor_id": net.joe["id"]})).json()
    assert (got["contractor_name"], got["profit_share_bp"], got["k_confirmed"]) == ("Joe Smith", 3000, False)  # FC-2
    assert got["attention"] == [] and got["timeline"][0]["body"] == "🔍 Contractor assigned: Joe Smith"
    # FC-4: later edits of the contractor's percentage leave the job's snapshot alone
    await sign_in_api(client, bindings, people.owner)
    await client.patch(f"/api/contractors/{net.joe['id']}", json={"profit_share_percent": 10})
    assert (await client.get(f"/api/jobs/{job['display_id']}")).json()["profit_share_bp"] == 3000
    removed = (await client.put(f"/api/jobs/{job['display_id']}/contractor", json={"contractor_id": None})).json()
    assert removed["contractor_id"] is None and removed["profit_share_bp"] is None  # FC-6
    assert removed["attention"] == ["find_contractor"]


async def test_k_confirm_reassign_and_un_k(client, bindings, people, net):
    await sign_in_api(client, bindings, people.agent)
    job = await new_job(client, net, address="123 Main St", date_start="2026-04-30", time_start="14:00")
    assert job["k_question"] == "Which contractor accepted?"
    none = await client.post(f"/api/jobs/{job['display_id']}/k-confirm", json={})
    assert none.status_code == 422 and "contractor_id" in none.json()["fields"]  # KC-2
    await client.put(f"/api/jobs/{job['display_id']}/contractor", json={"contractor_id": net.mike["id"]})
    seen = (await client.get(f"/api/jobs/{job['display_id']}")).json()
    assert seen["k_question"] == "Did Mike Hernandez accept the job at 123 Main St on Apr 30, 2:00pm?"
    k = (await client.post(f"/api/jobs/{job['display_id']}/k-confirm", json={})).json()
    assert k["k_confirmed"] is True and k["timeline"][0]["body"] == "✅ K-confirmed — Mike Hernandez accepted the job."
    un = (await client.delete(f"/api/jobs/{job['display_id']}/k-confirm")).json()
    assert un["k_confirmed"] is False and un["timeline"][0]["body"] == "↩ K-confirmation cleared."  # KC-4
    # KC-2: a different contractor (any active one, KC-8) reassigns and re-snapshots
    other = (
        await client.post(f"/api/jobs/{job['display_id']}/k-confirm", json={"contractor_id": net.far["id"]})
    ).json()
    assert (other["contractor_name"], other["profit_share_bp"], other["k_confirmed"]) == ("Far Away", 2000, True)
    events = await bindings.db.all(
        "SELECT type FROM job_events WHERE job_id = 3542 AND type = 'job.contractor_assigned'"
    )
    assert len(events) == 2  # Find Contractor, then the K reassign (KC-6)


async def test_rebook_clears_k_and_logs_only_what_changed(client, bindings, people, net):
    await sign_in_api(client, bindings, people.agent)
    job = await new_job(client, net, contractor_id=net.mike["id"])
    await client.post(f"/api/jobs/{job['display_id']}/k-confirm", json={})
    neither = (await client.post(f"/api/jobs/{job['display_id']}/rebook", json={})).json()
    assert neither["timeline"][0]["body"] == "🔁 Rebooked — K-confirmation cleared."  # RB-3, RB-5
    assert neither["k_confirmed"] is False and neither["rebooked_at"] is not None and neither["rebook_count"] == 1
    both = await client.post(
        f"/api/jobs/{job['display_id']}/rebook",
        json={
            "change_window": True,
            "date_start": "2026-05-05",
            "time_start": "09:00",
            "date_end": "2026-05-05",
            "time_end": "11:00",
            "change_contractor": True,
            "contractor_id": net.joe["id"],
        },
    )
    body = both.json()
    assert body["timeline"][0]["body"] == (
        "🔁 Rebooked — new window May 5 9am · new contractor: Joe Smith · K-confirmation cleared."
    )
    assert (body["profit_share_bp"], body["rebook_count"], body["date_start"]) == (3000, 2, "2026-05-05")
    assert not any(t["body"].startswith("📅") for t in body["timeline"])  # RB-5
    far = await client.post(
        f"/api/jobs/{job['display_id']}/rebook", json={"change_contractor": True, "contractor_id": net.far["id"]}
    )
    assert far.status_code == 422  # RB-2: filtered by area + type
    listed = (await client.get("/api/jobs", params={"rebooked": 1})).json()["items"]
    assert [j["display_id"] for j in listed] == [job["display_id"]]  # RB-8


async def test_archive_restore_and_delete_by_role(client, bindings, people, net):
    await sign_in_api(client, bindings, people.agent)
    job = await new_job(client, net)
    path = f"/api/jobs/{job['display_id']}"
    assert (await client.post(f"{path}/archive")).status_code == 403  # ARC-1: admin and above
    assert (await client.delete(path)).status_code == 403
    await sign_in_api(client, bindings, people.finance)
    archived = (await client.post(f"{path}/archive")).json()
    assert archived["archived_at"] and archived["timeline"][0]["body"] == "📦 Job JOB-3542 archived"
    assert (await client.get("/api/jobs")).json()["items"] == []  # ARC-2: off the board
    assert [j["display_id"] for j in (await client.get("/api/jobs", params={"archived": 1})).json()["items"]] == [
        "JOB-3542"
    ]
    restored = (await client.post(f"{path}/restore")).json()
    assert restored["archived_at"] is None
    audits = await bindings.db.all("SELECT action FROM audit_log WHERE action IN ('job.archived', 'job.restored')")
    assert len(audits) == 2
    await sign_in_api(client, bindings, people.admin)
    assert (await client.delete(path)).status_code == 403  # ARC-5: owner only
    await sign_in_api(client, bindings, people.owner)
    assert (await client.delete(path)).status_code == 204
    assert (await client.get(path)).status_code == 404
    assert await bindings.db.first("SELECT 1 AS x FROM job_events WHERE type = 'job.deleted'")


@pytest.mark.parametrize(
    ("who", "create", "edit"),
    [
        ("owner", 201, 200),
        ("admin", 201, 200),
        ("finance", 201, 200),
        ("agent", 201, 200),
        ("viewer", 403, 403),
        ("partner", 403, 403),
    ],
)
async def test_roles(client, bindings, people, net, who, create, edit):
    await sign_in_api(client, bindings, people.owner)
    job = await new_job(client, net)
    await sign_in_api(client, bindings, getattr(people, who))
    from tests.jobs.support import job_body

    assert (await client.post("/api/jobs", json=job_body(net, address="9 Else St"))).status_code == create
    patched = await client.patch(f"/api/jobs/{job['display_id']}", json={"notes": "x"})
    assert patched.status_code == edit
    assert (await client.get(f"/api/jobs/{job['display_id']}")).status_code == 200  # everyone reads (partner: GDQ's)


async def test_another_offices_job_is_404_and_jobs_off_offices_are_hidden(client, bindings, people, net, db_path):
    b = people.office_b
    await offices.update_office(
        bindings.db, bindings.clock.now(), SYSTEM, b, name=b.name, time_zone=b.time_zone, jobs_enabled=True, active=True
    )
    await sign_in_api(client, bindings, people.agent_b)
    other = await new_job(client, net)
    await sign_in_api(client, bindings, people.agent)
    before = snapshot_file(db_path)
    assert (await client.get(f"/api/jobs/{other['display_id']}")).status_code == 404
    assert (await client.patch(f"/api/jobs/{other['display_id']}", json={"notes": "x"})).status_code == 404
    assert (await client.post(f"/api/jobs/{other['display_id']}/status", json={"status": "done"})).status_code == 404
    assert snapshot_file(db_path) == before
    # once office B turns Jobs off, its jobs leave every read, the owner's too
    b = await offices.get(bindings.db, b.id)
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
    await sign_in_api(client, bindings, people.owner)
    assert (await client.get(f"/api/jobs/{other['display_id']}")).status_code == 404
    assert (await client.get("/api/jobs")).json()["items"] == []


async def test_partners_see_their_partners_jobs_without_contractor_contacts(client, bindings, people, net):
    await sign_in_api(client, bindings, people.agent)
    mine = await new_job(client, net, contractor_id=net.mike["id"])
    theirs = await new_job(client, net, partner_id=net.house, address="5 Else St")
    staff = (await client.get(f"/api/jobs/{mine['display_id']}")).json()
    assert staff["contractor_phone"] == "+13057942213" and staff["contractor_email"] == "mike@acme.test"
    await sign_in_api(client, bindings, people.partner)  # partner GDQ
    listed = (await client.get("/api/jobs")).json()["items"]
    assert [j["display_id"] for j in listed] == [mine["display_id"]]
    assert "contractor_phone" not in listed[0] and "contractor_email" not in listed[0]
    one = (await client.get(f"/api/jobs/{mine['display_id']}")).json()
    assert "contractor_phone" not in one and "contractor_email" not in one
    assert (await client.get(f"/api/jobs/{theirs['display_id']}")).status_code == 404


async def test_house_brand_done_jobs_are_partner_paid_automatically(client, bindings, people, net):
    await sign_in_api(client, bindings, people.agent)
    job = await new_job(client, net, partner_id=net.house)
    await client.post(
        f"/api/jobs/{job['display_id']}/status", json={"status": "done", "closing_cents": 1, "parts_cents": 0}
    )
    row = await bindings.db.first("SELECT partner_paid_at, partner_paid_by_label, partner_paid_auto FROM jobs")
    assert row["partner_paid_auto"] == 1 and row["partner_paid_by_label"] == "System" and row["partner_paid_at"]


async def test_list_filters_search_and_cursor(client, bindings, people, net):
    await sign_in_api(client, bindings, people.agent)
    a = await new_job(client, net, date_start="2026-11-21", contractor_id=net.joe["id"])
    b = await new_job(
        client, net, date_start="2026-11-23", first_name="Zed", address="77 Palm Ave", phone="786-555-0142"
    )
    c = await new_job(client, net, date_start="2026-12-20", address="8 Far Rd")
    ids = lambda r: [j["display_id"] for j in r.json()["items"]]  # noqa: E731
    assert ids(await client.get("/api/jobs", params={"date_from": "2026-11-19", "date_to": "2026-11-29"})) == [
        a["display_id"],
        b["display_id"],
    ]
    assert ids(await client.get("/api/jobs", params={"contractor": "unassigned"})) == [b["display_id"], c["display_id"]]
    assert ids(await client.get("/api/jobs", params={"contractor": str(net.joe["id"])})) == [a["display_id"]]
    assert ids(await client.get("/api/jobs", params={"q": "palm"})) == [b["display_id"]]
    assert ids(await client.get("/api/jobs", params={"q": "555-0142"})) == [b["display_id"]]
    assert ids(await client.get("/api/jobs", params={"q": "joe smi"})) == [a["display_id"]]
    assert ids(await client.get("/api/jobs", params={"q": c["display_id"]})) == [c["display_id"]]
    first = await client.get("/api/jobs", params={"limit": 2})
    assert ids(first) == [a["display_id"], b["display_id"]] and first.json()["next_cursor"]
    rest = await client.get("/api/jobs", params={"limit": 2, "cursor": first.json()["next_cursor"]})
    assert ids(rest) == [c["display_id"]] and rest.json()["next_cursor"] is None
    for bad in (
        {"status": "nope"},
        {"date_from": "11/20/2026"},
        {"cursor": "garbage"},
        {"q": "ab"},
        {"contractor": "x"},
    ):
        assert (await client.get("/api/jobs", params=bad)).status_code == 422, bad

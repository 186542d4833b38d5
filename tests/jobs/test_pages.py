"""The board page (BRD-1…BRD-10), the New Job modal page, the job page, and the modal's address
look-up (JOB-10, JOB-11, JOB-18)."""

from __future__ import annotations

import re
from datetime import date

import pytest

from jobs import board
from tests.conftest import sign_in_api
from tests.jobs.support import make_network, new_job


@pytest.fixture
async def net(client, bindings, people):
    return await make_network(client, bindings, people.owner)


async def test_board_groups_by_date_with_dividers_and_default_window(client, bindings, people, net):
    await sign_in_api(client, bindings, people.agent)
    await new_job(client, net, date_start="2026-11-22", time_start="13:00")
    await new_job(client, net, date_start="2026-11-22", time_start="08:00", address="2 B St")
    await new_job(client, net, date_start="2026-11-20", address="3 C St")
    await new_job(client, net, date_start="2026-11-23", address="4 D St")
    await new_job(client, net, date_start="2026-12-20", address="5 E St")  # outside −3D/+7D
    page = await client.get("/jobs")
    assert page.status_code == 200
    html = page.text
    text = " ".join(re.sub(r"<[^>]+>", "", html).split())
    assert "📅 Today · Sunday, Nov 22 · 2 jobs" in text  # BRD-9
    assert "📅 Tomorrow · Monday, Nov 23" in html and "Friday, Nov 20" in html
    assert 'data-job="JOB-3546"' not in html  # BRD-5: the default window
    assert html.index('data-job="JOB-3543"') < html.index('data-job="JOB-3542"')  # 08:00 before 13:00 within the day
    assert "🚨 Needs Attention (5)" in html  # all without a contractor (ATT-7: filters aside)
    assert "🔍 FIND CONTRACTOR" in html
    everything = await client.get("/jobs", params={"range": "all"})
    assert 'data-job="JOB-3546"' in everything.text
    attention = await client.get("/jobs", params={"attention": "true"})
    assert 'data-job="JOB-3546"' in attention.text  # BRD-6: bypasses the dates


def test_groups_collapse_past_days_and_flag_attention():
    today = date(2026, 11, 22)
    rows = [
        {
            "id": 1,
            "date_start": "2026-11-21",
            "time_start": "09:00",
            "status": "done",
            "attention": [],
            "contractor_name": "A",
        },
        {
            "id": 2,
            "date_start": "2026-11-20",
            "time_start": "09:00",
            "status": "pending",
            "attention": ["follow_up_needed"],
            "contractor_name": "B",
        },
        {
            "id": 3,
            "date_start": "2026-11-22",
            "time_start": "10:00",
            "status": "done",
            "attention": [],
            "contractor_name": "A",
        },
        {
            "id": 4,
            "date_start": "2026-11-22",
            "time_start": "10:00",
            "status": "submitted",
            "attention": [],
            "contractor_name": "C",
        },
        {
            "id": 5,
            "date_start": "2026-11-22",
            "time_start": "09:00",
            "status": "deposit",
            "attention": [],
            "contractor_name": "B",
        },
    ]
    groups = board.groups(rows, today)
    assert [g.day for g in groups] == ["2026-11-20", "2026-11-21", "2026-11-22"]
    assert [g.collapsed for g in groups] == [True, True, False]  # BRD-10
    assert [g.needs_attention for g in groups] == [True, False, False]
    assert [r["id"] for r in groups[2].rows] == [5, 4, 3]  # time, then status priority
    by_status = board.groups(rows, today, "status")[2]
    assert [r["id"] for r in by_status.rows] == [4, 5, 3]  # Submitted → … → Deposit → Done
    by_contractor = board.groups(rows, today, "contractor")[2]
    assert [r["id"] for r in by_contractor.rows] == [3, 5, 4]
    assert all(not g.collapsed for g in board.groups(rows, today, force_open=True))


def test_date_presets():
    today = date(2026, 11, 25)  # a Wednesday
    assert board.window("default", today) == ("2026-11-22", "2026-12-02")
    assert board.window("week", today) == ("2026-11-22", "2026-11-28")  # Sunday–Saturday
    assert board.window("month", today) == ("2026-11-01", "2026-11-30")
    assert board.window("next_month", today) == ("2026-12-01", "2026-12-31")
    assert board.window("all", today) == (None, None)


async def test_the_job_page_and_its_banner(client, bindings, people, net, clock):
    await sign_in_api(client, bindings, people.agent)
    job = await new_job(client, net, contractor_id=net.joe["id"])
    await client.post(
        f"/api/jobs/{job['display_id']}/status",
        json={"status": "pending", "note": "n", "follow_up_date": "2026-11-22", "follow_up_time": "09:00"},
    )
    page = await client.get(f"/jobs/{job['display_id']}")
    assert page.status_code == 200 and "🟣 FOLLOW UP NEEDED" in page.text  # ATT-9
    assert "Mark as Accepted" in page.text and "🔁 Rebook" in page.text
    assert "📦 Archive" not in page.text  # agents don't archive
    await sign_in_api(client, bindings, people.viewer)
    viewer = await client.get(f"/jobs/{job['display_id']}")
    assert viewer.status_code == 200 and "Mark as Accepted" not in viewer.text and "+ New Job" not in viewer.text


async def test_new_job_from_a_converted_lead_is_prefilled(client, bindings, people, net):
    await sign_in_api(client, bindings, people.agent)
    made = await client.post(
        "/api/leads", json={"name": "Dana Cruz", "phone": "305-794-2299", "zip": "33012", "service_type": "Spring"}
    )
    assert made.status_code == 201, made.text
    lead = made.json()["id"]
    page = await client.get(f"/jobs/new?lead={lead}")
    assert page.status_code == 200
    assert "data-open" in page.text and "Dana" in page.text and "Requested: Spring" in page.text


async def test_places_gives_the_five_nearest_areas_with_distance_and_duplicates(client, bindings, people, net):
    await sign_in_api(client, bindings, people.agent)
    await new_job(client, net)
    found = await client.get(
        "/api/jobs/new-job/places",
        params={"address": "1379 Algiers St", "postal_code": "33012", "office_id": people.office_a.id},
    )
    body = found.json()
    assert body["place"]["state"] == "FL" and body["place"]["lat"] is not None
    assert [a["label"] for a in body["areas"]] == ["Hialeah", "Orlando"]
    assert body["areas"][0]["miles"] < 5 and body["areas"][1]["outside_radius"] is True
    assert body["duplicates"] == ["JOB-3542"]


async def test_users_of_jobs_off_offices_are_sent_to_leads(client, bindings, people):
    await sign_in_api(client, bindings, people.agent_b)
    page = await client.get("/jobs", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"] == "/leads"


async def _converted_lead(client, name="Dana Cruz", phone="305-794-2299"):
    made = await client.post("/api/leads", json={"name": name, "phone": phone, "zip": "33012"})
    lead = made.json()["id"]
    await client.post(f"/api/leads/{lead}/claim")
    converted = await client.post(f"/api/leads/{lead}/convert")
    assert converted.status_code == 200, converted.text
    return lead, converted.json()


async def test_converting_in_a_jobs_office_opens_new_job_and_links_back(client, bindings, people, net):
    await sign_in_api(client, bindings, people.agent)
    made = await client.post("/api/leads", json={"name": "Dana Cruz", "phone": "305-794-2299", "zip": "33012"})
    lead = made.json()["id"]
    page = await client.get(f"/leads/{lead}/convert")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    form = await client.post(
        f"/leads/{lead}/convert", data={"csrf_token": token.group(1) if token else ""}, follow_redirects=False
    )
    assert form.status_code == 303 and form.headers["location"] == f"/jobs/new?lead={lead}"  # JT-1
    record = await client.get(f"/leads/{lead}")
    assert "🛠 Open Job Creation" in record.text  # JT-3
    customer = (await client.get(f"/api/leads/{lead}")).json()["customer_id"]
    job = await new_job(client, net, lead_id=lead)
    assert (job["lead_id"], job["customer_id"]) == (lead, customer)  # JOB-5
    timeline = (await client.get(f"/api/leads/{lead}")).json()["timeline"]
    assert timeline[0]["body"] == f"🛠 Job {job['display_id']} created from this lead"  # JT-2
    record = await client.get(f"/leads/{lead}")
    assert "🛠 Open Job Creation</h2>" not in record.text and job["display_id"] in record.text
    customer_page = await client.get(f"/clients/{customer}")
    assert job["display_id"] in customer_page.text  # the customer lists its jobs


async def test_jobs_off_offices_keep_the_workiz_reminder(client, bindings, people, net):
    await sign_in_api(client, bindings, people.agent_b)
    made = await client.post("/api/leads", json={"name": "Sam Lee", "phone": "305-794-2277"})
    lead = made.json()["id"]
    converted = await client.post(f"/api/leads/{lead}/convert")
    assert converted.json()["new_job"] is None  # JT-6
    record = await client.get(f"/leads/{lead}")
    assert "🔧 Workiz reminder" in record.text and "Mark as Opened in Workiz" in record.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', record.text).group(1)
    bad = await client.post(
        f"/leads/{lead}/workiz", data={"csrf_token": token, "workiz_job_number": "no spaces!"}, follow_redirects=False
    )
    assert bad.status_code == 303
    ok = await client.post(
        f"/leads/{lead}/workiz", data={"csrf_token": token, "workiz_job_number": "#21434"}, follow_redirects=False
    )
    assert ok.status_code == 303
    record = await client.get(f"/leads/{lead}")
    assert "Opened in Workiz as job <strong>#21434</strong>" in record.text  # JT-5
    assert (await client.get(f"/api/leads/{lead}")).json()["timeline"][0]["body"] == "🔧 Opened in Workiz as job #21434"


async def test_the_open_records_tray_takes_jobs(client, bindings, people, net):
    await sign_in_api(client, bindings, people.agent)
    job = await new_job(client, net)
    pinned = await client.post("/api/open-records", json={"kind": "job", "id": job["display_id"]})
    assert pinned.status_code == 200, pinned.text
    assert pinned.json()["items"] == [
        {
            "kind": "job",
            "id": job["display_id"],
            "name": "Emily Harrison",
            "url": f"/jobs/{job['display_id']}",
            "archived": False,
        }
    ]
    page = await client.get(f"/jobs/{job['display_id']}")
    assert "Unpin" in page.text and 'class="tray-kind tray-job">Job<' in page.text
    await sign_in_api(client, bindings, people.owner)
    await client.post("/api/open-records", json={"kind": "job", "id": job["display_id"]})
    await client.delete(f"/api/jobs/{job['display_id']}")
    assert (await client.get("/api/open-records")).json()["items"] == []  # a deleted job leaves every tray
    await sign_in_api(client, bindings, people.agent_b)  # another office's job: 404, never pinned
    assert (await client.post("/api/open-records", json={"kind": "job", "id": "JOB-3542"})).status_code == 404

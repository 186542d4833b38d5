"""Tasks on jobs (issue 23 with the jobs branch): the 📋 + Task link, the job's timeline, the global
timeline's job entries, the cascade on a job's hard delete, and the emailed report's Jobs section."""

from __future__ import annotations

from datetime import date

from accounts import offices
from core.records import SYSTEM
from tasks import report_emails
from tests.jobs.support import make_network, new_job


async def test_a_task_on_a_job_its_timeline_the_feed_and_the_cascade(client, bindings, people):
    net = await make_network(client, bindings, people.owner)
    job = await new_job(client, net)
    display = job["display_id"] if "display_id" in job else job["id"]
    made = await client.post(
        "/api/tasks",
        json={
            "title": "Confirm the parts",
            "assignee_office_id": people.office_a.id,
            "link": {"kind": "job", "id": display},
        },
    )
    assert made.status_code == 201, made.text
    assert made.json()["link"]["kind"] == "job" and made.json()["link"]["id"] == display
    page = await client.get(f"/jobs/{display}")
    assert "📋 Task created: “Confirm the parts”" in page.text and "link_kind=job" in page.text
    feed = (await client.get("/api/timeline?limit=200")).json()["entries"]
    assert any(e["record"]["kind"] == "job" and e["record"]["id"] == display for e in feed)
    tasks_page = await client.get("/tasks?scope=all")
    assert f"/jobs/{display}" in tasks_page.text
    window = report_emails.current_window("monthly", bindings.clock.now())
    _, text, html = await report_emails.build(bindings.db, bindings.clock.now(), window)
    assert "Total jobs: 1" in text and "Revenue" in html
    # the full Jobs section (issue 20): tiles, the four breakdowns, the daily chart (SVG and its PNG
    # for Outlook) and the top contractors
    assert "Parts cost: $0.00" in text and "Deposits: $0.00 (0 jobs)" in text and "Jobs by type" in text
    for part in ("Jobs by source", "Jobs by office", "Daily jobs created", "Top contractors"):
        assert part in html
    assert 'aria-label="Daily jobs created"' in html and 'alt="Daily jobs created"' in html
    empty = report_emails.Window("monthly", "x", date(2020, 1, 1), date(2020, 1, 31), bindings.clock.now())
    _, text, html = await report_emails.build(bindings.db, bindings.clock.now(), empty)
    assert "Total jobs: 0" in text and "Nothing in this period." in html
    assert (await client.delete(f"/api/jobs/{display}")).status_code == 204
    assert (await bindings.db.first("SELECT count(*) AS n FROM tasks"))["n"] == 0  # TSK-8


async def test_without_an_office_with_jobs_the_email_says_so(bindings, people):
    garage = await offices.get(bindings.db, people.office_a.id)
    await offices.update_office(
        bindings.db, bindings.clock.now(), SYSTEM, garage, name="Garage", time_zone=garage.time_zone,
        jobs_enabled=False, active=True,
    )  # fmt: skip
    window = report_emails.current_window("daily", bindings.clock.now())
    _, text, html = await report_emails.build(bindings.db, bindings.clock.now(), window)
    assert "No office has Jobs turned on." in text and "No office has Jobs turned on." in html
    assert "Top contractors" not in html

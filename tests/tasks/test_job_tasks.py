"""Tasks on jobs (issue 23 with the jobs branch): the 📋 + Task link, the job's timeline, the global
timeline's job entries, the cascade on a job's hard delete, and the emailed report's Jobs section."""

from __future__ import annotations

from datetime import date

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
    figures = await report_emails.job_figures(bindings.db, window)
    assert figures is not None and figures["total"] == 1
    _, text, html = await report_emails.build(bindings.db, bindings.clock.now(), window)
    assert "Total jobs: 1" in text and "Revenue" in html
    empty = report_emails.Window("monthly", "x", date(2020, 1, 1), date(2020, 1, 31), bindings.clock.now())
    assert (await report_emails.job_figures(bindings.db, empty))["total"] == 0
    assert (await client.delete(f"/api/jobs/{display}")).status_code == 204
    assert (await bindings.db.first("SELECT count(*) AS n FROM tasks"))["n"] == 0  # TSK-8


async def test_without_jobs_the_email_says_so(bindings, people):
    window = report_emails.current_window("daily", bindings.clock.now())
    assert await report_emails.job_figures(bindings.db, window) is None
    _, text, _ = await report_emails.build(bindings.db, bindings.clock.now(), window)
    assert "No job figures in this workspace yet." in text

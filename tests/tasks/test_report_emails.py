"""Reports that email themselves: windows in New York, once per window with overlapping or late ticks,
the email's content, Send now through the outbox into the development mailbox, bad recipients."""

from __future__ import annotations

import asyncio
import json
from datetime import date, datetime
from zoneinfo import ZoneInfo

from core import outbox
from core.vault import KeyRing
from messaging import identities
from tasks import report_emails
from tests.conftest import sign_in_api
from tests.leads.test_leads_queue import make_lead

NY = ZoneInfo("America/New_York")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=NY)


async def _finance(bindings, people):
    values = identities.check(
        from_email="finance@example.test",
        from_name="Porchlight Finance",
        smtp_host="localhost",
        smtp_port=587,
        password="app-password-1234",
    )
    await identities.save(
        bindings.db,
        bindings.clock.now(),
        people.owner.actor,
        KeyRing.from_settings(bindings.settings),
        kind="finance",
        office_id=None,
        office_label="Finance",
        values=values,
    )


def test_windows_align_to_new_york():
    w = report_emails.latest_window("daily", at("2026-11-22T23:05"))
    assert (w.key, w.start, w.end) == ("2026-11-22", date(2026, 11, 22), date(2026, 11, 22))
    w = report_emails.latest_window("daily", at("2026-11-22T22:59"))
    assert w.key == "2026-11-21"
    w = report_emails.latest_window("weekly", at("2026-11-22T23:00"))  # a Sunday
    assert (w.key, w.start, w.end) == ("2026-W47", date(2026, 11, 16), date(2026, 11, 22))
    w = report_emails.latest_window("weekly", at("2026-11-24T10:00"))
    assert w.key == "2026-W47"
    w = report_emails.latest_window("monthly", at("2026-12-01T23:30"))
    assert (w.key, w.start, w.end) == ("2026-11", date(2026, 11, 1), date(2026, 11, 30))
    w = report_emails.latest_window("monthly", at("2026-12-01T22:00"))
    assert w.key == "2026-10"


async def test_bad_recipients_are_422_on_the_field(client, bindings, people):
    await sign_in_api(client, bindings, people.owner)
    bad = await client.put("/api/report-emails", json={"recipients": ["boss@example.test", "not an address"]})
    assert bad.status_code == 422 and "recipients" in bad.text
    none = await client.put("/api/report-emails", json={"recipients": [], "daily": True})
    assert none.status_code == 422 and "recipients" in none.text
    ok = await client.put("/api/report-emails", json={"recipients": ["Boss@Example.test"], "daily": True})
    assert ok.json() == {"recipients": ["boss@example.test"], "daily": True, "weekly": False, "monthly": False}
    await sign_in_api(client, bindings, people.admin)
    assert (await client.get("/api/report-emails")).status_code == 403


async def test_each_window_sends_once_with_overlapping_and_late_ticks(bindings, people, clock):
    await report_emails.save(
        bindings.db,
        clock.now(),
        people.owner.actor,
        ["a@example.test", "b@example.test"],
        {"daily": True, "weekly": True, "monthly": False},
    )
    clock.set(at("2026-11-22T22:45"))
    assert (await report_emails.tick(bindings.db, clock.now()))["reports_emailed"] == 0  # daily not due yet
    sends = await bindings.db.all("SELECT * FROM report_email_sends")
    assert [(s["period"], s["window_key"]) for s in sends] == []  # the Nov 21 daily is past the grace
    clock.set(at("2026-11-22T23:15"))  # Sunday: the daily and the weekly, with four overlapping ticks
    results = await asyncio.gather(*(report_emails.tick(bindings.db, clock.now()) for _ in range(4)))
    assert sum(r["reports_emailed"] for r in results) == 2
    clock.set(at("2026-11-23T02:00"))  # a late tick after midnight: already sent, nothing more
    assert (await report_emails.tick(bindings.db, clock.now()))["reports_emailed"] == 0
    rows = await bindings.db.all("SELECT payload FROM outbox WHERE kind = 'email' ORDER BY created_at")
    subjects = sorted({json.loads(r["payload"])["subject"] for r in rows})
    assert len(rows) == 4  # two reports × two recipients
    assert subjects == [
        "Porchlight daily report — Sunday, November 22, 2026",
        "Porchlight weekly report — November 16 – November 22, 2026",
    ]
    assert all(json.loads(r["payload"])["identity"] == "finance" for r in rows)
    clock.set(at("2026-11-24T01:30"))  # the cron was down at 23:00 on the 23rd: a late tick still sends it
    assert (await report_emails.tick(bindings.db, clock.now()))["reports_emailed"] == 1


async def test_the_email_mirrors_the_report_and_send_now_lands_in_the_dev_mailbox(client, bindings, people, clock):
    await make_lead(bindings, people.office_a, name="Report Person")
    await _finance(bindings, people)
    await sign_in_api(client, bindings, people.owner)
    assert (await client.post("/api/report-emails/send", json={"period": "daily"})).status_code == 422  # no one
    await client.put("/api/report-emails", json={"recipients": ["owner@example.test"]})
    sent = await client.post("/api/report-emails/send", json={"period": "monthly"})
    assert sent.json() == {"queued": 1}
    await outbox.drain(bindings)
    mail = await bindings.db.first("SELECT * FROM dev_mailbox WHERE channel = 'email'")
    assert mail["subject"].startswith("[Preview] Porchlight monthly report")
    assert "Total leads: 1" in mail["body"] and "Agent performance" in mail["body"] and "Jobs" in mail["body"]
    html = json.loads(mail["headers"])["html"]
    assert "<svg" in html and "data:image/png;base64," in html and "Leads by source" in html
    page = await client.get("/maintenance/dev-mailbox")
    assert page.status_code == 200 and "HTML version" in page.text
    assert not await bindings.db.all("SELECT * FROM report_email_sends")  # a preview is not the send

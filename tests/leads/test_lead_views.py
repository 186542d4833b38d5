"""Seed 001's queue views (now / today / later / recovery) as presets of the queue query, with a frozen
clock: the Today line at the viewer's local midnight (DST days included), recovery's two rules, and
every view combined with the other filters and on both read paths."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from core.clock import parse
from core.records import SYSTEM
from leads import queue as leads
from leads import settings as lead_settings
from routes.lead_queue import next_midnight
from tests.conftest import sign_in
from tests.leads.test_leads_queue import make_lead, set_status

NEW_YORK = ZoneInfo("America/New_York")


async def names(client, **params) -> list[str]:
    r = await client.get("/api/leads", params=params)
    assert r.status_code == 200, r.text
    return sorted(i["name"] for i in r.json()["items"])


async def a_lead_of_each_kind(bindings, people, clock) -> None:
    """At 15:00Z on Sunday 22 Nov 2026 (10:00 in New York, where Garage is): today ends at 05:00Z."""
    a = people.office_a
    for name, status, next_contact in (
        ("fresh", "fresh", None),
        ("fresh with a callback tomorrow", "fresh", "2026-11-23T15:00:00.000Z"),
        ("overdue", "needs_follow_up", "2026-11-22T14:00:00.000Z"),
        ("due this minute", "consultation_call", "2026-11-22T15:00:00.000Z"),
        ("due tonight", "not_yet_scheduled", "2026-11-23T04:59:00.000Z"),
        ("due at midnight", "needs_follow_up", "2026-11-23T05:00:00.000Z"),
        ("no time set", "not_yet_scheduled", None),
        ("converted", "converted", None),
        ("irrelevant", "irrelevant", None),
    ):
        display = await make_lead(bindings, a, name=name, source="yelp" if "due" in name else "website")
        await set_status(bindings.db, display, status, next_contact)
        clock.advance(seconds=1)
    clock.set("2026-11-22T15:00:00.000Z")


async def test_now_today_and_later_split_the_open_leads(client, bindings, people, clock):
    await a_lead_of_each_kind(bindings, people, clock)
    await sign_in(client, bindings, people.agent)
    now = await names(client, view="now")
    today = await names(client, view="today")
    later = await names(client, view="later")
    assert now == ["due this minute", "fresh", "fresh with a callback tomorrow", "overdue"]
    assert today == ["due tonight"]
    assert later == ["due at midnight", "no time set"]
    everything = await names(client)
    assert sorted(now + today + later) == sorted(set(everything) - {"converted", "irrelevant"})
    # urgency agrees: Now is exactly the high ones
    items = (await client.get("/api/leads", params={"view": "now"})).json()["items"]
    assert {i["urgency"] for i in items} == {"high"}


async def test_views_combine_with_the_other_filters(client, bindings, people, clock):
    await a_lead_of_each_kind(bindings, people, clock)
    await sign_in(client, bindings, people.agent)
    assert await names(client, view="now", source="yelp") == ["due this minute", "overdue"]
    assert await names(client, view="later", status="not_yet_scheduled") == ["no time set"]
    assert await names(client, view="today", urgency="high") == []
    assert await names(client, view="now", q="overdue") == ["overdue"]
    assert await names(client, view="now", office=people.office_b.id) == []
    assert (await client.get("/api/leads", params={"view": "tomorrow"})).status_code == 422
    assert (await client.get("/leads", params={"view": "tomorrow"})).status_code == 422


async def test_the_today_line_is_the_viewers_local_midnight(client, bindings, people, clock):
    """agent_b works Sliding (Los Angeles): their today runs to 08:00Z, three hours past New York's."""
    b = people.office_b
    for name, at in (
        ("before LA midnight", "2026-11-23T07:59:00.000Z"),
        ("at LA midnight", "2026-11-23T08:00:00.000Z"),
    ):
        display = await make_lead(bindings, b, name=name)
        await set_status(bindings.db, display, "needs_follow_up", at)
    await sign_in(client, bindings, people.agent_b)
    assert await names(client, view="today") == ["before LA midnight"]
    assert await names(client, view="later") == ["at LA midnight"]


async def test_on_a_dst_day_today_ends_at_the_wall_clock_midnight(client, bindings, people, clock):
    """Sunday 8 March 2026, clocks spring forward in New York: midnight is 04:00Z, not 05:00Z."""
    clock.set("2026-03-08T16:00:00.000Z")  # noon EDT
    for name, at in (
        ("late tonight", "2026-03-09T03:59:00.000Z"),
        ("just after midnight", "2026-03-09T04:30:00.000Z"),  # before 05:00Z: a fixed UTC-5 would call it today
    ):
        display = await make_lead(bindings, people.office_a, name=name)
        await set_status(bindings.db, display, "consultation_call", at)
    await sign_in(client, bindings, people.agent)
    assert await names(client, view="today") == ["late tonight"]
    assert await names(client, view="later") == ["just after midnight"]


@pytest.mark.parametrize(
    ("at", "midnight"),
    [
        ("2026-11-22T15:00:00.000Z", "2026-11-23T05:00:00+00:00"),  # standard time
        ("2026-11-23T04:59:59.000Z", "2026-11-23T05:00:00+00:00"),  # the last second of the day
        ("2026-11-23T05:00:00.000Z", "2026-11-24T05:00:00+00:00"),  # midnight itself starts a new day
        ("2026-03-08T06:00:00.000Z", "2026-03-09T04:00:00+00:00"),  # spring forward: a 23-hour day
        ("2026-11-01T12:00:00.000Z", "2026-11-02T05:00:00+00:00"),  # fall back: a 25-hour day
        ("2026-11-01T03:00:00.000Z", "2026-11-01T04:00:00+00:00"),  # 23:00 EDT the evening before
    ],
)
def test_next_midnight(at, midnight):
    assert next_midnight(parse(at), NEW_YORK) == datetime.fromisoformat(midnight)


async def test_recovery_holds_stalled_callbacks_and_fresh_leads_nobody_claimed(client, bindings, people, clock):
    a = people.office_a
    clock.set("2026-11-22T14:40:00.000Z")
    await make_lead(bindings, a, name="fresh for 20 minutes")
    claimed = await make_lead(bindings, a, name="fresh, claimed")
    await bindings.db.run("UPDATE leads SET claimed_by = ? WHERE display_id = ?", people.agent.id, claimed)
    clock.set("2026-11-22T14:50:00.000Z")
    await make_lead(bindings, a, name="fresh for 10 minutes")
    for name, at in (
        ("a day and an hour overdue", "2026-11-21T14:00:00.000Z"),
        ("exactly a day overdue", "2026-11-21T15:00:00.000Z"),
        ("23 hours overdue", "2026-11-21T16:00:00.000Z"),
    ):
        display = await make_lead(bindings, a, name=name)
        await set_status(bindings.db, display, "needs_follow_up", at)
    clock.set("2026-11-22T15:00:00.000Z")
    await sign_in(client, bindings, people.agent)
    recovery = await names(client, view="recovery")
    assert recovery == ["a day and an hour overdue", "exactly a day overdue", "fresh for 20 minutes"]
    assert set(recovery) <= set(await names(client, view="now"))  # stalled work is still work due now
    items = (await client.get("/api/leads", params={"view": "recovery", "status": "fresh"})).json()["items"]
    assert [(i["name"], i["escalated"]) for i in items] == [("fresh for 20 minutes", True)]

    await lead_settings.set_escalation_minutes(bindings.db, clock.now(), SYSTEM, 5)  # the owner's timer
    assert "fresh for 10 minutes" in await names(client, view="recovery")


async def test_every_view_reads_the_same_rows_on_both_paths(bindings, people, clock, monkeypatch):
    """Above leads._SMALL matches the page is merged per tier: each view must give the sorted read's rows."""
    await a_lead_of_each_kind(bindings, people, clock)
    now = clock.now()
    end = "2026-11-23T05:00:00.000Z"
    for user in (people.owner, people.agent):
        for view in leads.VIEWS:
            for extra in ({}, {"sources": ["yelp"]}, {"offices": [people.office_a.id]}):
                query = leads.Query(view=view, day_end=end, per_page=100, **extra)
                monkeypatch.setattr(leads, "_SMALL", 10_000)
                sorted_read = await leads.queue(bindings.db, user, query, now)
                monkeypatch.setattr(leads, "_SMALL", 1)
                merged = await leads.queue(bindings.db, user, query, now)
                assert [r["display_id"] for r in merged.rows] == [r["display_id"] for r in sorted_read.rows], query
                assert merged.total == sorted_read.total


async def test_the_page_has_view_tabs_that_keep_the_filters(client, bindings, people, clock):
    await a_lead_of_each_kind(bindings, people, clock)
    await sign_in(client, bindings, people.viewer)
    page = await client.get("/leads", params={"view": "today", "source": "yelp"})
    assert page.status_code == 200
    assert '<a href="/leads?source=yelp&amp;view=now"' in page.text
    assert '<a href="/leads?source=yelp">All</a>' in page.text
    assert 'href="/leads?source=yelp&amp;view=today" aria-current="page"' in page.text
    assert '<input type="hidden" name="view" value="today">' in page.text  # Apply keeps the view
    assert "data-lead" in page.text and ">due tonight</a>" in page.text and ">overdue</a>" not in page.text

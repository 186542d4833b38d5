"""Reports: every figure of `reports.summary` on a hand-built data set with a frozen clock; period
boundaries at local midnight, a week across a month, DST; office scope and roles; the page, the CSV
exports and the JSON API; the rollups against a rebuild from the base tables.

Offices: A = Garage (America/New_York), B = Sliding (America/Los_Angeles). The clock starts on
Sunday 2026-11-22 15:00 UTC (10:00 in New York)."""

from __future__ import annotations

import json
from datetime import date

import pytest

from core import errors
from core.clock import iso, parse
from core.storage import q
from customers import conversion as lead_conversion
from leads import actions as lead_actions
from leads import intake
from leads import queue as leads
from leads import sources as lead_sources
from reports import periods as report_periods
from reports import rollups as report_rollups
from reports import summary as reports
from tests.conftest import sign_in
from tests.customers_support import make_customer

_seq = iter(range(5001, 9999))


async def make_lead(
    db,
    office,
    created: str,
    *,
    status: str = "fresh",
    source: str = "yelp",
    calls: int = 0,
    responded: str | None = None,
    phone: str | None = None,
    archived: str | None = None,
) -> dict:
    """A lead written straight into the table (the rollup triggers see it like any insert)."""
    n = next(_seq)
    await db.batch(
        [
            q(
                "INSERT INTO leads (id, display_id, office_id, source_key, status, name, phone, phone_last10,"
                " received_at, created_at, updated_at, call_count, first_response_at, archived_at, next_contact_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                n,
                f"L-{n}",
                office.id,
                source,
                status,
                f"Lead {n}",
                f"+1{phone}" if phone else None,
                phone,
                created,
                created,
                created,
                calls,
                responded,
                archived,
                created if status in leads.CALLBACK else None,
            )
        ]
    )
    row = await db.first("SELECT * FROM leads WHERE id = ?", n)
    assert row is not None
    return row


async def fetch(db, owner, lead: dict) -> dict:
    row = await leads.lead_for_user(db, owner, lead["display_id"])
    assert row is not None
    return row


async def summary(bindings, user, kind="month", **kw) -> dict:
    return await reports.summary(bindings.db, user, bindings.clock.now(), kind, **kw)


@pytest.fixture
async def ready(bindings, people):
    """Rollups built for both offices before any data, so every row below goes through the triggers."""
    await report_rollups.prepare(bindings.db, bindings.clock.now())
    return people


# --- the empty database ---------------------------------------------------------------------------------


async def test_it_answers_an_empty_database_without_dividing_by_zero(client, bindings, people):
    got = await summary(bindings, people.owner)
    t = got["tiles"]
    assert t["leads"] == 0 and t["customers"] == 0 and t["missing_source"] == 0
    assert t["conversion_rate"] is None and t["avg_response_seconds"] is None
    assert got["agents"] == [] and got["source_mix"] == []
    assert all(r["conversion_rate"] is None for r in got["leads_by_office"])
    assert all(r["rate"] is None for r in got["conversion_by_attempt"])
    assert len(got["status_by_day"]) == 30 and not any(d["open"] for d in got["status_by_day"])
    assert got["quickbooks"] == {"state": "not_connected"}
    await sign_in(client, bindings, people.owner)
    page = await client.get("/reports")
    assert page.status_code == 200
    assert "Nothing in this period." in page.text and "Nobody called" in page.text
    assert 'href="/maintenance/quickbooks"' in page.text
    for name in ("tiles", "agents", "status_by_day", "missing_source"):
        r = await client.get(f"/reports/export/{name}.csv")
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")


# --- every figure -------------------------------------------------------------------------------------------


async def test_it_computes_every_figure_of_a_hand_built_month(bindings, ready):
    db, clock, p = bindings.db, bindings.clock, ready
    a, b = p.office_a, p.office_b
    # L1 (A, Nov 3): claimed 10 minutes later by the agent. Fresh.
    l1 = await make_lead(db, a, "2026-11-03T15:00:00.000Z", source="yelp")
    clock.set("2026-11-03T15:10:00.000Z")
    await lead_actions.claim_lead(db, clock.now(), p.agent, await fetch(db, p.owner, l1))
    # L2 (A, Nov 5): a call 30 minutes later, converted by the agent the next day.
    l2 = await make_lead(db, a, "2026-11-05T14:00:00.000Z", source="google", phone="3055550102")
    clock.set("2026-11-05T14:30:00.000Z")
    await lead_actions.log_call_attempt(db, clock.now(), p.agent, await fetch(db, p.owner, l2))
    clock.set("2026-11-06T16:00:00.000Z")
    await lead_conversion.convert_lead(db, clock.now(), p.agent, await fetch(db, p.owner, l2), a)
    # L3 (A, Nov 10): marked irrelevant by the admin 5 minutes later.
    l3 = await make_lead(db, a, "2026-11-10T20:00:00.000Z", source="manual")
    clock.set("2026-11-10T20:05:00.000Z")
    await lead_actions.change_status(
        db, clock.now(), p.admin, await fetch(db, p.owner, l3), "irrelevant", reason="Wrong number"
    )
    # L4 (A, Oct 31, outside the month, answered then): converted in the month by the agent.
    l4 = await make_lead(
        db, a, "2026-10-31T12:00:00.000Z", source="google", responded="2026-10-31T12:01:00.000Z", phone="3055550104"
    )
    clock.set("2026-11-12T15:00:00.000Z")
    await lead_conversion.convert_lead(db, clock.now(), p.agent, await fetch(db, p.owner, l4), a)
    # L6 (A, Nov 15): BookBack reactivates it on Nov 16, the agent converts it on Nov 17.
    l6 = await make_lead(db, a, "2026-11-15T15:00:00.000Z", source="facebook", phone="3055550106")
    clock.set("2026-11-16T15:00:00.000Z")
    bookback = await lead_sources.by_key(db, "bookback")
    assert bookback is not None
    payload = {"name": "Lead six", "phone": "3055550106"}
    delivery = intake.Delivery("webhook:source", "application/json", json.dumps(payload))
    outcome = await intake.receive(db, clock.now(), bookback, payload, delivery)
    assert outcome.status == "reactivated"
    clock.set("2026-11-17T15:00:00.000Z")
    await lead_conversion.convert_lead(db, clock.now(), p.agent, await fetch(db, p.owner, l6), a)
    # L7 (A): 23:30 on Nov 21 in New York, which is Nov 22 in UTC. Fresh, two calls logged by hand.
    await make_lead(db, a, "2026-11-22T04:30:00.000Z", source="yelp", calls=2)
    # L5 (B, Nov 20, BookBack, new) and L8 (B, Nov 21, a source nobody configured).
    await make_lead(db, b, "2026-11-20T10:00:00.000Z", source="bookback")
    l8 = await make_lead(db, b, "2026-11-21T18:00:00.000Z", source="craigslist", status="needs_follow_up")
    # Outside the month on both sides (A's Dec 1 begins 05:00 UTC).
    await make_lead(db, a, "2026-12-01T05:00:00.000Z")
    await make_lead(db, a, "2026-11-01T03:59:00.000Z")  # Oct 31, 23:59 EDT
    # Customers beyond the three conversions: one without a source (B), one with a free-text one (A).
    clock.set("2026-11-22T15:00:00.000Z")
    nosource = await make_customer(bindings, b, "Nadia No-Source")
    await make_customer(bindings, a, "Ray Radio", source="radio ad")

    got = await summary(bindings, p.owner)
    t = got["tiles"]
    # The cohort: L1, L2, L3, L6, L7, L5, L8 (7 leads); L4 and the two outside leads are not in it.
    assert t["leads"] == 7
    assert (t["converted"], t["irrelevant"], t["fresh"], t["needs_follow_up"]) == (2, 1, 3, 1)
    assert t["not_yet_scheduled"] == 0 and t["consultation_call"] == 0
    assert t["conversion_rate"] == pytest.approx(28.6)  # 2 / 7
    # First responses of cohort leads: L1 600 s, L2 1800 s, L3 300 s, L6 at its conversion (2 days).
    assert t["responded"] == 4
    assert t["avg_response_seconds"] == round((600 + 1800 + 300 + 2 * 86400) / 4)
    assert t["customers"] == 5  # three conversions and the two made above
    assert t["missing_source"] == 2  # Nadia (customer) and L8 (unknown source)
    assert t["outstanding_invoices"] is None and t["active_estimates"] is None
    by_office = {r["office"]: r for r in got["leads_by_office"]}
    assert (by_office["Garage"]["leads"], by_office["Garage"]["converted"], by_office["Garage"]["open"]) == (5, 2, 2)
    assert (by_office["Sliding"]["leads"], by_office["Sliding"]["open"]) == (2, 2)
    assert by_office["Sliding"]["conversion_rate"] == 0.0
    mix = {r["source"]: (r["leads"], r["label"]) for r in got["source_mix"]}
    assert mix == {
        "yelp": (2, "Yelp"),
        "google": (1, "Google Ads"),
        "manual": (1, "Manual"),
        "facebook": (1, "Facebook Ads"),
        "bookback": (1, "BookBack AI"),
        "craigslist": (1, "craigslist"),
    }
    # Pipeline: every unarchived lead, whenever created: L1, L6? no (converted, archived), L7, L5, L8,
    # L3 (irrelevant is not archived) and the two outside leads.
    pipeline = {r["status"]: r["leads"] for r in got["pipeline"]}
    assert pipeline == {
        "fresh": 5,
        "not_yet_scheduled": 0,
        "needs_follow_up": 1,
        "consultation_call": 0,
        "converted": 0,
        "irrelevant": 1,
    }
    days = {d["date"]: d for d in got["status_by_day"]}
    assert len(days) == 30 and min(days) == "2026-11-01" and max(days) == "2026-11-30"
    assert days["2026-11-05"] == {"date": "2026-11-05", "converted": 1, "open": 0, "irrelevant": 0}
    assert days["2026-11-10"]["irrelevant"] == 1
    assert days["2026-11-21"]["open"] == 2  # L7 (New York's Nov 21) and L8
    assert days["2026-11-22"]["open"] == 0
    # Conversion by attempt: L1 0, L2 1 (converted), L3 0, L6 0 (reset by reactivation; converted), L7 2, L5 0, L8 0.
    attempts = {r["attempts"]: (r["leads"], r["converted"]) for r in got["conversion_by_attempt"]}
    assert attempts[0] == (5, 1) and attempts[1] == (1, 1) and attempts[2] == (1, 0) and attempts[3] == (0, 0)
    # Follow-up: calls by day, and conversions of leads from an earlier day (L2 Nov 6, L4 Nov 12, L6 Nov 17).
    follow = {d["date"]: d for d in got["follow_up_by_day"]}
    assert follow["2026-11-05"]["call_attempts"] == 1
    assert [d for d, v in follow.items() if v["conversions"]] == ["2026-11-06", "2026-11-12", "2026-11-17"]
    react = {d["date"]: d for d in got["reactivation_by_day"] if d["detected"] or d["converted"]}
    assert react == {
        "2026-11-16": {"date": "2026-11-16", "detected": 1, "reactivated": 1, "converted": 0},
        "2026-11-17": {"date": "2026-11-17", "detected": 0, "reactivated": 0, "converted": 1},
        "2026-11-20": {"date": "2026-11-20", "detected": 1, "reactivated": 0, "converted": 0},
    }
    agents = {a_["name"]: a_ for a_ in got["agents"]}
    assert set(agents) == {"Agent", "Admin"}
    agent = agents["Agent"]
    assert (agent["calls"], agent["claims"], agent["conversions"], agent["responses"]) == (1, 1, 3, 3)
    assert agent["avg_response_seconds"] == round((600 + 1800 + 2 * 86400) / 3)
    assert (agents["Admin"]["responses"], agents["Admin"]["avg_response_seconds"]) == (1, 300)
    assert got["agents"][0]["name"] == "Agent"  # most conversions first
    cust = {r["source"]: r for r in got["customers_by_source"]["rows"]}
    assert cust["google"]["customers"] == 2 and cust["facebook"]["customers"] == 1 and cust[""]["customers"] == 1
    assert cust["other"]["customers"] == 1 and cust["other"]["detail"][0]["name"] == "Ray Radio"
    assert cust["other"]["detail"][0]["source"] == "radio ad"
    missing = got["missing_source"]
    assert (missing["customers"], missing["leads"]) == (1, 1)
    assert {(i["kind"], i["display_id"], i["url"]) for i in missing["items"]} == {
        ("lead", l8["display_id"], f"/leads/{l8['display_id']}"),
        ("customer", nosource["display_id"], f"/clients/{nosource['display_id']}"),
    }
    # The rollups the triggers kept equal a rebuild from the base tables.
    await bindings.db.run("DELETE FROM report_zones")
    assert await summary(bindings, p.owner) == got


async def test_deleting_and_moving_leads_keeps_the_rollups_true(bindings, ready):
    db, p = bindings.db, ready
    one = await make_lead(db, p.office_a, "2026-11-10T15:00:00.000Z")
    await make_lead(db, p.office_a, "2026-11-11T15:00:00.000Z", source="google")
    await db.run("UPDATE leads SET office_id = ?, source_key = 'angi' WHERE id = ?", p.office_b.id, one["id"])
    await db.run("DELETE FROM leads WHERE source_key = 'google'")
    got = await summary(bindings, p.owner)
    assert got["tiles"]["leads"] == 1
    assert [(r["office"], r["leads"]) for r in got["leads_by_office"]] == [("Garage", 0), ("Sliding", 1)]
    assert [r["source"] for r in got["source_mix"]] == ["angi"]
    await db.run("DELETE FROM report_zones")
    assert await summary(bindings, p.owner) == got


# --- periods ----------------------------------------------------------------------------------------------


async def test_a_day_starts_at_midnight_in_each_office_zone(bindings, ready):
    db, p = bindings.db, ready
    await make_lead(db, p.office_a, "2026-11-22T04:59:59.999Z")  # New York: Nov 21, 23:59
    await make_lead(db, p.office_a, "2026-11-22T05:00:00.000Z")  # New York: Nov 22, 00:00
    await make_lead(db, p.office_b, "2026-11-22T07:59:59.999Z")  # Los Angeles: Nov 21, 23:59
    await make_lead(db, p.office_b, "2026-11-22T08:00:00.000Z")  # Los Angeles: Nov 22, 00:00
    got = await summary(bindings, p.owner, "today")
    assert (got["period"]["start"], got["period"]["end"]) == ("2026-11-22", "2026-11-22")
    assert got["tiles"]["leads"] == 2
    assert [(r["office"], r["leads"]) for r in got["leads_by_office"]] == [("Garage", 1), ("Sliding", 1)]
    bounds = {r["office"]: (r["starts_at"], r["ends_at"]) for r in got["period"]["per_office"]}
    assert bounds == {
        "Garage": ("2026-11-22T05:00:00Z", "2026-11-23T05:00:00Z"),
        "Sliding": ("2026-11-22T08:00:00Z", "2026-11-23T08:00:00Z"),
    }
    # At 06:00 UTC it is already Nov 22 in New York but still Nov 21 in Los Angeles: each office's today.
    bindings.clock.set("2026-11-22T06:00:00.000Z")
    early = await summary(bindings, p.owner, "today")
    per = {r["office"]: r["start"] for r in early["period"]["per_office"]}
    assert per == {"Garage": "2026-11-22", "Sliding": "2026-11-21"}
    assert [(r["office"], r["leads"]) for r in early["leads_by_office"]] == [("Garage", 1), ("Sliding", 1)]


async def test_this_week_runs_sunday_to_saturday_across_a_month(bindings, ready):
    db, p = bindings.db, ready
    bindings.clock.set("2026-12-02T17:00:00.000Z")  # Wednesday
    await make_lead(db, p.office_a, "2026-11-29T04:59:00.000Z")  # Sat Nov 28, 23:59 EST: before
    first = await make_lead(db, p.office_a, "2026-11-29T05:00:00.000Z")  # Sun Nov 29, 00:00: in
    await make_lead(db, p.office_a, "2026-12-06T04:59:00.000Z")  # Sat Dec 5, 23:59: in
    await make_lead(db, p.office_a, "2026-12-06T05:00:00.000Z")  # Sun Dec 6: after
    got = await summary(bindings, p.owner, "week", office_ids=[p.office_a.id])
    assert (got["period"]["start"], got["period"]["end"]) == ("2026-11-29", "2026-12-05")
    assert got["period"]["description"] == "Sun Nov 29 – Sat Dec 5, 2026"
    assert got["tiles"]["leads"] == 2
    days = [d["date"] for d in got["status_by_day"]]
    assert days == ["2026-11-29", "2026-11-30", "2026-12-01", "2026-12-02", "2026-12-03", "2026-12-04", "2026-12-05"]
    assert [d["open"] for d in got["status_by_day"]] == [1, 0, 0, 0, 0, 0, 1]
    month = await summary(bindings, p.owner, "month", office_ids=[p.office_a.id])
    assert month["tiles"]["leads"] == 2 and month["period"]["start"] == "2026-12-01"  # Dec 5 and Dec 6
    assert first["office_id"] == p.office_a.id


async def test_dst_days_last_25_and_23_hours(bindings, ready):
    db, p = bindings.db, ready
    # New York falls back on Sun Nov 1, 2026: the day runs 04:00 UTC to 05:00 UTC the next day.
    await make_lead(db, p.office_a, "2026-11-01T03:59:00.000Z")  # Oct 31
    await make_lead(db, p.office_a, "2026-11-01T04:00:00.000Z")  # Nov 1, 00:00 EDT
    await make_lead(db, p.office_a, "2026-11-02T04:59:00.000Z")  # Nov 1, 23:59 EST
    await make_lead(db, p.office_a, "2026-11-02T05:00:00.000Z")  # Nov 2
    nov1 = await summary(bindings, p.owner, "custom", start=date(2026, 11, 1), end=date(2026, 11, 1))
    assert nov1["tiles"]["leads"] == 2
    garage = nov1["period"]["per_office"][0]
    assert (garage["starts_at"], garage["ends_at"]) == ("2026-11-01T04:00:00Z", "2026-11-02T05:00:00Z")
    # It springs forward on Sun Mar 8, 2026: 05:00 UTC to 04:00 UTC the next day (23 hours).
    await make_lead(db, p.office_a, "2026-03-08T04:59:00.000Z")  # Mar 7
    await make_lead(db, p.office_a, "2026-03-08T05:00:00.000Z")  # Mar 8, 00:00 EST
    await make_lead(db, p.office_a, "2026-03-09T03:59:00.000Z")  # Mar 8, 23:59 EDT
    await make_lead(db, p.office_a, "2026-03-09T04:00:00.000Z")  # Mar 9
    mar8 = await summary(bindings, p.owner, "custom", start=date(2026, 3, 8), end=date(2026, 3, 8))
    assert mar8["tiles"]["leads"] == 2
    garage = mar8["period"]["per_office"][0]
    assert (garage["starts_at"], garage["ends_at"]) == ("2026-03-08T05:00:00Z", "2026-03-09T04:00:00Z")
    ytd = await summary(bindings, p.owner, "year")
    assert ytd["tiles"]["leads"] == 8 and ytd["period"]["start"] == "2026-01-01"


def test_the_periods_on_a_calendar():
    today = date(2026, 2, 28)  # a Saturday
    assert report_periods.period_for("week", today) == report_periods.Period("week", date(2026, 2, 22), today)
    assert report_periods.period_for("month", today).end == date(2026, 2, 28)
    assert report_periods.period_for("year", today).start == date(2026, 1, 1)
    with pytest.raises(errors.Invalid):
        report_periods.period_for("custom", today, date(2026, 3, 1), date(2026, 2, 1))
    with pytest.raises(errors.Invalid):
        report_periods.period_for("custom", today, date(2020, 1, 1), date(2026, 1, 1))
    shifts = dict(report_periods.zone_shifts("America/New_York"))
    assert shifts["2026-03-08T07:00:00.000Z"] == -240 and shifts["2026-11-01T06:00:00.000Z"] == -300


# --- scope and roles ------------------------------------------------------------------------------------


async def test_an_office_the_user_may_not_see_never_leaks(client, bindings, ready):
    db, p = bindings.db, ready
    await make_lead(db, p.office_a, "2026-11-10T15:00:00.000Z", source="yelp")
    await make_lead(db, p.office_b, "2026-11-10T15:00:00.000Z", source="angi", status="needs_follow_up")
    await make_lead(db, p.office_b, "2026-11-11T15:00:00.000Z", source="craigslist")
    await make_customer(bindings, p.office_b, "Hidden Customer")
    agent = await summary(bindings, p.agent)
    assert [o["name"] for o in agent["offices"]] == ["Garage"]
    assert agent["tiles"]["leads"] == 1 and agent["tiles"]["missing_source"] == 0
    assert [r["source"] for r in agent["source_mix"]] == ["yelp"]
    assert sum(r["leads"] for r in agent["pipeline"]) == 1
    assert agent["missing_source"]["items"] == [] and agent["quickbooks"] == {"state": "hidden"}
    # Asking for the other office by id selects nothing rather than its figures.
    other = await summary(bindings, p.agent, office_ids=[p.office_b.id])
    assert other["offices"] == [] and other["tiles"]["leads"] == 0 and other["status_by_day"] == []
    await sign_in(client, bindings, p.agent)
    api = (await client.get("/api/reports/summary", params={"period": "month", "offices": f"{p.office_b.id}"})).json()
    assert api["tiles"]["leads"] == 0 and "Hidden Customer" not in json.dumps(api)
    both = (await client.get("/api/reports/summary", params={"offices": f"{p.office_a.id},{p.office_b.id}"})).json()
    assert both["tiles"]["leads"] == 1 and [o["name"] for o in both["offices"]] == ["Garage"]
    page = await client.get("/reports")
    assert page.status_code == 200 and "Sliding" not in page.text and "Hidden Customer" not in page.text
    csv = await client.get("/reports/export/source_mix.csv")
    assert "Yelp" in csv.text and "Angi" not in csv.text
    # The owner sees both; choosing one office narrows to it.
    owner = await summary(bindings, p.owner, office_ids=[p.office_b.id])
    assert owner["tiles"]["leads"] == 2 and owner["tiles"]["missing_source"] == 2


@pytest.mark.parametrize(
    ("who", "status"),
    [("owner", 200), ("admin", 200), ("finance", 200), ("agent", 200), ("viewer", 200), ("partner", 403)],
)
async def test_who_may_read_reports(client, bindings, people, who, status):
    await sign_in(client, bindings, getattr(people, who))
    for url in ("/reports", "/api/reports/summary", "/reports/export/agents.csv", "/reports/definitions"):
        assert (await client.get(url)).status_code == status, url


async def test_signed_out_callers_are_refused(client):
    assert (await client.get("/api/reports/summary")).status_code == 401
    assert (await client.get("/reports")).status_code == 303


async def test_bad_filters_answer_422_and_unknown_tables_404(client, bindings, people):
    await sign_in(client, bindings, people.owner)
    assert (await client.get("/api/reports/summary", params={"period": "decade"})).status_code == 422
    assert (await client.get("/api/reports/summary", params={"period": "custom"})).status_code == 422
    bad = await client.get(
        "/api/reports/summary", params={"period": "custom", "start": "2026-02-01", "end": "2026-01-01"}
    )
    assert bad.status_code == 422 and "ends before" in bad.text
    assert (await client.get("/api/reports/summary", params={"offices": "garage"})).status_code == 422
    assert (await client.get("/reports/export/passwords.csv")).status_code == 404


async def test_csv_exports_neutralise_formulas(client, bindings, ready):
    await make_customer(bindings, ready.office_a, '=HYPERLINK("http://x")')
    await sign_in(client, bindings, ready.owner)
    body = (await client.get("/reports/export/missing_source.csv")).text
    assert body.splitlines()[0] == "Record,Name,Office,What is missing"
    assert "'=HYPERLINK" in body


async def test_the_page_shows_the_figures_and_links_the_definitions(client, bindings, ready):
    await make_lead(bindings.db, ready.office_a, "2026-11-10T15:00:00.000Z", source="yelp")
    await sign_in(client, bindings, ready.owner)
    page = (await client.get("/reports", params={"period": "month"})).text
    assert 'href="/reports/definitions"' in page and "<svg" in page and "Data table" in page
    assert 'href="/reports/export/source_mix.csv?period=month"' in page
    definitions = (await client.get("/reports/definitions")).text
    assert "Conversion rate" in definitions and "Average first response" in definitions


# --- QuickBooks ------------------------------------------------------------------------------------------


async def _connect_quickbooks(db, now: str) -> None:
    await db.batch(
        [
            q(
                "INSERT INTO quickbooks_connection (id, realm_id, environment, company_name, status, connected_at,"
                " updated_at, last_sync_at) VALUES (1, 'R1', 'sandbox', 'Porch Co', 'connected', ?, ?, ?)",
                now,
                now,
                now,
            )
        ]
    )
    objects = [
        # entity, id, txn_date, total, balance, tax, status, expires, customer, account type
        ("Invoice", "i1", "2026-11-22", 10_000, 4_000, 800, None, None, "Q1", None),
        ("Invoice", "i2", "2026-11-21", 5_000, 0, 400, None, None, "Q2", None),
        ("SalesReceipt", "s1", "2026-11-15", 2_500, None, 200, None, None, "Q1", None),
        ("CreditMemo", "c1", "2026-11-16", 500, None, 0, None, None, "Q1", None),
        ("Invoice", "i3", "2025-11-10", 7_000, 7_000, 0, None, None, "Q3", None),
        ("Estimate", "e1", "2026-11-20", 9_900, None, 0, "Pending", "2026-12-20", "Q1", None),
        ("Estimate", "e2", "2026-11-01", 1_000, None, 0, "Closed", None, "Q1", None),
        ("Estimate", "e3", "2026-10-01", 1_000, None, 0, "Pending", "2026-11-01", "Q1", None),
        ("Account", "a1", None, 1_234_500, None, None, None, None, None, "Bank"),
        ("Account", "a2", None, -45_600, None, None, None, None, None, "Credit Card"),
    ]
    await db.batch(
        [
            q(
                "INSERT INTO quickbooks_objects (realm_id, entity, qbo_id, doc_number, txn_date, total_cents,"
                " balance_cents, tax_cents, status, expiration_date, customer_qbo_id, account_type, name, raw,"
                " first_seen_at, synced_at) VALUES ('R1', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '{}', ?, ?)",
                entity,
                qid,
                qid.upper(),
                txn,
                total,
                balance,
                tax,
                status,
                expires,
                customer,
                account,
                f"Name {qid}",
                now,
                now,
            )
            for entity, qid, txn, total, balance, tax, status, expires, customer, account in objects
        ]
    )


async def test_the_quickbooks_panel_reads_the_imported_objects(client, bindings, ready):
    await _connect_quickbooks(bindings.db, iso(bindings.clock.now()))
    await make_customer(bindings, ready.office_a, "Quinn", source="yelp", quickbooks_id="Q1")
    got = await summary(bindings, ready.owner)
    qb = got["quickbooks"]
    assert qb["state"] == "connected" and qb["refreshing"] is False
    sales = {w["window"]: w for w in qb["sales"]}
    # Before tax: 10,000 − 800 today against 5,000 − 400 yesterday.
    assert (sales["day"]["cents"], sales["day"]["prior_cents"], sales["day"]["change_pct"]) == (9_200, 4_600, 100.0)
    assert sales["month"]["cents"] == 9_200 + 4_600 + 2_300 - 500
    assert sales["year"]["prior_cents"] == 7_000 and sales["week"]["start"] == "2026-11-22"
    checking = qb["balances"]["checking"]
    assert (checking["account"], checking["cents"], checking["chosen_by"]) == ("Name a1", 1_234_500, "auto")
    assert qb["balances"]["credit_card"]["cents"] == -45_600
    named = await summary(bindings, ready.owner, accounts=("name a1", ""))
    assert named["quickbooks"]["balances"]["checking"]["chosen_by"] == "name"
    assert qb["sales_tax_quarter"] == {"start": "2026-10-01", "end": "2026-11-22", "cents": 1_400}
    assert qb["outstanding_invoices"] == {"count": 2, "cents": 11_000}
    assert [e["qbo_id"] for e in qb["active_estimates"]["items"]] == ["e1"]
    assert qb["active_estimates"]["items"][0]["url"].startswith("https://app.sandbox.qbo.intuit.com/app/estimate?")
    assert got["tiles"]["outstanding_invoices"] == {"count": 2, "cents": 11_000}
    assert got["tiles"]["active_estimates"] == {"count": 1, "cents": 9_900}
    yelp = next(r for r in got["customers_by_source"]["rows"] if r["source"] == "yelp")
    assert yelp["sales_cents"] == 9_200 + 2_300 - 500  # Q1's sales dated in November
    # Company-wide money stays with people who see billing and every office.
    assert (await summary(bindings, ready.finance))["quickbooks"] == {"state": "hidden"}
    assert (await summary(bindings, ready.agent))["tiles"]["outstanding_invoices"] is None
    await sign_in(client, bindings, ready.owner)
    page = (await client.get("/reports")).text
    assert "Porch Co" in page and "Open in QuickBooks" in page and "$123.00" not in page
    await bindings.db.run(
        "INSERT INTO quickbooks_import_runs (realm_id, environment, status, started_at, updated_at)"
        " VALUES ('R1', 'sandbox', 'running', '2026-11-22T14:00:00.000Z', '2026-11-22T14:00:00.000Z')"
    )
    assert "Refreshing QuickBooks data" in (await client.get("/reports")).text
    assert parse(got["period"]["generated_at"]) == bindings.clock.now()

"""The leads queue: sort tiers, live urgency, filters, search, paging, and who sees what."""

from __future__ import annotations

from leads import intake
from leads import sources as lead_sources
from leads.intake import Delivery
from tests.conftest import sign_in


async def make_lead(bindings, office, *, name, phone="3057942213", source="website", partner=None, **fields):
    src = await lead_sources.by_key(bindings.db, source)
    payload = {"name": name, "phone": phone, "partner_name": partner, **fields}
    outcome = await intake.receive(
        bindings.db, bindings.clock.now(), src, payload, Delivery("test", "application/json", "{}"), fixed_office=office
    )
    assert outcome.status == "created", outcome
    return outcome.lead_id


async def set_status(db, display_id, status, next_contact=None):
    await db.run(
        "UPDATE leads SET status = ?, next_contact_at = ? WHERE display_id = ?", status, next_contact, display_id
    )


async def test_rows_follow_the_seed_tiers_and_urgency_flips_at_the_minute(client, bindings, people, clock):
    a = people.office_a
    ids = {}
    for name in ("irrelevant", "converted", "future", "fresh_old", "overdue", "fresh_new"):
        ids[name] = await make_lead(bindings, a, name=name)
        clock.advance(minutes=1)
    await set_status(bindings.db, ids["irrelevant"], "irrelevant")
    await set_status(bindings.db, ids["converted"], "converted")
    await set_status(bindings.db, ids["future"], "needs_follow_up", "2026-11-22T16:00:00.000Z")
    await set_status(bindings.db, ids["overdue"], "consultation_call", "2026-11-22T15:01:00.000Z")
    await sign_in(client, bindings, people.admin)
    items = (await client.get("/api/leads")).json()["items"]
    assert [i["name"] for i in items] == ["overdue", "fresh_new", "fresh_old", "future", "converted", "irrelevant"]
    assert [i["urgency"] for i in items] == ["high", "high", "high", "medium", "low", "low"]
    clock.set("2026-11-22T15:59:59.000Z")
    client.cookies.clear()
    await sign_in(client, bindings, people.admin)  # the jump outlived the idle timeout
    assert (await client.get(f"/api/leads/{ids['future']}")).json()["urgency"] == "medium"
    clock.set("2026-11-22T16:00:00.000Z")  # the callback minute: now due
    assert (await client.get(f"/api/leads/{ids['future']}")).json()["urgency"] == "high"
    items = (await client.get("/api/leads")).json()["items"]
    assert [i["name"] for i in items][:2] == ["overdue", "future"]  # both overdue now: newest first


async def test_filters_and_search(client, bindings, people):
    a, b = people.office_a, people.office_b
    await make_lead(bindings, a, name="Ana Garage", phone="3054172290", source="yelp", email="ana@example.com")
    await make_lead(bindings, b, name="Bo Sliding", phone="7864301187", source="angi", zip="33145")
    await make_lead(bindings, a, name="Cy Garage", phone="9547021836", source="yelp", campaign="Winter Promo")
    await sign_in(client, bindings, people.owner)

    async def names(**params):
        r = await client.get("/api/leads", params=params)
        assert r.status_code == 200, r.text
        return sorted(i["name"] for i in r.json()["items"])

    assert await names(source="yelp") == ["Ana Garage", "Cy Garage"]
    assert await names(office=b.id) == ["Bo Sliding"]
    assert await names(source=["yelp", "angi"]) == ["Ana Garage", "Bo Sliding", "Cy Garage"]
    assert await names(q="417-2290") == ["Ana Garage"]  # phone digits, any format
    assert await names(q="winter") == ["Cy Garage"]
    assert await names(q="33145") == ["Bo Sliding"]
    assert await names(q="ana@") == ["Ana Garage"]
    assert await names(urgency="low") == []
    assert await names(status="fresh", preset="48h") == ["Ana Garage", "Bo Sliding", "Cy Garage"]
    assert (await client.get("/api/leads", params={"status": "bogus"})).status_code == 422
    assert (await client.get("/api/leads", params={"since": "2026-99-01"})).status_code == 422


async def test_paging_counts_like_the_seed(client, bindings, people, clock):
    for i in range(27):
        await make_lead(bindings, people.office_a, name=f"Lead {i:02d}")
        clock.advance(seconds=10)
    await sign_in(client, bindings, people.agent)
    first = (await client.get("/api/leads")).json()
    assert first["total"] == 27 and len(first["items"]) == 25 and first["items"][0]["name"] == "Lead 26"
    second = (await client.get("/api/leads", params={"page": 2})).json()
    assert [i["name"] for i in second["items"]] == ["Lead 01", "Lead 00"]
    page = await client.get("/leads", params={"page": 2})
    assert "26–27 of 27 leads" in page.text and "Previous" in page.text


async def test_office_scope_and_partner_scope(client, bindings, people):
    garage = await make_lead(bindings, people.office_a, name="Garage lead")
    tagged = await make_lead(bindings, people.office_a, name="GDQ lead", partner="GDQ")
    await make_lead(bindings, people.office_b, name="Sliding lead")
    await sign_in(client, bindings, people.agent_b)
    assert [i["name"] for i in (await client.get("/api/leads")).json()["items"]] == ["Sliding lead"]
    other = await client.get(f"/api/leads/{garage}")
    missing = await client.get("/api/leads/L-99999")
    assert other.status_code == missing.status_code == 404 and other.json() == missing.json()
    assert (await client.get(f"/leads/{garage}")).status_code == 404
    client.cookies.clear()
    await sign_in(client, bindings, people.partner)
    assert [i["name"] for i in (await client.get("/api/leads")).json()["items"]] == ["GDQ lead"]
    assert (await client.get(f"/api/leads/{tagged}")).status_code == 200


async def test_a_fresh_leads_phone_is_hidden_until_you_claim_it(client, bindings, people, database):
    display = await make_lead(bindings, people.office_a, name="Hidden", phone="3054172290")
    await sign_in(client, bindings, people.agent)
    item = (await client.get(f"/api/leads/{display}")).json()
    assert item["phone"].startswith("+1305") and "4172290" not in item["phone"]
    await database.run("UPDATE leads SET claimed_by = ? WHERE display_id = ?", people.agent.id, display)
    assert (await client.get(f"/api/leads/{display}")).json()["phone"] == "+13054172290"
    await database.run("UPDATE leads SET status = 'needs_follow_up' WHERE display_id = ?", display)
    client.cookies.clear()
    await sign_in(client, bindings, people.admin)  # once it leaves Fresh, everyone sees it
    assert (await client.get(f"/api/leads/{display}")).json()["phone"] == "+13054172290"


async def test_the_queue_page_and_record_render_escaped(client, bindings, people):
    display = await make_lead(bindings, people.office_a, name="<b>Bold</b> Lou", message="<script>x</script>")
    await sign_in(client, bindings, people.viewer)
    page = await client.get("/leads")
    assert page.status_code == 200 and "&lt;b&gt;Bold&lt;/b&gt; Lou" in page.text and "<b>Bold</b>" not in page.text
    record = await client.get(f"/leads/{display}")
    assert record.status_code == 200 and "&lt;script&gt;x&lt;/script&gt;" in record.text
    assert "Lead received from Website" in record.text


async def test_the_change_marker_moves_when_a_lead_arrives(client, bindings, people):
    await sign_in(client, bindings, people.agent)
    before = (await client.get("/api/leads/changes")).json()["marker"]
    await make_lead(bindings, people.office_a, name="New one")
    after = (await client.get("/api/leads/changes")).json()["marker"]
    assert before != after


async def test_counts_stop_at_the_cap_and_say_so(client, bindings, people):
    from leads import queue as leads

    for i in range(7):
        await make_lead(bindings, people.office_a, name=f"Many {i}")
    capped = await leads.queue(bindings.db, people.owner, leads.Query(per_page=2, count_cap=5), bindings.clock.now())
    assert len(capped.rows) == 2 and capped.total == 5 and capped.capped  # "5+": counted to the cap and past it
    exact = await leads.queue(bindings.db, people.owner, leads.Query(count_cap=50), bindings.clock.now())
    assert exact.total == 7 and not exact.capped
    await sign_in(client, bindings, people.owner)
    body = (await client.get("/api/leads")).json()
    assert body["total"] == 7 and body["total_capped"] is False


async def test_search_finds_substrings_words_numbers_and_follows_edits(client, bindings, people, database):
    a = people.office_a
    ana = await make_lead(bindings, a, name="Ana María Ortiz", phone="3054172290", email="ana.ortiz@example.com")
    await make_lead(bindings, a, name="Bob Smith", phone="7864301187", campaign="Spring Doors")
    await sign_in(client, bindings, people.owner)

    async def search(term):
        r = await client.get("/api/leads", params={"q": term})
        assert r.status_code == 200, r.text
        return r.json()

    async def names(term):
        return sorted(i["name"] for i in (await search(term))["items"])

    assert await names("ortiz ana") == ["Ana María Ortiz"]  # every word, any order
    assert await names("MARÍA") == ["Ana María Ortiz"]  # case-insensitive, accents kept
    assert await names("(305) 417-22") == ["Ana María Ortiz"]  # a phone typed with punctuation
    assert await names("+1 786 430") == ["Bob Smith"]  # the country code is not part of the digits
    assert await names("ring door") == ["Bob Smith"]  # inside words of the campaign
    assert await names(ana.lower()) == ["Ana María Ortiz"]  # a lead number, exactly
    assert await names("zzz-nothing") == []
    short = await search("an")
    assert short["items"] == [] and short["search_too_short"] is True
    # The index follows edits and deletes (triggers on leads).
    await database.run("UPDATE leads SET name = 'Anabel Quist' WHERE display_id = ?", ana)
    assert await names("ortiz ana") == ["Anabel Quist"]  # still matched by the e-mail
    assert await names("quist") == ["Anabel Quist"]
    assert await names("maría") == []
    await database.run("DELETE FROM leads WHERE display_id = ?", ana)
    assert await names("quist") == []


async def test_search_looks_at_the_newest_matches_and_says_so(client, bindings, people, monkeypatch):
    from leads import queue as leads

    monkeypatch.setattr(leads, "SEARCH_CAP", 3)
    for i in range(5):
        await make_lead(bindings, people.office_a, name=f"Harper {i}")
    await sign_in(client, bindings, people.owner)
    body = (await client.get("/api/leads", params={"q": "harper"})).json()
    assert sorted(i["name"] for i in body["items"]) == ["Harper 2", "Harper 3", "Harper 4"]
    assert body["total"] == 3 and body["search_limited"] is True
    page = await client.get("/leads", params={"q": "harper"})
    assert "covers the newest 3 of them" in page.text


async def test_large_results_take_the_per_tier_path_with_the_same_order(client, bindings, people, clock, monkeypatch):
    """Above leads._SMALL matches the page is merged from one read per tier; it must equal the sorted read."""
    from leads import queue as leads

    a = people.office_a
    made = []
    statuses = [
        ("irrelevant", None),
        ("converted", None),
        ("needs_follow_up", "2026-11-23T10:00:00.000Z"),  # future callback
        ("consultation_call", "2026-11-22T09:00:00.000Z"),  # overdue
        ("fresh", None),
        ("not_yet_scheduled", None),
        ("fresh", "2026-11-22T08:00:00.000Z"),  # fresh with an overdue callback
    ]
    for n in range(21):
        status, next_contact = statuses[n % len(statuses)]
        lead = await make_lead(bindings, a, name=f"P{n:02d}", source="yelp" if n % 2 else "angi")
        await set_status(bindings.db, lead, status, next_contact)
        made.append(lead)
        clock.advance(minutes=1)
    now = clock.now()
    cases = [
        leads.Query(per_page=100),
        leads.Query(per_page=4, page=2),
        leads.Query(sources=["yelp"], per_page=100),
        leads.Query(urgencies=["high"], per_page=100),
        leads.Query(urgencies=["medium", "low"], per_page=100),
        leads.Query(statuses=["fresh", "converted"], per_page=100),
        leads.Query(offices=[a.id], per_page=5, page=3),
    ]
    for user in (people.owner, people.agent):
        for query in cases:
            monkeypatch.setattr(leads, "_SMALL", 10_000)
            sorted_read = await leads.queue(bindings.db, user, query, now)
            monkeypatch.setattr(leads, "_SMALL", 1)
            merged = await leads.queue(bindings.db, user, query, now)
            assert [r["display_id"] for r in merged.rows] == [r["display_id"] for r in sorted_read.rows], query
            assert merged.total == sorted_read.total
            monkeypatch.setattr(leads, "_PROBE", 1)  # every range "past the cap": the sampled tie-break decides
            sampled = await leads.queue(bindings.db, user, query, now)
            monkeypatch.setattr(leads, "_PROBE", 10_000)
            assert [r["display_id"] for r in sampled.rows] == [r["display_id"] for r in sorted_read.rows], query
            assert sampled.total == sorted_read.total
    everything = await leads.queue(bindings.db, people.owner, leads.Query(per_page=100), now)
    tiers = [leads.urgency(r["status"], r["next_contact_at"], now) for r in everything.rows]
    assert tiers == sorted(tiers, key=["high", "medium", "low"].index) and len(everything.rows) == 21


async def test_the_archive_lists_the_most_recently_archived_first(client, bindings, people, clock, database):
    first = await make_lead(bindings, people.office_a, name="Archived first")
    second = await make_lead(bindings, people.office_a, name="Archived second")
    await database.run("UPDATE leads SET archived_at = '2026-11-22T16:00:00.000Z' WHERE display_id = ?", second)
    await database.run("UPDATE leads SET archived_at = '2026-11-22T17:00:00.000Z' WHERE display_id = ?", first)
    await sign_in(client, bindings, people.admin)
    items = (await client.get("/api/leads", params={"archived": "true"})).json()["items"]
    assert [i["name"] for i in items] == ["Archived first", "Archived second"]
    assert (await client.get("/api/leads")).json()["items"] == []

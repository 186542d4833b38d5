"""The leads queue: sort tiers, live urgency, filters, search, paging, and who sees what."""

from __future__ import annotations

import intake
import lead_sources
from intake import Delivery
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
    import leads

    for i in range(7):
        await make_lead(bindings, people.office_a, name=f"Many {i}")
    rows, total = await leads.queue(
        bindings.db, people.owner, leads.Query(per_page=2, count_cap=5), bindings.clock.now()
    )
    assert len(rows) == 2 and total == 6  # counted to cap + 1: "more than 5"
    exact = await leads.queue(bindings.db, people.owner, leads.Query(count_cap=50), bindings.clock.now())
    assert exact[1] == 7
    await sign_in(client, bindings, people.owner)
    body = (await client.get("/api/leads")).json()
    assert body["total"] == 7 and body["total_capped"] is False

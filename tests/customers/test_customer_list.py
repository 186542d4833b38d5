"""The clients list (`/clients`, `GET /api/customers`): order, paging, every filter and search field,
office scope, partners, archived customers, bad input; and the customer_tags verbs it filters on."""

from __future__ import annotations

import pytest

from core import errors
from customers import listing as customer_list
from customers import tags as customer_tags
from tests.conftest import sign_in
from tests.customers_support import make_customer


async def names(client, **params) -> list[str]:
    r = await client.get("/api/customers", params=params)
    assert r.status_code == 200, r.text
    return [i["name"] for i in r.json()["items"]]


async def test_it_lists_a_to_z_25_a_page_with_the_range(client, bindings, people):
    for n in range(30):
        await make_customer(bindings, people.office_a, f"Client {n:02d}")
    await make_customer(bindings, people.office_a, "aaron lower-case")  # sorted without regard to case
    await sign_in(client, bindings, people.owner)
    body = (await client.get("/api/customers")).json()
    assert body["total"] == 31 and body["page"] == 1 and body["per_page"] == 25 and not body["total_capped"]
    assert [i["name"] for i in body["items"]][:3] == ["aaron lower-case", "Client 00", "Client 01"]
    assert len(body["items"]) == 25
    second = (await client.get("/api/customers", params={"page": 2})).json()
    assert [i["name"] for i in second["items"]] == [f"Client {n:02d}" for n in range(24, 30)]
    page = (await client.get("/clients")).text
    assert "1–25 of 31 clients" in page and 'href="/clients/C-1001"' in page and ">Next<" in page
    page2 = (await client.get("/clients", params={"page": 2})).text
    assert "26–31 of 31 clients" in page2 and ">Next<" not in page2
    newest = (await client.get("/api/customers", params={"sort": "newest"})).json()["items"]
    assert newest[0]["name"] == "aaron lower-case"


async def test_the_total_is_capped(client, bindings, people):
    for n in range(4):
        await make_customer(bindings, people.office_a, f"C{n}")
    result = await customer_list.customer_page(bindings.db, people.owner, customer_list.Query(count_cap=3, per_page=2))
    assert (result.total, result.capped, len(result.rows)) == (3, True, 2)


async def test_each_filter(client, bindings, people):
    a, b = people.office_a, people.office_b
    ana = await make_customer(bindings, a, "Ana Active", source="yelp", quickbooks_id="501")
    await make_customer(bindings, a, "Dan Dormant", status="dormant", source="angi")
    bo = await make_customer(bindings, b, "Bo Sliding", source="yelp")
    await make_customer(bindings, a, "Zed Archived", archived=True)
    await customer_tags.add_tag(bindings.db, bindings.clock.now(), people.owner, ana, "VIP")
    await customer_tags.add_tag(bindings.db, bindings.clock.now(), people.owner, bo, "warranty")
    await sign_in(client, bindings, people.owner)
    assert await names(client) == ["Ana Active", "Bo Sliding", "Dan Dormant"]  # archived hidden
    assert await names(client, office=b.id) == ["Bo Sliding"]
    assert await names(client, office=[a.id, b.id]) == ["Ana Active", "Bo Sliding", "Dan Dormant"]
    assert await names(client, status="dormant") == ["Dan Dormant"]
    assert await names(client, status=["active", "dormant"]) == ["Ana Active", "Bo Sliding", "Dan Dormant"]
    assert await names(client, tag="vip") == ["Ana Active"]  # tagged "VIP": filters ignore case
    assert await names(client, tag="VIP") == ["Ana Active"]
    assert await names(client, tag=["vip", "warranty"]) == ["Ana Active", "Bo Sliding"]
    assert await names(client, tag="nobody-has-this") == []
    assert await names(client, source="yelp") == ["Ana Active", "Bo Sliding"]
    assert await names(client, source="yelp", office=a.id, tag="vip") == ["Ana Active"]
    assert await names(client, unmatched="true") == ["Bo Sliding", "Dan Dormant"]
    assert await names(client, open_tickets="true") == []  # nobody has a ticket yet (issue 24 tests the rest)
    assert await names(client, archived="true") == ["Zed Archived"]
    items = (await client.get("/api/customers", params={"tag": "vip"})).json()["items"]
    assert items[0]["tags"] == ["VIP"] and items[0]["quickbooks_customer_id"] == "501" and items[0]["id"] == "C-1001"
    page = (await client.get("/clients", params={"open_tickets": "true"})).text
    assert "No clients match these filters" in page


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("garcia", ["Maria Garcia"]),  # name, any case
        ("Acme Door", ["Acme Doors LLC"]),  # company
        ("(305) 794-22", ["Maria Garcia"]),  # phone digits, typed formatted
        ("+1 786 430", ["Acme Doors LLC"]),  # a contact's phone, with the country code
        ("maria@exam", ["Maria Garcia"]),  # email
        ("billing@acme", ["Acme Doors LLC"]),  # a second contact's email
        ("Pedro", ["Acme Doors LLC"]),  # a second contact's name
        ("Palm Way", ["Maria Garcia"]),  # address
        ("33145", ["Acme Doors LLC"]),  # ZIP
        ("commercial", ["Acme Doors LLC"]),  # a tag
        ("C-1001", ["Maria Garcia"]),  # display id
        ("c1002", ["Acme Doors LLC"]),
        ("QB-7781", ["Acme Doors LLC"]),  # a QuickBooks id, as text
        ("7781", ["Acme Doors LLC"]),
        ("42", ["Maria Garcia"]),  # a short QuickBooks id is matched exactly
        ("garcia palm", ["Maria Garcia"]),  # every word must match
        ("nobody", []),
    ],
)
async def test_search_finds_every_field(client, bindings, people, term, expected):
    maria = await make_customer(
        bindings, people.office_a, "Maria Garcia", phone="3057942213", email="maria@example.com",
        address="12 Palm Way", quickbooks_id="42",
    )  # fmt: skip
    acme = await make_customer(
        bindings, people.office_a, "Acme Doors LLC", kind="company", company="Acme Doors LLC", zip="33145",
        quickbooks_id="QB-7781", contacts=(("Pedro Paz", "billing@acme.test", "7864301187"),),
    )  # fmt: skip
    await customer_tags.add_tag(bindings.db, bindings.clock.now(), people.owner, acme, "commercial")
    assert maria["display_id"] == "C-1001"
    await sign_in(client, bindings, people.owner)
    assert await names(client, q=term) == expected


async def test_search_follows_edits_and_says_when_too_short(client, bindings, people):
    row = await make_customer(bindings, people.office_a, "Old Name")
    await bindings.db.run("UPDATE customers SET name = 'Fresh Name' WHERE id = ?", row["id"])
    await bindings.db.run("UPDATE customer_contacts SET name = 'Fresh Name' WHERE customer_id = ?", row["id"])
    await sign_in(client, bindings, people.owner)
    assert await names(client, q="old name") == []
    assert await names(client, q="fresh") == ["Fresh Name"]
    body = (await client.get("/api/customers", params={"q": "ab"})).json()
    assert body["items"] == [] and body["search_too_short"] is True
    page = (await client.get("/clients", params={"q": "ab"})).text
    assert "Type at least 3 characters" in page
    await customer_tags.remove_tag(bindings.db, bindings.clock.now(), people.owner, row, "none")  # no-op is fine
    await bindings.db.run("DELETE FROM customers WHERE id = ?", row["id"])
    assert await names(client, q="fresh") == []


async def test_search_respects_scope_and_filters(client, bindings, people):
    await make_customer(bindings, people.office_a, "Garcia Garage")
    await make_customer(bindings, people.office_b, "Garcia Sliding")
    await make_customer(bindings, people.office_a, "Garcia Gone", archived=True)
    await sign_in(client, bindings, people.agent_b)
    assert await names(client, q="garcia") == ["Garcia Sliding"]
    client.cookies.clear()
    await sign_in(client, bindings, people.owner)
    assert await names(client, q="garcia", office=people.office_a.id) == ["Garcia Garage"]
    assert await names(client, q="garcia", archived="true") == ["Garcia Gone"]


async def test_agents_see_their_offices_only(client, bindings, people):
    await make_customer(bindings, people.office_a, "Ana Garage")
    await make_customer(bindings, people.office_b, "Bo Sliding")
    await sign_in(client, bindings, people.agent)
    assert await names(client) == ["Ana Garage"]
    assert await names(client, office=people.office_b.id) == []  # asking for another office gives nothing
    page = (await client.get("/clients")).text
    assert "Bo Sliding" not in page and "1–1 of 1 clients" in page
    client.cookies.clear()
    await sign_in(client, bindings, people.viewer)  # read-only roles read the list too
    assert await names(client) == ["Ana Garage"]


async def test_partners_see_no_customers(client, bindings, people):
    await make_customer(bindings, people.office_a, "Ana Garage")
    await sign_in(client, bindings, people.partner)
    assert (await client.get("/clients")).status_code == 403
    assert (await client.get("/api/customers")).status_code == 403
    result = await customer_list.customer_page(bindings.db, people.partner, customer_list.Query())
    assert result.rows == [] and result.total == 0


async def test_empty_states(client, bindings, people):
    await sign_in(client, bindings, people.agent)
    page = (await client.get("/clients")).text
    assert "No clients yet" in page and "0 clients" in page
    assert "No archived clients" in (await client.get("/clients", params={"archived": "1"})).text
    await make_customer(bindings, people.office_a, "Ana Garage")
    assert "No clients match these filters" in (await client.get("/clients", params={"q": "zzzz"})).text


@pytest.mark.parametrize(
    "params",
    [
        {"status": "gone"},
        {"sort": "random"},
        {"page": "0"},
        {"per_page": "500"},
        {"q": "x" * 61},
        {"office": "not-a-number"},
        {"tag": "x" * 41},
        {"unmatched": "maybe"},
    ],
)
async def test_bad_input_is_refused(client, bindings, people, params):
    await sign_in(client, bindings, people.owner)
    assert (await client.get("/api/customers", params=params)).status_code == 422
    assert (await client.get("/clients", params=params)).status_code == 422


# --- customer_tags ------------------------------------------------------------------------------


async def test_tags_are_normalized_recorded_and_limited(bindings, people, database):
    row = await make_customer(bindings, people.office_a, "Tagged")
    now = bindings.clock.now()
    assert await customer_tags.add_tag(database, now, people.agent, row, "  Gate   Code ")
    assert not await customer_tags.add_tag(database, now, people.agent, row, "gate code")  # already there
    assert await customer_tags.tags_of(database, row["id"]) == ["Gate Code"]
    entries = await database.all("SELECT body FROM timeline_entries WHERE subject_type = 'customer'")
    assert [e["body"] for e in entries] == ["Tagged “Gate Code”"]
    audits = await database.all("SELECT action FROM audit_log WHERE action LIKE 'customer.tag%'")
    assert [a["action"] for a in audits] == ["customer.tag_added"]
    for bad in ("", "   ", "x" * 41, "<script>"):
        with pytest.raises(errors.Invalid):
            await customer_tags.add_tag(database, now, people.agent, row, bad)
    for n in range(customer_tags.MAX_PER_CUSTOMER - 1):
        await customer_tags.add_tag(database, now, people.agent, row, f"t{n:02d}")
    with pytest.raises(errors.Invalid, match="at most"):
        await customer_tags.add_tag(database, now, people.agent, row, "one too many")
    assert await customer_tags.remove_tag(database, now, people.agent, row, "GATE CODE")
    assert not await customer_tags.remove_tag(database, now, people.agent, row, "gate code")
    audits = await database.all("SELECT action FROM audit_log WHERE action = 'customer.tag_removed'")
    assert len(audits) == 1
    assert "Gate Code" not in await customer_tags.tags_of(database, row["id"])
    vocabulary = await customer_tags.vocabulary(database)
    assert vocabulary[:2] == ["t00", "t01"] and len(vocabulary) == customer_tags.MAX_PER_CUSTOMER - 1
    by_customer = await customer_tags.tags_for(database, [row["id"], 999])
    assert list(by_customer) == [row["id"]]

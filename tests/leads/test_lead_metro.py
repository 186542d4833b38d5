"""The Metro column (seed 002 "Leads dashboard"): a metro from the ZIP's three-digit prefix, at read time."""

from __future__ import annotations

import pytest

from core import geo
from tests.conftest import sign_in
from tests.leads.test_leads_queue import make_lead


@pytest.mark.parametrize(
    ("zip_code", "metro"),
    [
        ("10001", "New York, NY"),
        ("07030", "New York, NY"),  # Hoboken: the New Jersey side of the metro
        ("30309", "Atlanta, GA"),
        ("90012", "Los Angeles, CA"),
        ("92618", "Los Angeles, CA"),  # Irvine, Orange County
        ("33145", "Miami, FL"),
        ("60614-1234", "Chicago, IL"),  # ZIP+4
        ("46402", "Chicago, IL"),  # Gary, Indiana
        ("75201", "Dallas–Fort Worth, TX"),
        ("98101", "Seattle, WA"),
        ("20001", "Washington, DC"),
        ("22201", "Washington, DC"),  # Arlington, Virginia
        ("59801", None),  # Missoula: no major metro
        ("", None),
        ("123", None),
        ("ABCDE", None),
    ],
)
def test_it_names_the_metro_of_a_zip_prefix(zip_code, metro):
    assert geo.metro_for_zip(zip_code) == metro


def test_the_table_covers_the_major_metros_without_overlap():
    assert len(geo._METROS) > 300  # prefixes; _metro_table refuses a prefix listed under two metros
    for metro in ("Boston, MA", "Philadelphia, PA", "Houston, TX", "Phoenix, AZ", "Denver, CO", "Detroit, MI"):
        assert metro in geo._METRO_PREFIXES


async def test_the_queue_and_the_record_show_it(client, bindings, people):
    atlanta = await make_lead(bindings, people.office_a, name="Peach", zip="30309")
    await make_lead(bindings, people.office_a, name="Nowhere", zip="59801")
    await sign_in(client, bindings, people.agent)
    items = {i["name"]: i["metro"] for i in (await client.get("/api/leads")).json()["items"]}
    assert items == {"Peach": "Atlanta, GA", "Nowhere": None}
    page = await client.get("/leads")
    assert '<th class="hide-phone">Metro</th>' in page.text
    assert ">Atlanta, GA</td>" in page.text and 'metro-cell">—</td>' in page.text
    record = await client.get(f"/leads/{atlanta}")
    assert '<dd class="metro">Atlanta, GA</dd>' in record.text
    assert (await client.get(f"/api/leads/{atlanta}")).json()["metro"] == "Atlanta, GA"
    # computed when read: a corrected ZIP moves the lead at once
    await bindings.db.run("UPDATE leads SET zip = '98101' WHERE display_id = ?", atlanta)
    assert (await client.get(f"/api/leads/{atlanta}")).json()["metro"] == "Seattle, WA"

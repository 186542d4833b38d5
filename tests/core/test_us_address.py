"""The ZIP and state read from the end of a one-line US address, and what they do for a lead: its
ZIP, metro, state and calling hours (issue 16 #13: "12 Elm St, Brooklyn NY 11201" left them empty)."""

from __future__ import annotations

import pytest

from core import us_address
from leads import intake
from tests.conftest import TEST_ENV, sign_in_api
from tests.leads.test_leads_queue import make_lead

SECRET = {"x-webhook-secret": TEST_ENV["WEBHOOK_SECRET"]}


@pytest.mark.parametrize(
    ("address", "zip_code", "state"),
    [
        ("12 Elm St, Brooklyn NY 11201", "11201", "NY"),
        ("12 Elm St, Brooklyn, NY 11201", "11201", "NY"),
        ("12 Elm St Brooklyn NY 11201-1234", "11201", "NY"),
        ("12 Elm St, Brooklyn, NY, 11201", "11201", "NY"),
        ("12 Elm St, Brooklyn, New York 11201, USA", "11201", "NY"),
        ("1 Main St, Springfield, IL 62701 United States of America", "62701", "IL"),
        ("12 Palm Way, Miami, fl. 33139", "33139", "FL"),
        ("4 Oak Rd, Portland, OR 97201", "97201", "OR"),  # a code that is also a word
        ("9 Surf Rd, Honolulu, Hawaii 96815", "96815", "HI"),
        ("3 Pine St, Boston MA 02108", "02108", "MA"),  # a leading zero kept
        ("PO Box 5, Miami FL 33101", "33101", "FL"),
        ("12 Elm St, 11201", "11201", "NY"),  # a ZIP after a comma, no state: the ZIP places it
        ("12 Elm St, Brooklyn NY", None, "NY"),  # a state, no ZIP
        ("12 Elm St, Brooklyn, new york", None, "NY"),
        ("12345 Main St", None, None),  # a house number is no ZIP
        ("12 Elm St, Apt 4B 11201", None, None),  # "4B" is no state, and the number follows no comma
        ("12 Elm St, Brooklyn ZZ 11201", None, None),
        ("12 Elm St, Brooklyn", None, None),
        ("221B Baker Street, London NW1 6XE", None, None),
        ("", None, None),
    ],
)
def test_the_tail_of_an_address(address, zip_code, state):
    assert us_address.tail(address) == us_address.Tail(zip_code, state)


def test_the_zip_field_wins_over_the_address():
    fields = intake.parse({"name": "Z", "zip": "33139", "address": "12 Elm St, Brooklyn NY 11201"})
    assert fields.zip == "33139"


async def test_a_webhook_address_gives_the_lead_its_zip_metro_and_state(client, bindings, people, clock):
    r = await client.post(
        "/webhook/leads",
        json={
            "name": "Ella Elm",
            "phone": "3055550123",
            "address": "12 Elm St, Brooklyn NY 11201",
            "office": "Sliding",
        },
        headers=SECRET,
    )
    display = r.json()["lead_id"]
    await sign_in_api(client, bindings, people.owner)
    lead = (await client.get(f"/api/leads/{display}")).json()
    assert (lead["zip"], lead["metro"]) == ("11201", "New York, NY")
    # 22:00 in Brooklyn, 19:00 at the Sliding office in Los Angeles: the lead's state decides
    clock.set("2026-11-23T03:00:00.000Z")
    await sign_in_api(client, bindings, people.owner)
    page = (await client.get(f"/leads/{display}")).text
    assert "Outside calling hours: it is 10:00 PM Sun EST for this lead (NY, New York time)." in page


async def test_a_state_without_a_zip_still_sets_the_calling_hours(client, bindings, people, clock):
    display = await make_lead(bindings, people.office_b, name="No Zip", address="12 Elm St, Brooklyn NY")
    clock.set("2026-11-23T03:00:00.000Z")
    await sign_in_api(client, bindings, people.owner)
    page = (await client.get(f"/leads/{display}")).text
    assert "(NY, New York time)" in page


async def test_an_address_from_any_intake_gives_the_lead_its_zip(bindings, people):
    display = await make_lead(bindings, people.office_a, name="Any intake", address="4 Oak Rd, Portland, OR 97201")
    row = await bindings.db.first("SELECT zip FROM leads WHERE display_id = ?", display)
    assert row["zip"] == "97201"


async def test_a_typed_address_fills_an_empty_zip_and_leaves_a_given_one(client, bindings, people):
    display = await make_lead(bindings, people.office_a, name="Typed")
    await sign_in_api(client, bindings, people.agent)
    r = await client.patch(f"/api/leads/{display}", json={"address": "3 Pine St, Boston MA 02108"})
    assert (r.json()["zip"], r.json()["metro"]) == ("02108", "Boston, MA")
    r = await client.patch(f"/api/leads/{display}", json={"address": "12 Elm St, Brooklyn NY 11201"})
    assert r.json()["zip"] == "02108"  # a ZIP already there is the staff's to change
    r = await client.patch(f"/api/leads/{display}", json={"address": "12 Elm St, Brooklyn NY 11201", "zip": "33139"})
    assert r.json()["zip"] == "33139"

"""The geocoder binding: the bundled ZIP table offline, the Census Bureau provider through `outbound`
against the fake server, and a failed lookup as a 422 on the field (never a 5xx)."""

from __future__ import annotations

import pytest

from core import geocoding
from core.geocoding import CensusGeocoder, OfflineGeocoder, miles_between
from tests.conftest import sign_in_api
from tests.fakes.census_geocoder import FakeCensusGeocoder


@pytest.fixture
def census():
    fake = FakeCensusGeocoder().start()
    yield fake
    fake.stop()


async def test_offline_resolves_a_zip_to_city_state_centroid_and_zone():
    place = await OfflineGeocoder().zip("33010")
    assert place is not None
    assert (place.city, place.state, place.time_zone) == ("Hialeah", "FL", "America/New_York")
    assert 25.7 < place.lat < 25.9 and -80.4 < place.lng < -80.2
    assert (await OfflineGeocoder().zip("85001")).time_zone == "America/Phoenix"


@pytest.mark.parametrize("bad", ["", "1234", "123456", "abcde", "00000", "99999", "１２３４５"])
async def test_offline_answers_none_for_what_is_no_known_zip(bad):
    assert await OfflineGeocoder().zip(bad) is None


async def test_offline_places_an_address_by_the_zip_it_ends_with():
    place = await OfflineGeocoder().address("100 Main St, Springfield, IL 62701")
    assert place is not None and place.state == "IL" and place.zip == "62701"
    assert await OfflineGeocoder().address("100 Main St, Springfield") is None


def test_great_circle_distance_is_in_miles():
    # Miami city hall to Fort Lauderdale city hall: about 25 miles.
    assert 22 < miles_between(25.7276, -80.2341, 26.1217, -80.1439) < 29
    assert miles_between(40.0, -75.0, 40.0, -75.0) == 0


async def test_census_provider_speaks_the_census_protocol(census):
    geocoder = CensusGeocoder(census.url)
    place = await geocoder.address("1600 Pennsylvania Ave NW, Washington, DC 20500")
    assert place is not None
    assert (place.zip, place.state, place.city) == ("20500", "DC", "Washington")
    assert (place.lat, place.lng) == (38.898754, -77.03535)
    assert place.time_zone == "America/New_York"
    assert place.matched_address.startswith("1600 PENNSYLVANIA AVE NW")
    sent = census.requests[-1]
    assert sent["path"] == "/geocoder/locations/onelineaddress"
    assert sent["query"]["benchmark"] == ["Public_AR_Current"] and sent["query"]["format"] == ["json"]


async def test_census_no_match_and_outage_are_not_found(census):
    geocoder = CensusGeocoder(census.url)
    assert await geocoder.address("1 Nowhere Rd, Atlantis, ZZ 00000") is None
    census.fail_with = 502
    assert await geocoder.address("1600 Pennsylvania Ave NW, Washington, DC 20500") is None


async def test_census_provider_answers_zips_offline(census):
    place = await CensusGeocoder(census.url).zip("10001")
    assert place is not None and place.state == "NY"
    assert census.requests == []


def test_the_setting_chooses_the_provider():
    assert isinstance(geocoding.from_setting(""), OfflineGeocoder)
    chosen = geocoding.from_setting("census", "http://127.0.0.1:9")
    assert isinstance(chosen, CensusGeocoder) and chosen.base_url == "http://127.0.0.1:9"


async def test_a_failed_lookup_is_a_422_on_the_field(client, bindings, people):
    await sign_in_api(client, bindings, people.viewer)
    for bad in ("1234", "99999", "abcde"):
        response = await client.get("/api/service-areas/lookup", params={"zip": bad})
        assert response.status_code == 422, bad
        assert "zip" in response.json()["fields"]
    ok = await client.get("/api/service-areas/lookup", params={"zip": "33010"})
    assert ok.status_code == 200 and ok.json()["city"] == "Hialeah"


async def test_a_street_address_through_the_census_provider_or_a_422_when_it_is_down(client, bindings, people, census):
    """The HTTP provider behind the binding: a technician's home base gets the street's own point; when
    the service fails the request is a 422 on the field, never a 5xx, and nothing is stored."""
    bindings.geocoder = CensusGeocoder(census.url)
    await sign_in_api(client, bindings, people.owner)
    kind = (await client.post("/api/job-types", json={"label": "Garage Door"})).json()["id"]
    body = {
        "name": "Tech",
        "kind": "technician",
        "job_type_ids": [kind],
        "home_address": "3401 N Miami Ave, Miami, FL 33127",
    }
    made = await client.post("/api/contractors", json=body)
    assert made.status_code == 201, made.text
    assert (made.json()["home_base"]["lat"], made.json()["home_base"]["lng"]) == (25.80966, -80.19571)
    census.fail_with = 503
    down = await client.post("/api/contractors", json=body | {"name": "Tech 2"})
    assert down.status_code == 422 and "home_address" in down.json()["fields"]
    assert (await client.get("/api/contractors")).json()["total"] == 1

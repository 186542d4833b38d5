"""The demo network: believable, deterministic, idempotent, and matching works on it."""

from __future__ import annotations

from network import matching
from ops import demo_network


async def test_the_demo_network_seeds_once_and_matches(bindings, clock):
    assert await demo_network.seed_network(bindings, clock.now()) == len(demo_network.CONTRACTORS)
    assert await demo_network.seed_network(bindings, clock.now()) == 0
    db = bindings.db
    brooklyn = await db.first("SELECT id, lat, lng FROM service_areas WHERE label = 'Brooklyn'")
    repair = await db.first("SELECT id FROM job_types WHERE label = 'Garage Door Repair'")
    found = await matching.eligible(db, job_type_id=repair["id"], area_id=brooklyn["id"], point=(40.70, -73.99))
    names = [c["name"] for c in found]
    assert names[:2] == ["Jordan Ellis", "Five Boroughs Garage Doors"]  # the zone's order first
    assert "Hudson Door & Gate" in names
    tech = await db.first("SELECT home_zip, home_lat FROM contractors WHERE name = 'Jordan Ellis'")
    assert tech["home_zip"] == "11201" and tech["home_lat"] is not None
    joliet = await db.first(
        "SELECT count(*) AS n FROM contractor_areas ca JOIN service_areas a ON a.id = ca.area_id"
        " WHERE a.label = 'Joliet'"
    )
    assert joliet["n"] == 0  # an uncovered area, red on the coverage map

"""The demo's tracking-source routes (issue 17): added through the verb, once, and they route."""

from __future__ import annotations

from ops import demo_tracking
from tests.conftest import sign_in_api
from tests.leads.test_intake import SECRET, lead


async def test_the_demo_routes_tracking_labels_once(client, bindings, people, database):
    now = bindings.clock.now()
    assert await demo_tracking.seed(bindings, now, people.owner) == len(demo_tracking.ROUTES)
    assert await demo_tracking.seed(bindings, now, people.owner) == 0  # idempotent
    await sign_in_api(client, bindings, people.owner)
    routes = {r["label"]: r["office"] for r in (await client.get("/api/tracking-sources")).json()}
    assert routes == {label: office for label, office in demo_tracking.ROUTES}
    r = await client.post(
        "/webhook/leads",
        json={"name": "Demo", "phone": "3055550177", "source": "yelp", "bb_source": "google ads - burbank"},
        headers=SECRET,
    )
    assert (await lead(database, r.json()["lead_id"]))["office"] == "Sliding"

from core.storage import migrations
from tests.conftest import PASSWORD, login_form


async def test_it_answers_health(client):
    r = await client.get("/healthz")
    assert r.status_code == 200
    assert r.json() == {"ok": True, "db": "ok", "migrations": len(migrations.available())}


async def test_it_signs_in_and_shows_the_shell(client, people):
    r = await login_form(client, "agent@example.test", PASSWORD)
    assert r.status_code == 303
    r = await client.get("/leads")
    assert r.status_code == 200
    assert "Agent" in r.text

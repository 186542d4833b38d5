"""System routes, error pages, headers, and bad input answered with 4xx."""

from __future__ import annotations

from core.storage import migrations
from tests.conftest import sign_in


async def test_healthz_reports_the_database_and_migrations(client):
    r = await client.get("/healthz")
    assert r.json() == {"ok": True, "db": "ok", "migrations": len(migrations.available())}


async def test_openapi_and_docs_are_served(client):
    spec = (await client.get("/openapi.json")).json()
    assert spec["info"]["title"] == "Porchlight"
    assert "/api/me" in spec["paths"] and "/login" not in spec["paths"]
    docs = await client.get("/api/docs")
    assert docs.status_code == 200 and "/static/vendor/swagger-ui/swagger-ui-bundle.js" in docs.text
    # The partner webhooks are plain routes (guard.public_routes); their operations are added by hand.
    for path in ("/webhook/leads", "/webhook/facebook", "/webhook/s/{token}"):
        assert spec["paths"][path]["post"]["tags"] == ["intake"], path
    assert (await client.get("/openapi.json")).json()["paths"] == spec["paths"]  # added once, not again


def test_a_plain_route_must_be_public_in_the_authorization_table():
    import pytest
    from starlette.routing import Route

    from routes import guard

    async def endpoint(request):  # never called
        raise AssertionError

    assert guard.public_routes([Route("/webhook/leads", endpoint, methods=["POST"])])
    with pytest.raises(RuntimeError, match="not PUBLIC"):
        guard.public_routes([Route("/api/leads", endpoint, methods=["GET"])])
    with pytest.raises(RuntimeError, match="not PUBLIC"):
        guard.public_routes([Route("/webhook/unlisted", endpoint, methods=["POST"])])


async def test_plain_routes_get_the_security_headers_too(client):
    r = await client.post("/webhook/s/no-such-token", json={"name": "x"})
    assert r.status_code == 401 and r.json()["status"] == "error"
    assert (
        r.headers["x-content-type-options"] == "nosniff"
        and "frame-ancestors 'none'" in r.headers["content-security-policy"]
    )


async def test_unknown_routes_get_the_apps_404_page(client, bindings, people):
    r = await client.get("/no/such/page")
    assert r.status_code == 404 and "<html" in r.text and "couldn" in r.text
    await sign_in(client, bindings, people.agent)
    r = await client.get("/no/such/page")
    assert r.status_code == 404 and "Back to Porchlight" in r.text
    api = await client.get("/api/nothing-here")
    assert api.status_code == 404 and api.json() == {"detail": "We couldn't find that page."}


async def test_wrong_methods_get_405(client):
    r = await client.delete("/healthz")
    assert r.status_code == 405


async def test_every_page_carries_the_security_headers(client, bindings, people):
    await sign_in(client, bindings, people.owner)
    for path in ("/leads", "/maintenance/users", "/login", "/healthz", "/no/such/page"):
        r = await client.get(path, follow_redirects=False)
        assert r.headers["x-content-type-options"] == "nosniff", path
        csp = r.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp and "base-uri 'none'" in csp, path
        assert r.headers["referrer-policy"] == "same-origin"


async def test_html_is_escaped(client, bindings, people):
    csrf = await sign_in(client, bindings, people.owner)
    evil = "<script>alert(1)</script>"
    r = await client.post("/maintenance/offices", data={"csrf_token": csrf, "name": f"Zed {evil}", "time_zone": "UTC"})
    assert r.status_code == 303
    page = await client.get("/maintenance/offices")
    assert evil not in page.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text


async def test_bad_json_gets_a_readable_422(client, bindings, people):
    await sign_in(client, bindings, people.owner)
    r = await client.post(
        "/api/users", json={"email": "x@example.test", "role": "wizard"}, headers={"x-csrf-token": "x"}
    )
    assert r.status_code == 403  # the CSRF gate first: the session is cookie-based
    from accounts.api_tokens import create_token

    token = await create_token(bindings.db, bindings.clock.now(), people.owner.actor, people.owner, "t")
    r = await client.post(
        "/api/users", json={"email": "x@example.test", "role": "wizard"}, headers={"Authorization": f"Bearer {token}"}
    )
    assert r.status_code == 422
    body = r.json()
    assert body["detail"] == "Invalid input." and any("role" in e for e in body["errors"])
    r = await client.post(
        "/api/users",
        content=b"{not json",
        headers={"Authorization": f"Bearer {token}", "content-type": "application/json"},
    )
    assert r.status_code == 422


async def test_every_shell_page_renders_for_a_role_that_may_open_it(client, bindings, people):
    await sign_in(client, bindings, people.owner)
    for path in (
        "/leads",
        "/clients",
        "/billing",
        "/reports",
        "/maintenance",
        "/maintenance/users",
        "/maintenance/users/new",
        f"/maintenance/users/{people.agent.id}",
        "/maintenance/offices",
        f"/maintenance/offices/{people.office_a.id}",
        "/maintenance/audit",
        "/account",
        f"/offices/{people.office_a.slug}",
    ):
        r = await client.get(path)
        assert r.status_code == 200, path
        assert "</html>" in r.text and 'class="topbar"' in r.text, path


async def test_root_sends_each_role_to_its_first_page(client, bindings, people):
    await sign_in(client, bindings, people.partner)
    r = await client.get("/", follow_redirects=False)
    assert r.headers["location"] == "/leads"

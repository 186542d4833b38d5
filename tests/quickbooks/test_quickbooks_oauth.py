"""QuickBooks OAuth and the API client: state bound to the session, tokens sealed and rotated,
single-flight refresh, the 401 retry, invalid_grant, disconnect, and every error shape Intuit sends."""

from __future__ import annotations

import asyncio
import logging
from urllib.parse import unquote

import httpx
import pytest

from core import config
from core.vault import KeyRing, Sealed
from quickbooks import client as qbo
from quickbooks import oauth, sync
from quickbooks.api import Api
from quickbooks.client import QuickBooksError, StaleObject, fault_of
from tests.conftest import sign_in_api, snapshot_file
from tests.fakes.quickbooks import REALM, load_fixture
from tests.quickbooks_support import (  # noqa: F401 (fixtures)
    connect,
    dump,
    fake_fixture,
    rows,
    run_import,
    settings_fixture,
)


def flash(response: httpx.Response) -> str:
    return unquote(response.headers.get("set-cookie", ""))


def stored_refresh_token(bindings, db_path) -> str:
    sealed, key_id = rows(db_path, "SELECT refresh_sealed, key_id FROM quickbooks_connection")[0]
    return KeyRing.from_settings(bindings.settings).open(Sealed(sealed, key_id), f"quickbooks:{REALM}:refresh")


async def test_the_callback_must_come_back_to_the_session_that_asked(client, bindings, people, fake, db_path):
    await sign_in_api(client, bindings, people.owner)
    start = await client.get("/quickbooks/connect")
    async with httpx.AsyncClient() as intuit:
        consent = await intuit.get(start.headers["location"])
    callback = consent.headers["location"].replace("http://testserver", "")
    assert "state=" in callback and f"realmId={REALM}" in callback
    # The same owner in another session (another browser) cannot complete it.
    before = snapshot_file(db_path)
    await sign_in_api(client, bindings, people.owner)
    refused = await client.get(callback)
    assert refused.status_code == 303 and "another session" in flash(refused)
    after = snapshot_file(db_path)
    for table in ("sessions", "quickbooks_oauth_states"):
        after.pop(table), before.pop(table)
    assert after == before
    assert rows(db_path, "SELECT COUNT(*) FROM quickbooks_connection") == [(0,)]
    assert not [f for f in fake.token_requests if f["grant_type"] == "authorization_code"]


async def test_a_state_works_once_and_a_refusal_is_reported(client, bindings, people, fake, db_path):
    await sign_in_api(client, bindings, people.owner)
    start = await client.get("/quickbooks/connect")
    async with httpx.AsyncClient() as intuit:
        consent = await intuit.get(start.headers["location"])
    callback = consent.headers["location"].replace("http://testserver", "")
    back = await client.get(callback)
    assert "Connected to Porchlight Test Plumbing (sandbox)" in flash(back)
    replayed = await client.get(callback)  # the same redirect again: its state is spent
    assert "expired" in flash(replayed)
    assert [f["grant_type"] for f in fake.token_requests] == ["authorization_code"]
    fake.deny_consent = True
    await sign_in_api(client, bindings, people.owner)
    start = await client.get("/quickbooks/connect")
    async with httpx.AsyncClient() as intuit:
        consent = await intuit.get(start.headers["location"])
    assert "error=access_denied" in consent.headers["location"]
    cancelled = await client.get(consent.headers["location"].replace("http://testserver", ""))
    assert cancelled.status_code == 303 and "cancelled" in flash(cancelled)
    conn = await oauth.connection(bindings.db)
    assert conn is not None and conn.connected  # the earlier connection is untouched


async def test_tokens_are_sealed_and_a_rotated_refresh_token_is_kept(client, bindings, people, fake, clock, db_path):
    await connect(client, bindings, people.owner)
    first = stored_refresh_token(bindings, db_path)
    assert first in fake.refresh and first not in dump(db_path)
    # An hour later the access token has lapsed; within 24 h Intuit returns the same refresh token.
    clock.advance(hours=1)
    async with httpx.AsyncClient() as http:
        assert await Api(bindings, http).count("Customer") == 5
    assert stored_refresh_token(bindings, db_path) == first
    # A day later the refresh token's value rotates; the new one is stored, the old one is dead.
    clock.advance(hours=25)
    async with httpx.AsyncClient() as http:
        assert await Api(bindings, http).count("Invoice") == 5
    second = stored_refresh_token(bindings, db_path)
    assert second != first and fake.live_refresh_tokens() == [second]
    versions = rows(db_path, "SELECT token_version, last_refresh_at FROM quickbooks_connection")
    assert versions == [(3, "2026-11-23T17:00:00.000Z")]
    # And the stored one is what the next refresh presents.
    clock.advance(hours=2)
    async with httpx.AsyncClient() as http:
        await Api(bindings, http).count("Invoice")
    assert fake.token_requests[-1]["refresh_token"] == second


async def test_concurrent_refreshes_make_one_call(client, bindings, people, fake, clock, db_path):
    await connect(client, bindings, people.owner)
    fake.refresh_delay = 0.3  # a slow token endpoint: every caller arrives while the first is refreshing
    clock.advance(hours=2)
    async with httpx.AsyncClient() as http:
        results = await asyncio.gather(*(oauth.access_token(bindings, http) for _ in range(5)))
    assert len({token for token, _ in results}) == 1
    assert [f["grant_type"] for f in fake.token_requests] == ["authorization_code", "refresh_token"]
    conn = await oauth.connection(bindings.db)
    assert conn is not None and conn.connected and conn.token_version == 2
    assert rows(db_path, "SELECT refresh_holder, refresh_lease_until FROM quickbooks_connection") == [(None, None)]


async def test_a_401_refreshes_once_and_retries(client, bindings, people, fake, caplog):
    caplog.set_level(logging.INFO, logger="porchlight.quickbooks")
    await connect(client, bindings, people.owner)
    fake.expire_access_tokens()  # Intuit stopped honouring a token we still think is fresh
    async with httpx.AsyncClient() as http:
        assert await Api(bindings, http).count("Estimate") == 4
    assert [f["grant_type"] for f in fake.token_requests] == ["authorization_code", "refresh_token"]
    assert len(fake.api_requests("query")) == 2
    assert "-> 401 intuit_tid=" in caplog.text
    # Twice in a row is not retried forever: the second 401 is the answer.
    fake.inject("401", "query", times=2)
    async with httpx.AsyncClient() as http:
        with pytest.raises(qbo.Unauthorized):
            await Api(bindings, http).count("Estimate")


async def test_invalid_grant_marks_the_connection_broken_and_tells_the_owner(client, bindings, people, fake, clock):
    await connect(client, bindings, people.owner)
    await client.post("/api/quickbooks/import", json={})
    await run_import(bindings)
    fake.revoke_refresh_tokens()  # e.g. the company disconnected the app inside QuickBooks
    clock.advance(hours=2)
    assert await sync.tick(bindings, clock.now()) == {"reported": 0, "errors": 1}
    conn = await oauth.connection(bindings.db)
    assert conn is not None and conn.status == "broken" and conn.row["refresh_sealed"] is None
    assert "invalid_grant" in (conn.last_error or "")
    audit = await bindings.db.all("SELECT actor_label, summary FROM audit_log WHERE action = 'quickbooks.broken'")
    assert len(audit) == 1 and audit[0]["actor_label"] == "System"
    # Nothing calls QuickBooks any more, and the page says what to do.
    asked = len(fake.requests)
    assert await sync.tick(bindings, clock.now()) == {}
    assert len(fake.requests) == asked
    await sign_in_api(client, bindings, people.owner)
    page = (await client.get("/maintenance/quickbooks")).text
    assert "refused the saved authorization" in page and "Reconnect" in page
    # Connecting again heals it and keeps the imported data and the sync watermark.
    await connect(client, bindings, people.owner)
    conn = await oauth.connection(bindings.db)
    assert conn is not None and conn.connected and conn.sync_watermark is not None


async def test_disconnect_revokes_and_wipes(client, bindings, people, fake, db_path):
    await connect(client, bindings, people.owner)
    refresh = stored_refresh_token(bindings, db_path)
    assert (await client.post("/api/quickbooks/disconnect")).json() == {"disconnected": True}
    assert fake.revoked == [refresh]
    assert rows(db_path, "SELECT status, access_sealed, refresh_sealed FROM quickbooks_connection") == [
        ("disconnected", None, None)
    ]
    assert (await client.post("/api/quickbooks/disconnect")).json() == {"disconnected": False}
    status = (await client.get("/api/quickbooks/status")).json()
    assert status["connection"]["status"] == "disconnected"
    assert status["connection"]["token_health"] == "no tokens"
    assert (await client.post("/api/quickbooks/import", json={})).status_code == 409
    actions = [r[0] for r in rows(db_path, "SELECT action FROM audit_log WHERE action LIKE 'quickbooks.%' ORDER BY id")]
    assert actions == ["quickbooks.connected", "quickbooks.disconnected"]


async def test_faults_in_a_200_and_xml_bodies_are_errors_not_crashes(client, bindings, people, fake, caplog):
    caplog.set_level(logging.INFO, logger="porchlight.quickbooks")
    await connect(client, bindings, people.owner)
    async with httpx.AsyncClient() as http:
        api = Api(bindings, http)
        fake.inject("fault200", "query")
        with pytest.raises(QuickBooksError) as in_200:
            await api.query("SELECT * FROM Invoice")
        assert in_200.value.status == 200 and in_200.value.code == "10000"
        assert in_200.value.fault_type == "SystemFault" and not in_200.value.permanent
        fake.inject("xml", "query")
        with pytest.raises(QuickBooksError) as xml:
            await api.query("SELECT * FROM Invoice")
        assert (xml.value.code, xml.value.message, xml.value.fault_type) == (
            "2500",
            "Invalid Reference Id",
            "ValidationFault",
        )
        fake.inject("500", "query")
        with pytest.raises(QuickBooksError) as html:
            await api.query("SELECT * FROM Invoice")
        assert html.value.status == 503 and not html.value.permanent
        with pytest.raises(QuickBooksError) as parse_error:
            await api.query("SELECT * FROM Invoice WHERE Id = '1' OR Id = '2'")
        assert parse_error.value.permanent and "parsing" in parse_error.value.message
        # A real query still works afterwards, and an empty page is just empty.
        assert await api.query("SELECT * FROM Invoice WHERE Id = '999999'") == []
    tids = [line for line in caplog.text.splitlines() if "intuit_tid=1-" in line]
    assert len(tids) >= 5


async def test_a_sparse_update_needs_the_current_sync_token(client, bindings, people, fake):
    await connect(client, bindings, people.owner)
    async with httpx.AsyncClient() as http:
        api = Api(bindings, http)
        saved = await api.update("Estimate", {"Id": "101", "SyncToken": "0", "TxnStatus": "Accepted"}, "req-1")
        assert saved["SyncToken"] == "1" and saved["TxnStatus"] == "Accepted"
        assert saved["CustomerRef"]["value"] == "3"  # sparse: untouched fields stay
        replay = await api.update("Estimate", {"Id": "101", "SyncToken": "0", "TxnStatus": "Accepted"}, "req-1")
        assert replay == saved  # the same requestid applies once
        with pytest.raises(StaleObject) as stale:
            await api.update("Estimate", {"Id": "101", "SyncToken": "0", "TxnStatus": "Rejected"}, "req-2")
        assert stale.value.code == "5010" and stale.value.status == 400
        assert (await api.read("Estimate", "101"))["TxnStatus"] == "Accepted"


def test_fault_shapes_from_recorded_bodies():
    import json

    lower = fault_of(401, json.dumps(load_fixture("fault_401.json")), "application/json", "1-abc")
    assert isinstance(lower, qbo.Unauthorized) and lower.code == "3200" and lower.intuit_tid == "1-abc"
    assert "<token prefix>" not in lower.summary()  # Intuit echoes part of the token in `detail`
    throttled = fault_of(429, json.dumps(load_fixture("fault_429.json")), "application/json", None)
    assert isinstance(throttled, qbo.Throttled)
    stale = fault_of(400, json.dumps(load_fixture("fault_5010.json")), "application/json", None)
    assert isinstance(stale, StaleObject) and stale.permanent
    assert fault_of(200, '{"QueryResponse": {}, "time": "x"}', "application/json", None) is None
    assert fault_of(502, "", "text/plain", None) is not None
    assert fault_of(400, "<html><body>Bad Gateway", "text/html", None) is not None
    assert fault_of(400, '{"error": "invalid_grant"}', "application/json", None).code == "invalid_grant"  # type: ignore[union-attr]


def test_the_endpoints_default_to_intuit_and_follow_the_overrides():
    from tests.conftest import make_settings

    plain = qbo.Endpoints.from_settings(make_settings(QBO_ENVIRONMENT="production"))
    assert plain.api_base == "https://quickbooks.api.intuit.com"
    assert plain.token_url == "https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer"
    assert plain.auth_url == "https://appcenter.intuit.com/connect/oauth2"
    assert plain.revoke_url == "https://developer.api.intuit.com/v2/oauth2/tokens/revoke"
    assert not plain.configured and plain.missing() == ["QBO_CLIENT_ID", "QBO_CLIENT_SECRET", "QBO_REDIRECT_URI"]
    sandbox = qbo.Endpoints.from_settings(make_settings())
    assert sandbox.api_base == "https://sandbox-quickbooks.api.intuit.com"
    with pytest.raises(config.SettingsError, match="QBO_ENVIRONMENT"):
        make_settings(QBO_ENVIRONMENT="staging")
    with pytest.raises(config.SettingsError, match="QBO_API_BASE"):
        make_settings(QBO_API_BASE="ftp://example")
    secrets_shown = repr(make_settings(QBO_CLIENT_SECRET="shh-its-secret"))
    assert "shh-its-secret" not in secrets_shown
    assert qbo.select("Customer", start=1001) == (
        "SELECT * FROM Customer WHERE Active IN (true, false) ORDERBY Id STARTPOSITION 1001 MAXRESULTS 1000"
    )
    assert qbo.quoted("O'Brien") == "'O\\'Brien'"

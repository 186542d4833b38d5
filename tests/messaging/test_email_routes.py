"""Email senders, the outbox and the development mailbox over HTTP: owner only, refusals name the
field and change nothing, the password never comes back, Send Test shows the server's answer."""

from __future__ import annotations

import re

from accounts import api_tokens
from core import email as mail
from core import outbox
from core.clock import iso
from core.records import SYSTEM
from messaging import email as messaging_email
from tests.conftest import make_settings, sign_in, sign_in_api, snapshot_file
from tests.fakes.smtp import SmtpServer

GOOD = {
    "from_email": "office@example.test",
    "from_name": "Garage Door Pros",
    "smtp_host": "localhost",
    "smtp_port": 587,
    "password": "app-password-1234",
}


async def test_the_owner_saves_a_sender_and_never_sees_the_password_again(client, bindings, people):
    csrf = await sign_in(client, bindings, people.owner)
    page = await client.get("/maintenance/email")
    assert page.status_code == 200 and "Garage" in page.text and "Finance" in page.text
    form = {**GOOD, "smtp_port": "587", "csrf_token": csrf, "version": "0"}
    r = await client.post(f"/maintenance/email/{people.office_a.id}", data=form)
    assert r.status_code == 303
    page = await client.get(f"/maintenance/email/{people.office_a.id}")
    assert "already set — leave blank to keep" in page.text and "app-password-1234" not in page.text
    assert re.search(r'name="password" type="password" value=""', page.text)
    api = (await client.get(f"/api/email-identities/{people.office_a.id}")).json()
    assert api["password_set"] is True and "app-password" not in str(api)


async def test_a_bad_form_shows_why_and_saves_nothing(client, bindings, people, db_path):
    csrf = await sign_in(client, bindings, people.owner)
    before = snapshot_file(db_path)
    form = {**GOOD, "smtp_port": "25", "from_name": "x\r\nBcc: y@z.test", "csrf_token": csrf, "version": "0"}
    r = await client.post(f"/maintenance/email/{people.office_a.id}", data=form)
    assert r.status_code == 400
    assert "Port must be 587 (STARTTLS) or 465 (SSL)." in r.text and "Line breaks are not allowed here." in r.text
    assert "app-password-1234" not in r.text  # not echoed, even unsaved
    assert snapshot_file(db_path) == before


async def test_the_api_refuses_header_injection_and_unknown_fields_with_422(client, bindings, people, db_path):
    await sign_in_api(client, bindings, people.owner)
    before = snapshot_file(db_path)
    r = await client.put("/api/email-identities/finance", json={**GOOD, "from_name": "A\nB"})
    assert r.status_code == 422 and "from_name" in r.json()["fields"]
    r = await client.put("/api/email-identities/finance", json={**GOOD, "reply_to": "x@y.z"})
    assert r.status_code == 422  # never accepted and ignored
    r = await client.put("/api/email-identities/finance", json={**GOOD, "smtp_port": 2525})
    assert r.status_code == 422 and r.json()["fields"] == {"smtp_port": "Port must be 587 (STARTTLS) or 465 (SSL)."}
    assert snapshot_file(db_path) == before
    assert (await client.get("/api/email-identities/9999")).status_code == 404
    r = await client.put("/api/email-identities/finance", json=GOOD)
    assert r.status_code == 200 and r.json()["kind"] == "finance" and r.json()["version"] == 1
    r = await client.put("/api/email-identities/finance", json={**GOOD, "version": 0})
    assert r.status_code == 409


async def test_send_test_shows_the_server_s_answer_and_is_audited(client, bindings, people, smtp: SmtpServer):
    await sign_in_api(client, bindings, people.owner)
    which = people.office_a.id
    r = await client.post(f"/api/email-identities/{which}/test", json={"to": "me@example.test"})
    assert r.status_code == 404  # nothing saved yet
    await client.put(f"/api/email-identities/{which}", json={**GOOD, "from_email": smtp.user, "password": "wrong"})
    bindings.email = mail.SmtpProvider(tls=smtp.client_context(), routes=smtp.routes)
    r = await client.post(f"/api/email-identities/{which}/test", json={"to": "me@example.test"})
    assert r.status_code == 502 and r.json() == {"ok": False, "said": "535 5.7.8 Authentication credentials invalid"}
    await client.put(
        f"/api/email-identities/{which}", json={**GOOD, "from_email": smtp.user, "password": smtp.password}
    )
    r = await client.post(f"/api/email-identities/{which}/test", json={"to": "me@example.test"})
    assert r.status_code == 200 and r.json()["said"].startswith("250") and len(smtp.received) == 1
    r = await client.post(f"/api/email-identities/{which}/test", json={"to": "me@example.test\r\nBcc: x@y.z"})
    assert r.status_code == 422 and "to" in r.json()["fields"]
    audit = await bindings.db.all("SELECT summary FROM audit_log WHERE action = 'email_identity.test' ORDER BY id")
    assert [a["summary"].rsplit(": ", 1)[1] for a in audit] == ["failed", "ok"]
    shown = (await client.get(f"/api/email-identities/{which}")).json()["last_test"]
    assert shown["ok"] is True and shown["said"].startswith("250")


async def test_send_test_in_development_lands_in_the_development_mailbox(client, bindings, people):
    csrf = await sign_in(client, bindings, people.owner)
    await client.post("/maintenance/email/finance", data={**GOOD, "smtp_port": "465", "csrf_token": csrf})
    r = await client.post("/maintenance/email/finance/test", data={"to": "me@example.test", "csrf_token": csrf})
    assert r.status_code == 200 and "captured in the development mailbox" in r.text
    page = await client.get("/maintenance/dev-mailbox")
    assert page.status_code == 200 and "Porchlight test from Garage Door Pros" in page.text
    assert (await client.get("/api/dev-mailbox")).json()["items"][0]["recipient"] == "me@example.test"


async def test_only_the_owner_reaches_these(client, bindings, people):
    await sign_in_api(client, bindings, people.admin)
    for method, url in (
        ("GET", "/maintenance/email"),
        ("GET", "/api/outbox"),
        ("PUT", "/api/email-identities/finance"),
    ):
        r = await client.request(method, url, json=GOOD if method == "PUT" else None)
        assert r.status_code == 403, url


async def test_the_outbox_page_lists_filters_and_redelivers(client, bindings, people):
    await sign_in(client, bindings, people.owner)
    mid, st = messaging_email.queue(
        bindings.clock.now(), to="c@example.test", subject="Estimate", text="Hi", office_id=people.office_a.id
    )
    await bindings.db.batch([st])
    await outbox.drain(bindings)  # no sender saved yet: failed at once (EML-4)
    page = await client.get("/maintenance/outbox?status=failed&kind=email")
    assert page.status_code == 200 and "to c@example.test: Estimate" in page.text and "Redeliver" in page.text
    assert "SMTP not fully configured for office Garage" in page.text
    assert "c@example.test" not in (await client.get("/maintenance/outbox?status=dead")).text
    detail = await client.get(f"/maintenance/outbox/{mid}")
    assert "Attempts" in detail.text and "failed" in detail.text
    # the sender is saved, then the owner redelivers
    await sign_in_api(client, bindings, people.owner)
    await client.put(f"/api/email-identities/{people.office_a.id}", json=GOOD)
    r = await client.post(f"/api/outbox/{mid}/redeliver")
    assert r.status_code == 202
    # delivered right after the response (the test transport waits for the app to finish)
    assert (await client.get(f"/api/outbox/{mid}")).json()["status"] == "delivered"
    r = await client.post(f"/api/outbox/{mid}/redeliver")
    assert r.status_code == 409  # only failed or dead
    assert (await client.get("/api/outbox/msg_nope")).status_code == 404
    audit = await bindings.db.first("SELECT actor_label FROM audit_log WHERE action = 'outbox.redeliver'")
    assert audit is not None and audit["actor_label"] == people.owner.name
    listed = (await client.get("/api/outbox?status=delivered&kind=email")).json()["items"]
    assert [i["id"] for i in listed] == [mid]
    assert (await client.get("/api/outbox?status=nope")).status_code == 422


async def test_no_development_mailbox_in_production(client, bindings, people):
    token = await api_tokens.create_token(bindings.db, bindings.clock.now(), SYSTEM, people.owner, "script")
    bindings.settings = make_settings(PORCHLIGHT_ENV="production")
    r = await client.get("/api/dev-mailbox", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 404


async def test_the_one_minute_tick_delivers_email(client, bindings, people):
    await sign_in_api(client, bindings, people.owner)
    await client.put(f"/api/email-identities/{people.office_a.id}", json=GOOD)
    _, st = messaging_email.queue(
        bindings.clock.now(),
        to="c@example.test",
        subject="Later",
        text="Hi",
        office_id=people.office_a.id,
        not_before=iso(bindings.clock.now()),
    )
    await bindings.db.batch([st])
    import cron

    result = await cron.run_job(bindings, "outbox")
    assert result["delivered"] == 1

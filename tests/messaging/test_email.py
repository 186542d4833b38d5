"""Email (EML-1…EML-9, FIN-10, X-11): identities, and delivery through the outbox by SMTP (a real
server), the HTTP email API (its fake) and the development provider."""

from __future__ import annotations

import json
import sqlite3

import pytest

from core import email as mail
from core import outbox
from core.errors import Conflict, Invalid
from core.vault import KeyRing
from messaging import email as messaging_email
from messaging import identities
from tests.fakes.email_api import FakeEmailApi
from tests.fakes.smtp import SmtpServer


def values(**kw):
    base = {
        "from_email": "office@example.test",
        "from_name": "Garage Door Pros",
        "smtp_host": "localhost",
        "smtp_port": 587,
        "password": "app-password-1234",
    }
    return identities.check(**{**base, **kw})


async def make_identity(bindings, people, *, kind="office", **kw):
    office_id = people.office_a.id if kind == "office" else None
    return await identities.save(
        bindings.db,
        bindings.clock.now(),
        people.owner.actor,
        KeyRing.from_settings(bindings.settings),
        kind=kind,
        office_id=office_id,
        office_label="office Garage" if kind == "office" else "Finance",
        values=values(**kw),
    )


async def queue(bindings, people, to="customer@example.test", subject="Your estimate", **kw):
    mid, st = messaging_email.queue(
        bindings.clock.now(),
        to=to,
        subject=subject,
        text="Hello,\n\nSee you Tuesday.",
        office_id=people.office_a.id,
        **kw,
    )
    await bindings.db.batch([st])
    return mid


async def row(bindings, mid):
    found = await bindings.db.first("SELECT * FROM outbox WHERE id = ?", mid)
    assert found is not None
    return found


# --- identities ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "said"),
    [
        ("smtp_port", 25, "587 (STARTTLS) or 465"),  # EML-5
        ("from_name", "Evil\r\nBcc: all@example.test", "Line breaks"),  # EML-7
        ("from_email", "office@example.test\nBcc: x@y.z", "Line breaks"),
        ("smtp_host", "smtp.example.test\r\n", "Line breaks"),
        ("from_email", "not an address", "email address"),
        ("smtp_host", "smtp example", "host name"),
    ],
)
def test_bad_fields_are_refused_by_name(field, value, said):
    with pytest.raises(Invalid) as refused:
        values(**{field: value})
    assert said in refused.value.fields[field]


async def test_the_password_is_sealed_kept_when_blank_and_never_shown(bindings, people, db_path):
    saved = await make_identity(bindings, people)
    shown = identities.shape(saved)
    assert shown["password_set"] is True and "password" not in json.dumps(shown).replace("password_set", "")
    stored = sqlite3.connect(db_path).execute("SELECT password_sealed FROM email_identities").fetchone()[0]
    assert "app-password-1234" not in stored  # sealed (EML-2)
    again = await make_identity(bindings, people, password="", from_name="Garage Doors")  # blank keeps it
    sender = await identities.sender(bindings.db, KeyRing.from_settings(bindings.settings), again)
    assert (sender.password, sender.from_name, again["version"]) == ("app-password-1234", "Garage Doors", 2)
    audit = await bindings.db.all("SELECT summary, meta FROM audit_log WHERE action = 'email_identity.saved'")
    assert len(audit) == 2 and all("app-password" not in a["meta"] + a["summary"] for a in audit)


async def test_a_stale_version_is_a_conflict(bindings, people):
    await make_identity(bindings, people)
    with pytest.raises(Conflict):
        await identities.save(
            bindings.db,
            bindings.clock.now(),
            people.owner.actor,
            KeyRing.from_settings(bindings.settings),
            kind="office",
            office_id=people.office_a.id,
            office_label="office Garage",
            values=values(),
            version=0,
        )


async def test_finance_has_its_own_identity(bindings, people):  # FIN-10, EML-9
    await make_identity(bindings, people)
    await make_identity(bindings, people, kind="finance", from_email="finance@example.test")
    assert (await identities.get(bindings.db, "finance"))["from_email"] == "finance@example.test"
    assert (await identities.get(bindings.db, "office", people.office_a.id))["from_email"] == "office@example.test"
    mid, st = messaging_email.queue(
        bindings.clock.now(), to="owner@example.test", subject="Weekly", text="Numbers", finance=True
    )
    await bindings.db.batch([st])
    await outbox.drain(bindings)
    captured = await bindings.db.first("SELECT sender FROM dev_mailbox WHERE message_id = ?", mid)
    assert captured is not None and "finance@example.test" in captured["sender"]


def test_header_injection_in_a_queued_email_is_refused(people):
    from datetime import UTC, datetime

    for field, kw in (("subject", {"subject": "Hi\r\nBcc: x@example.test"}), ("to", {"to": "a@example.test\nb@c.d"})):
        args = {"to": "a@example.test", "subject": "Hi", "text": "Body", "office_id": 1, **kw}
        with pytest.raises(Invalid) as refused:
            messaging_email.queue(datetime(2026, 1, 1, tzinfo=UTC), **args)
        assert field in refused.value.fields
    with pytest.raises(Invalid) as refused:
        messaging_email.queue(
            datetime(2026, 1, 1, tzinfo=UTC), to="a@example.test", subject="s", text="  ", office_id=1
        )
    assert "text" in refused.value.fields


# --- the development provider ------------------------------------------------------------------


async def test_without_a_provider_mail_is_captured_once(bindings, people):
    await make_identity(bindings, people)
    mid = await queue(bindings, people)
    assert mail.provider(bindings).name == "development"
    assert (await outbox.drain(bindings))["delivered"] == 1
    captured = await bindings.db.all("SELECT * FROM dev_mailbox")
    assert len(captured) == 1 and captured[0]["subject"] == "Your estimate" and captured[0]["message_id"] == mid
    # delivered again (a redelivery): still one capture, as a provider's idempotency would
    await bindings.db.run("UPDATE outbox SET status = 'failed' WHERE id = ?", mid)
    await outbox.redeliver(bindings.db, bindings.clock.now(), people.owner.actor, mid)
    await outbox.drain(bindings)
    assert len(await bindings.db.all("SELECT id FROM dev_mailbox")) == 1


async def test_an_incomplete_identity_fails_at_once_saying_so(bindings, people):  # EML-4
    mid = await queue(bindings, people)
    bindings.email = mail.SmtpProvider()
    assert (await outbox.drain(bindings)) == {"claimed": 1, "failed": 1}
    found = await row(bindings, mid)
    assert found["last_error"] == (
        "SMTP not fully configured for office Garage (fill in From email + host + port + app password)."
    )


# --- SMTP, against a real server ---------------------------------------------------------------


@pytest.mark.parametrize("port", [587, 465])
async def test_smtp_delivers_over_starttls_and_tls(bindings, people, smtp: SmtpServer, port):
    await make_identity(bindings, people, smtp_port=port, from_email=smtp.user, password=smtp.password)
    bindings.email = mail.SmtpProvider(tls=smtp.client_context(), routes=smtp.routes)
    mid = await queue(bindings, people)
    assert (await outbox.drain(bindings))["delivered"] == 1
    [got] = smtp.received
    assert got.rcpt_tos == ["customer@example.test"] and got.mail_from == smtp.user
    assert got.message["From"] == f"Garage Door Pros <{smtp.user}>" and got.message["Subject"] == "Your estimate"
    assert got.message["Message-ID"] == f"<{mid}@example.test>"
    parts = {p.get_content_type(): p.get_content() for p in got.message.walk() if not p.is_multipart()}
    assert "See you Tuesday." in parts["text/plain"] and "<p>See you Tuesday.</p>" in parts["text/html"]
    found = await row(bindings, mid)
    assert found["provider_ref"] == f"<{mid}@example.test>"
    attempt = await bindings.db.first("SELECT status, error FROM outbox_attempts WHERE outbox_id = ?", mid)
    assert attempt["status"] == "delivered"


async def test_smtp_refusals_fail_at_once_and_outages_retry(bindings, people, smtp: SmtpServer):
    await make_identity(bindings, people, from_email=smtp.user, password="wrong-password")
    bindings.email = mail.SmtpProvider(tls=smtp.client_context(), routes=smtp.routes)
    bad_login = await queue(bindings, people)
    assert (await outbox.drain(bindings)) == {"claimed": 1, "failed": 1}
    assert (await row(bindings, bad_login))["last_error"].startswith("535")
    await make_identity(bindings, people, from_email=smtp.user, password=smtp.password)
    smtp.refuse_rcpt["nobody@example.test"] = "550 5.1.1 No such user"
    no_user = await queue(bindings, people, to="nobody@example.test")
    await outbox.drain(bindings)
    assert (await row(bindings, no_user))["status"] == "failed"
    # the server unreachable: a retry on schedule, not a failure
    bindings.email = mail.SmtpProvider(tls=smtp.client_context(), routes={("localhost", 587): ("127.0.0.1", 1)})
    down = await queue(bindings, people)
    assert (await outbox.drain(bindings)) == {"claimed": 1, "retry": 1}
    assert (await row(bindings, down))["status"] == "pending" and not smtp.received


# --- the HTTP email API ------------------------------------------------------------------------


def http_provider(api: FakeEmailApi, key: str | None = None) -> mail.HttpProvider:
    return mail.HttpProvider(api.url, key or api.key)


async def test_the_http_api_delivers_with_the_message_id_as_idempotency_key(bindings, people, email_api):
    await make_identity(bindings, people)
    bindings.email = http_provider(email_api)
    mid = await queue(bindings, people, reply_to="office@example.test")
    assert (await outbox.drain(bindings))["delivered"] == 1
    body = email_api.messages[mid]
    assert body["from"] == {"email": "office@example.test", "name": "Garage Door Pros"}
    assert body["personalizations"] == [{"to": [{"email": "customer@example.test"}]}]
    assert body["reply_to"] == {"email": "office@example.test"}
    assert (await row(bindings, mid))["provider_ref"] == "fake-1"


async def test_the_http_api_s_answers_map_to_retry_and_failed(bindings, people, email_api):
    await make_identity(bindings, people)
    bindings.email = http_provider(email_api)
    email_api.script = [503, 429]
    mid = await queue(bindings, people)
    assert (await outbox.drain(bindings)) == {"claimed": 1, "retry": 1}
    bindings.clock.advance(seconds=5)
    assert (await outbox.drain(bindings)) == {"claimed": 1, "retry": 1}
    bindings.clock.advance(seconds=300)
    assert (await outbox.drain(bindings))["delivered"] == 1
    assert (await row(bindings, mid))["attempts"] == 3
    email_api.refuse["bounced@example.test"] = "The email address is invalid."
    bounced = await queue(bindings, people, to="bounced@example.test")
    assert (await outbox.drain(bindings)) == {"claimed": 1, "failed": 1}
    assert "invalid" in (await row(bindings, bounced))["last_error"]
    bindings.email = http_provider(email_api, key="wrong")
    unauthorized = await queue(bindings, people)
    await outbox.drain(bindings)
    assert (await row(bindings, unauthorized))["last_error"].startswith("401")


def test_at_the_edge_email_goes_through_the_http_api(settings):  # EML-6
    assert mail.for_settings(settings, edge=True).name == "http"
    assert mail.for_settings(settings, edge=False).name == "development"


# --- attachments (issue 24: a ticket summary's PDF) --------------------------------------------


def a_pdf(text: str = "Summary attached") -> bytes:
    from tickets.pdf import Document

    doc = Document("Test")
    doc.text(text)
    return doc.output()


async def queue_with_pdf(bindings, people, data: bytes, key: str = "tickets/1/abc.pdf"):
    await bindings.files.put(key, data, "application/pdf")
    return await queue(bindings, people, attachments=[mail.Attachment("T-1-summary.pdf", "application/pdf", key)])


async def test_the_outbox_keeps_only_the_attachment_s_key(bindings, people):
    mid = await queue_with_pdf(bindings, people, a_pdf())
    payload = (await row(bindings, mid))["payload"]
    payload = json.loads(payload) if isinstance(payload, str) else payload
    assert payload["attachments"] == [
        {"filename": "T-1-summary.pdf", "content_type": "application/pdf", "key": "tickets/1/abc.pdf"}
    ]


async def test_smtp_sends_the_attachment_as_a_mime_part(bindings, people, smtp: SmtpServer):
    import io

    import pypdf

    await make_identity(bindings, people, from_email=smtp.user, password=smtp.password)
    bindings.email = mail.SmtpProvider(tls=smtp.client_context(), routes=smtp.routes)
    mid = await queue_with_pdf(bindings, people, a_pdf("Sensor realigned"))
    drained = await outbox.drain(bindings)
    assert drained.get("delivered") == 1, (await row(bindings, mid))["last_error"]
    [got] = smtp.received
    [part] = list(got.message.iter_attachments())
    assert part.get_filename() == "T-1-summary.pdf" and part.get_content_type() == "application/pdf"
    reader = pypdf.PdfReader(io.BytesIO(part.get_content()))
    assert "Sensor realigned" in reader.pages[0].extract_text()
    body = {p.get_content_type() for p in got.message.walk() if not p.is_multipart()}
    assert {"text/plain", "text/html", "application/pdf"} <= body


async def test_the_http_api_gets_the_attachment_in_base64(bindings, people, email_api):
    await make_identity(bindings, people)
    bindings.email = http_provider(email_api)
    data = a_pdf()
    mid = await queue_with_pdf(bindings, people, data)
    assert (await outbox.drain(bindings))["delivered"] == 1
    assert email_api.files[mid] == [("T-1-summary.pdf", "application/pdf", data)]
    assert email_api.messages[mid]["attachments"][0]["disposition"] == "attachment"


async def test_a_file_gone_from_the_store_fails_the_message_naming_it(bindings, people):
    await make_identity(bindings, people)
    mid = await queue_with_pdf(bindings, people, a_pdf())
    await bindings.files.delete("tickets/1/abc.pdf")
    assert (await outbox.drain(bindings)) == {"claimed": 1, "failed": 1}
    assert (await row(bindings, mid))["last_error"] == "The attachment T-1-summary.pdf is no longer in the file store."


async def test_the_development_mailbox_shows_the_attachment_with_a_download(client, bindings, people):
    from tests.conftest import sign_in

    await make_identity(bindings, people)
    data = a_pdf()
    await queue_with_pdf(bindings, people, data)
    assert (await outbox.drain(bindings))["delivered"] == 1
    [captured] = await bindings.db.all("SELECT id, attachments FROM dev_mailbox")
    assert json.loads(captured["attachments"])[0]["filename"] == "T-1-summary.pdf"
    await sign_in(client, bindings, people.owner)
    page = await client.get("/maintenance/dev-mailbox")
    link = f"/maintenance/dev-mailbox/{captured['id']}/attachments/0"
    assert "T-1-summary.pdf" in page.text and link in page.text
    got = await client.get(link)
    assert got.status_code == 200 and got.content == data and "attachment" in got.headers["content-disposition"]
    assert (await client.get(f"/maintenance/dev-mailbox/{captured['id']}/attachments/1")).status_code == 404

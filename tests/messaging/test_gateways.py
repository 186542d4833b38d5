"""The two SMS providers against protocol-faithful fakes (NUM-1, SMS-5, SMS-12; bad input: 5xx and
timeouts retried, 4xx that cannot succeed failed with the provider's reason)."""

from __future__ import annotations

import json

import httpx
import pytest

from core import outbound
from core.sms_gateway import (
    CtmGateway,
    DevGateway,
    Outgoing,
    SettingsError,
    TwilioGateway,
    from_environment,
    twilio_signature,
)
from tests.fakes.sms_providers import (
    CTM_ACCESS,
    CTM_ACCOUNT,
    CTM_HOOK_SECRET,
    CTM_SECRET,
    TWILIO_SID,
    TWILIO_TOKEN,
    FakeCtm,
    FakeTwilio,
)

NUMBERS = [{"sid": f"PN{i:032d}", "number": f"+1212555{i:04d}", "name": f"Line {i}"} for i in range(3)]


@pytest.fixture
def twilio():
    fake = FakeTwilio(numbers=list(NUMBERS)).start()
    yield fake
    fake.close()


@pytest.fixture
def ctm():
    fake = FakeCtm(numbers=list(NUMBERS)).start()
    yield fake
    fake.close()


def test_twilios_published_signature_example():
    """Twilio's documented example (docs "Validating requests"): this URL, these params, token 12345."""
    params = {
        "CallSid": "CA1234567890ABCDE",
        "Caller": "+12349013030",
        "Digits": "1234",
        "From": "+12349013030",
        "To": "+18005551212",
    }
    assert (
        twilio_signature("12345", "https://mycompany.com/myapp.php?foo=1&bar=2", params)
        == "0/KCTR6DLpKmkAf8muzZqo1nDgQ="
    )


async def test_twilio_send_with_media_and_status_callback(twilio):
    gateway = TwilioGateway(TWILIO_SID, TWILIO_TOKEN, twilio.url)
    async with outbound.client() as http:
        result = await gateway.send(
            http, Outgoing("+13125550123", "+12125550000", "Hi", ("https://x.test/m/1",), "https://x.test/cb")
        )
    assert result.outcome == "sent" and result.provider_ref.startswith("SM")
    assert twilio.sent[0] | {"sid": ""} == {
        "sid": "",
        "to": "+13125550123",
        "from": "+12125550000",
        "body": "Hi",
        "media": ["https://x.test/m/1"],
        "status_callback": "https://x.test/cb",
    }


async def test_twilio_4xx_fails_at_once_with_the_reason_and_5xx_or_timeout_retries(twilio):
    gateway = TwilioGateway(TWILIO_SID, TWILIO_TOKEN, twilio.url)
    twilio.unsubscribed.add("+13125550123")
    twilio.fail_next = [503, 429]
    twilio.timeout_seconds = 0.5
    async with httpx.AsyncClient(timeout=httpx.Timeout(0.2)) as fast, outbound.client() as http:
        assert (await gateway.send(http, Outgoing("+13125550199", "+12125550000", "x"))).outcome == "retry"
        assert (await gateway.send(http, Outgoing("+13125550199", "+12125550000", "x"))).outcome == "retry"
        twilio.fail_next = ["timeout"]
        timed_out = await gateway.send(fast, Outgoing("+13125550199", "+12125550000", "x"))
        opted_out = await gateway.send(http, Outgoing("+13125550123", "+12125550000", "x"))
        invalid = await gateway.send(http, Outgoing("12", "+12125550000", "x"))
    assert timed_out.outcome == "retry" and "Timeout" in timed_out.error
    assert opted_out.outcome == "failed" and "unsubscribed" in opted_out.error and "21610" in opted_out.error
    assert invalid.outcome == "failed" and "21211" in invalid.error
    assert twilio.sent == []


async def test_twilio_wrong_credentials_fail_and_lines_page_through(twilio):
    twilio.numbers = [{"sid": f"PN{i}", "number": f"+1212555{i:04d}"} for i in range(2500)]
    async with outbound.client() as http:
        lines = await TwilioGateway(TWILIO_SID, TWILIO_TOKEN, twilio.url).lines(http)
        wrong = await TwilioGateway(TWILIO_SID, "nope", twilio.url).send(http, Outgoing("+13125550199", "+1212", "x"))
    assert len(lines) == 2500 and lines[-1].number == "+12125552499"
    assert wrong.outcome == "failed" and "Authenticate" in wrong.error


def test_twilio_webhook_parsing_and_signature():
    gateway = TwilioGateway(TWILIO_SID, TWILIO_TOKEN)
    form = {
        "MessageSid": "SM1",
        "From": "+13125550123",
        "To": "+12125550000",
        "Body": "hi",
        "NumMedia": "1",
        "MediaUrl0": "https://api.twilio.com/m/1",
        "MediaContentType0": "image/jpeg",
    }
    url = "https://crm.example/webhook/sms/twilio"
    good = {"x-twilio-signature": FakeTwilio.sign(url, form)}
    assert gateway.verify(url, good, b"", form)
    assert not gateway.verify(url + "?x=1", good, b"", form)
    assert not gateway.verify(url, good, b"", {**form, "Body": "changed"})
    assert not gateway.verify(url, {}, b"", form)
    inbound = gateway.parse_inbound(b"", form)
    assert inbound and inbound.media == (("https://api.twilio.com/m/1", "image/jpeg"),)
    assert gateway.parse_status(b"", {"MessageSid": "SM1", "MessageStatus": "sending"}) is None
    failed = gateway.parse_status(b"", {"MessageSid": "SM1", "MessageStatus": "undelivered", "ErrorCode": "30003"})
    assert failed.status == "failed" and failed.error == "Unreachable destination handset (Twilio 30003)"


async def test_ctm_send_lines_and_errors(ctm):
    gateway = CtmGateway(CTM_ACCOUNT, CTM_ACCESS, CTM_SECRET, CTM_HOOK_SECRET, ctm.url)
    ctm.numbers = [{"sid": str(i), "number": f"+1212555{i:04d}", "name": "n"} for i in range(250)]
    ctm.unsubscribed.add("+13125550123")
    ctm.fail_next = [500]
    async with outbound.client() as http:
        lines = await gateway.lines(http)
        retry = await gateway.send(http, Outgoing("+13125550199", "+12125550000", "x"))
        ok = await gateway.send(http, Outgoing("+13125550199", "+12125550000", "hello", ("https://x/m",)))
        refused = await gateway.send(http, Outgoing("+13125550123", "+12125550000", "x"))
    assert len(lines) == 250
    assert retry.outcome == "retry"
    assert ok.outcome == "sent" and ctm.sent[0]["body"] == "hello" and ctm.sent[0]["media"] == ["https://x/m"]
    assert refused.outcome == "failed" and refused.error == "Recipient has opted out (STOP)"


def test_ctm_webhook_signature_and_payloads():
    gateway = CtmGateway(CTM_ACCOUNT, CTM_ACCESS, CTM_SECRET, CTM_HOOK_SECRET)
    raw = json.dumps(
        {"event": "text.received", "id": "SMSa", "from": "+13125550123", "to": "+12125550000", "body": "hi"}
    ).encode()
    assert gateway.verify("", {"x-ctm-signature": FakeCtm.sign(raw)}, raw, {})
    assert not gateway.verify("", {"x-ctm-signature": FakeCtm.sign(raw + b" ")}, raw, {})
    assert gateway.parse_inbound(raw, {}).provider_ref == "SMSa"
    status = json.dumps({"event": "text.status", "id": "SMSa", "status": "failed", "error": "Carrier rejected"})
    assert gateway.parse_status(status.encode(), {}).error == "Carrier rejected"


def test_provider_choice_from_the_environment():
    assert isinstance(from_environment({}), DevGateway)
    assert isinstance(
        from_environment({"SMS_PROVIDER": "twilio", "TWILIO_ACCOUNT_SID": "AC1", "TWILIO_AUTH_TOKEN": "t"}),
        TwilioGateway,
    )
    with pytest.raises(SettingsError, match="CTM_ACCESS_KEY"):
        from_environment({"SMS_PROVIDER": "ctm", "CTM_ACCOUNT_ID": "1"})
    with pytest.raises(SettingsError, match="twilio, ctm"):
        from_environment({"SMS_PROVIDER": "carrier-pigeon"})

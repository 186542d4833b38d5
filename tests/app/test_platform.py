"""Settings and secrets, the clock, and the outbound HTTP guard."""

from __future__ import annotations

import httpx
import pytest

from core import config, outbound
from core.clock import FrozenClock, iso, parse
from tests.conftest import TEST_ENV


def test_secrets_never_print():
    settings = config.load(TEST_ENV)
    text = repr(settings) + str(settings)
    assert TEST_ENV["ENCRYPTION_KEY"] not in text and TEST_ENV["WEBHOOK_SECRET"] not in text
    assert settings.webhook_secret.reveal() == TEST_ENV["WEBHOOK_SECRET"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"ENCRYPTION_KEY": ""}, "missing required secret(s): ENCRYPTION_KEY"),
        ({"ENCRYPTION_KEY": "not base64!"}, "base64"),
        ({"ENCRYPTION_KEY": "c2hvcnQ="}, "32 bytes"),
        ({"PORCHLIGHT_ENV": "staging"}, "PORCHLIGHT_ENV"),
        ({"SESSION_IDLE_MINUTES": "soon"}, "whole number"),
        ({"SESSION_IDLE_MINUTES": "0"}, "between"),
    ],
)
def test_bad_settings_are_named_clearly(change, message):
    with pytest.raises(config.SettingsError) as err:
        config.load({**TEST_ENV, **change})
    assert message in str(err.value)


def test_dev_vars_are_generated_once_with_fresh_secrets(tmp_path):
    path = tmp_path / ".dev.vars"
    assert config.ensure_dev_vars(path) is True
    first = path.read_text()
    assert config.ensure_dev_vars(path) is False and path.read_text() == first
    values = config.parse_dev_vars(first)
    config.load(values)  # what it wrote is valid
    other = tmp_path / "other"
    config.ensure_dev_vars(other)
    assert config.parse_dev_vars(other.read_text())["ENCRYPTION_KEY"] != values["ENCRYPTION_KEY"]


def test_times_are_utc_with_milliseconds():
    clock = FrozenClock("2026-03-08T06:59:59.5Z")
    assert iso(clock.now()) == "2026-03-08T06:59:59.500Z"
    clock.advance(seconds=1)
    assert iso(clock.now()) == "2026-03-08T07:00:00.500Z"
    assert parse("2026-03-08T02:00:00-05:00") == parse("2026-03-08T07:00:00Z")
    with pytest.raises(ValueError):
        iso(clock.now().replace(tzinfo=None))


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/x",
        "http://localhost:8787/",
        "http://10.0.0.5/",
        "http://192.168.1.1/",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/",
        "ftp://example.com/",
    ],
)
async def test_user_entered_urls_cannot_reach_private_addresses(url):
    async with outbound.client(guard_private=True) as c:
        with pytest.raises(outbound.BlockedDestination):
            await c.get(url)


async def test_operator_clients_may_reach_local_fakes():
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(200, json={"ok": True})

    async with outbound.client(transport=httpx.MockTransport(handler)) as c:
        assert (await c.get("http://127.0.0.1:9/ping")).json() == {"ok": True}
    assert seen == ["http://127.0.0.1:9/ping"]

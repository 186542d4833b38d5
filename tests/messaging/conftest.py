"""Email fixtures: a real SMTP server (aiosmtpd, STARTTLS and TLS) and the fake HTTP email API."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakes.email_api import FakeEmailApi
from tests.fakes.smtp import SmtpServer


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def smtp(smtp_server: SmtpServer) -> Iterator[SmtpServer]:
    smtp_server.received.clear()
    smtp_server.refuse_rcpt.clear()
    yield smtp_server


@pytest.fixture
def email_api() -> Iterator[FakeEmailApi]:
    fake = FakeEmailApi().start()
    yield fake
    fake.stop()

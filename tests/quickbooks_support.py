"""Fixtures for the QuickBooks tests (import `fake_fixture` and `settings_fixture` into a test module):
the fake server sharing the test clock, settings pointing at it,
and the connect flow driven exactly as a browser would (our app → Intuit's consent → our callback)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from core import config
from core.bindings import Bindings
from core.clock import FrozenClock
from tests.conftest import make_settings, sign_in_api
from tests.fakes.quickbooks import FakeQuickBooks

FIXTURE_COUNTS = {
    "Customer": 5,
    "Account": 4,
    "Estimate": 4,
    "Invoice": 5,
    "Payment": 3,
    "SalesReceipt": 2,
    "CreditMemo": 1,
    "RefundReceipt": 1,
}


@pytest.fixture(name="fake")
def fake_fixture(clock: FrozenClock) -> Iterator[FakeQuickBooks]:
    server = FakeQuickBooks(now=clock.now).seed_fixtures().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(name="settings")
def settings_fixture(fake: FakeQuickBooks) -> config.Settings:
    return make_settings(**fake.settings_env())


async def connect(client: httpx.AsyncClient, bindings: Bindings, owner) -> httpx.Response:
    """Sign the owner in, press Connect, consent at the fake, follow Intuit's redirect back."""
    await sign_in_api(client, bindings, owner)
    start = await client.get("/quickbooks/connect")
    assert start.status_code == 303, start.text
    async with httpx.AsyncClient() as intuit:
        consent = await intuit.get(start.headers["location"])
    assert consent.status_code == 302
    back = urlsplit(consent.headers["location"])
    return await client.get(f"{back.path}?{back.query}")


async def run_import(bindings: Bindings, **kwargs) -> list[dict[str, int]]:
    from quickbooks import importer

    ticks = []
    for _ in range(50):
        result = await importer.tick(bindings, bindings.clock.now(), **kwargs)
        ticks.append(result)
        if not result or result.get("completed"):
            return ticks
    raise AssertionError(f"the import did not finish: {ticks[-3:]}")


def rows(db_path: Path, sql: str, *params) -> list[tuple]:
    conn = sqlite3.connect(str(db_path))
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def dump(db_path: Path) -> str:
    """Every value in the database as text (to prove no token is stored in clear)."""
    conn = sqlite3.connect(str(db_path))
    try:
        return "\n".join(conn.iterdump())
    finally:
        conn.close()

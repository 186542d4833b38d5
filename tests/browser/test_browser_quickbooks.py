"""The QuickBooks maintenance page in a real browser: the owner connects through the fake Intuit's
consent redirect, starts the import, and `porchlight cron run quickbooks-import` (the CLI, as an
operator would) moves the progress bar. Screenshots of the connected and the importing page."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_browser import ARTIFACTS, browser, new_context, sign_in  # noqa: F401 (fixtures)
from tests.browser_support import (
    STARTUP_SECONDS,
    LiveServer,
    _run_cli,
    _stop,
    _wait_healthy,
    free_port,
    porchlight_command,
    require_chromium,
    server_clock,
    server_environment,
)
from tests.fakes.quickbooks import FakeQuickBooks

pytestmark = pytest.mark.browser


@contextmanager
def quickbooks_server(workdir: Path, fake: FakeQuickBooks) -> Iterator[tuple[LiveServer, dict[str, str]]]:
    """`porchlight serve` with its QBO_* settings pointing at the fake (the port is chosen first,
    because Intuit must know the redirect URI before the server starts)."""
    import time

    workdir.mkdir(parents=True, exist_ok=True)
    db_path = workdir / "porchlight.sqlite3"
    port = free_port()
    env = {**server_environment(db_path), **fake.settings_env()}
    env["QBO_REDIRECT_URI"] = f"http://127.0.0.1:{port}/quickbooks/callback"
    _run_cli(["db", "migrate"], env, workdir)
    _run_cli(["demo", "seed", "--people-only"], env, workdir)  # the walk connects QuickBooks itself
    server = LiveServer(f"http://127.0.0.1:{port}", db_path, workdir / "server.log")
    with server.log_path.open("wb") as log:
        process = subprocess.Popen(
            [*porchlight_command(), "serve", "--host", "127.0.0.1", "--port", str(port), "--no-cron"],
            env=env,
            cwd=workdir,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_healthy(server, process, time.monotonic() + STARTUP_SECONDS)
            yield server, env
        finally:
            _stop(process)


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeQuickBooks]:
    require_chromium()
    server = FakeQuickBooks(now=server_clock().now).seed_fixtures()
    server.generate("Invoice", 9000)  # enough that one cron tick leaves the import half done
    server.start()
    try:
        yield server
    finally:
        server.stop()


def test_the_owner_connects_and_watches_the_import(browser, fake, tmp_path_factory) -> None:  # noqa: F811
    ARTIFACTS.mkdir(exist_ok=True)
    workdir = tmp_path_factory.mktemp("qbo-live")
    with quickbooks_server(workdir, fake) as (server, env):
        context = new_context(browser, server)
        page: Page = context.new_page()
        sign_in(page, "owner@porchlight.test", "owner-demo-pass")
        page.goto("/maintenance")
        page.get_by_role("link", name=re.compile("QuickBooks")).click()
        expect(page.get_by_role("heading", name="QuickBooks")).to_be_visible()
        expect(page.locator(".qb-connection")).to_contain_text("Not connected")
        expect(page.locator(".qb-import")).to_contain_text("Connect QuickBooks before running")

        page.get_by_role("link", name="Connect QuickBooks").click()  # → Intuit (the fake) → our callback
        expect(page).to_have_url(re.compile(r"/maintenance/quickbooks$"))
        expect(page.locator(".flash")).to_contain_text("Connected to Porchlight Test Plumbing")
        panel = page.locator(".qb-connection")
        expect(panel).to_contain_text("Connected")
        expect(panel).to_contain_text("9341453050298464")
        expect(panel).to_contain_text("healthy")
        page.screenshot(path=str(ARTIFACTS / "quickbooks-connected-owner-desktop.png"), full_page=True)

        page.get_by_role("button", name="Start import").click()
        expect(page.locator("#qb-progress")).to_contain_text("Running")
        expect(page.get_by_role("button", name="Start import")).to_be_disabled()

        ticked = json.loads(_run_cli(["cron", "run", "quickbooks-import"], env, workdir))
        assert ticked["job"] == "quickbooks-import" and ticked["pages"] == 8
        page.reload()
        progress = page.locator("#qb-progress")
        expect(progress).to_contain_text("Running")
        expect(progress).to_contain_text("of 9025 records")
        bar = page.get_by_role("progressbar", name="Import progress")
        value = int(bar.get_attribute("aria-valuenow") or "0")
        assert 40 <= value <= 70, value
        page.screenshot(path=str(ARTIFACTS / "quickbooks-importing-owner-desktop.png"), full_page=True)

        for _ in range(5):
            done = json.loads(_run_cli(["cron", "run", "quickbooks-import"], env, workdir))
            if done.get("completed"):
                break
        # The page polls while the run is going; it turns to Completed without a reload.
        expect(progress).to_contain_text("Completed", timeout=15_000)
        sync = json.loads(_run_cli(["cron", "run", "quickbooks-sync"], env, workdir))
        assert sync["job"] == "quickbooks-sync" and "updated" in sync
        context.close()

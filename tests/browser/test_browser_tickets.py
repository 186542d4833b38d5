"""Seed 000's troubleshooting workflow in a real browser, the live server pointed at the fake Anthropic
API: an agent asks the assistant (a tool chip, a Markdown table), saves the unattached chat to a new
ticket for the customer (steps 1–4), pastes a call transcript, chooses recommendations, watches the
draft stream in, edits it, creates the PDF and sends the email draft. Screenshots at 1280 and 390 px."""

from __future__ import annotations

import io
import json
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pypdf
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
    server_environment,
)
from tests.fakes.anthropic import API_KEY, FakeAnthropic, Reply

pytestmark = pytest.mark.browser
SHOTS = ARTIFACTS / "tickets"
NARROW = {"width": 390, "height": 844}
DRAFT = (
    "## Summary\nThe door reversed before closing because the left safety sensor was out of line. "
    "We re-aimed it until both lights stayed steady and ran three full cycles.\n"
    "## Recommendations\n- Keep the sensor path clear.\n- Wipe both lenses every few months."
)


@contextmanager
def ai_server(workdir: Path, fake: FakeAnthropic) -> Iterator[LiveServer]:
    workdir.mkdir(parents=True, exist_ok=True)
    db_path = workdir / "porchlight.sqlite3"
    port = free_port()
    env = {**server_environment(db_path), "ANTHROPIC_API_KEY": API_KEY, "ANTHROPIC_BASE_URL": fake.base_url}
    _run_cli(["db", "migrate"], env, workdir)
    _run_cli(["demo", "seed", "--people-only"], env, workdir)
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
            yield server
        finally:
            _stop(process)


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeAnthropic]:
    require_chromium()
    with FakeAnthropic() as running:
        yield running


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, fake: FakeAnthropic) -> Iterator[LiveServer]:
    with ai_server(tmp_path_factory.mktemp("tickets"), fake) as running:
        yield running


def create_customer(page: Page) -> str:
    page.goto("/")
    csrf = json.loads(page.locator("body").get_attribute("hx-headers") or "{}")["X-CSRF-Token"]
    response = page.request.post(
        "/api/customers",
        headers={"x-csrf-token": csrf},
        data={
            "name": "Marta Flores",
            "contact": {"name": "Marta Flores", "phone": "305 555 0101", "email": "marta@example.com"},
            "billing_address": {"line1": "221 Coral Way", "city": "Miami", "state": "FL", "zip": "33145"},
        },
    )
    assert response.status == 201, response.text()
    return response.json()["id"]


def shoot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_troubleshoot_save_the_chat_summarise_pdf_and_email(browser, server, fake) -> None:  # noqa: F811
    context = new_context(browser, server)
    page = context.new_page()
    sign_in(page, "agent@porchlight.test", "agent-demo-pass")
    display = create_customer(page)

    # the assistant panel: one tool call (a chip) and a Markdown table in the answer
    fake.queue(
        Reply(tool_uses=[("list_customers", {"query": "Flores"})]),
        Reply(
            text="Found one customer:\n\n| Customer | Open tickets |\n|---|---|\n| Marta Flores | 0 |\n\n"
            "She has no ticket yet."
        ),
    )
    page.goto("/clients")
    page.get_by_role("button", name="✦ Ask AI").click()
    panel = page.locator("#ai-panel")
    panel.get_by_label("Question").fill("Marta Flores says her opener reverses. Is she a customer?")
    panel.get_by_role("button", name="Ask").click()
    expect(panel.locator(".ai-chip")).to_contain_text("list_customers")
    expect(panel.locator("table.md-table")).to_contain_text("Marta Flores")
    panel.locator(".ai-chip summary").click()
    expect(panel.locator(".ai-chip pre").last).to_contain_text(display)
    shoot(page, "assistant-panel-1280")

    # steps 1–4 from the unattached chat
    panel.get_by_text("Save this chat to a ticket…").click()
    expect(page.locator(".lede")).to_have_text("Choose where this unattached chat should be saved.")
    page.get_by_label("Step 1: search by customer, company, or ticket number").fill("Flores")
    page.get_by_role("button", name="Search").click()
    page.locator("main a.btn", has_text="Marta Flores").click()
    expect(page.locator("main")).to_contain_text(
        "Choose whether to save this chat to an existing ticket or create a new one for this client."
    )
    page.get_by_label("Or a new ticket").fill("Opener reverses before closing")
    page.get_by_role("button", name="Create ticket and save chat").click()
    expect(page.locator(".flash")).to_contain_text("Chat saved to the ticket.")
    expect(page.locator("h1")).to_contain_text("Opener reverses before closing")
    number = page.locator("h1 .muted").inner_text().strip()
    expect(page.locator("#entries")).to_contain_text("Saved chat")

    # a pasted phone transcript
    page.get_by_label("Transcript (paste a call or chat)").check()
    page.locator("#entries textarea[name=body]").fill(
        "Caller: it goes down halfway, then back up.\nTech: check the sensor lights."
    )
    page.get_by_role("button", name=f"Save to {number}").click()
    expect(page.locator(".flash")).to_contain_text("Transcript saved.")

    # the summary: choose first, the draft streams in, edit, PDF, email draft, Send
    fake.queue(Reply(text=DRAFT, pieces=8))
    summary = page.locator("#summary")
    expect(summary).to_contain_text(
        "Choose whether this summary should include recommendations before the draft is generated."
    )
    summary.get_by_label("Include recommendations").check()
    summary.get_by_role("button", name="Start the summary").click()
    expect(page.locator("#summary textarea[name=summary]")).to_have_value(
        "The door reversed before closing because the left safety sensor was out of line. "
        "We re-aimed it until both lights stayed steady and ran three full cycles."
    )
    expect(page.locator("#summary textarea[name=advice]")).to_contain_text("Wipe both lenses")
    page.locator("#summary textarea[name=summary]").fill(
        "The door reversed because the left safety sensor was out of line. We re-aimed it; three cycles passed."
    )
    page.get_by_role("button", name="Save edits").click()
    expect(page.locator(".flash")).to_contain_text("Summary saved.")
    page.get_by_role("button", name="Create PDF").click()
    expect(page.locator(".flash")).to_contain_text("PDF created")
    email = page.locator("#email")
    expect(email.get_by_label("To", exact=True)).to_have_value("marta@example.com")
    expect(email.get_by_label("Subject")).to_have_value(f"Your support summary - {number}")
    pdf = page.request.get(email.get_by_role("link", name=f"{number}-summary.pdf").get_attribute("href") or "")
    text = "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf.body())).pages)
    assert "Marta Flores" in text and number in text and "three cycles passed" in text and "Recommendations" in text
    shoot(page, "ticket-1280")
    page.set_viewport_size(NARROW)
    shoot(page, "ticket-390")
    page.set_viewport_size({"width": 1280, "height": 800})
    email.get_by_role("button", name="Send").click()
    expect(page.locator(".flash")).to_contain_text("Email to marta@example.com queued.")
    expect(page.locator("#email")).to_contain_text("Sent to marta@example.com")

    page.goto(f"/tickets?q={number}")
    expect(page.locator("main")).to_contain_text("Marta Flores")
    shoot(page, "tickets-search-1280")
    page.goto("/assistant")
    page.locator("main table a").last.click()  # the first conversation: its replay with the chip
    expect(page.locator(".ai-replay .ai-chip")).to_contain_text("list_customers")
    expect(page.locator(".ai-replay table.md-table")).to_contain_text("Marta Flores")
    shoot(page, "assistant-replay-1280")
    page.goto(f"/clients/{display}")
    expect(page.locator("#tickets")).to_contain_text(number)
    page.set_viewport_size(NARROW)
    page.get_by_role("button", name="✦ Ask AI").click()
    shoot(page, "client-with-panel-390")
    context.close()

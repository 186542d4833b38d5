"""The 📱 slide-over (issue 21, seed 002 "SMS panel"): every staff page carries the empty dialog and a 📱
that still links to /sms without JS; /sms/panel is the same inbox as a fragment, with the same filters,
thread choice and office scope (SMS-3, SMS-11); the /sms page itself keeps the full page."""

from __future__ import annotations

import re

import pytest

from core.sms_gateway import TwilioGateway
from tests.conftest import sign_in
from tests.fakes.sms_providers import TWILIO_SID, TWILIO_TOKEN, FakeTwilio
from tests.sms_support import CUSTOMER, LINE_A, LINE_B, PUBLIC, make_lines, rows, text_in

HX = {"HX-Request": "true"}


@pytest.fixture
async def setup(bindings, people):
    fake = FakeTwilio().start()
    bindings.sms = TwilioGateway(TWILIO_SID, TWILIO_TOKEN, fake.url, PUBLIC)
    made = await make_lines(bindings, people)
    yield made
    fake.close()


async def test_every_staff_page_has_the_dialog_and_a_plain_link(client, bindings, people, setup):
    await sign_in(client, bindings, people.agent)
    page = (await client.get("/leads")).text
    link = re.search(r'<a class="sms-top[^>]*>', page)
    assert link and 'href="/sms"' in link.group(0) and "data-sms-open" in link.group(0)
    assert 'aria-controls="sms-overlay"' in link.group(0) and 'aria-expanded="false"' in link.group(0)
    dialog = re.search(r'<div class="sms-overlay"[^>]*>', page)
    assert dialog and 'role="dialog"' in dialog.group(0) and 'aria-label="SMS conversations"' in dialog.group(0)
    empty = '<div class="sms-overlay-body" id="sms-overlay-body" aria-busy="false"></div>'
    assert " hidden" in dialog.group(0) and empty in page
    assert "/static/sms-panel.js" in page and "/static/sms.js" in page
    full = (await client.get("/sms")).text  # the full page: no second inbox, 📱 a plain link
    assert 'id="sms-overlay"' not in full and "data-sms-open" not in full and full.count('id="sms-panel"') == 1


async def test_the_fragment_is_the_inbox_with_filters_and_a_chosen_thread(client, bindings, people, setup):
    await text_in(client, CUSTOMER, LINE_A, "Is the tech still coming today?")
    await text_in(client, "+13125550177", LINE_A, "Quote for two doors please")
    await sign_in(client, bindings, people.agent)
    fragment = await client.get("/sms/panel", headers=HX)
    assert fragment.status_code == 200
    assert "<html" not in fragment.text and "<h1" not in fragment.text  # the page underneath keeps its heading
    assert fragment.text.count("data-thread=") == 2 and 'id="sms-thread"' in fragment.text
    assert 'action="/sms/threads/' in fragment.text and "data-reply" in fragment.text  # the reply form
    assert re.search(r'data-stamp="\d+"', fragment.text)
    searched = await client.get("/sms/panel", params={"q": "two doors"}, headers=HX)
    assert searched.text.count("data-thread=") == 1 and "Quote for two doors" in searched.text
    assert 'data-query="q=two+doors"' in searched.text and "Clear all" in searched.text
    (older,) = await rows(bindings, "SELECT t.id FROM sms_threads t WHERE t.their_last10 = ?", CUSTOMER[-10:])
    chosen = await client.get("/sms/panel", params={"thread": older["id"]}, headers=HX)
    assert f'data-selected="{older["id"]}"' in chosen.text and "has-thread" in chosen.text
    assert "Is the tech still coming today?" in chosen.text


async def test_office_scope_and_the_no_js_fallback(client, bindings, people, setup):
    await text_in(client, CUSTOMER, LINE_B, "West office question")
    (thread,) = await rows(bindings, "SELECT id FROM sms_threads")
    await sign_in(client, bindings, people.agent)  # office A only (SMS-11)
    assert (await client.get("/sms/panel", params={"thread": thread["id"]}, headers=HX)).status_code == 404
    assert "West office question" not in (await client.get("/sms/panel", headers=HX)).text
    await sign_in(client, bindings, people.agent_b)
    assert "West office question" in (await client.get("/sms/panel", headers=HX)).text
    plain = await client.get("/sms/panel", params={"thread": thread["id"], "q": "west"})
    assert plain.status_code == 303 and plain.headers["location"] == f"/sms?thread={thread['id']}&q=west"

"""Small things a user notices (issue 17): the favicon, the API token's Copy button, Billing and
QuickBooks written for an office owner. (The 403 numeral, the booking builder at 390 px, wide tables
on a phone and the leads table at 1280 px are measured in tests/browser/test_browser_issue17.py.)"""

from __future__ import annotations

import re
import struct
from pathlib import Path

from tests.conftest import sign_in

ROOT = Path(__file__).resolve().parents[2]
STATIC = ROOT / "public" / "static"
TEMPLATES = ROOT / "src" / "templates"
SETTING_NAME = re.compile(r"\b[A-Z]{2,}_[A-Z0-9_]{2,}\b")


async def test_every_page_links_the_svg_and_ico_favicons(client, bindings, people):
    await sign_in(client, bindings, people.agent)
    page = (await client.get("/leads")).text
    assert '<link rel="icon" href="/static/favicon.ico"' in page
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in page
    client.cookies.clear()
    for public in ("/login", "/request-help"):  # signed out too, and the public form's own base
        assert '<link rel="icon" href="/static/favicon.ico"' in (await client.get(public)).text, public
    data = (STATIC / "favicon.ico").read_bytes()
    reserved, kind, count = struct.unpack("<HHH", data[:6])
    assert (reserved, kind) == (0, 1) and count >= 2  # an icon file with several sizes
    sizes = [data[6 + 16 * n] or 256 for n in range(count)]
    assert 16 in sizes and 32 in sizes
    first_offset = struct.unpack("<I", data[6 + 12 : 6 + 16])[0]
    assert data[first_offset : first_offset + 8] == b"\x89PNG\r\n\x1a\n"


async def test_a_new_api_token_has_a_copy_button(client, bindings, people):
    csrf = await sign_in(client, bindings, people.agent)
    r = await client.post("/account/tokens", data={"csrf_token": csrf, "name": "Zapier"}, follow_redirects=True)
    token = re.search(r'<code class="token" id="new-token">([^<]+)</code>', r.text)
    assert token and len(token.group(1)) > 20
    assert 'data-copy="#new-token"' in r.text and '<script src="/static/copy.js" defer></script>' in r.text
    assert "navigator.clipboard" in (STATIC / "copy.js").read_text()
    assert 'data-copy="#new-token"' not in (await client.get("/account")).text  # shown once only


def test_billing_and_quickbooks_pages_name_no_settings():
    """Written for an office owner: no environment-variable names on the pages (they live in docs)."""
    pages = [
        *TEMPLATES.glob("billing/*.html"),
        *TEMPLATES.glob("maintenance/*quickbooks*.html"),
        TEMPLATES / "help/quickbooks.html",
    ]
    assert len(pages) >= 5
    found = {p.name: SETTING_NAME.findall(p.read_text()) for p in pages}
    assert not {k: v for k, v in found.items() if v}


async def test_billing_not_connected_says_who_to_ask(client, bindings, people):
    await sign_in(client, bindings, people.finance)
    page = (await client.get("/billing")).text
    assert "Ask your company's Porchlight owner to connect it." in page and 'href="/help/quickbooks"' in page
    await sign_in(client, bindings, people.owner)
    page = (await client.get("/billing")).text
    assert 'href="/maintenance/quickbooks">Connect it in Maintenance' in page
    assert SETTING_NAME.findall(re.sub(r"<script.*?</script>", "", page, flags=re.S)) == []

"""The AI summary (seed 000): recommendations chosen first, the streamed draft, edit, the PDF (parsed
back with pypdf), the email draft to the primary contact, sent once and only on Send."""

from __future__ import annotations

import io
import json

import pypdf
import pytest

from tests.assistant_support import sse_events
from tests.conftest import sign_in_api
from tests.customers_support import make_customer
from tests.fakes.anthropic import Reply

pytestmark = pytest.mark.asyncio

DRAFT = (
    "## Summary\nThe opener's safety sensor was misaligned; we realigned it.\n"
    "## Recommendations\n- Keep the sensors clear."
)


async def _ticket(client, bindings, people, name="Dana Rivera", email="dana@example.test"):
    customer = await make_customer(bindings, people.office_a, name, email=email)
    await sign_in_api(client, bindings, people.agent)
    number = (
        await client.post(f"/api/customers/{customer['display_id']}/tickets", json={"title": "Door reverses"})
    ).json()["number"]
    await client.post(
        f"/api/tickets/{number}/entries", json={"kind": "transcript", "body": "Customer: door goes back up."}
    )
    return customer, number


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)


async def test_the_choice_comes_first(client, bindings, people, fake_ai):
    _, number = await _ticket(client, bindings, people)
    refused = await client.post(f"/api/tickets/{number}/summaries", json={})
    assert refused.status_code == 422
    assert refused.json()["fields"]["recommendations"] == (
        "Choose whether this summary should include recommendations before the draft is generated."
    )
    page = await client.get(f"/tickets/{number}")
    assert "Choose whether this summary should include recommendations before the draft is generated." in page.text


@pytest.mark.parametrize("recommendations", [True, False])
async def test_draft_edit_pdf_and_email(client, bindings, people, fake_ai, recommendations):
    customer, number = await _ticket(client, bindings, people)
    started = (await client.post(f"/api/tickets/{number}/summaries", json={"recommendations": recommendations})).json()
    sid = started["id"]
    fake_ai.queue(Reply(text=DRAFT if recommendations else DRAFT.split("## Recommendations")[0], pieces=5))
    streamed = await client.post(f"/api/tickets/{number}/summaries/{sid}/draft")
    events = sse_events(streamed)
    assert [e["event"] for e in events].count("text") == 5 and events[-1]["event"] == "done"
    # the ticket's contents went to the model as data, and no tools were offered
    sent = fake_ai.requests[-1]
    assert "door goes back up" in json.dumps(sent["messages"]) and "tools" not in sent
    assert ("## Recommendations" in sent["system"]) is recommendations
    whole = (await client.get(f"/api/tickets/{number}")).json()["summaries"][0]
    assert whole["summary"] == "The opener's safety sensor was misaligned; we realigned it."
    assert whole["advice"] == ("- Keep the sensors clear." if recommendations else "")
    edited = await client.patch(
        f"/api/tickets/{number}/summaries/{sid}",
        json={
            "summary": whole["summary"] + " Tested 3 cycles.",
            "advice": "- Clean the lenses monthly.",
            "version": whole["version"],
        },
    )
    assert edited.status_code == 200, edited.text
    assert (await bindings.db.first("SELECT COUNT(*) AS n FROM outbox"))["n"] == 0
    made = await client.post(f"/api/tickets/{number}/summaries/{sid}/pdf")
    assert made.status_code == 200, made.text
    body = made.json()
    assert body["email"]["to"] == "dana@example.test" and number in body["email"]["subject"]
    assert "Tested 3 cycles." in body["email"]["text"]
    download = await client.get(f"/tickets/{number}/summaries/{sid}/pdf")
    assert download.headers["content-type"] == "application/pdf"
    text = pdf_text(download.content)
    assert "Garage" in text and "Dana Rivera" in text and customer["display_id"] in text and number in text
    assert "Tested 3 cycles." in text and "November 22, 2026" in text
    assert ("Recommendations" in text and "Clean the lenses monthly." in text) is recommendations
    assert (await bindings.db.first("SELECT COUNT(*) AS n FROM outbox"))["n"] == 0  # nothing sent yet
    email = {"to": "dana@example.test", "subject": body["email"]["subject"], "text": body["email"]["text"]}
    first = await client.post(f"/api/tickets/{number}/summaries/{sid}/send", json=email)
    again = await client.post(f"/api/tickets/{number}/summaries/{sid}/send", json=email)
    assert first.status_code == 200 and again.status_code == 409
    rows = await bindings.db.all("SELECT kind, payload FROM outbox")
    assert len(rows) == 1 and rows[0]["kind"] == "email"
    payload = json.loads(rows[0]["payload"]) if isinstance(rows[0]["payload"], str) else rows[0]["payload"]
    assert payload["to"] == "dana@example.test" and "Tested 3 cycles." in payload["text"]
    # the PDF goes with the email: the payload names its file-store key, read at delivery
    [attached] = payload["attachments"]
    assert attached["filename"] == f"{number}-summary.pdf" and attached["content_type"] == "application/pdf"
    assert await bindings.files.get(attached["key"]) == download.content
    assert first.json()["email"]["message_id"] and first.json()["email"]["sent_at"]


async def test_unicode_in_the_pdf_is_kept_or_clearly_replaced(client, bindings, people, fake_ai):
    _, number = await _ticket(client, bindings, people, name="José Müller-Øvergård")
    sid = (await client.post(f"/api/tickets/{number}/summaries", json={"recommendations": False})).json()["id"]
    await client.patch(
        f"/api/tickets/{number}/summaries/{sid}", json={"summary": "Café “quoted” – €40 · 日本語 ✓ emoji 🚪"}
    )
    assert (await client.post(f"/api/tickets/{number}/summaries/{sid}/pdf")).status_code == 200
    text = pdf_text((await client.get(f"/tickets/{number}/summaries/{sid}/pdf")).content)
    assert "José Müller-Øvergård" in text and "Café “quoted” – €40" in text
    assert "could not be shown in this PDF's font" in text and "U+65E5" in text and "U+1F6AA" in text


async def test_a_five_page_summary_paginates(client, bindings, people, fake_ai):
    _, number = await _ticket(client, bindings, people)
    sid = (await client.post(f"/api/tickets/{number}/summaries", json={"recommendations": False})).json()["id"]
    long = "\n".join(f"Step {i}: checked the opener's wiring, sensors and limits." for i in range(230))
    await client.patch(f"/api/tickets/{number}/summaries/{sid}", json={"summary": long})
    await client.post(f"/api/tickets/{number}/summaries/{sid}/pdf")
    data = (await client.get(f"/tickets/{number}/summaries/{sid}/pdf")).content
    pages = pypdf.PdfReader(io.BytesIO(data)).pages
    assert len(pages) >= 5 and "Step 229:" in pages[-1].extract_text()


async def test_no_primary_email_leaves_the_address_to_type(client, bindings, people, fake_ai):
    _, number = await _ticket(client, bindings, people, name="No Email", email="")
    sid = (await client.post(f"/api/tickets/{number}/summaries", json={"recommendations": False})).json()["id"]
    await client.patch(f"/api/tickets/{number}/summaries/{sid}", json={"summary": "Done."})
    made = (await client.post(f"/api/tickets/{number}/summaries/{sid}/pdf")).json()
    assert made["email"]["to"] == ""
    bad = await client.post(
        f"/api/tickets/{number}/summaries/{sid}/send", json={"to": "nope", "subject": "s", "text": "t"}
    )
    assert bad.status_code == 422 and "to" in bad.json()["fields"]
    assert (await bindings.db.first("SELECT COUNT(*) AS n FROM outbox"))["n"] == 0

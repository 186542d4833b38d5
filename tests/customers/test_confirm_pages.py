"""Issue 17, "Safe, guided actions": every destructive action asks first. The buttons are GET forms
with data-confirm (a dialog with JavaScript, tests/browser/test_browser_confirm.py); without it the
GET is a confirmation page whose form POSTs to the same path. Deleting a contact takes typing Delete
(seed 004), checked on the POST too. Each page looks its record up like the POST (404 elsewhere)."""

from __future__ import annotations

import re

from customers import notes as customer_notes
from tests.conftest import sign_in_api
from tests.customers_support import make_customer
from tests.leads.test_leads_queue import make_lead


def confirm_form(html: str, action: str) -> str:
    """The confirmation page's POST form (the page must hold exactly one, aimed at the action)."""
    forms = re.findall(r'<form method="post" action="([^"]+)"', html)
    assert action in forms, forms
    return re.search(rf'<form method="post" action="{re.escape(action)}".*?</form>', html, re.S).group(0)


async def test_deleting_a_contact_asks_for_the_typed_word_on_both_paths(client, bindings, people, database):
    customer = await make_customer(
        bindings, people.office_a, "Ada Main", contacts=(("Sam Second", "sam@x.test", None),)
    )
    display = customer["display_id"]
    sam = await database.first("SELECT id FROM customer_contacts WHERE name = 'Sam Second'")
    path = f"/clients/{display}/contacts/{sam['id']}/delete"
    csrf = await sign_in_api(client, bindings, people.agent)

    record = (await client.get(f"/clients/{display}")).text
    button = re.search(rf'<form method="get" action="{re.escape(path)}"[^>]*>', record).group(0)
    assert 'data-confirm="Delete the contact Sam Second?"' in button and 'data-confirm-type="Delete"' in button
    assert "csrf_token" not in re.search(
        rf'<form method="get" action="{re.escape(path)}".*?</form>', record, re.S
    ).group(0)

    page = await client.get(path)  # no JavaScript: the GET is the confirmation page
    assert page.status_code == 200 and "Delete the contact Sam Second?" in page.text
    form = confirm_form(page.text, path)
    assert 'name="confirm"' in form and "<span>Type <strong>Delete</strong> to confirm</span>" in form
    assert f'href="/clients/{display}#contacts"' in page.text  # Cancel goes back
    assert await database.first("SELECT id FROM customer_contacts WHERE id = ?", sam["id"])  # nothing yet

    for typed in ("", "delet", "yes"):
        r = await client.post(path, data={"csrf_token": csrf, "confirm": typed})
        assert r.status_code == 303 and r.headers["location"] == path  # back to the page, saying why
        assert "Type%20Delete%20to%20confirm" in r.headers["set-cookie"]
        assert await database.first("SELECT id FROM customer_contacts WHERE id = ?", sam["id"])
    r = await client.post(path, data={"csrf_token": csrf, "confirm": "delete"})  # any case, as seed 004 writes it
    assert r.status_code == 303 and r.headers["location"] == f"/clients/{display}#contacts"
    assert await database.first("SELECT id FROM customer_contacts WHERE id = ?", sam["id"]) is None


async def test_address_note_and_merge_confirm_first_and_keep_to_the_office(client, bindings, people, database):
    customer = await make_customer(bindings, people.office_a, "Ada Main")
    other = await make_customer(bindings, people.office_a, "Ada Twin")
    elsewhere = await make_customer(bindings, people.office_b, "Bea West")
    display = customer["display_id"]
    note_id = await customer_notes.add_note(database, bindings.clock.now(), people.agent, customer, "Gate code is 1234")
    await sign_in_api(client, bindings, people.admin)

    page = await client.get(f"/clients/{display}/notes/{note_id}/delete")
    assert page.status_code == 200 and "Delete this note?" in page.text and "Gate code is 1234" in page.text
    confirm_form(page.text, f"/clients/{display}/notes/{note_id}/delete")
    assert (await client.get(f"/clients/{elsewhere['display_id']}/notes/{note_id}/delete")).status_code == 404
    assert (await client.get(f"/clients/{display}/notes/999999/delete")).status_code == 404
    assert (await client.get(f"/clients/{display}/addresses/999999/delete")).status_code == 404

    merge = await client.get(f"/clients/{display}/merge", params={"other": other["display_id"], "keep": "this"})
    assert merge.status_code == 200
    assert f"Merge {other['display_id']} into {display}?" in merge.text
    form = confirm_form(merge.text, f"/clients/{display}/merge")
    assert f'name="other" value="{other["display_id"]}"' in form and 'name="keep" value="this"' in form
    assert (await database.first("SELECT archived_at FROM customers WHERE id = ?", other["id"]))["archived_at"] is None
    far = await client.get(f"/clients/{display}/merge", params={"other": elsewhere["display_id"]})
    assert far.status_code == 404  # another office's customer: as if it did not exist

    await sign_in_api(client, bindings, people.viewer)
    assert (await client.get(f"/clients/{display}/notes/{note_id}/delete")).status_code == 403


async def test_lead_archive_delete_and_photo_ask_first(client, bindings, people, database):
    display = await make_lead(bindings, people.office_a, name="Arch Ivy")
    far = await make_lead(bindings, people.office_b, name="Far Fay")
    csrf = await sign_in_api(client, bindings, people.admin)
    panel = (await client.get(f"/leads/{display}", headers={"HX-Request": "true"})).text
    archive = re.search(rf'<form method="get" action="/leads/{display}/archive"[^>]*>', panel).group(0)
    assert f'data-confirm="Archive {display}?"' in archive and 'data-confirm-button="Confirm"' in archive
    assert f'hx-post="/leads/{display}/archive"' in archive  # in the panel the confirmed POST goes through htmx

    page = await client.get(f"/leads/{display}/archive")
    assert page.status_code == 200 and f"Archive {display}?" in page.text
    assert ">Confirm</button>" in confirm_form(page.text, f"/leads/{display}/archive")
    assert (await database.first("SELECT archived_at FROM leads WHERE display_id = ?", display))["archived_at"] is None
    assert (await client.get(f"/leads/{far}/archive")).status_code == 404
    r = await client.post(f"/leads/{display}/archive", data={"csrf_token": csrf})
    assert r.status_code == 303
    assert (await database.first("SELECT archived_at FROM leads WHERE display_id = ?", display))["archived_at"]

    assert (await client.get(f"/leads/{display}/delete")).status_code == 403  # deleting for good: the owner's
    await sign_in_api(client, bindings, people.owner)
    page = await client.get(f"/leads/{display}/delete")
    assert page.status_code == 200 and "cannot be undone" in page.text
    confirm_form(page.text, f"/leads/{display}/delete")
    assert (await client.get(f"/leads/{display}/photos/999999/delete")).status_code == 404
    await sign_in_api(client, bindings, people.agent)
    assert (await client.get(f"/leads/{display}/archive")).status_code == 403

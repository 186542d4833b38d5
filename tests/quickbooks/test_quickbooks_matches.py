"""Customer identity against the fake Intuit: exactly one shared e-mail or phone links automatically
(after import and sync pages, idempotently); ambiguous, name-only and inactive ones wait with
candidates; a person links, creates, ignores and undoes; no CRM field changes but the link.

Imported QuickBooks customers (tests/fixtures/quickbooks/customers.json): 1 Ada Lovelace
(ada@example.com, 415 555 0101), 2 Brightside Plumbing LLC (billing@brightside.example, 212 555 0199),
3 Carmen Ortiz (carmen.ortiz@example.net, 212 555 0133), 4 Dmitri Volkov (deleted) — inactive,
dmitri@example.org —, 5 Elm Street HOA (503 555 0177 x12).
"""

from __future__ import annotations

import cron
from quickbooks import identity, sync
from tests.conftest import sign_in
from tests.customers_support import make_customer
from tests.quickbooks_support import connect, fake_fixture, rows, run_import, settings_fixture  # noqa: F401


async def book(bindings, people) -> dict[str, dict]:
    """Porchlight's side before the import."""
    a, b = people.office_a, people.office_b
    return {
        # Ada: our own spelling of her name, the same e-mail: one match.
        "ada": await make_customer(bindings, a, "Ada L.", email="ada@example.com", phone="6175550100"),
        # Carmen's number belongs to two of our customers: ambiguous.
        "carmen1": await make_customer(bindings, a, "Carmen Ortiz", phone="2125550133"),
        "carmen2": await make_customer(bindings, a, "C. Ortiz Cleaning", contacts=(("Front desk", "", "2125550133"),)),
        # Brightside: no shared e-mail or phone, only a similar name.
        "bright": await make_customer(
            bindings, a, "Brightside Plumbing", kind="company", company="Brightside Plumbing"
        ),
        # Dmitri shares an e-mail, but QuickBooks made him inactive.
        "dmitri": await make_customer(bindings, b, "Dmitri Volkov", email="dmitri@example.org"),
    }


async def imported(client, bindings, people) -> dict[str, dict]:
    ours = await book(bindings, people)
    await connect(client, bindings, people.owner)
    await client.post("/api/quickbooks/import", json={})
    ticks = await run_import(bindings)
    assert sum(t.get("linked", 0) for t in ticks) == 1, ticks
    return ours


def link_of(db_path, customer: dict) -> str | None:
    return rows(db_path, "SELECT quickbooks_customer_id FROM customers WHERE id = ?", customer["id"])[0][0]


async def test_exactly_one_shared_email_or_phone_links_automatically(client, bindings, people, fake, db_path, clock):
    ours = await imported(client, bindings, people)
    assert link_of(db_path, ours["ada"]) == "1"
    for key in ("carmen1", "carmen2", "bright", "dmitri"):
        assert link_of(db_path, ours[key]) is None, key
    # Nothing of Ada's changed but the link (QuickBooks calls her "Ada Lovelace", phone 415…).
    assert rows(db_path, "SELECT name, email, phone_last10 FROM customers WHERE id = ?", ours["ada"]["id"]) == [
        ("Ada L.", "ada@example.com", "6175550100")
    ]
    timeline = rows(
        db_path, "SELECT kind, body, actor_label FROM timeline_entries WHERE subject_id = ?", ours["ada"]["id"]
    )
    assert timeline == [("billing", "Linked to QuickBooks customer Ada Lovelace (same e-mail or phone)", "System")]
    audit = rows(db_path, "SELECT summary, office_id FROM audit_log WHERE action = 'quickbooks.match.auto_linked'")
    assert audit == [
        (
            f"{ours['ada']['display_id']}: Linked to QuickBooks customer Ada Lovelace (same e-mail or phone)",
            people.office_a.id,
        )
    ]

    # Idempotent: running again (and a sync that brought changes) links nothing twice.
    assert await identity.auto_link(bindings.db, fake.realm, clock.now()) == 0
    # A phone number fixed in QuickBooks makes Carmen unambiguous? No: both of ours still share it.
    # But a new QuickBooks customer with only Brightside's new e-mail links on the next sync.
    await bindings.db.run("UPDATE customers SET email = 'office@brightside.example' WHERE id = ?", ours["bright"]["id"])
    clock.advance(minutes=10)
    fake.update("Customer", "2", PrimaryEmailAddr={"Address": "Office@Brightside.example"})
    result = await cron.run_job(bindings, "quickbooks-sync")
    assert result["linked"] == 1, result
    assert link_of(db_path, ours["bright"]) == "2"
    assert len(rows(db_path, "SELECT 1 FROM audit_log WHERE action = 'quickbooks.match.auto_linked'")) == 2
    assert (await sync.tick(bindings, clock.now())).get("linked", 0) == 0


async def test_the_queue_offers_candidates_for_the_rest(client, bindings, people, fake, db_path):
    ours = await imported(client, bindings, people)
    found = (await client.get("/api/quickbooks/matches")).json()
    assert found["counts"] == {"pending": 3, "linked": 1, "ignored": 0, "unlinked": 0}
    items = {i["qbo_id"]: i for i in found["items"]}
    assert set(items) == {"2", "3", "5"}  # Dmitri is inactive in QuickBooks: not waiting for review
    carmen = items["3"]
    assert [c["customer"] for c in carmen["candidates"]] == [
        ours["carmen1"]["display_id"],
        ours["carmen2"]["display_id"],
    ]
    assert carmen["candidates"][0]["reasons"] == ["email or phone", "similar name"]
    assert carmen["candidates"][1]["reasons"] == ["email or phone"]
    bright = items["2"]["candidates"]
    assert [(c["customer"], c["reasons"]) for c in bright] == [(ours["bright"]["display_id"], ["similar name"])]
    assert items["5"]["candidates"] == []
    every = (await client.get("/api/quickbooks/matches?state=all")).json()
    states = {i["qbo_id"]: i["state"] for i in every["items"]}
    assert states == {"1": "linked", "2": "pending", "3": "pending", "4": "inactive", "5": "pending"}
    page = await client.get("/clients/quickbooks-matches")
    assert page.status_code == 200
    assert "Carmen Ortiz" in page.text and "same e-mail or phone" in page.text and "Create customer" in page.text
    assert (await client.get("/api/quickbooks/matches?state=nope")).status_code == 422


async def test_a_person_links_creates_ignores_and_undoes(client, bindings, people, fake, db_path, clock):
    ours = await imported(client, bindings, people)

    async def act(qbo_id: str, **body):
        return await client.post(f"/api/quickbooks/matches/{qbo_id}", json=body)

    # Link Carmen to the first candidate.
    linked = await act("3", action="link", customer=ours["carmen1"]["display_id"])
    assert linked.json() == {"state": "linked", "customer": ours["carmen1"]["display_id"]}
    assert link_of(db_path, ours["carmen1"]) == "3"
    # One QuickBooks customer, one of ours: linking it again elsewhere, or a linked customer anew, is refused.
    assert (await act("3", action="link", customer=ours["carmen2"]["display_id"])).status_code == 409
    assert (await act("2", action="link", customer=ours["carmen1"]["display_id"])).status_code == 409
    assert (await act("3", action="ignore")).status_code == 409

    # Create a customer from Elm Street HOA: a new record, linked in the same batch.
    created = await act("5", action="create", office_id=people.office_a.id)
    assert created.status_code == 200, created.text
    new_id = created.json()["customer"]
    assert rows(
        db_path,
        "SELECT name, kind, company, quickbooks_customer_id, office_id FROM customers WHERE display_id = ?",
        new_id,
    ) == [("Elm Street HOA", "company", "Elm Street Homeowners Association", "5", people.office_a.id)]
    assert rows(
        db_path,
        "SELECT c.phone_last10 FROM customer_contacts c JOIN customers u ON u.id = c.customer_id"
        " WHERE u.display_id = ?",
        new_id,
    ) == [("5035550177",)]
    assert (await act("5", action="create")).status_code == 409  # already linked

    # Undo the automatic link: Ada goes back to review and is not linked automatically again.
    undone = await act("1", action="unlink")
    assert undone.json() == {"state": "unlinked", "customer": ours["ada"]["display_id"]}
    assert link_of(db_path, ours["ada"]) is None
    assert await identity.auto_link(bindings.db, fake.realm, clock.now()) == 0
    assert link_of(db_path, ours["ada"]) is None
    unlinked = (await client.get("/api/quickbooks/matches?state=unlinked")).json()["items"]
    assert [(i["qbo_id"], i["candidates"][0]["customer"]) for i in unlinked] == [("1", ours["ada"]["display_id"])]
    assert (await act("1", action="link", customer=ours["ada"]["display_id"])).status_code == 200
    assert link_of(db_path, ours["ada"]) == "1"

    # Ignore Brightside: out of the queue, until someone links it.
    assert (await act("2", action="ignore")).json() == {"state": "ignored"}
    counts = (await client.get("/api/quickbooks/matches")).json()["counts"]
    assert counts == {"pending": 0, "linked": 3, "ignored": 1, "unlinked": 0}
    assert (await act("2", action="link", customer=ours["bright"]["display_id"])).status_code == 200
    assert (await client.get("/api/quickbooks/matches")).json()["counts"]["ignored"] == 0

    actions = [
        r[0] for r in rows(db_path, "SELECT action FROM audit_log WHERE action LIKE 'quickbooks.match.%' ORDER BY id")
    ]
    assert actions == [
        "quickbooks.match.auto_linked",
        "quickbooks.match.linked",
        "quickbooks.match.created",
        "quickbooks.match.unlinked",
        "quickbooks.match.linked",
        "quickbooks.match.ignored",
        "quickbooks.match.linked",
    ]
    # Every change is on the customer's timeline too.
    assert rows(
        db_path,
        "SELECT body FROM timeline_entries WHERE subject_id = ? AND kind = 'billing' ORDER BY id",
        ours["ada"]["id"],
    )[1][0].startswith("Unlinked from QuickBooks customer Ada Lovelace")
    assert (await act("999", action="ignore")).status_code == 404


async def test_the_page_form_and_office_scope(client, bindings, people, fake, db_path):
    ours = await imported(client, bindings, people)
    client.cookies.clear()
    client.headers.pop("x-csrf-token", None)  # the owner's, from connecting
    csrf = await sign_in(client, bindings, people.finance)  # office A only
    # Dmitri lives in office B: not a candidate, not linkable, from here.
    refused = await client.post(
        "/api/quickbooks/matches/4",
        json={"action": "link", "customer": ours["dmitri"]["display_id"]},
        headers={"x-csrf-token": csrf},
    )
    assert refused.status_code == 404
    four = await client.get("/api/quickbooks/matches?state=all&q=Dmitri")
    assert four.json()["items"][0]["candidates"] == []
    form = await client.post(
        "/clients/quickbooks-matches/3",
        data={
            "csrf_token": csrf,
            "action": "link",
            "customer": ours["carmen2"]["display_id"],
            "back": "/clients/quickbooks-matches?state=pending",
        },
    )
    assert form.status_code == 303 and form.headers["location"] == "/clients/quickbooks-matches?state=pending"
    assert link_of(db_path, ours["carmen2"]) == "3"
    # Agents and viewers do not work the queue.
    for persona in ("agent", "viewer"):
        client.cookies.clear()
        await sign_in(client, bindings, getattr(people, persona))
        assert (await client.get("/clients/quickbooks-matches")).status_code == 403
        assert (await client.get("/api/quickbooks/matches")).status_code == 403

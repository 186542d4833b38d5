"""The demo's email (issue 21): senders on the development provider, mail in the Development mailbox,
one failed message in the outbox; seeding twice adds nothing."""

from __future__ import annotations

from ops import demo_messaging


async def test_the_demo_has_senders_captured_mail_and_one_failed_message(bindings, people):
    offices = {"Garage": people.office_a, "Sliding": people.office_b}
    assert await demo_messaging.seed(bindings, bindings.clock.now(), offices, people.owner) == 2
    senders = await bindings.db.all("SELECT kind, from_email FROM email_identities ORDER BY id")
    assert [s["kind"] for s in senders] == ["office", "office", "finance"]
    captured = await bindings.db.all("SELECT recipient FROM dev_mailbox ORDER BY recipient")
    assert [c["recipient"] for c in captured] == ["dana.kim@example.com", "pat.rivera@example.com"]
    assert await demo_messaging.seed(bindings, bindings.clock.now(), offices, people.owner) == 0
    assert len(await bindings.db.all("SELECT id FROM outbox")) == 2

"""Fault injection (issue 21, "Done means"): the outbox delivers email through the HTTP email API's
fake while it fails 20% of calls at random and sometimes answers too late, and a worker is killed in
the middle of a drain. Every message must reach the fake exactly once (its idempotency key
de-duplicates the repeats at-least-once delivery makes), none lost, none dead. Runs on SQLite and,
with PORCHLIGHT_TEST_DB=d1, through the D1 adapter."""

from __future__ import annotations

import asyncio

from core import email as mail
from core import outbox
from core.clock import parse
from core.vault import KeyRing
from messaging import email as messaging_email
from messaging import identities
from tests.fakes.email_api import FakeEmailApi

MESSAGES = 120


async def _until_done(bindings, owner_prefix: str) -> int:
    """Drain, moving the frozen clock to the next due time when nothing is due; returns drains run."""
    drains = 0
    while drains < 200:
        counts = await outbox.drain(bindings, 40, owner=f"{owner_prefix}-{drains}", time_limit=0.2)
        drains += 1
        if counts:
            continue
        due = await bindings.db.first(
            "SELECT min(next_attempt_at) AS at FROM outbox WHERE status IN ('pending', 'sending')"
        )
        if due is None or due["at"] is None:
            return drains
        bindings.clock.set(max(parse(due["at"]), bindings.clock.now()))
    raise AssertionError("the outbox never emptied")


async def test_every_message_reaches_the_provider_exactly_once(bindings, people):
    fake = FakeEmailApi(fail_rate=0.2, hang_rate=0.04, hang_seconds=0.5, seed=2121).start()
    try:
        bindings.email = mail.HttpProvider(fake.url, fake.key)
        await identities.save(
            bindings.db,
            bindings.clock.now(),
            people.owner.actor,
            KeyRing.from_settings(bindings.settings),
            kind="office",
            office_id=people.office_a.id,
            office_label="office Garage",
            values=identities.check("office@example.test", "Garage", "", 587, ""),
        )
        ids = []
        statements = []
        for i in range(MESSAGES):
            mid, st = messaging_email.queue(
                bindings.clock.now(), to=f"c{i}@example.test", subject=f"#{i}", text="Hi", office_id=people.office_a.id
            )
            ids.append(mid)
            statements.append(st)
        await bindings.db.batch(statements)

        # A worker claims 60 and is killed while its deliveries are in flight: some reached the
        # provider, none was recorded. Its rows stay leased until the lease runs out.
        killed = asyncio.create_task(outbox.drain(bindings, 60, owner="killed", time_limit=5))
        while sum(fake.calls.values()) < 15:  # noqa: ASYNC110 - the fake is another thread: polling it is the way
            await asyncio.sleep(0.005)
        killed.cancel()
        await asyncio.gather(killed, return_exceptions=True)
        leased = await bindings.db.first("SELECT COUNT(*) AS n FROM outbox WHERE lease_owner = 'killed'")
        assert leased is not None and leased["n"] > 0  # it really died holding rows

        await _until_done(bindings, "survivor")

        rows = await bindings.db.all("SELECT id, status FROM outbox WHERE kind = 'email'")
        errs = await bindings.db.all("SELECT error, COUNT(*) AS n FROM outbox_attempts GROUP BY error")
        assert {r["status"] for r in rows} == {"delivered"}, errs
        assert len(rows) == MESSAGES
        # exactly once at the provider: each id stored once, nothing else stored
        assert sorted(fake.messages) == sorted(ids)
        assert [b["subject"] for b in sorted(fake.messages.values(), key=lambda b: int(b["subject"][1:]))] == [
            f"#{i}" for i in range(MESSAGES)
        ]
        # the faults really happened: failures answered, and repeats absorbed by the idempotency key
        assert fake.answers[503] > 0
        repeated = sum(n - 1 for n in fake.calls.values())
        assert repeated > 0
        attempts = await bindings.db.first("SELECT COUNT(*) AS n FROM outbox_attempts WHERE status = 'retry'")
        assert attempts is not None and attempts["n"] > 0
    finally:
        fake.stop()

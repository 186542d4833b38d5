"""The outbox (issue 21, X-11/X-12): enqueue in the caller's batch, claim-then-act with a lease, the
Standard Webhooks retry schedule, failed at once, dead letters, the attempt log, Redeliver."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest

from core import outbox
from core.clock import iso, parse
from core.errors import Conflict
from core.storage import IntegrityError, Row

KIND = "test-kind"


class Provider:
    """A scripted provider: answers from `script` in turn (then delivered), remembering calls."""

    def __init__(self, *script: str):
        self.script = list(script)
        self.calls: list[str] = []

    async def __call__(self, bindings: Any, row: Row) -> outbox.Result:
        self.calls.append(row["id"])
        said = self.script.pop(0) if self.script else "ok"
        if said == "ok":
            return outbox.delivered(f"ref-{row['id']}")
        if said == "raise":
            raise ConnectionError("connection reset")
        if said == "hang":
            await asyncio.sleep(30)
        if said == "fail":
            return outbox.failed("400 invalid number")
        return outbox.retry("503 unavailable")


@pytest.fixture
def provider():
    p = Provider()
    outbox.register(KIND, p)
    yield p
    outbox.HANDLERS.pop(KIND, None)


async def queue(bindings, n=1, **kw) -> list[str]:
    ids = []
    for i in range(n):
        mid, st = outbox.enqueue(
            KIND, {"to": f"x{i}@example.test", "subject": "hi"}, now=iso(bindings.clock.now()), **kw
        )
        await bindings.db.batch([st])
        ids.append(mid)
    return ids


async def status(bindings, mid) -> Row:
    row = await bindings.db.first("SELECT * FROM outbox WHERE id = ?", mid)
    assert row is not None
    return row


async def test_enqueue_is_a_statement_in_the_callers_batch(bindings):
    mid, st = outbox.enqueue(KIND, {"to": "a@example.test"}, now=iso(bindings.clock.now()), office_id=None)
    assert await bindings.db.first("SELECT id FROM outbox WHERE id = ?", mid) is None  # nothing until the batch runs
    with pytest.raises(IntegrityError):
        await bindings.db.batch([st, outbox.enqueue(KIND, {}, now="x", message_id=mid)[1]])  # same id: the batch fails
    assert await bindings.db.first("SELECT id FROM outbox WHERE id = ?", mid) is None  # …and wrote nothing
    await bindings.db.batch([st])
    assert (await status(bindings, mid))["status"] == "pending"


async def test_a_drain_delivers_and_logs_each_attempt(bindings, provider):
    ids = await queue(bindings, 3)
    assert await outbox.drain(bindings) == {"claimed": 3, "delivered": 3}
    for mid in ids:
        row = await status(bindings, mid)
        assert (row["status"], row["attempts"], row["provider_ref"]) == ("delivered", 1, f"ref-{mid}")
        assert row["lease_owner"] is None and row["finished_at"] == iso(bindings.clock.now())
    log = await bindings.db.all("SELECT status, error, attempt FROM outbox_attempts ORDER BY id")
    assert [r["status"] for r in log] == ["delivered"] * 3
    assert await outbox.drain(bindings) == {}  # nothing left: nothing claimed


async def test_not_before_holds_a_message_until_its_time(bindings, provider):
    later = iso(bindings.clock.now() + timedelta(hours=2))
    [mid] = await queue(bindings, not_before=later)
    assert await outbox.drain(bindings) == {}
    bindings.clock.advance(hours=2)
    assert (await outbox.drain(bindings))["delivered"] == 1
    assert provider.calls == [mid]


async def test_retries_follow_the_standard_webhooks_schedule_then_dead(bindings, provider):
    provider.script = ["503"] * 8
    [mid] = await queue(bindings)
    waits = []
    for attempt in range(1, 9):
        counts = await outbox.drain(bindings)
        row = await status(bindings, mid)
        assert row["attempts"] == attempt
        if attempt < 8:
            assert counts == {"claimed": 1, "retry": 1} and row["status"] == "pending"
            wait = (parse(row["next_attempt_at"]) - bindings.clock.now()).total_seconds()
            waits.append(wait)
            # not a moment early
            bindings.clock.advance(seconds=wait - 1)
            assert await outbox.drain(bindings) == {}
            bindings.clock.advance(seconds=1)
    assert waits == [5, 300, 1800, 7200, 18000, 36000, 36000]
    row = await status(bindings, mid)
    assert (row["status"], row["last_error"]) == ("dead", "503 unavailable")
    assert counts == {"claimed": 1, "dead": 1}
    bindings.clock.advance(days=3)
    assert await outbox.drain(bindings) == {}  # a dead letter stays put
    log = await bindings.db.all("SELECT status FROM outbox_attempts WHERE outbox_id = ? ORDER BY id", mid)
    assert [r["status"] for r in log] == ["retry"] * 7 + ["dead"]


async def test_a_refusal_that_cannot_succeed_fails_at_once(bindings, provider):
    provider.script = ["fail"]
    [mid] = await queue(bindings)
    assert await outbox.drain(bindings) == {"claimed": 1, "failed": 1}
    row = await status(bindings, mid)
    assert (row["status"], row["attempts"], row["last_error"]) == ("failed", 1, "400 invalid number")
    bindings.clock.advance(days=1)
    assert await outbox.drain(bindings) == {} and provider.calls == [mid]


async def test_a_handler_that_raises_or_hangs_is_retried(bindings, provider):
    provider.script = ["raise", "hang"]
    a, b = await queue(bindings, 2)
    counts = await outbox.drain(bindings, time_limit=0.05)
    assert counts == {"claimed": 2, "retry": 2}
    errors = {r["id"]: r["last_error"] for r in await bindings.db.all("SELECT id, last_error FROM outbox")}
    assert errors[a] == "ConnectionError: connection reset" and errors[b] == "timed out after 0.05 s"


async def test_overlapping_drains_never_claim_the_same_row(bindings, provider):
    await queue(bindings, 20)
    first, second = await asyncio.gather(
        outbox.claim(bindings, bindings.clock.now(), "one", 15, [KIND]),
        outbox.claim(bindings, bindings.clock.now(), "two", 15, [KIND]),
    )
    assert len(first) + len(second) == 20
    assert not {r["id"] for r in first} & {r["id"] for r in second}


async def test_a_killed_worker_s_rows_are_taken_again_after_the_lease(bindings, provider):
    [mid] = await queue(bindings)
    [row] = await outbox.claim(bindings, bindings.clock.now(), "killed", 10, [KIND])  # then it died
    assert await outbox.drain(bindings) == {}  # leased: nobody else takes it
    bindings.clock.advance(seconds=outbox.LEASE.total_seconds())
    assert await outbox.drain(bindings) == {"claimed": 1, "delivered": 1}
    # the dead worker, back from the grave, cannot overwrite what the other recorded
    await bindings.db.batch(outbox.record(row, "killed", outbox.retry("late"), 1, bindings.clock.now()))
    assert (await status(bindings, mid))["status"] == "delivered"


async def test_unregistered_kinds_are_left_alone(bindings, provider):
    mid, st = outbox.enqueue("nobody-handles-this", {}, now=iso(bindings.clock.now()))
    await bindings.db.batch([st])
    assert await outbox.drain(bindings) == {}
    assert (await status(bindings, mid))["status"] == "pending"


async def test_redeliver_puts_a_dead_or_failed_row_back_audited(bindings, provider, people):
    provider.script = ["fail"]
    [mid] = await queue(bindings)
    with pytest.raises(Conflict):
        await outbox.redeliver(bindings.db, bindings.clock.now(), people.owner.actor, mid)  # pending: nothing to redo
    await outbox.drain(bindings)
    await outbox.redeliver(bindings.db, bindings.clock.now(), people.owner.actor, mid)
    row = await status(bindings, mid)
    assert (row["status"], row["attempts"], row["last_error"]) == ("pending", 0, None)
    audit = await bindings.db.first("SELECT action, meta FROM audit_log WHERE action = 'outbox.redeliver'")
    assert audit is not None and mid in audit["meta"]
    assert (await outbox.drain(bindings))["delivered"] == 1
    shown = await outbox.message(bindings.db, mid)
    assert shown is not None and [a["status"] for a in shown["attempt_log"]] == ["delivered", "failed"]


async def test_the_cron_tick_drains(bindings, provider):
    import cron

    await queue(bindings, 2)
    result = await cron.run_job(bindings, "outbox")
    assert result["delivered"] == 2

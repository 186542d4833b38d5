"""The cron dispatcher (issue 22 follow-up): one batch claims every job of a tick and asks the probes,
one batch releases them; overlapping ticks never run a job twice, a failing job does not stop the next,
a dead run's lease runs out, idle jobs are recorded as such, and a job that feeds the outbox makes it
run in the same tick."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

import cron
from automations import rules
from core.clock import iso
from core.records import SYSTEM
from core.storage import q
from jobs import auto_status as jobs_auto_status
from tasks import finance_settings, recurring, report_emails
from tests.fakes.webhook_receiver import Receiver
from tests.webhooks.test_delivery import add, new_lead

TEST_CRON = "7 7 7 7 7"


@pytest.fixture
def receiver():
    r = Receiver().start()
    yield r
    r.stop()


@pytest.fixture
def local(bindings):
    """The test-only allowance: user-entered URLs may reach the receiver on 127.0.0.1."""
    bindings.outbound_allow = frozenset({"127.0.0.1"})
    return bindings


@pytest.fixture
def registry(monkeypatch):
    """Test jobs registered under a cron expression of their own; `ran` counts each job's runs."""
    ran: dict[str, int] = {}

    def job(name, *, fail=False, pause=0):
        async def run(bindings, now):
            ran[name] = ran.get(name, 0) + 1
            for _ in range(pause):  # let a concurrent tick interleave
                await asyncio.sleep(0)
            if fail:
                raise RuntimeError(f"{name} broke")
            return {"done": 1}

        monkeypatch.setitem(cron.JOBS, name, run)
        return name

    def schedule(*names):
        monkeypatch.setitem(cron.SCHEDULE, TEST_CRON, names)

    return job, schedule, ran, monkeypatch


async def lease(bindings, job):
    return await bindings.db.first("SELECT * FROM cron_leases WHERE job = ?", job)


async def test_overlapping_ticks_never_run_a_job_twice(bindings, registry):
    job, schedule, ran, _ = registry
    schedule(job("t-a", pause=5), job("t-b", pause=5))
    first, second = await asyncio.gather(
        cron.dispatch(bindings, TEST_CRON, holder="one"), cron.dispatch(bindings, TEST_CRON, holder="two")
    )
    assert ran == {"t-a": 1, "t-b": 1}
    reports = {(r["job"], "skipped" in r) for r in first + second}
    assert reports == {("t-a", True), ("t-a", False), ("t-b", True), ("t-b", False)}
    for name in ("t-a", "t-b"):
        row = await lease(bindings, name)
        assert row["holder"] is None and row["last_result"] == "done=1"
    # the next tick, with every lease released, runs them again
    await cron.dispatch(bindings, TEST_CRON)
    assert ran == {"t-a": 2, "t-b": 2}


async def test_a_failing_job_is_recorded_and_the_next_one_still_runs(bindings, registry):
    job, schedule, ran, _ = registry
    schedule(job("t-broken", fail=True), job("t-after"))
    reports = await cron.dispatch(bindings, TEST_CRON)
    assert ran == {"t-broken": 1, "t-after": 1}
    assert reports[0] == {"job": "t-broken", "error": "error: RuntimeError: t-broken broke"}
    assert reports[1] == {"job": "t-after", "done": 1}
    broken, after = await lease(bindings, "t-broken"), await lease(bindings, "t-after")
    assert broken["last_result"] == "error: RuntimeError: t-broken broke" and broken["holder"] is None
    assert after["last_result"] == "done=1" and after["holder"] is None
    # `porchlight cron run NAME` runs one job alone, and raises its failure (after recording it)
    with pytest.raises(RuntimeError):
        await cron.run_job(bindings, "t-broken", holder="cli")
    assert ran == {"t-broken": 2, "t-after": 1}
    assert (await lease(bindings, "t-broken"))["holder"] is None


async def test_a_dead_runs_lease_runs_out_and_a_live_one_is_respected(bindings, clock, registry):
    job, schedule, ran, _ = registry
    schedule(job("t-dead"), job("t-live"))
    now = clock.now()
    await bindings.db.batch(
        [
            q("INSERT INTO cron_leases (job, holder, leased_until) VALUES ('t-dead', 'worker:gone', ?)", iso(now)),
            q(
                "INSERT INTO cron_leases (job, holder, leased_until) VALUES ('t-live', 'worker:busy', ?)",
                iso(now + timedelta(minutes=1)),
            ),
        ]
    )
    reports = await cron.dispatch(bindings, TEST_CRON)
    assert reports == [{"job": "t-dead", "done": 1}, {"job": "t-live", "skipped": "another run holds the lease"}]
    assert ran == {"t-dead": 1}
    live = await lease(bindings, "t-live")
    assert live["holder"] == "worker:busy" and live["last_result"] is None  # untouched
    clock.advance(minutes=1)
    await cron.dispatch(bindings, TEST_CRON)
    assert ran == {"t-dead": 2, "t-live": 1}


async def test_a_job_that_waited_too_long_renews_or_leaves_the_work_to_the_run_that_took_it(bindings, clock, registry):
    job, schedule, ran, monkeypatch = registry

    async def slow(bindings, now):  # a first job that takes 6 minutes, the others' leases run out
        clock.advance(minutes=6)
        await bindings.db.run(
            "UPDATE cron_leases SET holder = 'other', leased_until = ? WHERE job = 't-taken'",
            iso(clock.now() + timedelta(minutes=5)),
        )
        return {}

    monkeypatch.setitem(cron.JOBS, "t-slow", slow)
    schedule("t-slow", job("t-taken"), job("t-renewed"))
    reports = await cron.dispatch(bindings, TEST_CRON)
    assert reports == [
        {"job": "t-slow"},  # it ran and reported nothing (its lease says "nothing to do")
        {"job": "t-taken", "skipped": "another run holds the lease"},
        {"job": "t-renewed", "done": 1},
    ]
    assert ran == {"t-renewed": 1}
    assert (await lease(bindings, "t-taken"))["holder"] == "other"  # the other run keeps it
    renewed = await lease(bindings, "t-renewed")
    assert renewed["holder"] is None and renewed["last_result"] == "done=1"


async def test_idle_jobs_are_recorded_as_nothing_to_do_without_running(bindings, clock):
    reports = await cron.dispatch(bindings, "*/15 * * * *")
    assert reports == [{"job": n, "result": "nothing to do"} for n in cron.SCHEDULE["*/15 * * * *"]]
    for name in cron.SCHEDULE["*/15 * * * *"]:
        row = await lease(bindings, name)
        assert row["holder"] is None and row["leased_until"] is None
        assert row["last_result"] == "nothing to do"
        assert row["last_started"] == row["last_finished"] == iso(clock.now())


async def test_a_broken_probe_lets_every_job_run(bindings, registry):
    job, schedule, ran, monkeypatch = registry
    schedule(job("t-probed"))
    monkeypatch.setitem(cron.PROBES, "t-probed", lambda now: (q("SELECT 1 FROM no_such_table"),))
    assert await cron.dispatch(bindings, TEST_CRON) == [{"job": "t-probed", "done": 1}]
    assert ran == {"t-probed": 1}


async def test_a_probe_with_no_rows_skips_the_job_and_one_with_a_row_runs_it(bindings, registry):
    job, schedule, ran, monkeypatch = registry
    schedule(job("t-idle"), job("t-busy"))
    monkeypatch.setitem(cron.PROBES, "t-idle", lambda now: (q("SELECT 1 WHERE 0"),))
    monkeypatch.setitem(cron.PROBES, "t-busy", lambda now: (q("SELECT 1 WHERE 0"), q("SELECT 1")))
    reports = await cron.dispatch(bindings, TEST_CRON)
    assert reports == [{"job": "t-idle", "result": "nothing to do"}, {"job": "t-busy", "done": 1}]
    assert ran == {"t-busy": 1}
    # run_job never probes: the job looks for work itself
    await cron.run_job(bindings, "t-idle")
    assert ran == {"t-busy": 1, "t-idle": 1}


async def test_a_new_leads_webhook_leaves_in_the_same_minute_tick_once(local, people, receiver):
    """The lead feed turns the event into an outbox row and the outbox (probed idle before) drains it in
    the same tick (FEEDS); a second tick at the same time delivers nothing more."""
    b = local
    await add(b, receiver)
    await new_lead(b, people.office_a)
    first, second = await asyncio.gather(
        cron.dispatch(b, "* * * * *", holder="one"), cron.dispatch(b, "* * * * *", holder="two")
    )
    assert len(receiver.at("/hook")) == 1
    held = "another run holds the lease"
    ran = {r["job"]: r for r in first + second if r.get("skipped") != held}
    assert set(ran) == set(cron.SCHEDULE["* * * * *"])
    assert ran["outbox"].get("delivered") == 1
    outbox_lease = await lease(b, "outbox")
    assert outbox_lease["last_result"].startswith("claimed=1") and outbox_lease["holder"] is None
    # the next minute is idle: each job recorded as such, nothing delivered twice
    b.clock.advance(minutes=1)
    assert all(r == {"job": r["job"], "result": "nothing to do"} for r in await cron.dispatch(b, "* * * * *"))
    assert len(receiver.at("/hook")) == 1
    assert (await lease(b, "webhooks-events"))["last_result"] == "nothing to do"


async def test_each_slow_ticks_probe_sees_work_once_its_job_is_configured(bindings, people, clock):
    """A probe that wrongly says "nothing to do" would switch a feature off in silence: each 5- and
    15-minute job is idle on a fresh database and probed as due once the owner turns it on."""
    now, owner = clock.now(), people.owner
    idle = {
        r["job"] for r in await cron.dispatch(bindings, "*/15 * * * *") + await cron.dispatch(bindings, "*/5 * * * *")
    }
    assert idle == {"jobs-auto-status", "recurring-tasks", "report-emails", "payment-summaries", "automation-times"}
    assert all(r["last_result"] == "nothing to do" for r in await bindings.db.all("SELECT * FROM cron_leases"))
    await jobs_auto_status.configure(bindings.db, now, owner, True, [people.office_a.id], None)
    await recurring.create(
        bindings.db,
        now,
        owner,
        {"title": "Count the van stock", "cadence": "daily", "time_of_day": "09:00", "assignee_office_id": 1},
    )
    await report_emails.save(bindings.db, now, owner.actor, ["a@example.test"], {"daily": True})
    await finance_settings.save(bindings.db, now, owner.actor, {"weekly_enabled": True})  # FIN-8
    await rules.create(
        bindings.db,
        now,
        SYSTEM,
        {
            "name": "Follow up",
            "trigger": "after_lead_created",
            "offset": 2,
            "offset_unit": "hours",
            "recipient": "client",
            "channel": "sms",
            "body": "Hi",
            "quiet_hours": True,
            "enabled": True,
        },
    )
    clock.advance(minutes=15)
    ran = await cron.dispatch(bindings, "*/15 * * * *") + await cron.dispatch(bindings, "*/5 * * * *")
    assert [r["job"] for r in ran if "result" in r or r.get("skipped") == "another run holds the lease"] == []
    for row in await bindings.db.all("SELECT * FROM cron_leases"):
        assert row["last_result"] != "nothing to do", row

"""The cron registry, job leases, and the Worker entry point's scheduled() and fetch()."""

from __future__ import annotations

import importlib
import sqlite3
import sys
import tomllib
from pathlib import Path
from types import SimpleNamespace

import pytest

import cron
from accounts import sessions
from core import throttle
from core.clock import iso
from tests.conftest import TEST_ENV
from tests.fakes import workers_runtime
from tests.fakes.d1 import FakeD1Binding

ROOT = Path(__file__).resolve().parents[2]


def test_wrangler_crons_and_the_registry_match():
    with (ROOT / "wrangler.toml").open("rb") as f:
        crons = tomllib.load(f)["triggers"]["crons"]
    assert set(crons) == set(cron.SCHEDULE)
    for names in cron.SCHEDULE.values():
        assert set(names) <= set(cron.JOBS)
    assert set(cron.JOBS) == {n for names in cron.SCHEDULE.values() for n in names}  # no orphan jobs


async def test_housekeeping_removes_only_what_expired(bindings, people, clock):
    now = clock.now()
    await sessions.start(bindings.db, now, bindings.settings, people.agent, ip=None, user_agent=None)
    await throttle.record(bindings.db, "login:email:x", throttle.Window(10, 900), now)
    assert (await cron.run_job(bindings, "housekeeping")) == {
        "job": "housekeeping",
        "sessions_removed": 0,
        "counters_removed": 0,
    }
    clock.advance(hours=13)
    assert (await cron.run_job(bindings, "housekeeping")) == {
        "job": "housekeeping",
        "sessions_removed": 1,
        "counters_removed": 1,
    }
    # a second tick finds nothing: idempotent
    assert (await cron.run_job(bindings, "housekeeping"))["sessions_removed"] == 0


async def test_a_held_lease_skips_the_tick(bindings, clock):
    await bindings.db.run(
        "INSERT INTO cron_leases (job, holder, leased_until) VALUES ('housekeeping', 'worker', ?)",
        iso(clock.now().replace(year=2030)),
    )
    assert (await cron.run_job(bindings, "housekeeping"))["skipped"]


async def test_a_lease_is_released_and_the_outcome_kept(bindings):
    await cron.run_job(bindings, "housekeeping")
    row = await bindings.db.first("SELECT * FROM cron_leases WHERE job = 'housekeeping'")
    assert row["holder"] is None and row["leased_until"] is None
    assert "sessions_removed=0" in row["last_result"]


async def test_unknown_jobs_and_crons_are_refused(bindings):
    with pytest.raises(cron.UnknownJob):
        await cron.run_job(bindings, "nope")
    with pytest.raises(cron.UnknownJob):
        await cron.dispatch(bindings, "1 2 3 4 5")


@pytest.fixture
def entry(db_path):
    workers_runtime.install()
    sys.modules.pop("entry", None)
    module = importlib.import_module("entry")
    conn = sqlite3.connect(str(db_path), check_same_thread=False)
    env = SimpleNamespace(DB=FakeD1Binding(conn), **TEST_ENV)
    yield module, env, conn
    conn.close()
    for name in ("entry", "workers", "asgi"):
        sys.modules.pop(name, None)


async def test_scheduled_dispatches_through_the_worker_entry(entry):
    module, env, conn = entry
    worker = module.Default(SimpleNamespace(), env)
    await worker.scheduled(workers_runtime.Controller(cron="*/10 * * * *"), env, SimpleNamespace())
    row = conn.execute(
        "SELECT holder, last_result, last_finished FROM cron_leases WHERE job = 'housekeeping'"
    ).fetchone()
    assert row is not None and row[0] is None and "sessions_removed" in row[1] and row[2]


async def test_fetch_serves_the_app_through_the_worker_entry(entry):
    module, env, _ = entry
    worker = module.Default(SimpleNamespace(), env)
    response = await worker.fetch(workers_runtime.Request("https://porchlight.test/healthz"))
    assert response.status_code == 200
    assert response.json()["ok"] is True


async def test_a_failed_job_fails_the_worker_invocation_after_every_job_ran(entry, monkeypatch):
    """Cloudflare's cron log shows an invocation failed only when scheduled() raises: it does, once the
    tick has run (and recorded) every job."""
    module, env, conn = entry

    async def broken(bindings, now):
        raise RuntimeError("quickbooks said no")

    monkeypatch.setitem(cron.JOBS, "quickbooks-sync", broken)
    worker = module.Default(SimpleNamespace(), env)
    with pytest.raises(RuntimeError, match="quickbooks-sync failed"):
        await worker.scheduled(workers_runtime.Controller(cron="*/10 * * * *"), env, SimpleNamespace())
    results = dict(conn.execute("SELECT job, last_result FROM cron_leases").fetchall())
    assert "sessions_removed" in results["housekeeping"]
    assert results["quickbooks-sync"].startswith("error: RuntimeError: quickbooks said no")

"""Maintenance → System: the last backup, its size and result, the owner's warning when the newest
good backup is older than two days (decided on the Clock), and the Worker's D1 Time Travel note."""

from __future__ import annotations

import cron
from core import config
from ops import backup_ops, backups
from tests.conftest import sign_in


def local(bindings, db_path, tmp_path) -> config.BackupPolicy:
    bindings.backups = config.BackupPolicy(database=db_path, directory=tmp_path / "backups")
    return bindings.backups


async def test_it_shows_the_last_backup_its_size_and_result(client, bindings, people, db_path, tmp_path, clock):
    policy = local(bindings, db_path, tmp_path)
    run = backup_ops.scheduled(policy, clock.now())
    clock.advance(hours=5)
    await sign_in(client, bindings, people.owner)
    page = await client.get("/maintenance/system")
    assert page.status_code == 200
    assert "Nov 22, 2026 10:00 AM EST" in page.text and "5 hours ago" in page.text  # the owner's office zone
    assert backups.human_size(run["size"]) in page.text
    assert run["file"] in page.text and "pill-ok" in page.text and "verified; 0 older pruned" in page.text
    assert "17 3 * * *" in page.text and "keeps 7 daily and 4 weekly" in page.text
    assert "backup-banner" not in page.text
    assert "backup-banner" not in (await client.get("/maintenance")).text


async def test_owners_are_warned_when_the_last_good_backup_is_over_two_days_old(
    client, bindings, people, db_path, tmp_path, clock
):
    policy = local(bindings, db_path, tmp_path)
    backup_ops.scheduled(policy, clock.now())
    clock.advance(days=2, minutes=1)
    # The run after it failed: the page says so, and the warning counts from the last good one.
    backup_ops.scheduled(
        config.BackupPolicy(database=tmp_path / "gone.sqlite3", directory=policy.directory), clock.now()
    )
    await sign_in(client, bindings, people.owner)
    page = await client.get("/maintenance/system")
    assert "backup-banner" in page.text and "The last good backup was taken 2 days ago." in page.text
    assert "pill-escalated" in page.text and "there is no database at" in page.text
    index = await client.get("/maintenance")
    assert "backup-banner" in index.text


async def test_with_no_backup_at_all_the_owner_is_warned(client, bindings, people, db_path, tmp_path):
    local(bindings, db_path, tmp_path)
    await sign_in(client, bindings, people.owner)
    page = await client.get("/maintenance/system")
    assert "There is no good backup of this database yet." in page.text


async def test_on_the_worker_it_points_at_d1_time_travel(client, bindings, people):
    assert bindings.backups is None  # as bindings.from_worker_env builds them
    await sign_in(client, bindings, people.owner)
    page = await client.get("/maintenance/system")
    assert page.status_code == 200
    assert "D1 Time Travel" in page.text and "wrangler d1 time-travel restore" in page.text
    assert backups.TIME_TRAVEL_DOCS in page.text
    assert "backup-banner" not in page.text


async def test_only_the_owner_sees_it(client, bindings, people):
    for persona in ("admin", "finance", "agent", "viewer", "partner"):
        client.cookies.clear()
        await sign_in(client, bindings, getattr(people, persona))
        assert (await client.get("/maintenance/system")).status_code in (403, 404), persona


async def test_it_shows_each_scheduled_jobs_last_run_and_result(client, bindings, people, clock):
    """The cron dispatcher's record in cron_leases: idle jobs say so, a failed one is marked."""
    await sign_in(client, bindings, people.owner)
    assert "No scheduled job has run yet." in (await client.get("/maintenance/system")).text
    await cron.dispatch(bindings, "*/15 * * * *")
    await bindings.db.run(
        "UPDATE cron_leases SET last_result = 'error: RuntimeError: boom' WHERE job = 'report-emails'"
    )
    page = (await client.get("/maintenance/system")).text
    assert "Scheduled jobs" in page
    assert "<code>jobs-auto-status</code>" in page and "<code>recurring-tasks</code>" in page
    assert (
        page.count("nothing to do") == 3 and "error: RuntimeError: boom" in page and "Failed</span>" in page
    )  # the other three 15-minute jobs
    assert "Nov 22, 2026" in page  # when it ran, in the owner's zone

"""Backups and restore of the local SQLite file (src/ops/backups.py, src/ops/backup_ops.py), on real files:
taken while writes go on, verified, named by time, pruned, restored; and every fault the issue names
— a full or read-only disk, kill -9 mid-backup, a truncated, tampered or newer-schema backup, a
restore while a server holds the database."""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import hashlib
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from accounts import offices
from core import config
from core.clock import FrozenClock
from core.storage import migrations
from core.storage.sqlite import connect
from leads import intake
from leads import sources as lead_sources
from leads.intake import Delivery
from ops import backup_ops, backups
from tests.conftest import DB_MODE, START, TEST_ENV, snapshot_file

# Backups copy a local SQLite file (the Worker has D1 Time Travel instead). The real-D1 pass serves
# one live database file for a whole session, which these tests would restore over and litter; the
# SQLite and fake-D1 passes run every one of them.
pytestmark = pytest.mark.skipif(DB_MODE == "d1real", reason="backups are of a local SQLite file, not of D1")

PORCHLIGHT = Path(sys.executable).parent / "porchlight"


def cli(db: Path, *args: str, timeout: float = 60, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(PORCHLIGHT), *args],
        env={**os.environ, **TEST_ENV, "PORCHLIGHT_DB": str(db), **env},
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def counts(path: Path) -> dict[str, int]:
    conn = sqlite3.connect(str(path))
    try:
        return backup_ops.inspect(conn)["tables"]
    finally:
        conn.close()


def unpack(archive: Path, target: Path) -> Path:
    with gzip.open(archive, "rb") as src, target.open("wb") as out:
        shutil.copyfileobj(src, out)
    return target


def test_it_takes_a_verified_compressed_backup_with_a_manifest(db_path, tmp_path, clock):
    made = backup_ops.take(db_path, tmp_path / "backups", clock.now())

    assert made.archive.name == "porchlight-20261122T150000000Z.sqlite3.gz"
    manifest = json.loads(backups.manifest_path(made.archive).read_text())
    assert manifest["integrity"] == "ok"
    assert manifest["taken_at"] == START
    assert manifest["migrations"]["names"] == [m.name for m in migrations.available()]
    assert manifest["migrations"]["last"] == migrations.available()[-1].name
    assert manifest["tables"] == counts(db_path) and manifest["tables"]["users"] == 7
    assert manifest["archive"]["sha256"] == hashlib.sha256(made.archive.read_bytes()).hexdigest()
    assert manifest["archive"]["bytes"] == made.archive.stat().st_size == made.size
    plain = unpack(made.archive, tmp_path / "plain.sqlite3")
    assert manifest["sqlite"]["sha256"] == hashlib.sha256(plain.read_bytes()).hexdigest()
    assert made.size < plain.stat().st_size / 3  # compressed
    assert snapshot_file(plain) == snapshot_file(db_path)
    # Nothing but the backup and its manifest is left in the folder.
    assert sorted(p.name for p in (tmp_path / "backups").iterdir()) == [
        "porchlight-20261122T150000000Z.manifest.json",
        "porchlight-20261122T150000000Z.sqlite3.gz",
    ]


def test_names_sort_by_the_time_taken(db_path, tmp_path, clock):
    taken = []
    for advance in ({"hours": 30}, {"milliseconds": 5}, {"days": 400}):
        clock.advance(**advance)
        taken.append(backup_ops.take(db_path, tmp_path, clock.now()))
    names = [b.archive.name for b in taken]
    assert sorted(names) == names
    assert [b.taken_at for b in backups.listing(tmp_path)] == [b.taken_at for b in reversed(taken)]
    assert [backups.taken_at(n) for n in names] == [b.taken_at for b in taken]


async def test_a_backup_under_intake_load_restores_every_lead_acknowledged_before_it(bindings, db_path, tmp_path):
    """Intake keeps writing through the app's own connection while the backup runs in a thread."""
    source = await lead_sources.by_key(bindings.db, "website")
    office = await offices.by_name(bindings.db, "Garage")
    acknowledged: list[str] = []
    stop, enough = asyncio.Event(), asyncio.Event()

    async def intake_load() -> None:
        n = 0
        while not stop.is_set():
            n += 1
            outcome = await intake.receive(
                bindings.db,
                bindings.clock.now(),
                source,
                {"name": f"Load {n}", "phone": f"305{n:07d}", "email": f"load{n}@example.test"},
                Delivery("test", "application/json", "{}"),
                fixed_office=office,
            )
            assert outcome.status == "created", outcome
            acknowledged.append(outcome.lead_id)
            bindings.clock.advance(seconds=7)  # under intake's per-source rate limit (100 in 10 minutes)
            if len(acknowledged) >= 300:
                enough.set()
            await asyncio.sleep(0)

    load = asyncio.create_task(intake_load())
    await asyncio.wait([load, asyncio.create_task(enough.wait())], return_when=asyncio.FIRST_COMPLETED)
    assert not load.done(), load.exception()
    before = list(acknowledged)
    made = await asyncio.to_thread(backup_ops.take, db_path, tmp_path / "backups", bindings.clock.now())
    during = len(acknowledged) - len(before)
    stop.set()
    await load

    restored_path = tmp_path / "restored.sqlite3"
    backup_ops.restore(made.archive, restored_path, bindings.clock.now())
    conn = sqlite3.connect(str(restored_path))
    restored = {r[0] for r in conn.execute("SELECT display_id FROM leads")}
    conn.close()
    assert set(before) <= restored
    assert len(restored) == made.manifest["tables"]["leads"]
    assert len(before) <= len(restored) <= len(acknowledged)
    assert during > 0, "intake went on while the backup ran"


# --- retention and the page's decisions -----------------------------------------------------------


def test_retention_keeps_the_newest_of_each_recent_day_and_week():
    clock = FrozenClock("2026-12-06T03:17:00.000Z")  # a Sunday
    moments = []
    for _ in range(30):  # two a day for 15 days
        moments += [clock.now(), clock.now().replace(hour=15)]
        clock.advance(days=-1)
    kept = backups.to_keep(moments, keep_daily=3, keep_weekly=2)
    days = sorted({m.date().isoformat() for m in kept}, reverse=True)
    # The three newest days, plus the newest of last week (Sunday the 29th is that week's newest).
    assert days == ["2026-12-06", "2026-12-05", "2026-12-04", "2026-11-29"]
    assert all(m.hour == 15 for m in kept)  # the newest of each day
    assert backups.to_keep(moments, 0, 0) == set()


def test_prune_removes_what_the_plan_does_not_keep(db_path, tmp_path, clock):
    folder = tmp_path / "b"
    for _ in range(6):
        backup_ops.take(db_path, folder, clock.now())
        clock.advance(days=3)
    removed = backup_ops.prune(folder, keep_daily=2, keep_weekly=3)
    left = [b.taken_at.date().isoformat() for b in backups.listing(folder)]
    assert left == ["2026-12-07", "2026-12-04", "2026-11-28"]
    assert len(removed) == 3
    assert len(list(folder.iterdir())) == 6  # each with its manifest, nothing else


def test_staleness_is_decided_on_the_clock(db_path, tmp_path, clock):
    policy = config.BackupPolicy(database=db_path, directory=tmp_path)
    assert backups.status(policy, clock.now()).stale  # none yet
    backup_ops.take(db_path, tmp_path, clock.now())
    clock.advance(hours=47)
    assert not backups.status(policy, clock.now()).stale
    assert backups.catch_up_due(policy, clock.now())  # over a day old: the scheduler catches up
    clock.advance(hours=2)
    assert backups.status(policy, clock.now()).stale
    assert not backups.status(None, clock.now()).stale  # the Worker: D1 Time Travel, no warning


def test_the_policy_is_read_strictly(tmp_path):
    db = tmp_path / "p.sqlite3"
    policy = config.policy_from({}, db)
    assert (policy.directory, policy.schedule, policy.keep_daily, policy.keep_weekly) == (
        tmp_path / "backups",
        config.DEFAULT_SCHEDULE,
        7,
        4,
    )
    assert config.policy_from({"PORCHLIGHT_BACKUP_SCHEDULE": "off"}, db).schedule == ""
    for bad, name in (
        ({"PORCHLIGHT_BACKUP_SCHEDULE": "daily"}, "PORCHLIGHT_BACKUP_SCHEDULE"),
        ({"PORCHLIGHT_BACKUP_KEEP_DAILY": "-1"}, "PORCHLIGHT_BACKUP_KEEP_DAILY"),
        ({"PORCHLIGHT_BACKUP_KEEP_DAILY": "0", "PORCHLIGHT_BACKUP_KEEP_WEEKLY": "0"}, "cannot both be 0"),
    ):
        with pytest.raises(config.SettingsError, match=name):
            config.policy_from(bad, db)


async def test_the_scheduler_catches_up_then_records_the_run(bindings, db_path, tmp_path):
    from cron import scheduler

    bindings.backups = config.BackupPolicy(database=db_path, directory=tmp_path / "b", keep_daily=1, keep_weekly=0)
    stop = asyncio.Event()
    task = asyncio.create_task(scheduler.run_backups(bindings, stop, catch_up_after=0))
    for _ in range(400):
        if backups.last_run(tmp_path / "b"):
            break
        await asyncio.sleep(0.05)
    stop.set()
    await task
    run = backups.last_run(tmp_path / "b")
    assert run and run["ok"] and run["at"] == START
    assert [b.archive.name for b in backups.listing(tmp_path / "b")] == [run["file"]]


def test_a_failed_scheduled_run_is_recorded_and_earlier_backups_stay(db_path, tmp_path, clock):
    policy = config.BackupPolicy(database=db_path, directory=tmp_path)
    first = backup_ops.scheduled(policy, clock.now())
    clock.advance(days=1)
    gone = config.BackupPolicy(database=tmp_path / "missing.sqlite3", directory=tmp_path)
    failed = backup_ops.scheduled(gone, clock.now())
    assert first["ok"] and not failed["ok"]
    assert "no database" in failed["detail"]
    status = backups.status(policy, clock.now())
    assert status.last_run == failed
    assert status.last_good and status.last_good.archive.name == first["file"]


# --- faults while taking a backup ---------------------------------------------------------------


@contextlib.contextmanager
def small_disk(path: Path, size: str):
    """A real, tiny filesystem (tmpfs); skips where mounting is not permitted."""
    path.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip("cannot mount a small tmpfs here (needs root); the RLIMIT_FSIZE test covers a full disk")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def files_of(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in directory.iterdir()}


def test_a_full_disk_fails_clearly_and_leaves_earlier_backups(db_path, tmp_path, clock):
    earlier = backup_ops.take(db_path, tmp_path / "elsewhere", clock.now())
    with small_disk(tmp_path / "disk", "1m") as disk:
        for path in (earlier.archive, backups.manifest_path(earlier.archive)):
            shutil.copy(path, disk / path.name)
        # Fill what is left but ~100 KB: the compressed backup would fit, the raw copy does not.
        free = shutil.disk_usage(disk).free
        (disk / "ballast").write_bytes(b"\0" * max(0, free - 100 * 1024))
        before = files_of(disk)
        clock.advance(days=1)
        with pytest.raises(backup_ops.BackupError, match=r"no space left in .*disk"):
            backup_ops.take(db_path, disk, clock.now())
        assert files_of(disk) == before  # nothing added, nothing changed, no temporary files
        assert [b.archive.name for b in backups.listing(disk)] == [earlier.archive.name]


def test_a_read_only_disk_fails_clearly_and_leaves_earlier_backups(db_path, tmp_path, clock):
    with small_disk(tmp_path / "disk", "4m") as disk:
        earlier = backup_ops.take(db_path, disk, clock.now())
        subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
        before = files_of(disk)
        clock.advance(days=1)
        with pytest.raises(backup_ops.BackupError, match="not writable"):
            backup_ops.take(db_path, disk, clock.now())
        assert files_of(disk) == before
        assert [b.archive.name for b in backups.listing(disk)] == [earlier.archive.name]


def test_the_cli_reports_a_write_error_without_a_root_only_mount(db_path, tmp_path):
    """RLIMIT_FSIZE makes the kernel refuse the write itself (EFBIG), wherever the test runs."""
    out = tmp_path / "backups"
    assert cli(db_path, "db", "backup", "--to", str(out)).returncode == 0
    before = files_of(out)
    code = (
        "import resource, signal, sys; signal.signal(signal.SIGXFSZ, signal.SIG_IGN);"
        " resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, 64 * 1024));"
        " import cli; cli.main(sys.argv[1:])"
    )
    limited = subprocess.run(
        [sys.executable, "-c", code, "db", "backup", "--to", str(out)],
        env={**os.environ, **TEST_ENV, "PORCHLIGHT_DB": str(db_path)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert limited.returncode == 1
    assert "backup failed" in limited.stderr and "earlier backups were left as they were" in limited.stderr
    assert files_of(out) == before


def test_kill_9_mid_backup_leaves_nothing_that_looks_complete(db_path, tmp_path):
    # Ballast that does not compress, so the backup takes long enough to be killed in the middle.
    conn = connect(db_path)
    conn.execute("CREATE TABLE ballast (b BLOB)")
    conn.executemany("INSERT INTO ballast VALUES (randomblob(1048576))", [()] * 80)
    conn.close()
    out = tmp_path / "backups"
    proc = subprocess.Popen(
        [str(PORCHLIGHT), "db", "backup", "--to", str(out)],
        env={**os.environ, **TEST_ENV, "PORCHLIGHT_DB": str(db_path)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not list(out.glob(f".tmp-*{backups.SUFFIX}")):
        time.sleep(0.002)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    left = sorted(p.name for p in out.iterdir())
    assert left and all(name.startswith(backups.TEMP_PREFIX) for name in left), left
    assert backups.listing(out) == []
    with pytest.raises(backup_ops.RestoreRefused):
        for name in left:
            backup_ops.verify_archive(out / name)
    # The next run clears the dead run's temporaries and completes.
    assert cli(db_path, "db", "backup", "--to", str(out), timeout=120).returncode == 0
    assert not list(out.glob(f"{backups.TEMP_PREFIX}*"))
    assert len(backups.listing(out)) == 1


# --- restore ------------------------------------------------------------------------------------


def test_restore_replaces_the_database_and_keeps_the_old_one_aside(db_path, tmp_path, clock):
    made = backup_ops.take(db_path, tmp_path / "b", clock.now())
    wanted = snapshot_file(db_path)
    conn = connect(db_path)
    conn.execute("UPDATE users SET name = 'Changed after the backup'")
    conn.close()
    changed = snapshot_file(db_path)

    out = cli(db_path, "db", "restore", str(made.archive))
    assert out.returncode == 0, out.stderr
    assert snapshot_file(db_path) == wanted
    aside = next(tmp_path.glob("porchlight.sqlite3.before-restore-*"))
    assert f"kept as {aside}" in out.stdout
    assert snapshot_file(aside) == changed


def test_restore_applies_migrations_newer_than_the_backup(db_path, tmp_path, clock):
    older = tmp_path / "older.sqlite3"
    known = migrations.available()
    partial = tmp_path / "first-migrations"
    partial.mkdir()
    for m in known[:-2]:
        shutil.copy(m.path, partial / m.name)
    conn = connect(older)
    migrations.migrate(conn, partial)
    conn.close()
    made = backup_ops.take(older, tmp_path / "b", clock.now())
    assert made.manifest["migrations"]["count"] == len(known) - 2

    done = backup_ops.restore(made.archive, db_path, clock.now())
    assert done.applied == [m.name for m in known[-2:]]
    conn = sqlite3.connect(str(db_path))
    assert [r[0] for r in conn.execute("SELECT name FROM d1_migrations ORDER BY id")] == [m.name for m in known]
    conn.close()


def _refused(db_path: Path, archive: Path, reason: str) -> None:
    before = snapshot_file(db_path)
    out = cli(db_path, "db", "restore", str(archive))
    assert out.returncode == 1
    assert "restore refused" in out.stderr and reason in out.stderr, out.stderr
    assert snapshot_file(db_path) == before
    assert not list(db_path.parent.glob("*.before-restore-*"))
    assert not list(db_path.parent.glob(f"{backups.TEMP_PREFIX}*"))


def test_restore_refuses_a_truncated_backup(db_path, tmp_path, clock):
    made = backup_ops.take(db_path, tmp_path / "b", clock.now())
    data = made.archive.read_bytes()
    made.archive.write_bytes(data[: len(data) // 2])
    _refused(db_path, made.archive, f"truncated: {len(data) // 2:,} of {len(data):,} bytes")


def test_restore_refuses_a_tampered_backup(db_path, tmp_path, clock):
    made = backup_ops.take(db_path, tmp_path / "b", clock.now())
    data = bytearray(made.archive.read_bytes())
    data[len(data) // 2] ^= 0x01
    made.archive.write_bytes(bytes(data))
    _refused(db_path, made.archive, "checksum mismatch")


def test_restore_refuses_a_manifest_edited_to_match_a_swapped_archive(db_path, tmp_path, clock):
    """Someone swaps in another database and fixes the archive checksum, but not the row counts."""
    made = backup_ops.take(db_path, tmp_path / "b", clock.now())
    other = tmp_path / "other.sqlite3"
    shutil.copy(db_path, other)
    conn = connect(other)
    conn.execute("DELETE FROM users WHERE role = 'viewer'")
    conn.close()
    forged = backup_ops.take(other, tmp_path / "forged", clock.now())
    manifest = json.loads(backups.manifest_path(made.archive).read_text())
    manifest["archive"] = forged.manifest["archive"]
    manifest["sqlite"] = forged.manifest["sqlite"]
    shutil.copy(forged.archive, made.archive)
    backups.manifest_path(made.archive).write_text(json.dumps(manifest))
    _refused(db_path, made.archive, "row counts differ from the manifest in user_offices, users")


def test_restore_refuses_a_backup_without_its_manifest(db_path, tmp_path, clock):
    made = backup_ops.take(db_path, tmp_path / "b", clock.now())
    backups.manifest_path(made.archive).unlink()
    _refused(db_path, made.archive, "no manifest beside it")


def test_restore_refuses_a_backup_from_a_newer_schema(db_path, tmp_path, clock):
    newer = tmp_path / "newer.sqlite3"
    shutil.copy(db_path, newer)
    conn = connect(newer)
    conn.execute("INSERT INTO d1_migrations (name) VALUES ('9999_from_the_future.sql')")
    conn.close()
    made = backup_ops.take(newer, tmp_path / "b", clock.now())
    _refused(db_path, made.archive, "newer schema: 1 migration(s) this Porchlight does not have (9999_from_the_future")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_restore_refuses_while_a_server_holds_the_database(db_path, tmp_path, clock):
    made = backup_ops.take(db_path, tmp_path / "b", clock.now())
    port = _free_port()
    server = subprocess.Popen(
        [str(PORCHLIGHT), "serve", "--port", str(port), "--no-cron"],
        env={**os.environ, **TEST_ENV, "PORCHLIGHT_DB": str(db_path)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert server.stdout is not None
        line = server.stdout.readline()  # printed once the lock is held and the app is built
        assert "Porchlight on" in line, line
        _refused(db_path, made.archive, f"a server is running on this database ({db_path} is held by porchlight serve")
        # A second server on the same file is turned away by the same lock.
        second = cli(db_path, "serve", "--port", str(_free_port()), "--no-cron")
        assert second.returncode == 1 and "cannot serve" in second.stderr
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=30)
    # Once it has stopped, the restore goes ahead.
    assert cli(db_path, "db", "restore", str(made.archive)).returncode == 0

"""Our migration runner and wrangler's agree on the same d1_migrations table, in both directions."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

from core.storage import migrations
from core.storage.sqlite import connect

ROOT = Path(__file__).resolve().parents[2]


def test_it_applies_every_migration_once_and_records_it(tmp_path):
    conn = connect(tmp_path / "db.sqlite3")
    first = migrations.migrate(conn)
    assert first == [m.name for m in migrations.available()]
    assert migrations.migrate(conn) == []  # idempotent
    rows = conn.execute("SELECT id, name, applied_at FROM d1_migrations ORDER BY id").fetchall()
    assert [r["name"] for r in rows] == first and all(r["applied_at"] for r in rows)


def test_a_failing_migration_leaves_nothing_behind(tmp_path):
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "0001_ok.sql").write_text("CREATE TABLE a (id INTEGER PRIMARY KEY);")
    (folder / "0002_broken.sql").write_text("CREATE TABLE b (id INTEGER PRIMARY KEY);\nINSERT INTO nope VALUES (1);")
    conn = connect(tmp_path / "db.sqlite3")
    with pytest.raises(RuntimeError, match=r"0002_broken\.sql"):
        migrations.migrate(conn, folder)
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert "a" in tables and "b" not in tables
    assert migrations.applied(conn) == ["0001_ok.sql"]


def test_it_refuses_begin_commit_in_a_migration(tmp_path):
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "0001_tx.sql").write_text("BEGIN;\nCREATE TABLE a (id INTEGER);\nCOMMIT;")
    with pytest.raises(ValueError, match="BEGIN/COMMIT"):
        migrations.migrate(connect(tmp_path / "db.sqlite3"), folder)


def test_it_orders_by_number_like_wrangler(tmp_path):
    for name in ("0010_c.sql", "0002_b.sql", "0001_a.sql", "notes.txt", "x_no_number.sql"):
        (tmp_path / name).write_text("SELECT 1;")
    assert [m.name for m in migrations.available(tmp_path)] == ["0001_a.sql", "0002_b.sql", "0010_c.sql"]


def _wrangler(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    npx = shutil.which("npx")
    if npx is None or not (ROOT / "node_modules" / ".bin" / "wrangler").exists():
        pytest.fail("wrangler is not installed: run `npm ci` (make setup does)")
    env = {**os.environ, "CI": "true", "WRANGLER_SEND_METRICS": "false"}
    return subprocess.run([npx, "wrangler", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=180)


def _wrangler_db(state: Path) -> Path:
    files = [p for p in state.rglob("*.sqlite") if p.name != "metadata.sqlite"]
    assert len(files) == 1, files
    return files[0]


@pytest.mark.wrangler
def test_wrangler_then_our_runner(tmp_path):
    state = tmp_path / "state"
    done = _wrangler("d1", "migrations", "apply", "DB", "--local", "--persist-to", str(state), cwd=ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    conn = connect(_wrangler_db(state))
    assert migrations.pending(conn) == []  # we see everything wrangler applied
    assert migrations.migrate(conn) == []
    conn.close()


@pytest.mark.wrangler
def test_our_runner_then_wrangler(tmp_path):
    state = tmp_path / "state"
    # let wrangler create its (empty) local database file, then migrate it with our runner
    made = _wrangler("d1", "execute", "DB", "--local", "--persist-to", str(state), "--command", "SELECT 1", cwd=ROOT)
    assert made.returncode == 0, made.stdout + made.stderr
    path = _wrangler_db(state)
    conn = sqlite3.connect(str(path))
    assert migrations.migrate(conn) == [m.name for m in migrations.available()]
    conn.close()
    listed = _wrangler("d1", "migrations", "list", "DB", "--local", "--persist-to", str(state), cwd=ROOT)
    assert listed.returncode == 0, listed.stdout + listed.stderr
    assert "No migrations to apply" in listed.stdout, listed.stdout

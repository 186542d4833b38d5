"""The `porchlight` command, run as a user would (a subprocess against its own database file)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from core.storage import migrations
from tests.conftest import TEST_ENV

PORCHLIGHT = Path(sys.executable).parent / "porchlight"


def run(db: Path, *args: str, password: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, **TEST_ENV, "PORCHLIGHT_DB": str(db)}
    if password:
        env["PORCHLIGHT_PASSWORD"] = password
    return subprocess.run(
        [str(PORCHLIGHT), *args], env=env, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL
    )


def test_the_cli_sets_up_a_database_from_nothing(tmp_path):
    db = tmp_path / "nested" / "cli.sqlite3"
    out = run(db, "db", "migrate")
    assert out.returncode == 0, out.stderr
    assert f"applied {len(migrations.available())} migration" in out.stdout
    assert "applied 0 migration" in run(db, "db", "migrate").stdout

    assert run(db, "offices", "create", "--name", "Garage", "--tz", "America/New_York", "--jobs").returncode == 0
    assert "Garage" in run(db, "offices", "list").stdout

    made = run(
        db,
        "users",
        "create",
        "--email",
        "o@example.test",
        "--name",
        "O",
        "--role",
        "owner",
        "--offices",
        "all",
        password="an owner passphrase",
    )
    assert made.returncode == 0, made.stderr
    agent = run(
        db,
        "users",
        "create",
        "--email",
        "a@example.test",
        "--name",
        "A",
        "--role",
        "agent",
        "--offices",
        "Garage",
        password="an agent passphrase",
    )
    assert agent.returncode == 0, agent.stderr
    listing = run(db, "users", "list").stdout
    assert "o@example.test" in listing and "a@example.test" in listing

    token = run(db, "tokens", "create", "--email", "a@example.test", "--name", "script").stdout.strip()
    assert token.startswith("plt_")

    ran = run(db, "cron", "run", "housekeeping")
    assert ran.returncode == 0 and json.loads(ran.stdout)["job"] == "housekeeping"

    off = run(db, "users", "deactivate", "--email", "a@example.test")
    assert off.returncode == 0 and "inactive" in run(db, "users", "list").stdout


def test_the_cli_explains_its_mistakes(tmp_path):
    db = tmp_path / "cli.sqlite3"
    bad = run(
        db,
        "users",
        "create",
        "--email",
        "x@example.test",
        "--name",
        "X",
        "--role",
        "agent",
        "--offices",
        "Nowhere",
        password="a long passphrase",
    )
    assert bad.returncode != 0 and "no office named 'Nowhere'" in bad.stderr
    short = run(db, "users", "create", "--email", "x@example.test", "--name", "X", "--role", "owner", password="short")
    assert short.returncode != 0 and "at least 12" in short.stderr
    unknown = run(db, "cron", "run", "nope")
    assert unknown.returncode != 0 and "unknown job" in unknown.stderr


def test_demo_seed_runs_once_and_prints_logins(tmp_path):
    db = tmp_path / "demo.sqlite3"
    first = run(db, "demo", "seed")
    assert first.returncode == 0 and "owner@porchlight.test" in first.stdout and "agent-demo-pass" in first.stdout
    again = run(db, "demo", "seed")
    assert "none added" in again.stdout and "nothing added" in again.stdout


def test_missing_secrets_are_named(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in TEST_ENV}
    env.update(PORCHLIGHT_DB=str(tmp_path / "x.sqlite3"), PORCHLIGHT_ENV="test")
    out = subprocess.run(
        [str(PORCHLIGHT), "offices", "list"], env=env, capture_output=True, text=True, timeout=60, cwd=tmp_path
    )
    # .dev.vars of the checkout may supply them; with an empty environment the error must name what is missing
    assert out.returncode == 0 or "ENCRYPTION_KEY" in out.stderr


def test_the_cli_resets_a_lost_second_factor(tmp_path):
    """A sole owner without their phone or recovery codes: `users reset-two-factor` (issue 17)."""
    import sqlite3

    db = tmp_path / "cli.sqlite3"
    assert run(db, "db", "migrate").returncode == 0
    made = run(
        db,
        "users",
        "create",
        "--email",
        "o@example.test",
        "--name",
        "O",
        "--role",
        "owner",
        password="an owner passphrase",
    )
    assert made.returncode == 0, made.stderr
    conn = sqlite3.connect(db)
    conn.execute(
        "INSERT INTO user_totp (user_id, secret, key_id, confirmed_at, created_at, updated_at)"
        " SELECT id, 'sealed', 'k1', '2026-11-22T15:00:00.000Z', '2026-11-22T15:00:00.000Z', '2026-11-22T15:00:00.000Z'"
        " FROM users"
    )
    conn.commit()
    out = run(db, "users", "reset-two-factor", "--email", "o@example.test")
    assert out.returncode == 0, out.stderr
    assert conn.execute("SELECT COUNT(*) FROM user_totp").fetchone()[0] == 0
    assert conn.execute("SELECT COUNT(*) FROM audit_log WHERE action = 'auth.two_factor_reset'").fetchone()[0] == 1
    conn.close()
    assert run(db, "users", "reset-two-factor", "--email", "nobody@example.test").returncode != 0

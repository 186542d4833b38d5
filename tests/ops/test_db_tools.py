"""`porchlight db check` (src/ops/db_check.py) and `porchlight db export` (src/ops/db_export.py) on real
SQLite files: healthy passes, each kind of damage is found with a non-zero exit, and no export —
of a table or of any query — ever carries a password hash, a token or a sealed secret."""

from __future__ import annotations

import json
import subprocess
import sys

from core.storage.sqlite import connect
from ops import db_check, exports
from tests.conftest import snapshot_file
from tests.ops.test_backups import cli


def findings(db_path, clock) -> dict[str, db_check.Finding]:
    conn = connect(db_path)
    try:
        return {f.check: f for f in db_check.check(conn, clock.now(), sample=10)}
    finally:
        conn.close()


def test_a_healthy_database_passes_every_check(db_path, clock):
    found = findings(db_path, clock)
    assert set(found) == {
        "integrity",
        "foreign keys",
        "search index lead_terms",
        "search index customer_terms",
        "search index job_terms",  # jobs (issue 20)
        "report rollups",
    }
    assert all(f.ok for f in found.values()), found
    out = cli(db_path, "db", "check")
    assert out.returncode == 0, out.stdout + out.stderr
    assert "ok   report rollups: equal to a rebuild" in out.stdout


def test_rollups_that_differ_from_a_rebuild_fail_the_check(db_path, clock):
    conn = connect(db_path)
    office = conn.execute("SELECT id FROM offices WHERE name = 'Garage'").fetchone()[0]
    findings(db_path, clock)  # builds the rollups
    conn.execute(
        "INSERT INTO report_lead_days (office_id, day, status, leads, responded, response_seconds)"
        " VALUES (?, '2026-11-20', 'fresh', 5, 0, 0)",
        (office,),
    )
    conn.close()
    before = snapshot_file(db_path)
    bad = findings(db_path, clock)["report rollups"]
    assert not bad.ok and "report_lead_days (1 rows)" in bad.detail
    assert snapshot_file(db_path) == before  # the comparison's rebuild was rolled back
    out = cli(db_path, "db", "check", "--sample", "10")
    assert out.returncode == 1 and "BAD  report rollups" in out.stdout


def test_a_row_pointing_at_nothing_fails_the_foreign_key_check(db_path, clock):
    conn = connect(db_path)
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.execute("INSERT INTO user_offices (user_id, office_id) VALUES (9999, 1)")
    conn.close()
    bad = findings(db_path, clock)["foreign keys"]
    assert not bad.ok and "user_offices → users" in bad.detail
    assert cli(db_path, "db", "check").returncode == 1


def test_a_search_index_out_of_step_with_its_content_fails_the_check(db_path, clock):
    conn = connect(db_path)
    conn.execute("INSERT INTO customer_terms (rowid, terms) VALUES (424242, 'jane example 3055550100')")
    conn.execute("UPDATE customer_terms_content SET c0 = 'someone else entirely' WHERE id = 424242")
    conn.close()
    found = findings(db_path, clock)
    assert not found["search index customer_terms"].ok
    assert found["search index lead_terms"].ok
    assert cli(db_path, "db", "check").returncode == 1


# --- export -------------------------------------------------------------------------------------


def _value(db_path, sql):
    conn = connect(db_path)
    try:
        return conn.execute(sql).fetchone()[0]
    finally:
        conn.close()


def test_a_table_exports_as_json_and_csv_without_its_secrets(db_path):
    hash_ = _value(db_path, "SELECT password_hash FROM users LIMIT 1")
    token = _value(db_path, "SELECT webhook_token FROM lead_sources LIMIT 1")

    users = cli(db_path, "db", "export", "users", "--format", "json")
    assert users.returncode == 0, users.stderr
    rows = json.loads(users.stdout)
    assert len(rows) == 7 and "password_hash" not in rows[0] and rows[0]["email"].endswith("@example.test")
    assert hash_ not in users.stdout

    sources = cli(db_path, "db", "export", "lead_sources", "--format", "csv")
    assert sources.returncode == 0, sources.stderr
    header, first = sources.stdout.splitlines()[:2]
    assert "webhook_token" in header and exports.MASK in first
    assert token not in sources.stdout


def test_an_excluded_table_is_refused_by_name(db_path):
    for table in ("sessions", "api_tokens"):
        out = cli(db_path, "db", "export", table)
        assert out.returncode == 1
        assert f"table {table} is never exported: {exports.EXCLUDED[table]}" in out.stderr
        assert out.stdout == ""


def test_a_query_is_exported_through_sqlite_utils(db_path, tmp_path):
    target = tmp_path / "out.json"
    out = cli(
        db_path,
        "db",
        "export",
        "--query",
        "SELECT o.name, COUNT(*) AS people FROM offices o JOIN user_offices u ON u.office_id = o.id"
        " GROUP BY o.name ORDER BY o.name",
        "--format",
        "json",
        "--output",
        str(target),
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(target.read_text()) == [{"name": "Garage", "people": 5}, {"name": "Sliding", "people": 1}]
    assert "2 row(s) written" in out.stderr


def test_a_query_that_reads_a_secret_is_refused_however_it_is_written(db_path, tmp_path):
    hash_ = _value(db_path, "SELECT password_hash FROM users LIMIT 1")
    for sql, named in (
        ("SELECT * FROM users", "users.password_hash"),
        ("SELECT email, upper(password_hash) AS harmless FROM users", "users.password_hash"),
        ("SELECT (SELECT webhook_token FROM lead_sources LIMIT 1) AS t", "lead_sources.webhook_token"),
        ("WITH s AS (SELECT token_hash AS x FROM sessions) SELECT x FROM s", "sessions.token_hash"),
        ("SELECT secret_sealed FROM customer_secure_access", "customer_secure_access.secret_sealed"),
    ):
        target = tmp_path / "leak.csv"
        out = cli(db_path, "db", "export", "--query", sql, "--output", str(target))
        assert out.returncode == 1, sql
        assert f"the query reads {named}, which is never exported" in out.stderr, out.stderr
        assert not target.exists() and hash_ not in out.stdout


def test_a_query_cannot_write(db_path):
    before = snapshot_file(db_path)
    for sql in ("DELETE FROM users", "UPDATE offices SET name = 'x'", "PRAGMA journal_mode = DELETE"):
        out = cli(db_path, "db", "export", "--query", sql)
        assert out.returncode == 1 and "only SELECT queries can be exported" in out.stderr, (sql, out.stderr)
    assert snapshot_file(db_path) == before


def test_the_worker_app_never_imports_the_local_tools():
    code = (
        "import sys, app; app.create_app;"
        " local = ('sqlite_utils', 'ops.backup_ops', 'ops.db_export', 'ops.db_check');"
        " print(sorted(m for m in local if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.strip() == "[]"

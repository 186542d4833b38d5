"""`porchlight db check`: the local database's health, deeper than /healthz can afford per request.

SQLite's own integrity and foreign-key checks, each full-text index's integrity check, and the
report rollups compared with a rebuild of a sample of offices. The rebuild runs inside a
transaction that is rolled back, so the check changes nothing but what the minute tick would have
done anyway (counting leads still noted behind intake, so rollups and rebuild count the same leads).
"""

from __future__ import annotations

import asyncio
import random
import sqlite3
from dataclasses import dataclass
from datetime import datetime

from core.storage.sqlite import SqliteDatabase
from reports import rollups as report_rollups


@dataclass(frozen=True)
class Finding:
    check: str
    ok: bool
    detail: str


def check(conn: sqlite3.Connection, now: datetime, *, sample: int = 2, seed: int | None = None) -> list[Finding]:
    findings = [_integrity(conn), _foreign_keys(conn)]
    findings += _full_text(conn)
    findings.append(_rollups(conn, now, sample, random.Random(seed)))  # noqa: S311 (a sample, not a secret)
    return findings


def _integrity(conn: sqlite3.Connection) -> Finding:
    try:
        problems = [r[0] for r in conn.execute("PRAGMA integrity_check(20)")]
    except sqlite3.DatabaseError as exc:
        return Finding("integrity", False, str(exc))
    return Finding("integrity", problems == ["ok"], "ok" if problems == ["ok"] else "; ".join(problems[:5]))


def _foreign_keys(conn: sqlite3.Connection) -> Finding:
    try:
        rows = conn.execute("PRAGMA foreign_key_check").fetchall()
    except sqlite3.DatabaseError as exc:
        return Finding("foreign keys", False, str(exc))
    if not rows:
        return Finding("foreign keys", True, "ok")
    tables = sorted({f"{r[0]} → {r[2]}" for r in rows})
    return Finding("foreign keys", False, f"{len(rows)} row(s) point at nothing: {', '.join(tables[:5])}")


def _full_text(conn: sqlite3.Connection) -> list[Finding]:
    names = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND upper(sql) LIKE 'CREATE VIRTUAL TABLE%USING FTS5%'"
        )
    ]
    found = []
    for name in names:
        try:
            # FTS5's own check: the index against itself and, where it has content, against that.
            conn.execute(f'INSERT INTO "{name}" ("{name}") VALUES (\'integrity-check\')')
            found.append(Finding(f"search index {name}", True, "ok"))
        except sqlite3.DatabaseError as exc:
            found.append(Finding(f"search index {name}", False, str(exc)))
    return found


def _rows(conn: sqlite3.Connection, office_ids: list[int]) -> dict[str, set[tuple]]:
    marks = ",".join("?" * len(office_ids))
    return {
        table: set(map(tuple, conn.execute(f"SELECT * FROM {table} WHERE office_id IN ({marks})", office_ids)))
        for table in report_rollups.ROLLUPS
    }


def _rollups(conn: sqlite3.Connection, now: datetime, sample: int, rng: random.Random) -> Finding:
    offices = [(r[0], r[1]) for r in conn.execute("SELECT id, time_zone FROM offices ORDER BY id")]
    if not offices:
        return Finding("report rollups", True, "no offices yet")
    chosen = sorted(rng.sample(offices, min(sample, len(offices))))
    ids = [office_id for office_id, _ in chosen]
    try:
        # Bring the rollups up to date first, as a report would (stale zones, leads noted behind intake).
        asyncio.run(report_rollups.prepare(SqliteDatabase(conn), now))
        conn.execute("BEGIN IMMEDIATE")
        try:
            stored = _rows(conn, ids)
            for st in report_rollups.rebuild_statements(chosen, now):
                conn.execute(st.sql, st.params)
            rebuilt = _rows(conn, ids)
        finally:
            conn.execute("ROLLBACK")
    except sqlite3.DatabaseError as exc:
        return Finding("report rollups", False, f"could not rebuild to compare: {exc}")
    differ = {t: len(stored[t] ^ rebuilt[t]) for t in report_rollups.ROLLUPS if stored[t] != rebuilt[t]}
    where = f"offices {', '.join(map(str, ids))}"
    if not differ:
        return Finding("report rollups", True, f"equal to a rebuild ({where})")
    return Finding(
        "report rollups",
        False,
        f"differ from a rebuild ({where}): " + ", ".join(f"{t} ({n} rows)" for t, n in differ.items()),
    )

"""Apply `migrations/NNNN_name.sql` to a local SQLite file exactly as wrangler does on D1.

wrangler records each applied file in `d1_migrations(id, name, applied_at)` and runs the file's
text plus that INSERT as one unit. We create the identical table and do the same, so a database
migrated by either tool is understood by the other (tests/core/test_migrations.py proves it both ways).
`migrate_database` does the same through the Database interface, so a D1 binding can be migrated
by our runner too (the real-D1 test pass does): each file is one batch of its statements.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from core.storage import Database, DatabaseError, Statement

MIGRATIONS_DIR = Path(__file__).resolve().parents[3] / "migrations"
TABLE = "d1_migrations"

# Same DDL wrangler issues (workers-sdk d1/migrations/helpers.ts), so `CREATE … IF NOT EXISTS` is a no-op
# whichever tool came first.
CREATE_TABLE = f"""CREATE TABLE IF NOT EXISTS {TABLE}(
		id         INTEGER PRIMARY KEY AUTOINCREMENT,
		name       TEXT UNIQUE,
		applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL
)"""

_NUMBERED = re.compile(r"^(\d+)_.*\.sql$")


@dataclass(frozen=True)
class Migration:
    number: int
    name: str
    path: Path


def available(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    """Files wrangler would pick up, in wrangler's order (leading number, then name)."""
    found = []
    for path in directory.glob("*.sql"):
        m = _NUMBERED.match(path.name)
        if m:
            found.append(Migration(int(m.group(1)), path.name, path))
    return sorted(found, key=lambda m: (m.number, m.name))


def applied(conn: sqlite3.Connection) -> list[str]:
    conn.execute(CREATE_TABLE)
    return [r[0] for r in conn.execute(f"SELECT name FROM {TABLE} ORDER BY id")]


async def applied_count(db: Database) -> int:
    """How many migrations the database records, through the app's own chokepoint (either runtime)."""
    row = await db.first(f"SELECT COUNT(*) AS n FROM {TABLE}")
    return int(row["n"]) if row else 0


def pending(conn: sqlite3.Connection, directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    done = set(applied(conn))
    return [m for m in available(directory) if m.name not in done]


def migrate(conn: sqlite3.Connection, directory: Path = MIGRATIONS_DIR) -> list[str]:
    """Apply every pending migration, each atomically with its record. Returns the names applied."""
    names = []
    for migration in pending(conn, directory):
        sql = migration.path.read_text(encoding="utf-8")
        if re.search(r"^\s*(BEGIN|COMMIT)\b", sql, re.IGNORECASE | re.MULTILINE):
            raise ValueError(f"{migration.name}: migrations may not contain BEGIN/COMMIT (D1 rejects them)")
        record = f"INSERT INTO {TABLE} (name) values ('{migration.name}');"
        try:
            conn.executescript(f"BEGIN;\n{sql}\n;\n{record}\nCOMMIT;")
        except sqlite3.Error as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise RuntimeError(f"migration {migration.name} failed and was rolled back: {exc}") from exc
        names.append(migration.name)
    return names


_COMMENTS = re.compile(r"--[^\n]*|/\*.*?\*/", re.DOTALL)


def split_statements(sql: str) -> list[str]:
    """The statements of a migration, one per item (a trigger's body stays whole): D1 prepares one
    statement at a time, so a file becomes a batch. Comment-only leftovers are dropped."""
    out: list[str] = []
    start = 0
    for end in (i + 1 for i, ch in enumerate(sql) if ch == ";"):
        if sqlite3.complete_statement(sql[start:end]):
            out.append(sql[start:end])
            start = end
    out.append(sql[start:])
    return [s.strip() for s in out if _COMMENTS.sub("", s).strip(" \t\r\n;")]


async def migrate_database(db: Database, directory: Path = MIGRATIONS_DIR) -> list[str]:
    """`migrate` through the Database interface: each pending file and its record in one batch."""
    await db.run(CREATE_TABLE)
    done = {r["name"] for r in await db.all(f"SELECT name FROM {TABLE}")}
    names = []
    for migration in available(directory):
        if migration.name in done:
            continue
        sql = migration.path.read_text(encoding="utf-8")
        if re.search(r"^\s*(BEGIN|COMMIT)\b", sql, re.IGNORECASE | re.MULTILINE):
            raise ValueError(f"{migration.name}: migrations may not contain BEGIN/COMMIT (D1 rejects them)")
        record = Statement(f"INSERT INTO {TABLE} (name) values (?)", (migration.name,))
        try:
            await db.batch([*(Statement(s) for s in split_statements(sql)), record])
        except DatabaseError as exc:
            raise RuntimeError(f"migration {migration.name} failed and was rolled back: {exc}") from exc
        names.append(migration.name)
    return names

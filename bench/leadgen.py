"""A realistic leads table of any size, generated straight into a migrated SQLite file, and cached.

The file has every migration applied (`storage.migrations.migrate`), the demo offices and users
from `porchlight demo seed` plus two more offices from `porchlight offices create`, and then N
leads spread over the 12 months before the generation time, inserted with `executemany` in large
transactions, then added to the search index as the app's `lead-indexes` tick adds them. Statuses
follow the mix below, independently of age; callbacks (and a quarter of the fresh leads, which have
had a call attempt) have `next_contact_at` within ±14 days of the generation time. Ids grow with
`created_at`, as they do in the app. No `ANALYZE` is run, because the app never runs one either.

The result is cached in bench/results/ (gitignored) as `queue-leads-N.sqlite3` with a `.json` beside
it; a re-run reuses it unless the migrations or this generator changed.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import servers
from core.clock import iso
from core.storage import migrations
from core.storage.sqlite import connect

GENERATOR_VERSION = 1
SEED = 20261122
CHUNK = 100_000  # rows per executemany / transaction

STATUS_MIX = {
    "fresh": 10,
    "not_yet_scheduled": 10,
    "needs_follow_up": 10,
    "consultation_call": 3,
    "converted": 30,
    "irrelevant": 37,
}
CALLBACK = ("not_yet_scheduled", "needs_follow_up", "consultation_call")
SOURCE_MIX = {
    "facebook": 20,
    "google": 20,
    "lsa": 8,
    "yelp": 10,
    "angi": 8,
    "thumbtack": 8,
    "website": 12,
    "manual": 5,
    "nextdoor": 4,
    "bookback": 3,
    "online_booking": 2,
}
EXTRA_OFFICES = (("Windows", "America/Denver"), ("Doors", "America/Phoenix"))
OFFICE_MIX = {"Garage": 40, "Sliding": 30, "Windows": 12, "Doors": 10, "General": 8}
PAID_SOURCES = {"yelp", "angi", "thumbtack", "lsa"}

FIRST = (
    "James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara Richard Susan Joseph "
    "Jessica Thomas Sarah Carlos Karen Daniel Lisa Matthew Nancy Anthony Betty Mark Sandra Luis Ashley Jose Maria "
    "Kevin Emily Brian Donna George Michelle Ana Sofia"
).split()
LAST = (
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez Wilson "
    "Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris Sanchez Clark Ramirez Lewis "
    "Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill Flores Green Adams Nelson Baker Hall Rivera "
    "Campbell Mitchell Carter Roberts Henderson Silva"
).split()
DOMAINS = ("gmail.com", "yahoo.com", "outlook.com", "icloud.com", "aol.com", "hotmail.com")
AREA_CODES = ("305", "786", "954", "561", "407", "813", "212", "646", "310", "415", "512", "713", "602", "303")
STREETS = ("Main St", "Oak Ave", "Pine Rd", "Maple Dr", "Cedar Ln", "Elm St", "Palm Way", "Bay Blvd", "Lake Ct")
CAMPAIGNS = (
    "",
    "",
    "Winter Promo",
    "Spring Tune-up",
    "Summer Sale",
    "Fall Safety Check",
    "Brand - Exact",
    "Generic - Broad",
    "Retargeting 30d",
    "Lookalike 1%",
    "Local Radius 15mi",
    "Emergency Repair",
    "New Install",
)
SERVICES = ("Repair", "New installation", "Spring replacement", "Opener install", "Tune-up", "Estimate", "")
HOW_SOON = ("As soon as possible", "Within a week", "Within a month", "Just getting a quote", "")
IRRELEVANT = ("Wrong number", "Out of area", "Price shopping", "Duplicate", "Spam", "Not interested")
ZIPS = tuple(f"{z:05d}" for z in random.Random(SEED).sample(range(10_000, 99_999), 300))


@dataclass(frozen=True)
class Generated:
    path: Path
    meta: dict[str, Any]

    @property
    def now(self) -> datetime:
        """The generation time: queries use it, so callbacks stay ±14 days around 'now' on a cached file."""
        return datetime.fromisoformat(self.meta["generated_at"].replace("Z", "+00:00"))


def cache_paths(rows: int, directory: Path) -> tuple[Path, Path]:
    stem = directory / f"queue-leads-{rows}"
    return stem.with_suffix(".sqlite3"), stem.with_suffix(".json")


def _expected_meta(rows: int) -> dict[str, Any]:
    return {
        "rows": rows,
        "generator_version": GENERATOR_VERSION,
        "migrations": [m.name for m in migrations.available()],
    }


def ensure(rows: int, directory: Path) -> Generated:
    """The cached database for ROWS leads, generating it first when missing or stale."""
    path, meta_path = cache_paths(rows, directory)
    if path.exists() and meta_path.exists():
        meta = json.loads(meta_path.read_text())
        if all(meta.get(k) == v for k, v in _expected_meta(rows).items()):
            return Generated(path, {**meta, "cached": True})
    directory.mkdir(parents=True, exist_ok=True)
    meta = build(rows, path)
    meta_path.write_text(json.dumps(meta, indent=2) + "\n")
    return Generated(path, {**meta, "cached": False})


def build(rows: int, path: Path) -> dict[str, Any]:
    """Generate into a temporary file and move it into place only when complete."""
    partial = path.with_suffix(".partial.sqlite3")
    for stale in (partial, Path(f"{partial}-wal"), Path(f"{partial}-shm")):
        stale.unlink(missing_ok=True)
    now = datetime.now(UTC).replace(microsecond=0)
    with closing(connect(partial)) as conn:
        migrations.migrate(conn)
    _seed_people(partial)
    started = time.perf_counter()
    with closing(connect(partial)) as conn:
        _insert_leads(conn, rows, now)
    indexing = time.perf_counter()
    _index_for_search(partial)
    indexed = time.perf_counter() - indexing
    with closing(connect(partial)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    seconds = time.perf_counter() - started
    partial.replace(path)
    return {
        **_expected_meta(rows),
        "generated_at": iso(now),
        "insert_seconds": round(seconds, 1),
        "search_index_seconds": round(indexed, 1),
    }


def _index_for_search(db_path: Path) -> None:
    """Every lead into the search index and the report rollups, as the app's `lead-indexes` tick does
    after intake (src/leads/search.py, src/reports/rollups.py)."""
    import asyncio

    from core.storage.sqlite import SqliteDatabase
    from leads import search as lead_search
    from reports import rollups as report_rollups

    async def index() -> None:
        db = SqliteDatabase.open(db_path)
        try:
            await lead_search.index_pending(db)
            await report_rollups.count_pending(db)
        finally:
            db.close()

    asyncio.run(index())


def _seed_people(db_path: Path) -> None:
    """Demo offices and users, and two more offices, through the CLI (as a developer would)."""
    with tempfile.TemporaryDirectory(prefix="porchlight-leadgen-") as tmp:
        env = {**servers.app_environment(Path(tmp)), "PORCHLIGHT_DB": str(db_path)}
        commands = [
            ["demo", "seed", "--people-only"],
            *(["offices", "create", "--name", n, "--tz", tz] for n, tz in EXTRA_OFFICES),
        ]
        for args in commands:
            done = subprocess.run(
                [str(servers.BIN / "porchlight"), *args], env=env, capture_output=True, text=True, timeout=120
            )
            if done.returncode != 0:
                raise servers.BenchSetupError(f"porchlight {' '.join(args)} failed:\n{done.stdout}{done.stderr}")


# --- the leads ---------------------------------------------------------------------------------

_COLUMNS = (
    "id, display_id, intake_ref, office_id, source_key, status, name, phone, phone_raw, phone_last10,"
    " phone_flagged, email, zip, address, service, how_soon, notes, campaign, ad_name, partner_name,"
    " tracking_source, external_id, fee_cents, received_at, next_contact_at, claimed_by, claimed_at, call_count,"
    " first_response_at, next_action, assigned_user_id, irrelevant_reason, reactivated, transferred,"
    " archived_at, customer_id, version, created_at, updated_at"
)
_INSERT = f"INSERT INTO leads ({_COLUMNS}) VALUES ({', '.join('?' * len(_COLUMNS.split(',')))})"
FIRST_ID = 1001  # intake numbers leads from 1001


@dataclass(frozen=True)
class _World:
    now: datetime
    office_ids: list[int]
    office_weights: list[int]
    staff_ids: list[int]


def _world(conn: Any, now: datetime) -> _World:
    offices = {r["name"]: r["id"] for r in conn.execute("SELECT id, name FROM offices")}
    missing = set(OFFICE_MIX) - set(offices)
    if missing:
        raise servers.BenchSetupError(f"offices missing after seeding: {sorted(missing)}")
    staff = [r["id"] for r in conn.execute("SELECT id FROM users WHERE role IN ('owner', 'admin', 'agent')")]
    return _World(now, [offices[n] for n in OFFICE_MIX], list(OFFICE_MIX.values()), staff)


def _insert_leads(conn: Any, rows: int, now: datetime) -> None:
    world = _world(conn, now)
    probe = now - timedelta(microseconds=123_456)
    assert _iso(probe) == iso(probe), "the fast formatter must agree with the app's"
    rng = random.Random(SEED)
    # Creation times: uniform over the past year, sorted so ids grow with time.
    year_ms = 365 * 24 * 3600 * 1000
    offsets = sorted(rng.randrange(year_ms) for _ in range(rows))
    conn.execute("PRAGMA cache_size = -262144")  # 256 MiB while loading; the benchmark reopens the file
    for start in range(0, rows, CHUNK):
        chunk = offsets[start : start + CHUNK]
        conn.execute("BEGIN")
        conn.executemany(_INSERT, _lead_rows(rng, world, FIRST_ID + start, chunk, year_ms))
        conn.execute("COMMIT")
        print(f"  leads: {start + len(chunk):,}/{rows:,}", file=sys.stderr, flush=True)


def _iso(moment: datetime) -> str:
    """`clock.iso` for the UTC datetimes made here, at a tenth of the cost (checked in `_insert_leads`)."""
    return moment.isoformat(timespec="milliseconds")[:-6] + "Z"


def _lead_rows(
    rng: random.Random, world: _World, first_id: int, offsets: Sequence[int], year_ms: int
) -> Iterator[tuple[Any, ...]]:
    n = len(offsets)
    statuses = rng.choices(list(STATUS_MIX), weights=list(STATUS_MIX.values()), k=n)
    sources = rng.choices(list(SOURCE_MIX), weights=list(SOURCE_MIX.values()), k=n)
    offices = rng.choices(world.office_ids, weights=world.office_weights, k=n)
    origin = world.now - timedelta(milliseconds=year_ms)
    for i, offset in enumerate(offsets):
        created = origin + timedelta(milliseconds=offset)
        yield _lead(rng, world, first_id + i, created, statuses[i], sources[i], offices[i])


def _lead(
    rng: random.Random, world: _World, lead_id: int, created: datetime, status: str, source: str, office: int
) -> tuple[Any, ...]:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    last10 = rng.choice(AREA_CODES) + f"{rng.randrange(2_000_000, 9_999_999):07d}"
    flagged = rng.random() < 0.005
    worked = status != "fresh"
    called = worked or rng.random() < 0.25  # a quarter of fresh leads have had a call attempt
    next_contact = None
    if status in CALLBACK or (status == "fresh" and called):
        next_contact = _iso(world.now + timedelta(seconds=rng.uniform(-14, 14) * 86_400))
    touched = min(world.now, created + timedelta(minutes=rng.randrange(5, 5 * 24 * 60))) if called else created
    call_count = rng.randrange(1, 9) if called else 0
    closed = status in ("converted", "irrelevant")
    archived = _iso(touched) if closed and rng.random() < 0.01 else None
    partner = "GDQ" if rng.random() < 0.02 else None
    return (
        lead_id,
        f"L-{lead_id}",
        f"{rng.getrandbits(128):032x}",
        office,
        source,
        status,
        f"{first} {last}",
        None if flagged else f"+1{last10}",
        f"({last10[:3]}) {last10[3:6]}-{last10[6:]}",
        last10,
        int(flagged),
        f"{first}.{last}{rng.randrange(1, 999)}@{rng.choice(DOMAINS)}".lower(),
        rng.choice(ZIPS),
        f"{rng.randrange(1, 9999)} {rng.choice(STREETS)}",
        rng.choice(SERVICES),
        rng.choice(HOW_SOON),
        "" if rng.random() < 0.7 else "Prefers a call after 5pm.",
        rng.choice(CAMPAIGNS),
        "" if source not in ("facebook", "google") else f"Ad {rng.randrange(1, 40)}",
        partner,
        "",
        f"{source}-{lead_id}" if source not in ("website", "manual") else None,
        rng.randrange(1500, 6000) if source in PAID_SOURCES else None,
        _iso(created - timedelta(seconds=rng.randrange(0, 30))),
        next_contact,
        rng.choice(world.staff_ids) if worked else None,
        _iso(created + timedelta(minutes=3)) if worked and created + timedelta(minutes=3) < world.now else None,
        call_count,
        _iso(touched) if called else None,
        None,
        None,
        rng.choice(IRRELEVANT) if status == "irrelevant" else None,
        int(rng.random() < 0.02),
        int(rng.random() < 0.01),
        archived,
        None,
        1 + call_count + (1 if worked else 0),
        _iso(created),
        _iso(touched),
    )

"""A realistic customer book of any size, generated straight into a migrated SQLite file, and cached.

The file has every migration applied, the demo offices and users plus the two extra offices of
`leadgen`, and N customers created over the 3 years before the generation time (ids grow with
time), each with its primary contact, sometimes more contacts, a billing address for most and a
work site for some, and tags. Rows go in with `executemany` in large transactions with every
index and trigger in place, so the search table `customer_terms` is filled the way the app fills
it: one rebuild of the customer's row per contact, address and tag. No `ANALYZE` (the app runs none).

Cached in bench/results/ (gitignored) as `clients-N.sqlite3` with a `.json` beside it; a re-run
reuses it unless the migrations or this generator changed.
"""

from __future__ import annotations

import json
import random
import sys
import time
from collections.abc import Sequence
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import leadgen
from core.clock import iso
from core.storage import migrations
from core.storage.sqlite import connect

GENERATOR_VERSION = 1
SEED = 20261123
CHUNK = 20_000  # customers per transaction

STATUS_MIX = {"active": 85, "dormant": 15}
KIND_COMPANY_PCT = 15
ARCHIVED_PCT = 2
MATCHED_PCT = 60  # matched to a QuickBooks customer
NO_SOURCE_PCT = 10
# Each tag independently, percent of customers.
TAG_PCT = {
    "commercial": 12,
    "warranty": 10,
    "maintenance plan": 8,
    "referral": 6,
    "spanish": 5,
    "gate code": 4,
    "dog on site": 4,
    "vip": 3,
    "late payer": 2,
    "do not service": 1,
}
EXTRA_CONTACTS = {0: 50, 1: 40, 2: 10}  # contacts besides the primary: percent of customers
BILLING_PCT, SITE_PCT = 90, 10
COMPANY_SUFFIX = ("Doors LLC", "Property Mgmt", "Holdings", "Realty", "Storage Inc", "HOA", "Builders")
CITIES = ("Miami", "Orlando", "Tampa", "Austin", "Houston", "Phoenix", "Denver", "Brooklyn", "San Jose")


@dataclass(frozen=True)
class Generated:
    path: Path
    meta: dict[str, Any]


def cache_paths(rows: int, directory: Path) -> tuple[Path, Path]:
    stem = directory / f"clients-{rows}"
    return stem.with_suffix(".sqlite3"), stem.with_suffix(".json")


def _expected_meta(rows: int) -> dict[str, Any]:
    return {
        "rows": rows,
        "generator_version": GENERATOR_VERSION,
        "migrations": [m.name for m in migrations.available()],
    }


def ensure(rows: int, directory: Path) -> Generated:
    """The cached database for ROWS customers, generating it first when missing or stale."""
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
    partial = path.with_suffix(".partial.sqlite3")
    for stale in (partial, Path(f"{partial}-wal"), Path(f"{partial}-shm")):
        stale.unlink(missing_ok=True)
    now = datetime.now(UTC).replace(microsecond=0)
    with closing(connect(partial)) as conn:
        migrations.migrate(conn)
    leadgen._seed_people(partial)
    started = time.perf_counter()
    with closing(connect(partial)) as conn:
        counts = _insert(conn, rows, now)
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    seconds = time.perf_counter() - started
    partial.replace(path)
    return {**_expected_meta(rows), "generated_at": iso(now), "insert_seconds": round(seconds, 1), **counts}


_CUSTOMER = (
    "INSERT INTO customers (id, display_id, office_id, name, kind, company, status, source, phone, phone_last10,"
    " email, address, zip, quickbooks_customer_id, archived_at, created_at, updated_at)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_CONTACT = (
    "INSERT INTO customer_contacts (customer_id, name, position, phone, phone_raw, phone_last10, email, is_primary,"
    " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_ADDRESS = (
    "INSERT INTO customer_addresses (customer_id, kind, label, line1, city, state, zip, created_at, updated_at)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_TAG = "INSERT INTO customer_tags (customer_id, tag, created_at) VALUES (?, ?, ?)"
FIRST_ID = 1001


def _insert(conn: Any, rows: int, now: datetime) -> dict[str, int]:
    offices = {r["name"]: r["id"] for r in conn.execute("SELECT id, name FROM offices")}
    office_ids = [offices[n] for n in leadgen.OFFICE_MIX]
    weights = list(leadgen.OFFICE_MIX.values())
    rng = random.Random(SEED)
    span_ms = 3 * 365 * 24 * 3600 * 1000
    offsets = sorted(rng.randrange(span_ms) for _ in range(rows))
    origin = now - timedelta(milliseconds=span_ms)
    qbo_ids = rng.sample(range(1, 10 * rows), rows)
    conn.execute("PRAGMA cache_size = -262144")
    counts = {"contacts": 0, "addresses": 0, "tags": 0}
    for start in range(0, rows, CHUNK):
        batch = _chunk(
            rng, FIRST_ID + start, offsets[start : start + CHUNK], origin, office_ids, weights, qbo_ids[start:]
        )
        conn.execute("BEGIN")
        conn.executemany(_CUSTOMER, batch["customers"])
        conn.executemany(_CONTACT, batch["contacts"])
        conn.executemany(_ADDRESS, batch["addresses"])
        conn.executemany(_TAG, batch["tags"])
        conn.execute("COMMIT")
        for key in counts:
            counts[key] += len(batch[key])
        print(f"  customers: {start + len(batch['customers']):,}/{rows:,}", file=sys.stderr, flush=True)
    return counts


def _phone(rng: random.Random) -> str:
    return rng.choice(leadgen.AREA_CODES) + f"{rng.randrange(2_000_000, 9_999_999):07d}"


def _chunk(
    rng: random.Random,
    first_id: int,
    offsets: Sequence[int],
    origin: datetime,
    office_ids: list[int],
    weights: list[int],
    qbo_ids: Sequence[int],
) -> dict[str, list[tuple[Any, ...]]]:
    out: dict[str, list[tuple[Any, ...]]] = {"customers": [], "contacts": [], "addresses": [], "tags": []}
    offices = rng.choices(office_ids, weights=weights, k=len(offsets))
    sources = list(leadgen.SOURCE_MIX)
    for i, offset in enumerate(offsets):
        cid = first_id + i
        stamp = leadgen._iso(origin + timedelta(milliseconds=offset))
        first, last = rng.choice(leadgen.FIRST), rng.choice(leadgen.LAST)
        person = f"{first} {last}"
        company = f"{last} {rng.choice(COMPANY_SUFFIX)}" if rng.randrange(100) < KIND_COMPANY_PCT else ""
        last10 = _phone(rng)
        email = f"{first}.{last}{rng.randrange(1, 999)}@{rng.choice(leadgen.DOMAINS)}".lower()
        has_address = rng.randrange(100) < BILLING_PCT
        street = f"{rng.randrange(1, 9999)} {rng.choice(leadgen.STREETS)}" if has_address else ""
        zip_code = rng.choice(leadgen.ZIPS) if has_address else ""
        status = "dormant" if rng.randrange(100) < STATUS_MIX["dormant"] else "active"
        source = (
            "" if rng.randrange(100) < NO_SOURCE_PCT else rng.choices(sources, list(leadgen.SOURCE_MIX.values()))[0]
        )
        matched = str(qbo_ids[i]) if rng.randrange(100) < MATCHED_PCT else None
        archived = stamp if rng.randrange(100) < ARCHIVED_PCT else None
        out["customers"].append(
            (
                cid,
                f"C-{cid}",
                offices[i],
                company or person,
                "company" if company else "private",
                company,
                status,
                source,
                f"+1{last10}",
                last10,
                email,
                street,
                zip_code,
                matched,
                archived,
                stamp,
                stamp,
            )
        )
        pretty = f"({last10[:3]}) {last10[3:6]}-{last10[6:]}"
        out["contacts"].append((cid, person, "", f"+1{last10}", pretty, last10, email, 1, stamp, stamp))
        extra = rng.choices(list(EXTRA_CONTACTS), list(EXTRA_CONTACTS.values()))[0]
        for _ in range(extra):
            other = f"{rng.choice(leadgen.FIRST)} {last}"
            phone = _phone(rng)
            out["contacts"].append(
                (cid, other, rng.choice(("", "Spouse", "Office manager", "Tenant")), f"+1{phone}", phone, phone,
                 f"{other.replace(' ', '.').lower()}@{rng.choice(leadgen.DOMAINS)}", 0, stamp, stamp)
            )  # fmt: skip
        if has_address:
            state = rng.choice(("FL", "TX", "AZ", "CO", "NY", "CA"))
            out["addresses"].append((cid, "billing", "", street, rng.choice(CITIES), state, zip_code, stamp, stamp))
            if rng.randrange(100) < SITE_PCT:
                site = f"{rng.randrange(1, 9999)} {rng.choice(leadgen.STREETS)}"
                out["addresses"].append(
                    (cid, "work", "Rental", site, rng.choice(CITIES), state, rng.choice(leadgen.ZIPS), stamp, stamp)
                )
        for tag, pct in TAG_PCT.items():
            if rng.randrange(100) < pct:
                out["tags"].append((cid, tag, stamp))
    return out

"""The contractor network at scale (issue 19): matching, nearest areas and the two bulk uploads.

Usage: `.venv/bin/python bench/contractor_network.py` (`--help` for sizes and runs). Builds a fresh SQLite file
in bench/results/network.sqlite3 with 5,000 service areas (real ZIP centroids from the bundled
table), 2,000 contractors (1–3 of 20 job types, about 25 nearby areas each) and 20 priority zones of
5 contractors, then times in-process, no HTTP:

- `matching.eligible` for a random (job type, area, point at the pin) — beside the one SQL query it
  rests on (`matching.ELIGIBLE_SQL`) run bare on its own sqlite3 connection: p95 and the ratio;
- `areas.nearest` (5 areas) for a random point in the US;
- the contractor upload of 1,000 rows and the area upload of 500 rows (CSV, each on a fresh copy).

Prints a table and writes the `bench:network` section of docs/performance.md.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import json
import random
import shutil
import sqlite3
import sys
import time
from pathlib import Path
from typing import Any

import report
from core.clock import FrozenClock
from core.geocoding import OfflineGeocoder, _table
from core.records import SYSTEM
from core.storage import migrations
from core.storage.sqlite import SqliteDatabase, connect
from loadgen import percentile as _rank
from network import areas, matching, uploads

NOW = "2026-12-06T10:00:00.000Z"
START, END = "<!-- bench:network:start -->", "<!-- bench:network:end -->"
TARGETS = {"eligible_p95_ms": 20.0, "eligible_ratio": 3.0, "nearest_p95_ms": 10.0, "upload_s": 5.0}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--contractors", type=int, default=2_000)
    p.add_argument("--areas", type=int, default=5_000)
    p.add_argument("--zones", type=int, default=20)
    p.add_argument("--runs", type=int, default=400, help="timed calls per case (default 400)")
    p.add_argument("--no-doc", action="store_true", help="do not rewrite docs/performance.md")
    return p.parse_args(argv)


def percentile(values: list[float], p: float) -> float:
    return _rank(sorted(values), p)


def build(path: Path, n_contractors: int, n_areas: int, n_zones: int, rng: random.Random) -> dict[str, Any]:
    """The network, written straight into a migrated file (bench data, not a code path under test)."""
    for leftover in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        leftover.unlink(missing_ok=True)
    conn = connect(path)
    migrations.migrate(conn)
    conn.close()
    conn = sqlite3.connect(str(path), isolation_level=None)
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("BEGIN")
    zips = sorted(_table().items())
    picked = rng.sample([z for z in zips if z[1][1] not in ("AK", "HI", "PR", "VI", "GU")], n_areas)
    conn.executemany(
        "INSERT INTO job_types (id, label, position, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
        [(i, f"Type {i}", i, NOW, NOW) for i in range(1, 21)],
    )
    conn.executemany(
        "INSERT INTO service_areas (id, label, zip, city, state, lat, lng, time_zone, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(i, f"{c} {z}", z, c, s, la, ln, tz, NOW, NOW) for i, (z, (c, s, la, ln, tz)) in enumerate(picked, 1)],
    )
    pins = [(i, la, ln) for i, (_, (_, _, la, ln, _)) in enumerate(picked, 1)]
    conn.executemany(
        "INSERT INTO contractors (id, name, created_at, updated_at, active) VALUES (?, ?, ?, ?, ?)",
        [(i, f"Contractor {i}", NOW, NOW, int(rng.random() > 0.1)) for i in range(1, n_contractors + 1)],
    )
    types: dict[int, list[int]] = {}
    grid: dict[tuple[int, int], list[tuple[int, float, float]]] = {}
    for pin in pins:
        grid.setdefault((int(pin[1]), int(pin[2])), []).append(pin)
    for cid in range(1, n_contractors + 1):
        types[cid] = rng.sample(range(1, 21), rng.randint(1, 3))
        conn.executemany("INSERT INTO contractor_job_types VALUES (?, ?)", [(cid, t) for t in types[cid]])
        _, la, ln = rng.choice(pins)
        cells = [grid.get((int(la) + dy, int(ln) + dx), []) for dy in (-2, -1, 0, 1, 2) for dx in (-2, -1, 0, 1, 2)]
        around = [p for cell in cells for p in cell]
        near = sorted(around, key=lambda p: (p[1] - la) ** 2 + (p[2] - ln) ** 2)[: rng.randint(10, 40)]
        conn.executemany("INSERT INTO contractor_areas VALUES (?, ?)", [(cid, p[0]) for p in near])
    for zid in range(1, n_zones + 1):
        _, la, ln = rng.choice(pins)
        ring = [
            [ln - 0.4, la - 0.3],
            [ln + 0.4, la - 0.3],
            [ln + 0.4, la + 0.3],
            [ln - 0.4, la + 0.3],
            [ln - 0.4, la - 0.3],
        ]
        job = rng.randint(1, 20)
        conn.execute(
            "INSERT INTO priority_zones (id, label, job_type_id, ring, min_lat, max_lat, min_lng, max_lng,"
            " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (zid, f"Zone {zid}", job, json.dumps(ring), la - 0.3, la + 0.3, ln - 0.4, ln + 0.4, NOW, NOW),
        )
        members = [c for c in range(1, n_contractors + 1) if job in types[c]][:5]
        conn.executemany(
            "INSERT INTO priority_zone_contractors VALUES (?, ?, ?)", [(zid, c, k) for k, c in enumerate(members, 1)]
        )
    conn.execute("COMMIT")
    conn.close()
    return {"pins": pins, "zone_pins": None}


async def _timed(fn: Any, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        started = time.perf_counter()
        await fn()
        out.append((time.perf_counter() - started) * 1000)
    return out


async def time_matching(
    path: Path, pins: list[tuple[int, float, float]], runs: int, rng: random.Random
) -> dict[str, Any]:
    db = SqliteDatabase(connect(path))
    bare = sqlite3.connect(str(path))
    calls = [(rng.randint(1, 20), *rng.choice(pins)) for _ in range(runs)]
    found = 0

    async def one() -> None:
        nonlocal found
        job, area_id, la, ln = calls[len(eligible_ms)]
        found += len(await matching.eligible(db, job_type_id=job, area_id=area_id, point=(la, ln)))

    eligible_ms: list[float] = []
    for _ in range(runs):
        started = time.perf_counter()
        await one()
        eligible_ms.append((time.perf_counter() - started) * 1000)
    bare_ms = []
    for job, area_id, _, _ in calls:
        started = time.perf_counter()
        bare.execute(matching.ELIGIBLE_SQL, (job, json.dumps([area_id]))).fetchall()
        bare_ms.append((time.perf_counter() - started) * 1000)
    near_ms = []
    lower48 = [(v[2], v[3]) for v in _table().values() if v[1] not in ("AK", "HI", "PR", "VI", "GU")]
    for _ in range(runs):  # a job's location: any ZIP of the lower 48, not only the areas' own
        la, ln = rng.choice(lower48)
        la, ln = la + rng.uniform(-0.1, 0.1), ln + rng.uniform(-0.1, 0.1)
        started = time.perf_counter()
        await areas.nearest(db, la, ln, 5)
        near_ms.append((time.perf_counter() - started) * 1000)
    bare.close()
    return {
        "eligible_p50_ms": percentile(eligible_ms, 50),
        "eligible_p95_ms": percentile(eligible_ms, 95),
        "bare_sql_p50_ms": percentile(bare_ms, 50),
        "bare_sql_p95_ms": percentile(bare_ms, 95),
        "eligible_ratio": percentile(eligible_ms, 95) / max(percentile(bare_ms, 95), 1e-6),
        "mean_matches": found / runs,
        "nearest_p50_ms": percentile(near_ms, 50),
        "nearest_p95_ms": percentile(near_ms, 95),
    }


def _csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode()


async def time_uploads(path: Path, rng: random.Random) -> dict[str, Any]:
    copy = path.with_name("network-upload.sqlite3")
    for leftover in (copy, copy.with_name(copy.name + "-wal"), copy.with_name(copy.name + "-shm")):
        leftover.unlink(missing_ok=True)  # a stale WAL would be replayed into the fresh copy
    shutil.copy(path, copy)
    db = SqliteDatabase(connect(copy))
    clock = FrozenClock(NOW)
    people = [
        [
            f"Upload Co {i}",
            "Pat",
            f"(305) 794-{2000 + i % 8000:04d}",
            "",
            "",
            f"ops{i}@example.test",
            "40",
            "55",
            "33010, 33012",
            "GDQ Leads",
            "bulk",
        ]
        for i in range(1_000)
    ]
    started = time.perf_counter()
    result = await uploads.import_contractors(db, clock.now(), SYSTEM, _csv(people))
    contractors_s = time.perf_counter() - started
    assert result["created"] == 1_000 and not result["errors"], {k: v for k, v in result.items() if k != "errors"}
    zips = rng.sample(sorted(_table()), 500)
    rows = [[f"Upload area {i}", z, "305", ""] for i, z in enumerate(zips)]
    started = time.perf_counter()
    result = await uploads.import_areas(db, clock.now(), SYSTEM, OfflineGeocoder(), _csv(rows))
    areas_s = time.perf_counter() - started
    assert result["created"] == 500, result["errors"][:3]
    copy.unlink()
    return {"contractor_upload_s": contractors_s, "area_upload_s": areas_s}


def markdown(r: dict[str, Any], args: argparse.Namespace) -> str:
    def ok(good: bool) -> str:
        return "✓" if good else "✗"

    m = r["machine"]
    rows = [
        (
            "`eligible` (job type + area + point)",
            r["eligible_p50_ms"],
            r["eligible_p95_ms"],
            "ms",
            f"p95 ≤ 20 ms {ok(r['eligible_p95_ms'] <= 20)}",
        ),
        ("the one SQL query it rests on, bare sqlite3", r["bare_sql_p50_ms"], r["bare_sql_p95_ms"], "ms", ""),
        (
            "`nearest` 5 areas to a random ZIP of the lower 48",
            r["nearest_p50_ms"],
            r["nearest_p95_ms"],
            "ms",
            f"p95 ≤ 10 ms {ok(r['nearest_p95_ms'] <= 10)}",
        ),
    ]
    table = "\n".join(
        f"| {name} | {p50:.2f} {unit} | {p95:.2f} {unit} | {target} |" for name, p50, p95, unit, target in rows
    )
    ratio = r["eligible_ratio"]
    table += f"\n| ratio `eligible` / bare query (p95) | | {ratio:.2f}× | ≤ 3× {ok(ratio <= 3)} |"
    table += (
        f"\n| contractor upload, 1,000 rows (CSV) | | {r['contractor_upload_s']:.2f} s |"
        f" ≤ 5 s {ok(r['contractor_upload_s'] <= 5)} |"
        f"\n| service area upload, 500 rows (CSV, each ZIP geocoded) | | {r['area_upload_s']:.2f} s |"
        f" ≤ 5 s {ok(r['area_upload_s'] <= 5)} |"
    )
    return f"""## The contractor network (issue 19)

`bench/contractor_network.py`, {report.now_utc()}, {m.get("cpu", "?")} ({m.get("nproc", "?")} cores). {r["load"]}
{args.contractors:,} contractors (about 90 % active, 1–3 of 20 job types, 10–40 nearby areas each) ×
{args.areas:,} service areas (real ZIP centroids) × {args.zones} priority zones of 5; {args.runs} timed
calls per case, in-process on SQLite (no HTTP).

| case | p50 | p95 | target |
|---|---:|---:|---|
{table}

An `eligible` call matched {r["mean_matches"]:.1f} contractors on average. Beyond the bare query it reads
the job type, the area and the zones of that job type whose box holds the point in one statement
(primary keys and `priority_zones_type`), ray-casts those zones, and reads the zone members when one
holds the point. `nearest` reads only (id, lat, lng) from the covering index `service_areas_position`
in a box of 50 miles (doubled while it holds fewer than five areas; once it holds five, one more box
of the fifth one's distance settles it), measures each exactly, then reads the five rows.
"""


def write_doc(section: str) -> None:
    text = report.DOC.read_text()
    block = f"{START}\n{section}{END}\n"
    if START in text:
        head, _, rest = text.partition(START)
        _, _, tail = rest.partition(END + "\n")
        text = head + block + tail
    else:
        text = text.rstrip("\n") + "\n\n" + block
    report.DOC.write_text(text)


async def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    rng = random.Random(19)
    path = report.RESULTS / "network.sqlite3"
    path.parent.mkdir(parents=True, exist_ok=True)
    before = report.load_average()
    started = time.perf_counter()
    built = build(path, args.contractors, args.areas, args.zones, rng)
    print(f"built in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    results = await time_matching(path, built["pins"], args.runs, rng)
    results |= await time_uploads(path, rng)
    machine = report.machine()
    results |= {
        "machine": machine,
        "load": report.load_sentence(before, report.load_average(), machine.get("nproc", 2)),
    }
    for key, value in results.items():
        print(f"{key:24} {value:.3f}" if isinstance(value, float) else f"{key:24} {value}")
    if not args.no_doc:
        write_doc(markdown(results, args))
    failed = [
        name
        for name, good in (
            ("eligible p95", results["eligible_p95_ms"] <= TARGETS["eligible_p95_ms"]),
            ("eligible ratio", results["eligible_ratio"] <= TARGETS["eligible_ratio"]),
            ("nearest p95", results["nearest_p95_ms"] <= TARGETS["nearest_p95_ms"]),
            ("uploads", max(results["contractor_upload_s"], results["area_upload_s"]) <= TARGETS["upload_s"]),
        )
        if not good
    ]
    if failed:
        print("missed:", ", ".join(failed), file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))

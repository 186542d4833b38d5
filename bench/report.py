"""Turn a results dict into a console table, a Markdown section of docs/performance.md, and JSON."""

from __future__ import annotations

import json
import os
import platform
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
DOC = REPO / "docs" / "performance.md"
RESULTS = REPO / "bench" / "results"

START, END = "<!-- bench:http:start -->", "<!-- bench:http:end -->"

# Written only when docs/performance.md does not exist yet; later runs replace just their own section.
DOC_INTRO = """# Performance

Measured numbers for the local runtime (uvicorn + SQLite). Run them yourself with `make bench`,
which runs `.venv/bin/python bench/run.py` (`--help` for duration, concurrency and the like).
Its first run builds the 1M-lead, 200k-client file the page timings use (22 minutes on the shared
2-CPU machine; cached in `bench/results/` afterwards, `--leads 0` skips those pages). Raw results of
every run are kept as JSON in `bench/results/` (not committed). Every section names the CPU and the
machine's load average during its run: the box is shared, so compare figures within a run.

Each benchmark writes only the section between its own `<!-- bench:NAME:start/end -->` markers, so
sections from different benchmarks live side by side. Don't edit inside the markers by hand.
"""

PASSWORD_RATIONALE = (
    "Why these parameters: t=2, m=19 MiB, p=1 is the OWASP Password Storage Cheat Sheet / ASVS 5 floor for "
    "argon2id. 19 MiB per hash fits the Worker's 128 MB isolate with room for a few sign-ins at once (scrypt's "
    "floor alone needs 128 MiB). argon2-cffi is available in Pyodide, so the Worker runs this same code, but as "
    "WebAssembly, which is slower than the native build measured here. The Worker's cost is not measured: its "
    "runtime has to download Pyodide, and this machine has no internet access."
)


def machine() -> dict[str, Any]:
    model = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu": model,
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "uvicorn": version("uvicorn"),
        "kernel": f"{platform.system()} {platform.release()}",
    }


def load_average() -> list[float]:
    """The machine's 1, 5 and 15 minute load averages (runnable tasks; 2.0 fills both cores of this box)."""
    return [round(x, 2) for x in os.getloadavg()]


def load_sentence(before: list[float], after: list[float], cores: int) -> str:
    """How busy the machine was around a run, for every benchmark section: on a shared box the other
    work moves absolute figures, so each section says how much there was."""

    def fmt(load: list[float]) -> str:
        return ", ".join(f"{x:.2f}" for x in load)

    return (
        f"Load average (1, 5, 15 min) {fmt(before)} when the run started and {fmt(after)} when it ended, on "
        f"{cores} cores (a load above {cores} means other work was queueing for the CPU beside the benchmark)."
    )


def now_utc() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")


def console_table(results: dict[str, Any]) -> str:
    header = f"{'target':<24} {'req/s':>7} {'(range)':>15} {'p50 ms':>7} {'p99 ms':>7} {'vs bare':>8}"
    rows = [header + "  server  client   other  (CPU, % of a core; medians over rounds)"]
    for t in results["http"]:
        spread = f"({t['rps_min']:,.0f}-{t['rps_max']:,.0f})"
        rows.append(
            f"{t['name']:<24} {t['rps']:>7,.0f} {spread:>15} {t['p50_ms']:>7.2f} {t['p99_ms']:>7.2f}"
            f" {t['ratio']:>7.3f}x  {t['server_cpu_pct']:>5.0f}%  {t['client_cpu_pct']:>5.0f}%"
            f"  {t['other_cpu_pct']:>5.0f}%"
        )
    h = results["password_hash"]
    for op in ("hash", "verify"):
        rows.append(
            f"argon2id {op:<6} ({h['params']}): median {h[op]['median_ms']:.1f} ms, p95 {h[op]['p95_ms']:.1f} ms"
            f" over {h['runs']}"
        )
    return "\n".join(rows)


def _http_row(t: dict[str, Any]) -> str:
    cells = [
        t["name"],
        f"{t['rps']:,.0f}",
        f"{t['rps_min']:,.0f}–{t['rps_max']:,.0f}",
        f"{t['p50_ms']:.2f}",
        f"{t['p99_ms']:.2f}",
        f"{t['ratio']:.3f}×",
        f"{t['server_cpu_pct']:.0f}%",
        f"{10 * t['server_cpu_pct'] / t['rps']:.2f}" if t["rps"] else "—",
        f"{t['client_cpu_pct']:.0f}%",
        _commits(t),
    ]
    return "| " + " | ".join(cells) + " |"


def _commits(target: dict[str, Any]) -> str:
    if target["db_commits"] is None:
        return "—"
    return f"{target['db_commits']} / {target['served']:,}"


def _reading_notes(results: dict[str, Any]) -> str:
    """How to read the table, with caveats that depend on what this run actually saw."""
    targets = results["http"]
    bare = next(t for t in targets if t["baseline"])
    notes = [
        "Req/s, p50, p99 and CPU are medians over the rounds; the range is the slowest and fastest round. "
        "Ratio is the target's req/s divided by the bare app's. CPU columns are CPU time over the measured "
        "window as % of one core; the load generator runs on the same machine."
    ]
    if min(t["server_cpu_pct"] for t in targets) >= 90:
        notes.append(
            "The server process was near 100% of a core for every target, so the single uvicorn worker was "
            f"the limit, not the client (which used {bare['client_cpu_pct']:.0f}% of a core against the bare app)."
        )
    else:
        notes.append(
            "The server was below 90% of a core for at least one target: that figure is limited by the load "
            "generator or by other load on the machine, not by the server alone."
        )
    runs = [r for t in targets for r in t["rounds"]]
    noisy = [r for r in runs if r["other_cpu_pct"] > 25]
    if noisy:
        notes.append(
            f"{len(noisy)} of {len(runs)} runs shared the machine with other work (up to "
            f"{max(r['other_cpu_pct'] for r in noisy):.0f}% of a core besides server and client); the medians "
            "keep a disturbed round from moving the figures much."
        )
    spread = (bare["rps_max"] - bare["rps_min"]) / bare["rps"]
    if spread > 0.2:
        notes.append(
            f"Even the bare app's rounds differ by {100 * spread:.0f}% of its median: this is a shared virtual "
            "machine, so compare ratios within a run rather than absolute req/s across runs. Server CPU per "
            "request (CPU time over requests served) moves least with the neighbours: it is what a page costs, "
            "where req/s is also what the server was given."
        )
    notes.append(
        "DB commits counts commits the server made to SQLite while the target was under load, over all rounds "
        "and warm-ups (seen through `PRAGMA data_version`). GETs only read; the one expected write is a "
        "session's `last_seen_at`, refreshed at most once a minute (`sessions.TOUCH_EVERY`)."
    )
    return " ".join(notes)


def _large_data(results: dict[str, Any]) -> str:
    c = results["config"]
    if not c.get("leads"):
        return ""
    return (
        f"The other pages are served by a second server (same options) from a copy of the cached file of "
        f"`bench/reports_summary.py`: {c['leads']:,} leads over the past year in five offices, {c['customers']:,} "
        "clients with their contacts, addresses and tags, and the audit trail of the leads' claims, calls and "
        "conversions, signed in as the demo owner (all five offices, the most any user's pages read). The lead "
        "panel is the newest open lead as the queue's slide-in panel (`HX-Request`), the client record the newest "
        "client, the reports page the default period (this month)."
    )


def markdown_section(results: dict[str, Any]) -> str:
    m, c, h = results["machine"], results["config"], results["password_hash"]
    lines = [
        START,
        "## HTTP throughput and latency",
        "",
        f"Generated by `bench/run.py` on {results['date']}.",
        f"Machine: {m['nproc']} CPUs ({m['cpu']}), {m['python']}, uvicorn {m['uvicorn']}, {m['kernel']}.",
        "",
        f"{c['concurrency']} keep-alive connections, each sending GETs one after another (closed loop), "
        f"for {c['seconds']:g} s after a {c['warmup_s']:g} s warm-up per target; {c['rounds']} rounds with the "
        "targets interleaved, and each figure is the median over the rounds. One uvicorn worker, serving "
        "exactly as `porchlight serve --no-cron` does (uvicorn's auto loop, i.e. uvloop, httptools, access log on, "
        "lifespan off); the bare app is a 10-line raw ASGI callable answering 200 `hello` (`bench/hello.py`), "
        "served by the same uvicorn with the same options in the same run. `/healthz` and the empty queue are "
        "served from a fresh SQLite file with the demo seed, signed in as the demo agent (Garage only). "
        + _large_data(results)
        + " Every page was checked to answer 200 before timing; each carries the session cookie of a real sign-in.",
        "",
        load_sentence(results["load_before"], results["load_after"], m["nproc"])
        if "load_before" in results
        else "Load average: not recorded.",
        "",
        "| target | req/s | req/s range | p50 ms | p99 ms | ratio to bare app | server CPU | server CPU ms / request "
        "| client CPU | DB commits / requests |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        *(_http_row(t) for t in results["http"]),
        "",
        _reading_notes(results),
        "",
        "### Password hashing",
        "",
        f"argon2id through `passwords.hash_password` / `passwords.verify` (parameters as encoded in the hash: "
        f"`{h['params']}`), {h['runs']} runs each, one at a time, after one untimed run, with the servers stopped:",
        "",
        "| operation | median ms | p95 ms |",
        "|---|---:|---:|",
        f"| hash (set or change a password) | {h['hash']['median_ms']:.1f} | {h['hash']['p95_ms']:.1f} |",
        f"| verify (every sign-in) | {h['verify']['median_ms']:.1f} | {h['verify']['p95_ms']:.1f} |",
        "",
        PASSWORD_RATIONALE,
        END,
    ]
    return "\n".join(lines) + "\n"


def markers(name: str) -> tuple[str, str]:
    """The start and end markers of benchmark NAME's section of docs/performance.md."""
    return f"<!-- bench:{name}:start -->", f"<!-- bench:{name}:end -->"


def merge(existing: str | None, section: str, start_marker: str = START, end_marker: str = END) -> str:
    """Replace our section in the document, leaving every other section alone."""
    if existing is None:
        return f"{DOC_INTRO}\n{section}"
    start, end = existing.find(start_marker), existing.find(end_marker)
    if start == -1 or end < start:
        return existing.rstrip("\n") + "\n\n" + section
    tail = existing[end + len(end_marker) :].lstrip("\n")
    return existing[:start] + section + (f"\n{tail}" if tail else "")


def write_doc(results: dict[str, Any], path: Path = DOC) -> None:
    write_section("http", markdown_section(results), path)


def write_section(name: str, section: str, path: Path = DOC) -> None:
    """Write benchmark NAME's section (which must start and end with its markers) into the document."""
    start_marker, end_marker = markers(name)
    if not (section.startswith(start_marker) and section.rstrip("\n").endswith(end_marker)):
        raise ValueError(f"section for {name!r} must be wrapped in its own markers")
    path.parent.mkdir(parents=True, exist_ok=True)
    existing = path.read_text(encoding="utf-8") if path.exists() else None
    path.write_text(merge(existing, section, start_marker, end_marker), encoding="utf-8")


def write_json(results: dict[str, Any], directory: Path = RESULTS, prefix: str = "http") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = directory / f"{prefix}-{stamp}.json"
    path.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return path

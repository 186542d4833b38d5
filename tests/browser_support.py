"""Helpers for the Playwright browser tests: find the system Chromium, run a live server.

Chromium is the Debian package at /usr/bin/chromium (or $PLAYWRIGHT_CHROMIUM); `playwright install`
is never needed. When there is no Chromium the browser tests skip with one reason line, unless
REQUIRE_BROWSER=1, which turns that skip into a failure (for CI that must run them).

The live server is the real `porchlight serve` in a subprocess over a throw-away SQLite file that
`porchlight db migrate` and `porchlight demo seed` prepared, so the browser talks to exactly what a
developer runs locally.
"""

from __future__ import annotations

import base64
import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

from core import clock
from ops import demo

if TYPE_CHECKING:
    from playwright.sync_api import Browser

DEFAULT_CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
NO_CHROMIUM = f"no Chromium at {DEFAULT_CHROMIUM}; install the Debian chromium package"
# The instant every live server (and its demo seed) starts at, unless a test asks for another: a
# Tuesday at 13:00 in New York, 10:00 in Los Angeles, inside every state's calling hours. The
# server's clock runs forward from it (clock.ShiftedClock), whatever the machine's clock says, so
# the walks pass at any hour; a test that wants night, a weekend or a DST change passes `at=`.
BROWSER_NOW = "2026-11-24T18:00:00Z"
STARTUP_SECONDS = 30.0
CLI_SECONDS = 120.0

# (email, password, role) for every demo persona, straight from src/ops/demo.py.
DEMO_LOGINS: tuple[tuple[str, str, str], ...] = tuple(
    (email, demo.demo_password(role), role) for email, _name, role, _partner in demo.DEMO_USERS
)


def chromium_path() -> str:
    return os.environ.get("PLAYWRIGHT_CHROMIUM") or DEFAULT_CHROMIUM


def require_chromium() -> str:
    """The Chromium executable, or skip (fail when REQUIRE_BROWSER=1) with one clear reason."""
    path = chromium_path()
    if Path(path).is_file() and os.access(path, os.X_OK):
        return path
    reason = NO_CHROMIUM if path == DEFAULT_CHROMIUM else f"no Chromium at {path} ($PLAYWRIGHT_CHROMIUM)"
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(f"REQUIRE_BROWSER=1 but {reason}", pytrace=False)
    pytest.skip(reason)


def login(email: str) -> tuple[str, str, str]:
    for row in DEMO_LOGINS:
        if row[0] == email:
            return row
    raise KeyError(email)


def porchlight_command() -> list[str]:
    """The `porchlight` console script next to this interpreter (any clone, any venv)."""
    script = Path(sys.executable).parent / ("porchlight.exe" if os.name == "nt" else "porchlight")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "cli"]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_clock(at: str = BROWSER_NOW) -> clock.Clock:
    """A clock that runs as a live server started at `at` does: for the fake third parties beside it
    (Intuit refuses a change feed older than 30 days by its own clock, which must agree with ours)."""
    return clock.ShiftedClock(start=clock.parse(at))


def server_environment(db_path: Path, at: str = BROWSER_NOW) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "PORCHLIGHT_CLOCK": at,
            "PORCHLIGHT_DB": str(db_path),
            "PORCHLIGHT_ENV": "development",
            "ENCRYPTION_KEY": base64.b64encode(secrets.token_bytes(32)).decode("ascii"),
            "WEBHOOK_SECRET": secrets.token_urlsafe(32),
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def _run_cli(args: list[str], env: dict[str, str], cwd: Path) -> str:
    try:
        done = subprocess.run(
            [*porchlight_command(), *args],
            env=env,
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=CLI_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"`porchlight {' '.join(args)}` did not finish in {CLI_SECONDS:.0f}s", pytrace=False)
    if done.returncode != 0:
        pytest.fail(
            f"`porchlight {' '.join(args)}` exited {done.returncode}:\n{done.stdout}\n{done.stderr}", pytrace=False
        )
    return done.stdout


@dataclass(frozen=True)
class LiveServer:
    base_url: str
    db_path: Path
    log_path: Path
    started_at: str = BROWSER_NOW  # the server clock's starting instant (PORCHLIGHT_CLOCK)
    env: dict[str, str] = field(default_factory=dict)  # the server's environment (its WEBHOOK_SECRET)

    def now(self) -> datetime:
        """About the server's "now": its starting instant. Tests place times hours or days from it,
        so the seconds the server has run since do not matter."""
        return clock.parse(self.started_at)

    def url(self, path: str) -> str:
        return self.base_url + path

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no server log)"


def _wait_healthy(server: LiveServer, process: subprocess.Popen[bytes], deadline: float) -> None:
    last_error = "no answer yet"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(
                f"porchlight serve exited with {process.returncode} before it was healthy:\n{server.log_tail()}",
                pytrace=False,
            )
        try:
            response = httpx.get(server.url("/healthz"), timeout=2.0)
            if response.status_code == 200:
                return
            last_error = f"HTTP {response.status_code}"
        except httpx.TransportError as exc:
            last_error = f"{type(exc).__name__}: {exc}"
        time.sleep(0.1)
    pytest.fail(
        f"porchlight serve was not healthy within {STARTUP_SECONDS:.0f}s ({last_error}):\n{server.log_tail()}",
        pytrace=False,
    )


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@contextmanager
def live_server(workdir: Path, at: str = BROWSER_NOW, *, business: bool = False) -> Iterator[LiveServer]:
    """Migrate and seed a fresh database in `workdir`, serve it with its clock starting at `at`,
    yield once /healthz answers 200. The walks start from the demo people only (each makes the
    leads and customers it needs); `business=True` seeds the whole demo business, as `make dev` does."""
    workdir.mkdir(parents=True, exist_ok=True)
    db_path = workdir / "porchlight.sqlite3"
    env = server_environment(db_path, at)
    _run_cli(["db", "migrate"], env, workdir)
    seeded = _run_cli(["demo", "seed", *([] if business else ["--people-only"])], env, workdir)
    assert "seeded" in seeded, seeded
    port = free_port()
    server = LiveServer(f"http://127.0.0.1:{port}", db_path, workdir / "server.log", at, env)
    with server.log_path.open("wb") as log:
        process = subprocess.Popen(
            [*porchlight_command(), "serve", "--host", "127.0.0.1", "--port", str(port), "--no-cron"],
            env=env,
            cwd=workdir,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_healthy(server, process, time.monotonic() + STARTUP_SECONDS)
            yield server
        finally:
            _stop(process)


@contextmanager
def chromium() -> Iterator[Browser]:
    """The system Chromium, launched through Playwright and closed afterwards."""
    from playwright.sync_api import sync_playwright

    executable = require_chromium()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()

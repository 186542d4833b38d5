"""Shared fixtures: a real migrated SQLite database per test (or the D1 adapter over a fake D1
binding when PORCHLIGHT_TEST_DB=d1, or over the real D1 engine when PORCHLIGHT_TEST_DB=d1real), a
frozen clock, the ASGI app, and the personas.

The personas are created once per session through the real verbs (offices.create_office,
users.create_user) into a template database file, which each test copies: argon2 hashing then
costs once, not once per test.

With d1real, one workerd process (tests/fakes/real_d1.py) serves the session. The template is built
through its binding (our migration runner, then the personas) and copied out of its SQLite file;
before each test, SQLite's backup API writes the template back into that live file (about a
millisecond: no restart, no new database), and `db_path` is that file, so tests that read or poke
the database directly see what D1 sees.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from accounts import offices, sessions, users
from app import create_app
from core import config
from core.bindings import Bindings
from core.clock import FrozenClock
from core.records import SYSTEM
from core.storage import Database, migrations
from core.storage.d1 import D1Database
from core.storage.sqlite import SqliteDatabase, connect
from tests.fakes.d1 import FakeD1Binding
from tests.fakes.real_d1 import RealD1Server

# Each test's files, its database copy above all, go on a RAM-backed filesystem where the machine has
# one. The databases keep production's `synchronous = FULL`, so every commit waits for an fsync: on
# this machine's shared disk about 5 ms each, thousands per run, and ~600 KB written per test. A
# TMPDIR or PYTEST_DEBUG_TEMPROOT of your own wins; pyproject keeps only failed tests' folders, so
# the RAM is handed back when tests pass. A small /dev/shm (a container's 64 MB) is left alone.
_RAM = Path("/dev/shm")  # noqa: S108 - pytest makes its own 0700 pytest-of-<user> folder inside


def _roomy(path: Path) -> bool:
    try:
        room = os.statvfs(path)
    except OSError:
        return False
    return os.access(path, os.W_OK) and room.f_bavail * room.f_frsize >= 2**30


if not {"TMPDIR", "PYTEST_DEBUG_TEMPROOT"} & os.environ.keys() and _roomy(_RAM):
    os.environ["PYTEST_DEBUG_TEMPROOT"] = str(_RAM)

PASSWORD = "correct horse battery staple"
START = "2026-11-22T15:00:00.000Z"
TEST_ENV = {
    "PORCHLIGHT_ENV": "test",
    "ENCRYPTION_KEY": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
    "WEBHOOK_SECRET": "test-webhook-secret-value",
}
DB_MODE = os.environ.get("PORCHLIGHT_TEST_DB", "sqlite")

# (key, role, office letter or None for all, partner name)
PERSONAS = (
    ("owner", "owner", None, None),
    ("admin", "admin", "A", None),
    ("finance", "finance_admin", "A", None),
    ("agent", "agent", "A", None),
    ("viewer", "viewer", "A", None),
    ("partner", "partner", "A", "GDQ"),
    ("agent_b", "agent", "B", None),
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The D1 passes rerun the suite to see our SQL answered by D1. A test that never reaches the
    database under test (no `real_d1` among its fixtures: every database fixture starts from it)
    runs the same code on the same inputs in every pass, so those passes skip it, saying why; the
    SQLite pass runs everything."""
    if DB_MODE == "sqlite":
        return
    same = pytest.mark.skip(reason=f"reaches no database fixture, so the {DB_MODE} pass would repeat the SQLite run")
    for item in items:
        if "real_d1" not in getattr(item, "fixturenames", ()):
            item.add_marker(same)


def make_settings(**overrides: str) -> config.Settings:
    return config.load({**TEST_ENV, **overrides})


async def _build_template(path: Path) -> None:
    conn = connect(path)
    migrations.migrate(conn)
    db = SqliteDatabase(conn)
    await _seed(db)
    db.close()  # the writer's connection too: the last one out folds the WAL into the file we copy


async def _seed(db: Database) -> None:
    now = FrozenClock(START).now()
    a = await offices.create_office(db, now, SYSTEM, name="Garage", time_zone="America/New_York", jobs_enabled=True)
    b = await offices.create_office(db, now, SYSTEM, name="Sliding", time_zone="America/Los_Angeles")
    ids = {"A": a.id, "B": b.id}
    for key, role, letter, partner in PERSONAS:
        profile = users.check_profile(
            key.replace("_", " ").title(), role, letter is None, {ids[letter]} if letter else set(), partner
        )
        await users.create_user(db, now, SYSTEM, email=f"{key}@example.test", password=PASSWORD, profile=profile)


@pytest.fixture(scope="session")
def real_d1(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RealD1Server | None]:
    """The session's workerd with a real D1 binding (d1real mode only)."""
    if DB_MODE != "d1real":
        yield None
        return
    server = RealD1Server(tmp_path_factory.mktemp("d1real"))
    try:
        yield server
    finally:
        server.close()


async def _build_real_template(server: RealD1Server, path: Path) -> None:
    binding = server.binding()
    db = D1Database(binding)
    await migrations.migrate_database(db)
    await _seed(db)
    binding.close()
    _copy_database(server.database_file(), path)


def _copy_database(source: Path, target: Path) -> None:
    """Copy a live database with SQLite's backup API: safe while workerd holds the file open, and
    seen by workerd's connection at its next statement (a changed file, as if another writer wrote)."""
    src, dst = sqlite3.connect(str(source)), sqlite3.connect(str(target))
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory, real_d1: RealD1Server | None) -> Path:
    path = tmp_path_factory.mktemp("template") / "porchlight.sqlite3"
    if real_d1 is not None:
        asyncio.run(_build_real_template(real_d1, path))
    else:
        asyncio.run(_build_template(path))
    return path


def open_database(path: Path, real_d1: RealD1Server | None = None) -> tuple[Database, Callable[[], None]]:
    """The database under test, in the mode the run asks for, and how to close it."""
    if real_d1 is not None:
        binding = real_d1.binding()
        return D1Database(binding), binding.close
    if DB_MODE == "d1":
        conn = sqlite3.connect(str(path), check_same_thread=False)
        return D1Database(FakeD1Binding(conn)), conn.close
    db = SqliteDatabase.open(path)
    return db, db.close


@pytest.fixture
def db_path(template_db: Path, tmp_path: Path, real_d1: RealD1Server | None) -> Path:
    if real_d1 is not None:
        path = real_d1.database_file()
        _copy_database(template_db, path)
        return path
    path = tmp_path / "porchlight.sqlite3"
    shutil.copy(template_db, path)
    return path


@pytest.fixture
def database(db_path: Path, real_d1: RealD1Server | None):
    db, close = open_database(db_path, real_d1)
    yield db
    close()


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


@pytest.fixture
def settings() -> config.Settings:
    return make_settings()


@pytest.fixture
def bindings(database: Database, clock: FrozenClock, settings: config.Settings, tmp_path: Path) -> Bindings:
    from core.filestore import LocalFileStore

    return Bindings(db=database, settings=settings, clock=clock, files=LocalFileStore(tmp_path / "files"))


# One app per kind for the whole session (see `app`), keyed by what create_app reads once.
_APPS: dict[tuple[bool, Path | None], FastAPI] = {}


@pytest.fixture
def app(bindings: Bindings) -> Iterator[FastAPI]:
    """The app, built once per session and handed each test's own bindings, as the Worker builds it
    once per isolate (src/entry.py). FastAPI builds an included router's routes (dependants,
    validation models) lazily in each new app, at its first request: a fresh app per test spent
    about a third of the suite's CPU there. The app keeps nothing of a test but `state.bindings`;
    the teardown proves it, so a test or a change that leaves state on the app fails here."""
    key = (bindings.settings.production, bindings.static_dir)
    shared = _APPS.get(key)
    if shared is None:
        shared = _APPS[key] = create_app(bindings)
    shared.state.bindings = bindings
    yield shared
    state = vars(shared.state)["_state"]
    left, overrides = set(state) - {"bindings"}, dict(shared.dependency_overrides)
    state.clear()  # the next test starts clean even when this one fails the check below
    shared.dependency_overrides.clear()
    assert not left and not overrides, f"a test left state on the shared app: {left or overrides}"


@pytest.fixture
async def client(app) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


@dataclass
class Personas:
    db: Database
    office_a: offices.Office
    office_b: offices.Office
    by_key: dict[str, users.User]

    def __getattr__(self, key: str) -> users.User:
        try:
            return self.by_key[key]
        except KeyError:
            raise AttributeError(key) from None


@pytest.fixture
async def people(database: Database) -> Personas:
    a = await offices.by_name(database, "Garage")
    b = await offices.by_name(database, "Sliding")
    assert a and b
    found = {}
    for key, *_ in PERSONAS:
        user = await users.by_email(database, f"{key}@example.test")
        assert user is not None
        found[key] = user
    return Personas(database, a, b, found)


async def sign_in(client: httpx.AsyncClient, bindings: Bindings, user: users.User) -> str:
    """Start a session directly (the login form is tested on its own) and set the cookie.
    Returns the session's CSRF token."""
    token = await sessions.start(
        bindings.db, bindings.clock.now(), bindings.settings, user, ip=None, user_agent="pytest"
    )
    client.cookies.set(sessions.cookie_name(bindings.settings), token)
    session = await sessions.resume(bindings.db, bindings.clock.now(), bindings.settings, token)
    assert session is not None
    return session.csrf_token


async def login_form(client: httpx.AsyncClient, email: str, password: str = PASSWORD, **extra) -> httpx.Response:
    """Sign in through the real form: GET /login for its token, then POST it (with any session
    cookie the browser already had, as a browser would)."""
    held = [c for c in client.cookies.jar if c.name in (sessions.COOKIE, sessions.SECURE_COOKIE)]
    for cookie in held:
        client.cookies.jar.clear(cookie.domain, cookie.path, cookie.name)
    page = await client.get("/login")
    for cookie in held:
        client.cookies.jar.set_cookie(cookie)
    match = re.search(r'name="login_token" value="([^"]+)"', page.text)
    assert match, "login form has no token"
    data = {"email": email, "password": password, "login_token": match.group(1), "next": "/", **extra}
    return await client.post("/login", data=data)


def snapshot(conn: sqlite3.Connection) -> dict[str, list[tuple]]:
    """Every row of every table: to prove a refused request changed nothing."""
    # _cf_* are workerd's own bookkeeping inside a D1 file (d1real mode), which D1 hides from queries
    tables = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            " AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\'"
        )
    ]
    return {t: sorted(map(tuple, conn.execute(f"SELECT * FROM {t}").fetchall()), key=repr) for t in tables}


def snapshot_file(path: Path) -> dict[str, list[tuple]]:
    conn = sqlite3.connect(str(path))
    try:
        return snapshot(conn)
    finally:
        conn.close()


async def sign_in_api(client: httpx.AsyncClient, bindings: Bindings, user: users.User) -> str:
    """Sign in and send the session's CSRF token on every request, as the app's own pages do."""
    client.cookies.clear()
    csrf = await sign_in(client, bindings, user)
    client.headers["x-csrf-token"] = csrf
    return csrf

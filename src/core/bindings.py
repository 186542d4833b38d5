"""Build the runtime's bindings — database, settings, clock, outbound HTTP, file store — once.

The app never asks which runtime it is in: it receives a `Bindings`. `local()` builds them for
uvicorn and the CLI (SQLite file, .dev.vars, folder store); `from_worker_env()` builds them from a
Worker's `env` (D1, secrets/vars, R2). Only this module and src/entry.py touch Worker objects.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from core import clock as clocks
from core import config, geocoding, outbound, routing, sms_gateway
from core import email as email_providers
from core.clock import Clock, SystemClock
from core.filestore import FileStore, LocalFileStore, R2FileStore
from core.storage import Database

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DB = ROOT / ".data" / "porchlight.sqlite3"
DEV_VARS = ROOT / ".dev.vars"
PUBLIC_DIR = ROOT / "public"


@dataclass
class Bindings:
    db: Database
    settings: config.Settings
    clock: Clock = field(default_factory=SystemClock)
    files: FileStore | None = None
    # Outbound HTTP: a factory, so each request/job opens and closes its own client.
    http: Callable[..., httpx.AsyncClient] = outbound.client
    # Local only: Starlette serves public/; on the Worker the [assets] binding does.
    static_dir: Path | None = None
    # Local only: where and how the SQLite file is backed up (on the Worker, D1 Time Travel does it).
    backups: config.BackupPolicy | None = None
    # Where a ZIP or an address is (issue 19): offline from the bundled ZIP table unless
    # PORCHLIGHT_GEOCODER=census asks the Census Bureau for street addresses.
    geocoder: geocoding.Geocoder = field(default_factory=geocoding.OfflineGeocoder)
    # Travel distance and time between two points (issue 19, TECH-4): offline, an estimate from the
    # great-circle distance × a road factor; a real router would sit behind the same interface.
    routing: routing.Routing = field(default_factory=routing.GreatCircle)
    # SMS (issue 21): the provider chosen by SMS_PROVIDER; the development one when none is set.
    sms: sms_gateway.SmsGateway = field(default_factory=sms_gateway.DevGateway)
    # Email delivery (core/email.py): None = chosen from the settings for the runtime (issue 21).
    email: Any = None
    # Test-only (issue 22): hosts a user-entered URL may reach though private (the local webhook
    # receiver on 127.0.0.1). Never read from the environment; ignored in production (outbound.check_user_url).
    outbound_allow: frozenset[str] = frozenset()


DEV_WEBHOOK_HOSTS = frozenset({"127.0.0.1", "localhost"})


def local_environment(dev_vars: Path = DEV_VARS) -> dict[str, str]:
    """`.dev.vars` overlaid by the process environment (so `FOO=… porchlight serve` wins)."""
    values = config.parse_dev_vars(dev_vars.read_text(encoding="utf-8")) if dev_vars.exists() else {}
    values.update({k: v for k, v in os.environ.items() if k.isupper()})
    return values


def database_path() -> Path:
    return Path(os.environ.get("PORCHLIGHT_DB") or DEFAULT_DB)


def local(db_path: Path | None = None, *, migrate: bool = True) -> Bindings:
    """Bindings for uvicorn and the CLI. Creates and migrates the database file on first use."""
    from core.storage import migrations
    from core.storage.sqlite import SqliteDatabase, connect

    path = db_path or database_path()
    conn = connect(path)
    if migrate:
        migrations.migrate(conn)
    environment = local_environment()
    settings = config.load(environment)
    return Bindings(
        db=SqliteDatabase(conn),
        settings=settings,
        clock=clocks.from_setting(settings.clock),
        files=LocalFileStore(path.parent / "files"),
        static_dir=PUBLIC_DIR,
        backups=config.policy_from(environment, path),
        geocoder=geocoding.from_setting(
            environment.get("PORCHLIGHT_GEOCODER", ""), environment.get("PORCHLIGHT_GEOCODER_URL", "")
        ),
        sms=sms_gateway.from_environment(environment),
        # `make dev` only (issue 22): the demo webhooks point at the app's own development receiver
        outbound_allow=DEV_WEBHOOK_HOSTS if settings.env == "development" else frozenset(),
    )


def from_worker_env(env: Any) -> Bindings:
    """Bindings from a Worker `env`. Vars and secrets arrive as attributes holding str."""
    from core.storage.d1 import D1Database

    names = (
        *config.REQUIRED_SECRETS,
        *config.OPTIONAL_SECRETS,
        "PORCHLIGHT_ENV",
        "SESSION_IDLE_MINUTES",
        "SESSION_ABSOLUTE_HOURS",
        "ENCRYPTION_KEY_ID",
        "ENCRYPTION_KEYS_OLD",
        "PORCHLIGHT_CLOCK",
        "PORCHLIGHT_GEOCODER",
        "PORCHLIGHT_GEOCODER_URL",
        *config.QBO_VARS,
        *sms_gateway.VARS,
        *config.EMAIL_VARS,
        *config.AI_VARS,
    )
    source: Mapping[str, Any] = {n: getattr(env, n, None) for n in names}
    bucket = getattr(env, "FILES", None)
    settings = config.load(source)
    return Bindings(
        db=D1Database(env.DB),
        settings=settings,
        clock=clocks.from_setting(settings.clock),
        files=R2FileStore(bucket) if bucket is not None else None,
        geocoder=geocoding.from_setting(source["PORCHLIGHT_GEOCODER"] or "", source["PORCHLIGHT_GEOCODER_URL"] or ""),
        sms=sms_gateway.from_environment(source),
        email=email_providers.for_settings(settings, edge=True),  # Workers cannot open SMTP sockets (EML-6)
    )

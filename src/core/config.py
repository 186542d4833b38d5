"""Settings: read once, strictly, from the runtime's environment into a frozen object.

Locally the environment is `os.environ` layered over `.dev.vars` (wrangler's dotenv format); on the
Worker it is `env` (vars and secrets). Secrets are wrapped in `Secret`, whose repr never shows the
value, so a settings object can be logged or printed in a traceback safely.
"""

from __future__ import annotations

import base64
import binascii
import re
import secrets as _secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from core import clock


class Secret:
    __slots__ = ("_value",)

    def __init__(self, value: str):
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and _secrets.compare_digest(self._value, other._value)

    def __hash__(self) -> int:
        return hash(self._value)

    def __bool__(self) -> bool:
        return bool(self._value)


class SettingsError(Exception):
    """A required setting is missing or malformed; the message names it and says what is expected."""


# Secrets the app cannot start without. `make dev` generates them into .dev.vars; production sets them
# with `wrangler secret put`.
REQUIRED_SECRETS = ("ENCRYPTION_KEY", "WEBHOOK_SECRET")
OPTIONAL_SECRETS = (
    "QBO_CLIENT_ID",
    "QBO_CLIENT_SECRET",
    "QBO_WEBHOOK_VERIFIER_TOKEN",
    "ANTHROPIC_API_KEY",
    "EMAIL_API_KEY",
)


@dataclass(frozen=True)
class Settings:
    env: str  # "production" | "development" | "test"
    encryption_key: Secret
    webhook_secret: Secret
    session_idle_minutes: int = 30
    session_absolute_hours: int = 12
    optional: tuple[tuple[str, Secret], ...] = ()
    # Field encryption key ring: the current key's id (stored beside every ciphertext) and retired
    # keys that may still decrypt old rows until they are re-encrypted.
    encryption_key_id: str = "k1"
    old_encryption_keys: tuple[tuple[str, Secret], ...] = ()
    # QuickBooks Online (all optional: without QBO_CLIENT_ID the app runs and says "not configured").
    # The URL overrides are operator settings (tests and proxies point them elsewhere); empty means
    # Intuit's own endpoint for the environment.
    qbo_environment: str = "sandbox"
    qbo_redirect_uri: str = ""
    qbo_api_base: str = ""
    qbo_auth_url: str = ""
    qbo_token_url: str = ""
    qbo_revoke_url: str = ""
    # Billing figures: account names that override the automatic choice of the master checking and
    # credit-card accounts, and the company's calendar (IANA zone; empty = the first office's zone).
    qbo_checking_account: str = ""
    qbo_card_account: str = ""
    qbo_time_zone: str = ""
    # PORCHLIGHT_CLOCK: run this process at another instant or offset (tests, demos); never in
    # production. Empty = the system clock. See clock.from_setting.
    # issue 24: the Anthropic API's address (empty = the SDK's default); tests point it at the fake
    anthropic_base_url: str = ""
    clock: str = ""
    # Email (issue 21, core/email.py): smtp | http | development; empty = chosen by the runtime. The
    # HTTP email API's base URL (POST {EMAIL_API_URL}/v3/mail/send); its key is EMAIL_API_KEY.
    email_provider: str = ""
    email_api_url: str = ""

    @property
    def production(self) -> bool:
        return self.env == "production"

    @property
    def secure_cookies(self) -> bool:
        return self.env == "production"

    def secret(self, name: str) -> Secret | None:
        return dict(self.optional).get(name)


# Plain (non-secret) QuickBooks vars, read by `load` and listed for the Worker's env in bindings.py.
QBO_VARS = (
    "QBO_ENVIRONMENT",
    "QBO_REDIRECT_URI",
    "QBO_API_BASE",
    "QBO_AUTH_URL",
    "QBO_TOKEN_URL",
    "QBO_REVOKE_URL",
    "QBO_CHECKING_ACCOUNT",
    "QBO_CARD_ACCOUNT",
    "QBO_TIME_ZONE",
)


def _url(source: Mapping[str, Any], name: str) -> str:
    value = str(source.get(name) or "").strip()
    if value and not value.startswith(("https://", "http://")):
        raise SettingsError(f"{name} must be an http(s) URL, got {value!r}")
    return value.rstrip("/")


def _int(source: Mapping[str, Any], name: str, default: int, low: int, high: int) -> int:
    raw = source.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(str(raw))
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, got {raw!r}") from None
    if not low <= value <= high:
        raise SettingsError(f"{name} must be between {low} and {high}, got {value}")
    return value


def _key(raw: str) -> Secret:
    try:
        key = base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        raise SettingsError("ENCRYPTION_KEY must be base64 of 32 random bytes") from None
    if len(key) != 32:
        raise SettingsError(f"ENCRYPTION_KEY must decode to 32 bytes (AES-256), got {len(key)}")
    return Secret(raw)


_KEY_ID = re.compile(r"^[A-Za-z0-9_-]{1,16}$")


def _key_id(raw: object, name: str) -> str:
    value = str(raw or "").strip()
    if not _KEY_ID.match(value):
        raise SettingsError(f"{name} must be 1–16 letters, digits, '-' or '_', got {value!r}")
    return value


def _old_keys(raw: object, current_id: str) -> tuple[tuple[str, Secret], ...]:
    """ENCRYPTION_KEYS_OLD: "k0:<base64>,k-legacy:<base64>" — retired keys, decrypt only."""
    keys: list[tuple[str, Secret]] = []
    for part in str(raw or "").split(","):
        if not part.strip():
            continue
        key_id, sep, value = part.strip().partition(":")
        if not sep:
            raise SettingsError("ENCRYPTION_KEYS_OLD entries must be KEY_ID:base64, separated by commas")
        key_id = _key_id(key_id, "ENCRYPTION_KEYS_OLD key id")
        if key_id == current_id or key_id in dict(keys):
            raise SettingsError(f"ENCRYPTION_KEYS_OLD repeats key id {key_id!r}")
        keys.append((key_id, _key(value.strip())))
    return tuple(keys)


def load(source: Mapping[str, Any]) -> Settings:
    missing = [n for n in REQUIRED_SECRETS if not source.get(n)]
    if missing:
        raise SettingsError(
            f"missing required secret(s): {', '.join(missing)}. Locally `make dev` writes them to "
            ".dev.vars; on Cloudflare set them with `wrangler secret put NAME`."
        )
    env = str(source.get("PORCHLIGHT_ENV") or "development")
    if env not in {"production", "development", "test"}:
        raise SettingsError(f"PORCHLIGHT_ENV must be production, development or test, got {env!r}")
    optional = tuple((n, Secret(str(source[n]))) for n in OPTIONAL_SECRETS if source.get(n))
    key_id = _key_id(source.get("ENCRYPTION_KEY_ID") or "k1", "ENCRYPTION_KEY_ID")
    return Settings(
        env=env,
        encryption_key=_key(str(source["ENCRYPTION_KEY"])),
        webhook_secret=Secret(str(source["WEBHOOK_SECRET"])),
        session_idle_minutes=_int(source, "SESSION_IDLE_MINUTES", 30, 1, 24 * 60),
        session_absolute_hours=_int(source, "SESSION_ABSOLUTE_HOURS", 12, 1, 24 * 30),
        optional=optional,
        encryption_key_id=key_id,
        old_encryption_keys=_old_keys(source.get("ENCRYPTION_KEYS_OLD"), key_id),
        qbo_environment=_qbo_environment(source),
        qbo_redirect_uri=_url(source, "QBO_REDIRECT_URI"),
        qbo_api_base=_url(source, "QBO_API_BASE"),
        qbo_auth_url=_url(source, "QBO_AUTH_URL"),
        qbo_token_url=_url(source, "QBO_TOKEN_URL"),
        qbo_revoke_url=_url(source, "QBO_REVOKE_URL"),
        qbo_checking_account=str(source.get("QBO_CHECKING_ACCOUNT") or "").strip()[:100],
        qbo_card_account=str(source.get("QBO_CARD_ACCOUNT") or "").strip()[:100],
        qbo_time_zone=_time_zone(source, "QBO_TIME_ZONE"),
        clock=_clock(source, env),
        email_provider=_email_provider(source),
        email_api_url=_url(source, "EMAIL_API_URL"),
        anthropic_base_url=_url(source, "ANTHROPIC_BASE_URL"),
    )


EMAIL_VARS = ("EMAIL_PROVIDER", "EMAIL_API_URL")
AI_VARS = ("ANTHROPIC_BASE_URL",)  # issue 24


def _email_provider(source: Mapping[str, Any]) -> str:
    value = str(source.get("EMAIL_PROVIDER") or "").strip().lower()
    if value not in ("", "smtp", "http", "development"):
        raise SettingsError(f"EMAIL_PROVIDER must be smtp, http or development, got {value!r}")
    return value


def _clock(source: Mapping[str, Any], env: str) -> str:
    raw = str(source.get("PORCHLIGHT_CLOCK") or "").strip()
    if not raw:
        return ""
    if env == "production":
        raise SettingsError("PORCHLIGHT_CLOCK moves the app's clock and is refused in production; unset it")
    try:
        return clock.check_setting(raw)
    except ValueError as exc:
        raise SettingsError(f"PORCHLIGHT_CLOCK: {exc}") from None


def _time_zone(source: Mapping[str, Any], name: str) -> str:
    value = str(source.get(name) or "").strip()
    if value:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise SettingsError(f"{name} must be an IANA time zone like America/New_York, got {value!r}") from None
    return value


def _qbo_environment(source: Mapping[str, Any]) -> str:
    value = str(source.get("QBO_ENVIRONMENT") or "sandbox").strip().lower()
    if value not in {"sandbox", "production"}:
        raise SettingsError(f"QBO_ENVIRONMENT must be sandbox or production, got {value!r}")
    return value


def parse_dev_vars(text: str) -> dict[str, str]:
    """The subset of dotenv that wrangler's .dev.vars uses: KEY=value, optional quotes, # comments."""
    values: dict[str, str] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        values[key.strip()] = value
    return values


def generate_dev_vars() -> str:
    """Fresh secrets for a new local checkout. Called at run time only (never at import)."""
    return (
        "# Local secrets for `make dev` (wrangler reads this file too). Generated; never commit it.\n"
        "PORCHLIGHT_ENV=development\n"
        f"ENCRYPTION_KEY={base64.b64encode(_secrets.token_bytes(32)).decode()}\n"
        f"WEBHOOK_SECRET={_secrets.token_urlsafe(32)}\n"
        "# QuickBooks Online (optional; docs/quickbooks.md). Uncomment and fill in to connect a company.\n"
        "# QBO_CLIENT_ID=\n"
        "# QBO_CLIENT_SECRET=\n"
        "# QBO_WEBHOOK_VERIFIER_TOKEN=\n"
        "# QBO_ENVIRONMENT=sandbox\n"
        "# QBO_REDIRECT_URI=http://localhost:8787/quickbooks/callback\n"
    )


def ensure_dev_vars(path: Path) -> bool:
    """Create .dev.vars with new secrets if it is missing. Returns True when it wrote one."""
    if path.exists():
        return False
    path.write_text(generate_dev_vars(), encoding="utf-8")
    path.chmod(0o600)
    return True


# Backups of the local SQLite file (ops/backups.py takes them): a setting like any other, read here so
# the bindings never import the operations package.
DEFAULT_SCHEDULE = "17 3 * * *"  # daily at 03:17 UTC: off the hour, when offices are closed
_CRON_FIELD = re.compile(r"^[0-9*/,\-]+$")


@dataclass(frozen=True)
class BackupPolicy:
    """Local only: `Bindings.backups` is None on the Worker, where D1 Time Travel keeps 30 days."""

    database: Path
    directory: Path
    schedule: str = DEFAULT_SCHEDULE  # a cron expression, or "" for no scheduled backups
    keep_daily: int = 7
    keep_weekly: int = 4


def _count(source: Mapping[str, Any], name: str, default: int) -> int:
    raw = str(source.get(name) or "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not 0 <= int(raw) <= 1000:
        raise SettingsError(f"{name} must be a whole number from 0 to 1000, got {raw!r}")
    return int(raw)


def policy_from(source: Mapping[str, Any], database: Path) -> BackupPolicy:
    """PORCHLIGHT_BACKUP_DIR (default: `backups/` beside the database), PORCHLIGHT_BACKUP_SCHEDULE
    (cron, or `off`), PORCHLIGHT_BACKUP_KEEP_DAILY and PORCHLIGHT_BACKUP_KEEP_WEEKLY."""
    directory = str(source.get("PORCHLIGHT_BACKUP_DIR") or "").strip()
    schedule = str(source.get("PORCHLIGHT_BACKUP_SCHEDULE") or DEFAULT_SCHEDULE).strip()
    if schedule.lower() == "off":
        schedule = ""
    elif len(schedule.split()) != 5 or not all(_CRON_FIELD.match(f) for f in schedule.split()):
        raise SettingsError(
            f"PORCHLIGHT_BACKUP_SCHEDULE must be a five-field cron expression or 'off', got {schedule!r}"
        )
    policy = BackupPolicy(
        database=database,
        directory=Path(directory) if directory else database.parent / "backups",
        schedule=schedule,
        keep_daily=_count(source, "PORCHLIGHT_BACKUP_KEEP_DAILY", 7),
        keep_weekly=_count(source, "PORCHLIGHT_BACKUP_KEEP_WEEKLY", 4),
    )
    if policy.keep_daily + policy.keep_weekly == 0:
        raise SettingsError("PORCHLIGHT_BACKUP_KEEP_DAILY and _WEEKLY cannot both be 0: nothing would be kept")
    return policy

"""Backups of the local SQLite file as the rest of the app sees them: the policy (where, how often,
how many to keep), the names and manifests on disk, the retention plan, and the status that
Maintenance → System shows. Taking, checking and restoring a backup is src/ops/backup_ops.py (local
only: it needs sqlite3 and fcntl); this module imports neither, so the Worker can load the page.

A backup is complete only when its manifest exists: the compressed copy is renamed into place
first and the manifest last, so a run killed at any point leaves nothing that lists as a backup.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from core.clock import iso
from core.config import BackupPolicy

PREFIX = "porchlight-"
SUFFIX = ".sqlite3.gz"
MANIFEST_SUFFIX = ".manifest.json"
TEMP_PREFIX = ".tmp-"
STATUS_FILE = "last-run.json"
MANIFEST_FORMAT = 1
# An owner is warned when the newest good backup is older than this (or there is none).
STALE_AFTER = timedelta(days=2)
TIME_TRAVEL_DOCS = "https://developers.cloudflare.com/d1/reference/time-travel/"

_STAMP = re.compile(r"^porchlight-(\d{8}T\d{6})(\d{3})Z$")


def stem(at: datetime) -> str:
    """`porchlight-20261206T031700123Z`: names sort by the time they were taken."""
    at = at.astimezone(UTC)
    return f"{PREFIX}{at:%Y%m%dT%H%M%S}{at.microsecond // 1000:03d}Z"


def taken_at(name: str) -> datetime | None:
    match = _STAMP.match(name.removesuffix(SUFFIX).removesuffix(MANIFEST_SUFFIX))
    if not match:
        return None
    moment = datetime.strptime(match.group(1), "%Y%m%dT%H%M%S").replace(tzinfo=UTC)
    return moment + timedelta(milliseconds=int(match.group(2)))


def manifest_path(archive: Path) -> Path:
    return archive.with_name(archive.name.removesuffix(SUFFIX) + MANIFEST_SUFFIX)


@dataclass(frozen=True)
class Backup:
    archive: Path
    taken_at: datetime
    size: int
    manifest: dict[str, Any]

    @property
    def taken_iso(self) -> str:
        return iso(self.taken_at)

    @property
    def leads(self) -> int | None:
        return self.manifest.get("tables", {}).get("leads")

    @property
    def migration(self) -> str:
        return str(self.manifest.get("migrations", {}).get("last") or "")


def read_manifest(archive: Path) -> dict[str, Any]:
    """The manifest beside ARCHIVE; raises OSError or ValueError when it is missing or unreadable."""
    data = json.loads(manifest_path(archive).read_text(encoding="utf-8"))
    if not isinstance(data, dict) or data.get("format") != MANIFEST_FORMAT:
        raise ValueError("not a Porchlight backup manifest (format 1)")
    return data


def listing(directory: Path) -> list[Backup]:
    """The complete backups in DIRECTORY, newest first (an archive without its manifest is not one)."""
    found = []
    try:
        names = sorted((p for p in directory.glob(f"{PREFIX}*{SUFFIX}")), reverse=True)
    except OSError:
        return []
    for archive in names:
        at = taken_at(archive.name)
        if at is None:
            continue
        try:
            manifest = read_manifest(archive)
            size = archive.stat().st_size
        except (OSError, ValueError):
            continue
        found.append(Backup(archive, at, size, manifest))
    return found


def to_keep(moments: list[datetime], keep_daily: int, keep_weekly: int) -> set[datetime]:
    """The newest backup of each of the KEEP_DAILY most recent days that have one, and the newest of
    each of the KEEP_WEEKLY most recent ISO weeks; everything else may be pruned."""
    kept: set[datetime] = set()
    days: dict[object, datetime] = {}
    weeks: dict[object, datetime] = {}
    for moment in sorted(moments, reverse=True):
        days.setdefault(moment.date(), moment)
        weeks.setdefault(moment.isocalendar()[:2], moment)
    kept.update(list(days.values())[:keep_daily])
    kept.update(list(weeks.values())[:keep_weekly])
    return kept


@dataclass(frozen=True)
class Status:
    """What Maintenance → System shows about backups."""

    policy: BackupPolicy | None
    last_good: Backup | None
    last_run: dict[str, Any] | None
    kept: list[Backup]
    now: datetime

    @property
    def local(self) -> bool:
        return self.policy is not None

    @property
    def age(self) -> timedelta | None:
        return self.now - self.last_good.taken_at if self.last_good else None

    @property
    def stale(self) -> bool:
        """Warn the owner: no good backup, or the newest is older than two days (by the Clock)."""
        return self.local and (self.age is None or self.age > STALE_AFTER)


def status(policy: BackupPolicy | None, now: datetime) -> Status:
    if policy is None:
        return Status(None, None, None, [], now)
    kept = listing(policy.directory)
    return Status(policy, kept[0] if kept else None, last_run(policy.directory), kept, now)


def last_run(directory: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((directory / STATUS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def run_record(now: datetime, *, ok: bool, detail: str, archive: Path | None = None, size: int = 0) -> dict[str, Any]:
    return {"at": iso(now), "ok": ok, "detail": detail, "file": archive.name if archive else "", "size": size}


def catch_up_due(policy: BackupPolicy, now: datetime) -> bool:
    """At start-up: take one soon when the newest good backup is older than a day (a server that is
    never up at the scheduled minute would otherwise never back up)."""
    newest = listing(policy.directory)
    return bool(policy.schedule) and (not newest or now - newest[0].taken_at > timedelta(days=1))


def describe_age(age: timedelta | None) -> str:
    if age is None:
        return "never"
    hours = int(age.total_seconds() // 3600)
    if hours < 1:
        return "less than an hour ago"
    if hours < 48:
        return f"{hours} hour{'s' if hours != 1 else ''} ago"
    return f"{hours // 24} days ago"


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:,.0f} {unit}" if unit == "bytes" else f"{value:,.1f} {unit}"
        value /= 1024
    return f"{value:,.1f} GB"

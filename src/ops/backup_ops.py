"""Taking, pruning and restoring backups of the local SQLite file (local runtime only: sqlite3, fcntl).

A backup is SQLite's online backup API in one step, so it is a snapshot of one read transaction:
in WAL mode the server keeps writing meanwhile. The copy is verified (`PRAGMA integrity_check`,
a row count per table, the migrations it has), compressed with its checksum computed on the way,
and only then renamed into place, manifest last (src/ops/backups.py says why).

Who holds the database: `porchlight serve` takes an exclusive `flock` on `<database>.lock` for its
whole life, and a restore takes the same lock, so neither starts while the other runs. The kernel
drops the lock when the process ends, kill -9 included, so a crash never leaves a stale lock.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import gzip
import hashlib
import json
import logging
import os
import sqlite3
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from core import config
from core.clock import iso
from core.storage import migrations
from core.storage.sqlite import connect
from ops import backups

log = logging.getLogger("porchlight.backup")

CHUNK = 1 << 20
# Level 3 packs a Porchlight database about as small as level 6 does (text columns, repeated
# values) in well under half the time, and the backup's read transaction is held no longer for it.
GZIP_LEVEL = 3


class BackupError(Exception):
    """No backup was taken; the message says why. Earlier backups are untouched."""


class RestoreRefused(Exception):
    """The restore did not happen; the message says why. The current database is untouched."""


class DatabaseBusy(Exception):
    """Another process (a server, or a restore) holds the database's lock."""


# --- the lock ------------------------------------------------------------------------------------


def lock_path(database: Path) -> Path:
    return database.with_name(database.name + ".lock")


@contextlib.contextmanager
def holding(database: Path, purpose: str) -> Iterator[None]:
    """Hold the database's lock for the block, or raise DatabaseBusy naming who has it."""
    path = lock_path(database)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip()
            raise DatabaseBusy(f"{database} is held by {holder or 'another process'}") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{purpose} (pid {os.getpid()})".encode(), 0)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the flock


# --- taking a backup -----------------------------------------------------------------------------


def _reason(exc: BaseException, where: Path) -> str:
    if isinstance(exc, OSError):
        if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
            return f"no space left in {where} ({exc.strerror}); earlier backups were left as they were"
        if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
            return f"{where} is not writable ({exc.strerror}); earlier backups were left as they were"
        return f"could not write to {where}: {exc.strerror or exc}; earlier backups were left as they were"
    text = str(exc)
    if "full" in text:
        return f"no space left in {where} (SQLite: {text}); earlier backups were left as they were"
    if "readonly" in text or "read-only" in text or "unable to open" in text:
        return f"{where} is not writable (SQLite: {text}); earlier backups were left as they were"
    return f"SQLite failed while copying into {where} ({text}); earlier backups were left as they were"


def inspect(conn: sqlite3.Connection) -> dict[str, Any]:
    """Integrity, a row count per table (virtual tables are counted through their shadow tables) and
    the applied migrations: what a manifest records and what a restore compares against it."""
    problems = [r[0] for r in conn.execute("PRAGMA integrity_check(20)")]
    tables = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
            " AND upper(sql) NOT LIKE 'CREATE VIRTUAL TABLE%' ORDER BY name"
        )
    ]
    counts = {t: conn.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}
    names = (
        [r[0] for r in conn.execute(f"SELECT name FROM {migrations.TABLE} ORDER BY id")]
        if migrations.TABLE in counts
        else []
    )
    return {"integrity": problems, "tables": counts, "migrations": names}


class _Hashing:
    """A write-only file that hashes and counts what passes through (the archive's checksum is known
    the moment it is written, without reading it back)."""

    def __init__(self, raw: Any):
        self.raw = raw
        self.sha = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> int:
        self.sha.update(data)
        self.size += len(data)
        return int(self.raw.write(data))

    def flush(self) -> None:
        self.raw.flush()


def _compress(source: Path, target: Path) -> tuple[str, int, str, int]:
    plain = hashlib.sha256()
    plain_size = 0
    with target.open("wb") as out:
        hashing = _Hashing(out)
        with (
            source.open("rb") as src,
            gzip.GzipFile(filename="", mode="wb", fileobj=hashing, compresslevel=GZIP_LEVEL, mtime=0) as gz,
        ):
            while chunk := src.read(CHUNK):
                plain.update(chunk)
                plain_size += len(chunk)
                gz.write(chunk)
        out.flush()
        os.fsync(out.fileno())
    return plain.hexdigest(), plain_size, hashing.sha.hexdigest(), hashing.size


def _write_durably(path: Path, data: bytes) -> None:
    with path.open("wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clear_abandoned(directory: Path) -> list[str]:
    """Remove the temporary files of runs that died (kill -9, power loss); a live run's are left."""
    removed = []
    for path in directory.glob(f"{backups.TEMP_PREFIX}*"):
        pid = path.name.removeprefix(backups.TEMP_PREFIX).split("-", 1)[0]
        if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
            with contextlib.suppress(OSError):
                path.unlink()
                removed.append(path.name)
    return removed


def take(database: Path, directory: Path, now: datetime) -> backups.Backup:
    """A verified, compressed backup of DATABASE in DIRECTORY, named by NOW; raises BackupError."""
    if not database.is_file():
        raise BackupError(f"there is no database at {database}")
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BackupError(_reason(exc, directory)) from exc
    clear_abandoned(directory)
    name = backups.stem(now)
    archive = directory / f"{name}{backups.SUFFIX}"
    manifest = backups.manifest_path(archive)
    if archive.exists() or manifest.exists():
        raise BackupError(f"{archive.name} already exists; not overwriting it")
    tag = f"{backups.TEMP_PREFIX}{os.getpid()}-{name}"
    copy, packed, notes = (directory / f"{tag}{s}" for s in (".sqlite3", backups.SUFFIX, backups.MANIFEST_SUFFIX))
    try:
        source = sqlite3.connect(str(database), timeout=30)
        target = sqlite3.connect(str(copy))
        try:
            source.backup(target)  # all pages in one step: one read transaction, one consistent snapshot
            target.execute("PRAGMA journal_mode = DELETE")  # a single self-contained file, no -wal beside it
            found = inspect(target)
        finally:
            target.close()
            source.close()
        if found["integrity"] != ["ok"]:
            raise BackupError("the copy failed PRAGMA integrity_check: " + "; ".join(found["integrity"][:5]))
        plain_sha, plain_size, packed_sha, packed_size = _compress(copy, packed)
        body = {
            "format": backups.MANIFEST_FORMAT,
            "file": archive.name,
            "taken_at": iso(now),
            "database": database.name,
            "integrity": "ok",
            "migrations": {"count": len(found["migrations"]), "last": (found["migrations"] or [""])[-1]}
            | {"names": found["migrations"]},
            "tables": found["tables"],
            "sqlite": {"bytes": plain_size, "sha256": plain_sha},
            "archive": {"bytes": packed_size, "sha256": packed_sha},
            "sqlite_version": sqlite3.sqlite_version,
        }
        _write_durably(notes, json.dumps(body, indent=2).encode())
        os.replace(packed, archive)
        os.replace(notes, manifest)  # the commit point: from here on it lists as a backup
        _fsync_dir(directory)
    except BackupError:
        _discard(archive, manifest, packed, notes)
        raise
    except (OSError, sqlite3.Error) as exc:
        _discard(archive, manifest, packed, notes)
        raise BackupError(_reason(exc, directory)) from exc
    finally:
        with contextlib.suppress(OSError):
            copy.unlink(missing_ok=True)
    return backups.Backup(archive, backups.taken_at(archive.name) or now, packed_size, body)


def _discard(archive: Path, manifest: Path, *temps: Path) -> None:
    for path in temps:
        with contextlib.suppress(OSError):
            path.unlink(missing_ok=True)
    if not manifest.exists():
        with contextlib.suppress(OSError):
            archive.unlink(missing_ok=True)


def prune(directory: Path, keep_daily: int, keep_weekly: int) -> list[str]:
    """Delete the backups the retention plan does not keep (manifest first: a half-pruned backup never
    lists as complete). Returns the archives removed."""
    found = backups.listing(directory)
    keep = backups.to_keep([b.taken_at for b in found], keep_daily, keep_weekly)
    removed = []
    for backup in found:
        if backup.taken_at in keep:
            continue
        backups.manifest_path(backup.archive).unlink(missing_ok=True)
        backup.archive.unlink(missing_ok=True)
        removed.append(backup.archive.name)
    return removed


def scheduled(policy: config.BackupPolicy, now: datetime) -> dict[str, Any]:
    """The scheduler's run: take, prune, and record the outcome for Maintenance → System."""
    try:
        made = take(policy.database, policy.directory, now)
        pruned = prune(policy.directory, policy.keep_daily, policy.keep_weekly)
        record = backups.run_record(
            now, ok=True, detail=f"verified; {len(pruned)} older pruned", archive=made.archive, size=made.size
        )
    except (BackupError, OSError) as exc:
        record = backups.run_record(now, ok=False, detail=str(exc))
    try:
        status = policy.directory / backups.STATUS_FILE
        temp = status.with_name(f"{backups.TEMP_PREFIX}{os.getpid()}-{backups.STATUS_FILE}")
        _write_durably(temp, json.dumps(record).encode())
        os.replace(temp, status)
    except OSError as exc:
        # The page still finds the newest good backup from the folder itself, and warns on its age.
        log.warning("could not record the backup run in %s: %s", policy.directory, exc.strerror)
    return record


# --- restoring -----------------------------------------------------------------------------------


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def verify_archive(archive: Path) -> dict[str, Any]:
    """The manifest, once the archive matches it byte for byte and its schema is one we know."""
    if not archive.is_file():
        raise RestoreRefused(f"{archive}: no such file")
    try:
        manifest = backups.read_manifest(archive)
    except FileNotFoundError:
        raise RestoreRefused(
            f"no manifest beside it (expected {backups.manifest_path(archive).name}); it cannot be verified"
        ) from None
    except (OSError, ValueError) as exc:
        raise RestoreRefused(f"its manifest is unreadable: {exc}") from None
    try:
        expected_size, expected_sha = int(manifest["archive"]["bytes"]), str(manifest["archive"]["sha256"])
        names = [str(n) for n in manifest["migrations"]["names"]]
        dict(manifest["tables"])
    except (KeyError, TypeError, ValueError):
        raise RestoreRefused("its manifest is incomplete (archive, migrations or tables missing)") from None
    size = archive.stat().st_size
    if size < expected_size:
        raise RestoreRefused(f"the archive is truncated: {size:,} of {expected_size:,} bytes")
    if size != expected_size:
        raise RestoreRefused(f"the archive is {size:,} bytes, its manifest says {expected_size:,}")
    if _sha256(archive) != expected_sha:
        raise RestoreRefused("checksum mismatch: the archive changed after the backup was taken (damaged or tampered)")
    known = {m.name for m in migrations.available()}
    newer = [n for n in names if n not in known]
    if newer:
        raise RestoreRefused(
            f"the backup comes from a newer schema: {len(newer)} migration(s) this Porchlight does not have"
            f" ({', '.join(newer[:3])}); upgrade Porchlight, then restore"
        )
    return manifest


def _unpack(archive: Path, target: Path, manifest: dict[str, Any]) -> None:
    digest = hashlib.sha256()
    try:
        with gzip.open(archive, "rb") as gz, target.open("wb") as out:
            while chunk := gz.read(CHUNK):
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
    except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
        raise RestoreRefused(f"the archive does not decompress: {exc}") from None
    if digest.hexdigest() != manifest.get("sqlite", {}).get("sha256"):
        raise RestoreRefused("checksum mismatch: the decompressed database is not the one the manifest describes")
    conn = sqlite3.connect(str(target))
    try:
        found = inspect(conn)
    except sqlite3.DatabaseError as exc:
        raise RestoreRefused(f"the backup is not a readable SQLite database: {exc}") from None
    finally:
        conn.close()
    if found["integrity"] != ["ok"]:
        raise RestoreRefused("the backup fails PRAGMA integrity_check: " + "; ".join(found["integrity"][:5]))
    if found["tables"] != manifest["tables"]:
        differ = sorted(
            t
            for t in set(found["tables"]) | set(manifest["tables"])
            if found["tables"].get(t) != manifest["tables"].get(t)
        )
        raise RestoreRefused(f"row counts differ from the manifest in {', '.join(differ[:5])}")


@dataclass(frozen=True)
class Restored:
    manifest: dict[str, Any]
    aside: Path | None
    applied: list[str]


def restore(archive: Path, database: Path, now: datetime) -> Restored:
    """Replace DATABASE with the backup in ARCHIVE. Refuses (RestoreRefused) while a server holds the
    database or when the backup fails any check; keeps the current file aside; migrates forward."""
    try:
        with holding(database, "porchlight db restore"):
            manifest = verify_archive(archive)
            unpacked = database.with_name(f"{backups.TEMP_PREFIX}{os.getpid()}-restore-{database.name}")
            try:
                _unpack(archive, unpacked, manifest)
                aside = _set_aside(database, now)
                os.replace(unpacked, database)
            finally:
                unpacked.unlink(missing_ok=True)
            conn = connect(database)
            try:
                applied = migrations.migrate(conn)
            finally:
                conn.close()
            return Restored(manifest, aside, applied)
    except DatabaseBusy as exc:
        raise RestoreRefused(f"a server is running on this database ({exc}); stop it first") from None
    except OSError as exc:
        raise RestoreRefused(f"could not write beside {database}: {exc.strerror or exc}") from None


def _set_aside(database: Path, now: datetime) -> Path | None:
    if not database.exists():
        return None
    # The last connection to close folds the WAL into the file, so the file set aside is whole; when
    # that fails (a damaged file), the -wal file is moved aside with it below.
    conn = sqlite3.connect(str(database))
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    except sqlite3.Error:
        pass
    finally:
        conn.close()
    aside = database.with_name(f"{database.name}.before-restore-{backups.stem(now).removeprefix(backups.PREFIX)}")
    os.replace(database, aside)
    for suffix in ("-wal", "-shm"):
        side = Path(f"{database}{suffix}")
        if side.exists() and suffix == "-wal" and side.stat().st_size > 0:
            os.replace(side, Path(f"{aside}{suffix}"))
        else:
            side.unlink(missing_ok=True)
    return aside

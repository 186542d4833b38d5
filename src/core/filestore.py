"""Where uploaded files live: a folder locally, an R2 bucket on the Worker (same three calls)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Protocol

_SAFE_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,255}$")


class FileStore(Protocol):
    async def put(self, key: str, data: bytes, content_type: str) -> None: ...

    async def get(self, key: str) -> bytes | None: ...

    async def delete(self, key: str) -> None: ...


def _check(key: str) -> str:
    if not _SAFE_KEY.match(key) or ".." in key:
        raise ValueError(f"unsafe file key: {key!r}")
    return key


class LocalFileStore:
    def __init__(self, root: Path):
        self.root = root

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        path = self.root / _check(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)

    async def get(self, key: str) -> bytes | None:
        path = self.root / _check(key)
        return path.read_bytes() if path.exists() else None

    async def delete(self, key: str) -> None:
        (self.root / _check(key)).unlink(missing_ok=True)


class R2FileStore:
    """Over an R2 binding (`env.FILES`); only reached on the Worker."""

    def __init__(self, bucket: Any):
        self.bucket = bucket

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        await self.bucket.put(_check(key), data, {"httpMetadata": {"contentType": content_type}})

    async def get(self, key: str) -> bytes | None:
        obj = await self.bucket.get(_check(key))
        if obj is None:
            return None
        return bytes((await obj.arrayBuffer()).to_py())

    async def delete(self, key: str) -> None:
        await self.bucket.delete(_check(key))

"""Stand-ins for the Workers runtime modules (`workers`, `asgi`) so src/entry.py can be imported and
driven under CPython. They mimic the runtime's calling convention only: WorkerEntrypoint is built
with (ctx, env); `asgi.fetch(app, request, env, ctx)` runs the ASGI app on a request."""

from __future__ import annotations

import sys
import types
from dataclasses import dataclass, field
from typing import Any

import httpx


class WorkerEntrypoint:
    def __init__(self, ctx: Any, env: Any):
        self.ctx, self.env = ctx, env


@dataclass
class Request:
    url: str
    method: str = "GET"
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


async def fetch(app: Any, request: Request, env: Any, ctx: Any = None) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport) as client:
        return await client.request(request.method, request.url, headers=request.headers, content=request.body)


def install() -> None:
    workers = types.ModuleType("workers")
    workers.WorkerEntrypoint = WorkerEntrypoint  # type: ignore[attr-defined]
    asgi = types.ModuleType("asgi")
    asgi.fetch = fetch  # type: ignore[attr-defined]
    sys.modules["workers"] = workers
    sys.modules["asgi"] = asgi


@dataclass
class Controller:
    """What the runtime passes to scheduled(): the cron expression that fired and when."""

    cron: str
    scheduledTime: float = 0.0

"""Cloudflare Worker entry point: `fetch` → the ASGI app, `scheduled` → the cron registry.

With bindings.py, the only module that touches Worker objects. Nothing is built at import time
(the runtime snapshots module state at deploy): the app is created on the first request.
"""

from __future__ import annotations

from typing import Any

from workers import WorkerEntrypoint

import cron
from app import create_app
from core import bindings as bindings_module

_app: Any = None
_bindings: Any = None


def _runtime(env: Any) -> tuple[Any, Any]:
    global _app, _bindings
    if _app is None:
        _bindings = bindings_module.from_worker_env(env)
        _app = create_app(_bindings)
    return _app, _bindings


class Default(WorkerEntrypoint):
    async def fetch(self, request: Any) -> Any:
        import asgi  # provided by the Workers runtime SDK

        app, _ = _runtime(self.env)
        return await asgi.fetch(app, request, self.env, self.ctx)

    async def scheduled(self, controller: Any, env: Any, ctx: Any) -> None:
        _, b = _runtime(env)
        results = await cron.dispatch(b, controller.cron, holder="worker")
        failed = [str(r["job"]) for r in results if "error" in r]
        if failed:  # every job ran and was recorded; raising marks the invocation failed in Cloudflare's cron log
            raise RuntimeError(f"cron {controller.cron}: {', '.join(failed)} failed (System page has the errors)")

"""The real D1 engine as a Python binding: workerd (through miniflare, offline) runs `real_d1/worker.mjs`
with a real D1 binding, and `RealD1Binding` offers the same calls as `env.DB` (and `FakeD1Binding`):
`prepare(sql).bind(*args)`, awaitable `all()/run()/first()/raw()`, `batch([...])` and `exec()`.
`storage/d1.py` drives it unchanged.

Each awaited call is one HTTP POST, so one D1 round trip as the edge would pay it; `calls` counts them.
Values cross as JSON, which is also what D1 itself speaks: integral numbers come back as `int`, BLOBs
as lists of ints. Python values that Pyodide would hand to D1 as something other than a string,
number, null or bytes are sent so that D1's own `bind()` refuses them (`$bigint`, `$object`).

The server keeps its database in an ordinary SQLite file (miniflare's Durable Object storage, WAL
mode, normal file locks), so the test fixtures restore a template into it with SQLite's backup API
between tests, and tests may read it directly, as they read the local file in the other modes.
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import select
import subprocess
import threading
import urllib.parse
from pathlib import Path
from typing import Any

from tests.fakes.d1 import MAX_SAFE, D1Error

HERE = Path(__file__).resolve().parent / "real_d1"
ROOT = HERE.parents[2]


def _encode(value: Any) -> Any:
    if value is None or isinstance(value, str | float):
        return value
    if isinstance(value, bool):
        return value  # JSON true/false: D1's bind() decides what a boolean becomes
    if isinstance(value, int):
        # Pyodide turns ints beyond 2^53 into BigInt, which D1 refuses
        return value if abs(value) <= MAX_SAFE else {"$bigint": str(value)}
    if isinstance(value, bytes):
        return {"$bytes": base64.b64encode(value).decode()}
    return {"$object": type(value).__name__}  # a proxied Python object: D1 refuses it


def _pyodide_int(text: str) -> int | float:
    """Pyodide hands a JS number to Python as int only when it is a safe integer."""
    value = int(text)
    return value if abs(value) <= MAX_SAFE else float(value)  # MAX_SAFE is Number.MAX_SAFE_INTEGER


STARTUP_SECONDS = 60.0


def engine_environment() -> dict[str, str]:
    """Our environment without libfaketime: `make test-clock` moves the test process's clock, not
    the database engine's (workerd never becomes ready with the library preloaded)."""
    return {k: v for k, v in os.environ.items() if k != "LD_PRELOAD" and not k.startswith("FAKETIME")}


class RealD1Server:
    """One workerd process for a test session; `close()` (or the end of our stdin) stops it."""

    def __init__(self, persist: Path):
        self.persist = persist
        self.proc = subprocess.Popen(
            ["node", str(HERE / "serve.mjs"), str(persist)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,  # node resolves `miniflare` from the project's node_modules
            env=engine_environment(),
        )
        assert self.proc.stdout is not None
        ready, _, _ = select.select([self.proc.stdout], [], [], STARTUP_SECONDS)
        if not ready:
            self.proc.kill()
            self.proc.wait()
            raise RuntimeError(f"the real-D1 server did not answer within {STARTUP_SECONDS:.0f}s")
        line = self.proc.stdout.readline()
        if not line:
            self.proc.wait(timeout=10)
            raise RuntimeError(f"the real-D1 server did not start (exit {self.proc.returncode}); run `make setup`")
        self.url = json.loads(line)["url"]

    def binding(self) -> RealD1Binding:
        return RealD1Binding(self.url)

    def database_file(self) -> Path:
        """The SQLite file behind the D1 binding (it exists once the binding has run a query)."""
        found = [p for p in (self.persist / "miniflare-D1DatabaseObject").glob("*.sqlite") if p.stem != "metadata"]
        assert len(found) == 1, found
        return found[0]

    def close(self) -> None:
        if self.proc.poll() is None:
            assert self.proc.stdin is not None
            self.proc.stdin.close()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class RealStatement:
    def __init__(self, db: RealD1Binding, sql: str, params: tuple[Any, ...] = ()):
        self.db, self.sql, self.params = db, sql, params

    def bind(self, *values: Any) -> RealStatement:
        return RealStatement(self.db, self.sql, values)

    def _body(self) -> dict[str, Any]:
        return {"sql": self.sql, "params": [_encode(v) for v in self.params]}

    async def all(self) -> dict[str, Any]:
        return self.db._call({"op": "all", **self._body()})

    async def run(self) -> dict[str, Any]:
        return self.db._call({"op": "run", **self._body()})

    async def first(self, column: str | None = None) -> Any:
        return self.db._call({"op": "first", "column": column, **self._body()})

    async def raw(self, columnNames: bool = False) -> list[list[Any]]:
        return self.db._call({"op": "raw", "columnNames": columnNames, **self._body()})


class RealD1Binding:
    def __init__(self, url: str):
        parts = urllib.parse.urlsplit(url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self._conn: http.client.HTTPConnection | None = None
        # One request at a time on the kept-alive connection; callers on other threads wait their turn.
        self._lock = threading.Lock()
        self.calls = 0

    def prepare(self, sql: str) -> RealStatement:
        return RealStatement(self, sql)

    async def batch(self, statements: list[RealStatement]) -> list[dict[str, Any]]:
        return self._call({"op": "batch", "statements": [s._body() for s in statements]})

    async def exec(self, sql: str) -> dict[str, Any]:
        return self._call({"op": "exec", "sql": sql})

    def _call(self, body: dict[str, Any]) -> Any:
        data = json.dumps(body).encode()
        with self._lock:
            self.calls += 1
            for attempt in (1, 2):
                if self._conn is None:
                    self._conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
                try:
                    self._conn.request("POST", "/", data, {"content-type": "application/json"})
                    answer = json.loads(self._conn.getresponse().read(), parse_int=_pyodide_int)
                    break
                except (http.client.HTTPException, ConnectionError):
                    # a kept-alive connection the server closed: reconnect once (nothing ran)
                    self._conn.close()
                    self._conn = None
                    if attempt == 2:
                        raise
        if not answer["ok"]:
            raise D1Error(answer["error"])
        return answer["result"]

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

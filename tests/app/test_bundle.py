"""What the Worker ships: `pywrangler` vendors [project].dependencies (and what they pull in) into
python_modules/, and that must run under Pyodide, fit the Worker, and import without I/O or entropy.

pywrangler itself cannot run here: `pywrangler sync` first has uv download a CPython 3.13 build and
the emscripten interpreter, and resolves against the Pyodide package index, none of which is
reachable offline. So this checks the same things from what is installed: the dependency closure
(from the CPython environment's metadata), each package pure Python or in the lock of the Pyodide
the compatibility date selects (Pyodide 0.28.2, shipped by the `pyodide` npm package), and the
installed size of the closure plus src/ as the size estimate (docs/performance.md, "Worker bundle").
"""

from __future__ import annotations

import importlib.metadata as md
import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.version import InvalidVersion, Version

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
PYODIDE_LOCK = ROOT / "node_modules" / "pyodide" / "pyodide-lock.json"
LIMIT_BYTES = 64 * 2**20  # the Worker's size limit, uncompressed, python_modules included
# Tools that only run locally or in CI: none may be vendored into the Worker.
DEV_ONLY = {"pytest", "pytest-asyncio", "ruff", "mypy", "uvicorn", "croniter", "sqlite-utils", "playwright"}
DEV_ONLY |= {"workers-py", "uv", "pywrangler", "httptools", "uvloop", "watchfiles", "websockets"}


def norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def runtime_requirements() -> list[Requirement]:
    return [Requirement(d) for d in PYPROJECT["project"]["dependencies"]]


def closure() -> dict[str, md.Distribution]:
    """Every distribution the runtime dependencies pull in (no extras), as installed here."""
    found: dict[str, md.Distribution] = {}
    todo = runtime_requirements()
    while todo:
        req = todo.pop()
        name = norm(req.name)
        if name in found:
            continue
        dist = md.distribution(req.name)
        found[name] = dist
        for text in dist.requires or []:
            sub = Requirement(text)
            if sub.marker is None or sub.marker.evaluate({"extra": "", "sys_platform": "emscripten"}):
                todo.append(sub)
    return found


def is_pure(dist: md.Distribution) -> bool:
    wheel = dist.read_text("WHEEL") or ""
    native = any(str(f).endswith((".so", ".pyd", ".dylib")) for f in dist.files or [])
    return "Root-Is-Purelib: true" in wheel and not native


def shipped_bytes(dist: md.Distribution) -> int:
    # pywrangler leaves out *.pyc (python_modules.exclude); metadata and sources count
    return sum(f.size or 0 for f in dist.files or [] if not str(f).endswith(".pyc") and "__pycache__" not in str(f))


def test_no_dev_only_package_is_a_runtime_dependency():
    runtime = {norm(r.name) for r in runtime_requirements()}
    dev = {norm(Requirement(d).name) for d in PYPROJECT["project"]["optional-dependencies"]["dev"]}
    assert not runtime & dev, "listed both as a runtime dependency and as a dev tool"
    assert not runtime & {norm(n) for n in DEV_ONLY}
    pulled_in = set(closure())
    assert not pulled_in & {norm(n) for n in DEV_ONLY}, "a runtime dependency pulls in a dev-only tool"


def test_every_runtime_package_is_pure_python_or_provided_by_pyodide():
    lock = json.loads(PYODIDE_LOCK.read_text())
    assert lock["info"]["python"].startswith("3.13"), "the compatibility date (2026-04-25) selects Python 3.13"
    provided = {norm(name): Version(p["version"]) for name, p in lock["packages"].items() if _valid(p["version"])}
    wanted = {norm(r.name): r for r in runtime_requirements()}
    native = {name for name, dist in closure().items() if not is_pure(dist)}
    missing = sorted(native - set(provided))
    assert not missing, f"native packages Pyodide does not provide: {missing}"
    # pywrangler takes Pyodide's build of a native package, so our lower bounds must admit it
    too_old = {n: str(provided[n]) for n in native if n in wanted and not wanted[n].specifier.contains(provided[n])}
    assert not too_old, f"Pyodide's build is outside our pyproject range: {too_old}"
    assert {"pydantic-core", "cryptography", "argon2-cffi-bindings", "markupsafe"} <= native  # the check has teeth


def _valid(version: str) -> bool:
    try:
        Version(version)
    except InvalidVersion:
        return False  # e.g. openssl's 1.1.1w: a library, not a Python package
    return True


def test_the_vendored_packages_and_the_app_fit_the_worker():
    packages = sum(shipped_bytes(d) for d in closure().values())
    sdk = shipped_bytes(md.distribution("workers-runtime-sdk"))  # pywrangler adds it to the vendored set
    app = sum(p.stat().st_size for p in (ROOT / "src").rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    total = packages + sdk + app
    assert total < LIMIT_BYTES, f"{total / 2**20:.1f} MiB"
    mib = {k: f"{v / 2**20:.1f} MiB" for k, v in {"packages": packages, "runtime SDK": sdk, "src": app}.items()}
    print(f"\nbundle estimate: {mib}")


IMPORT_CHECK = r"""
import importlib.abc, json, os, random, re, secrets, socket, sqlite3, ssl, sys, uuid
from pathlib import Path

# The Worker refuses entropy and I/O before a request (its memory snapshot is taken after import),
# except inside the modules the runtime SDK patches for it (_workers_sdk_entropy_import_context:
# OpenTelemetry's keys, fastapi.telemetry, Rust packages' hash seeds, ...): the same allowance here.
sdk = Path(sys.argv[2]).read_text()
ALLOWED = set(re.findall(r'register_(?:exec|create)_patch\("([^"]+)"\)', sdk))
allowed = [0]

class Allow(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name not in ALLOWED:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is not None and spec.loader is not None:
                run = spec.loader.exec_module
                def exec_module(module, run=run):
                    allowed[0] += 1
                    try:
                        run(module)
                    finally:
                        allowed[0] -= 1
                spec.loader.exec_module = exec_module
                return spec
        return None

sys.meta_path.insert(0, Allow())


class NotVendored(importlib.abc.MetaPathFinder):
    # Installed here for development but not vendored into the Worker (httpx imports rich only
    # when it is there, for its CLI): absent, as on the Worker.

    blocked = set(json.loads(sys.argv[3]))

    def find_spec(self, name, path, target=None):
        if name.split(".")[0] in self.blocked:
            raise ModuleNotFoundError(f"No module named {name!r} (not vendored)", name=name)
        return None


sys.meta_path.insert(0, NotVendored())

def refuse(what, real):
    def call(*args, **kwargs):
        if allowed[0]:
            return real(*args, **kwargs)
        raise RuntimeError(f"{what} at import time")
    return call

os.urandom = refuse("os.urandom", os.urandom)
for name in ("random", "randint", "randrange", "choice", "shuffle", "getrandbits", "seed", "uniform"):
    setattr(random, name, refuse(f"random.{name}", getattr(random, name)))
uuid.uuid4 = refuse("uuid.uuid4", uuid.uuid4)
socket.socket.connect = refuse("a network connection", socket.socket.connect)
socket.create_connection = refuse("a network connection", socket.create_connection)
sqlite3.connect = refuse("a database connection", sqlite3.connect)
ssl.create_default_context = refuse("an SSL context (an HTTP client made at module level)", ssl.create_default_context)

src = Path(sys.argv[1])
sys.path.insert(0, str(src))
names = sorted(
    ".".join(p.relative_to(src).with_suffix("").parts).removesuffix(".__init__")
    for p in src.rglob("*.py") if "__pycache__" not in p.parts
)
for name in names:
    if name == "entry":  # imports the Worker runtime (workers, js), which exists only there
        continue
    __import__(name)
print(len(names))
"""


SDK_PATCHES = str(Path(md.distribution("workers-runtime-sdk").locate_file("_workers_sdk_entropy_import_context.py")))


def not_vendored() -> str:
    """Top-level modules of installed distributions outside the Worker's closure, as JSON."""
    shipped = set(closure()) | {"workers-runtime-sdk"}
    blocked = {top for top, dists in md.packages_distributions().items() if not {norm(d) for d in dists} & shipped}
    return json.dumps(sorted(blocked))


def test_nothing_at_import_time_needs_io_or_randomness():
    done = subprocess.run(
        [sys.executable, "-c", IMPORT_CHECK, str(ROOT / "src"), SDK_PATCHES, not_vendored()],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert int(done.stdout.strip()) > 50  # every module of the app was imported


@pytest.mark.parametrize("what", ["os.urandom", "a network connection"])
def test_the_import_check_catches_what_it_looks_for(tmp_path, what):
    (tmp_path / "bad.py").write_text(
        "import os\nos.urandom(8)\n" if what == "os.urandom" else "import socket\nsocket.create_connection(('x', 1))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", IMPORT_CHECK, str(tmp_path), SDK_PATCHES, "[]"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode != 0 and f"{what} at import time" in done.stderr

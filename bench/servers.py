"""Start the servers under test as subprocesses, wait for them, sign in, and always clean up."""

from __future__ import annotations

import base64
import http.client
import os
import re
import secrets
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

REPO = Path(__file__).resolve().parent.parent
BIN = REPO / ".venv" / "bin"
HOST = "127.0.0.1"

DEMO_EMAIL = "agent@porchlight.test"
DEMO_PASSWORD = "agent-demo-pass"
OWNER_EMAIL = "owner@porchlight.test"
OWNER_PASSWORD = "owner-demo-pass"
SESSION_COOKIE = "porchlight_session"  # development settings: no __Host- prefix
LOGIN_COOKIE = "porchlight_login"


class BenchSetupError(Exception):
    pass


def machine_busy_seconds() -> float:
    """CPU seconds all cores spent on anything but idle/iowait since boot (the first line of /proc/stat)."""
    user, nice, system, _idle, _iowait, irq, softirq, steal = (
        int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]
    )
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def app_environment(tmp: Path) -> dict[str, str]:
    """A throwaway database and fresh secrets, so the run never touches the developer's .data/."""
    env = dict(os.environ)
    env.update(
        PORCHLIGHT_DB=str(tmp / "bench.sqlite3"),
        PORCHLIGHT_ENV="development",
        ENCRYPTION_KEY=base64.b64encode(secrets.token_bytes(32)).decode(),
        WEBHOOK_SECRET=secrets.token_urlsafe(32),
    )
    return env


def prepare_database(env: dict[str, str]) -> None:
    for args in (["db", "migrate"], ["demo", "seed", "--people-only"]):  # a benchmark brings its own data
        done = subprocess.run([str(BIN / "porchlight"), *args], env=env, capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise BenchSetupError(f"porchlight {' '.join(args)} failed:\n{done.stdout}{done.stderr}")


@dataclass
class Server:
    name: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    def cpu_seconds(self) -> float:
        """User + system CPU of the server process (all its threads), from /proc."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def log_tail(self, lines: int = 20) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def start(name: str, argv: list[str], port: int, env: dict[str, str], tmp: Path) -> Server:
    # Logs go to a file, never a pipe: an undrained pipe would fill up and stall the server mid-run.
    log = tmp / f"{name}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(argv, env=env, cwd=REPO, stdout=out, stderr=subprocess.STDOUT)
    return Server(name, port, process, log)


def start_porchlight(env: dict[str, str], tmp: Path, name: str = "porchlight") -> Server:
    port = free_port()
    argv = [str(BIN / "porchlight"), "serve", "--host", HOST, "--port", str(port), "--no-cron"]
    return start(name, argv, port, env, tmp)


def start_hello(env: dict[str, str], tmp: Path) -> Server:
    return start_asgi("hello", "hello:app", env, tmp)


def start_asgi(name: str, app: str, env: dict[str, str], tmp: Path) -> Server:
    """Serve a baseline app from bench/ (`module:callable`) with uvicorn, as Porchlight is served.

    `porchlight serve` runs uvicorn with its auto loop (uvloop when installed) and auto HTTP parser
    (httptools), access log on, lifespan off and no proxy headers. A baseline is served exactly the
    same way, or the ratio would be unfair.
    """
    port = free_port()
    argv = [
        sys.executable,
        "-m",
        "uvicorn",
        "--app-dir",
        str(REPO / "bench"),
        "--host",
        HOST,
        "--port",
        str(port),
        "--loop",
        "auto",
        "--http",
        "auto",
        "--lifespan",
        "off",
        "--no-proxy-headers",
        "--log-level",
        "info",
        app,
    ]
    return start(name, argv, port, env, tmp)


def request(
    port: int,
    method: str,
    path: str,
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
    timeout_s: float = 10.0,
) -> http.client.HTTPResponse:
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout_s)
    conn.request(method, path, body=body, headers=headers or {})
    response = conn.getresponse()
    response.read()
    conn.close()
    return response


def wait_until_up(server: Server, path: str, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise BenchSetupError(f"{server.name} exited with {server.process.returncode}:\n{server.log_tail()}")
        try:
            if request(server.port, "GET", path).status == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise BenchSetupError(f"{server.name} did not answer {path} within {timeout_s:.0f}s:\n{server.log_tail()}")


def _cookie(response: http.client.HTTPResponse, name: str) -> str:
    jar: SimpleCookie = SimpleCookie()
    for header in response.headers.get_all("set-cookie") or []:
        jar.load(header)
    if name not in jar or not jar[name].value:
        raise BenchSetupError(f"response {response.status} did not set cookie {name}")
    return jar[name].value


def sign_in(port: int, email: str = DEMO_EMAIL, password: str = DEMO_PASSWORD) -> str:
    """Sign in through the real login form and return the session cookie value."""
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        conn.request("GET", "/login")
        form = conn.getresponse()
        html = form.read().decode()
        match = re.search(r'name="login_token" value="([^"]+)"', html)
        if form.status != 200 or match is None:
            raise BenchSetupError(f"GET /login answered {form.status} without a login_token field")
        body = urlencode({"email": email, "password": password, "login_token": match.group(1), "next": "/"})
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"{LOGIN_COOKIE}={_cookie(form, LOGIN_COOKIE)}",
        }
        conn.request("POST", "/login", body=body, headers=headers)
        answer = conn.getresponse()
        answer.read()
        if answer.status != 303:
            raise BenchSetupError(f"POST /login answered {answer.status}, expected 303")
        return _cookie(answer, SESSION_COOKIE)
    finally:
        conn.close()


def check_page(port: int, path: str, cookie: str | dict[str, str], timeout_s: float = 10.0) -> None:
    """The measured page must render for the signed-in user, not redirect to /login. COOKIE is the
    session cookie's value, or the request's headers."""
    headers = cookie if isinstance(cookie, dict) else {"Cookie": f"{SESSION_COOKIE}={cookie}"}
    response = request(port, "GET", path, headers, timeout_s=timeout_s)
    if response.status != 200:
        raise BenchSetupError(f"GET {path} with the session cookie answered {response.status}, expected 200")

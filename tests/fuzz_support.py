"""Schemathesis over /openapi.json against the real `porchlight serve`, as the owner, an agent and nobody.

`make fuzz` runs `python -m tests.fuzz_support` (50 examples per operation, or $FUZZ_EXAMPLES);
tests/app/test_fuzz.py runs the same with a few examples inside `make test`. The server is the one
`porchlight serve` a developer runs, over a throw-away database that `porchlight db migrate` and
`porchlight demo seed` prepared (tests/browser_support.live_server), so the fuzzer meets uvicorn's
parsing, the gate and the real storage. The bar is `not_a_server_error`: whatever a caller sends,
the answer is never a 5xx.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.browser_support import LiveServer, live_server, porchlight_command

# Who calls: the owner sees everything, an agent one office, and an anonymous caller only the
# public routes. The owner goes last, because an owner's fuzzed writes (users, offices) may change
# what the others could reach.
PERSONAS = (("anonymous", None), ("agent", "agent@porchlight.test"), ("owner", "owner@porchlight.test"))
CHECKS = "not_a_server_error"


@dataclass(frozen=True)
class Run:
    persona: str
    returncode: int
    output: str

    @property
    def summary(self) -> str:
        """Schemathesis's closing block (from its '===' summary rule on), or the tail of its output."""
        lines = self.output.splitlines()
        start = next((i for i, line in enumerate(lines) if "SUMMARY" in line), max(0, len(lines) - 30))
        return "\n".join(lines[start:])


def _token(server: LiveServer, env: dict[str, str], email: str) -> str:
    done = subprocess.run(
        [*porchlight_command(), "tokens", "create", "--email", email, "--name", "fuzz"],
        env={**env, "PORCHLIGHT_DB": str(server.db_path)},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return done.stdout.strip().splitlines()[-1]


def _seed(server: LiveServer, owner_token: str) -> dict[str, list]:
    """A lead, a customer with a contact, address, note, secure-access item, and the source tokens: real
    values the fuzzer mixes into path parameters, so operations reach past their 404 into the verbs."""
    secret = server.env["WEBHOOK_SECRET"]
    with httpx.Client(base_url=server.base_url, timeout=30, headers={"authorization": f"Bearer {owner_token}"}) as http:
        offices = http.get("/api/offices").json()
        garage = next(o["id"] for o in offices if o["name"] == "Garage")
        lead = http.post(
            "/webhook/leads",
            json={"full_name": "Fuzz Lead", "phone": "3055550101", "office": "Garage", "zip": "10001"},
            headers={"x-webhook-secret": secret},
        ).json()["lead_id"]
        customer = http.post(
            "/api/customers",
            json={
                "name": "Fuzz Customer",
                "office_id": garage,
                "contact": {"name": "Fuzz Contact", "phone": "3055550102"},
            },
        ).json()["id"]
        http.post(f"/api/customers/{customer}/notes", json={"text": "Gate code 1234", "pinned": True})
        http.post(f"/api/customers/{customer}/addresses", json={"kind": "site", "line1": "12 Elm St", "zip": "10001"})
        http.post(f"/api/customers/{customer}/secure-access", json={"label": "WiFi", "secret": "hunter2"})
        record = http.get(f"/api/customers/{customer}").json()
        sources = http.get("/api/sources").json()
    ids = {o["id"] for o in offices}
    for key in ("contacts", "addresses", "notes"):
        ids |= {item["id"] for item in record.get(key, []) if isinstance(item.get("id"), int)}
    return {
        "display_ids": [lead, customer],
        "ids": sorted(ids),
        "tokens": [s["webhook_token"] for s in sources if s.get("webhook_token")][:3],
        "keys": [s["key"] for s in sources][:5],
    }


def _config(path: Path, server: LiveServer, seeded: dict[str, list]) -> Path:
    """schemathesis.toml for this run: the webhook secret as sent by a partner, and the seeded values
    offered for path parameters half of the time (the other half stays random)."""
    lines = [f'[parameters]\n"header.x-webhook-secret" = {json.dumps(server.env["WEBHOOK_SECRET"])}']
    bindings = {"display_id": "display_ids", "token": "tokens", "key": "keys"}
    bindings |= {name: "ids" for name in ("office_id", "contact_id", "address_id", "note_id", "item_id", "file_id")}
    bindings |= {"photo_id": "ids", "user_id": "ids", "token_id": "ids"}
    for name, dictionary in bindings.items():
        lines.append(f'"path.{name}" = {{ dictionary = "{dictionary}", probability = 0.5 }}')
    for name, values in seeded.items():
        lines.append(f"[dictionaries.{name}]\nvalues = {json.dumps(values or ['none'])}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _schemathesis() -> list[str]:
    script = Path(sys.executable).parent / "st"
    return [str(script)] if script.exists() else [sys.executable, "-m", "schemathesis.cli"]


def server_errors(log: str) -> list[str]:
    """The tracebacks in a server log: what each 500 was, for whoever fixes it."""
    blocks, current = [], []
    for line in log.splitlines():
        if line.startswith(("ERROR:", "Traceback")) or (current and not line.startswith(("INFO:", "WARNING:"))):
            current.append(line)
            continue
        if current:
            blocks.append("\n".join(current))
            current = []
    if current:
        blocks.append("\n".join(current))
    return [b for b in blocks if "Traceback" in b]


def run(examples: int, workdir: Path, personas: tuple[str, ...] = (), phases: str = "") -> tuple[list[Run], list[str]]:
    """Fuzz every operation EXAMPLES times per persona: one Run per persona, and the server's tracebacks.
    PHASES narrows schemathesis's phases (e.g. "examples,fuzzing" skips the boundary-value sweep)."""
    runs = []
    with live_server(workdir) as server:
        env = {**os.environ, **server.env, "NO_COLOR": "1"}
        config = _config(
            workdir / "schemathesis.toml", server, _seed(server, _token(server, env, PERSONAS[-1][1] or ""))
        )
        for persona, email in PERSONAS:
            if personas and persona not in personas:
                continue
            headers = ["-H", f"Authorization: Bearer {_token(server, env, email)}"] if email else []
            command = [
                *_schemathesis(),
                "--config-file",
                str(config),
                "run",
                server.url("/openapi.json"),
                "--checks",
                CHECKS,
                "--max-examples",
                str(examples),
                "--workers",
                "1",  # two workers met a CPython race in schemathesis's own schema compiler (a SystemError)
                "--seed",
                os.environ.get("FUZZ_SEED", "20261206"),
                "--suppress-health-check",
                "all",
                "--request-timeout",
                "30",
                "--no-color",
                *(["--phases", phases] if phases else []),
                *headers,
            ]
            done = subprocess.run(command, env=env, cwd=workdir, capture_output=True, text=True, check=False)
            runs.append(Run(persona, done.returncode, done.stdout + done.stderr))
        tracebacks = server_errors(server.log_path.read_text(encoding="utf-8", errors="replace"))
    return runs, tracebacks


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--examples", type=int, default=int(os.environ.get("FUZZ_EXAMPLES", "50")))
    p.add_argument("--persona", action="append", default=[], choices=[name for name, _ in PERSONAS])
    p.add_argument("--log", type=Path, help="also write each persona's whole schemathesis output here")
    args = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="porchlight-fuzz-") as tmp:
        runs, tracebacks = run(args.examples, Path(tmp), tuple(args.persona))
        failed = [r.persona for r in runs if r.returncode != 0]
        for block in tracebacks:
            print(f"\n##### server traceback\n{block}")
        for r in runs:
            print(f"\n##### {r.persona}: schemathesis exited {r.returncode}\n{r.summary}")
            if args.log:
                with args.log.open("a", encoding="utf-8") as log:
                    log.write(f"\n##### {r.persona}\n{r.output}")
        verdict = f"FAILED for {', '.join(failed)}" if failed else "no server errors"
        print(f"\nfuzz: {args.examples} examples per operation; {verdict}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()

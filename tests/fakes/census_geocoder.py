"""A fake US Census Bureau geocoder: a real HTTP server on 127.0.0.1 speaking the public API's wire format.

`GET /geocoder/locations/onelineaddress?address=…&benchmark=…&format=json` answers as the Census
service does: `{"result": {"input": {"address": {"address": …}, "benchmark": {…}}, "addressMatches":
[{"matchedAddress", "coordinates": {"x": lng, "y": lat}, "tigerLine": {…}, "addressComponents": {…}}]}}`
with an empty `addressMatches` list for an address it cannot place. A missing address or an unknown
benchmark is a 400 with `{"errors": [...], "status": "400"}`; `format` other than json is refused the
same way (the real service would answer HTML). `fail_with` makes every call answer that status
(a 502 from the service's load balancer, say) with an HTML body. Every request is recorded.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

BENCHMARKS = {"Public_AR_Current": "4", "Public_AR_ACS2024": "8", "4": "4", "8": "8"}

# One-line address (upper-cased, commas and spaces squeezed) → (matched, lng, lat, components).
KNOWN: dict[str, tuple[str, float, float, dict[str, str]]] = {
    "1600 PENNSYLVANIA AVE NW, WASHINGTON, DC 20500": (
        "1600 PENNSYLVANIA AVE NW, WASHINGTON, DC, 20500",
        -77.03535,
        38.898754,
        {
            "zip": "20500",
            "streetName": "PENNSYLVANIA",
            "city": "WASHINGTON",
            "state": "DC",
            "suffixType": "AVE",
            "suffixDirection": "NW",
            "fromAddress": "1600",
            "toAddress": "1698",
            "preType": "",
            "preDirection": "",
            "suffixQualifier": "",
            "preQualifier": "",
        },
    ),
    "3401 N MIAMI AVE, MIAMI, FL 33127": (
        "3401 N MIAMI AVE, MIAMI, FL, 33127",
        -80.19571,
        25.80966,
        {
            "zip": "33127",
            "streetName": "MIAMI",
            "city": "MIAMI",
            "state": "FL",
            "suffixType": "AVE",
            "suffixDirection": "",
            "fromAddress": "3401",
            "toAddress": "3499",
            "preType": "",
            "preDirection": "N",
            "suffixQualifier": "",
            "preQualifier": "",
        },
    ),
}


def _key(address: str) -> str:
    return " ".join(address.upper().replace(",", ", ").split()).replace(" ,", ",")


@dataclass
class FakeCensusGeocoder:
    fail_with: int | None = None
    requests: list[dict[str, Any]] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def answer(self, path: str, query: dict[str, list[str]]) -> tuple[int, str, str]:
        if self.fail_with:
            return self.fail_with, "text/html", "<html><body>Bad Gateway</body></html>"
        if path != "/geocoder/locations/onelineaddress":
            return 404, "text/html", "<html><body>Not Found</body></html>"
        address = (query.get("address") or [""])[0]
        benchmark = (query.get("benchmark") or [""])[0]
        errors = []
        if not address.strip():
            errors.append("Address cannot be empty and cannot exceed 100 characters")
        if benchmark not in BENCHMARKS:
            errors.append("Invalid Benchmark")
        if (query.get("format") or [""])[0] != "json":
            errors.append("Invalid format: only json is served by this fake")
        if errors:
            return 400, "application/json", json.dumps({"errors": errors, "status": "400"})
        found = KNOWN.get(_key(address))
        matches = []
        if found:
            matched, lng, lat, parts = found
            matches.append(
                {
                    "tigerLine": {"side": "L", "tigerLineId": "76225813"},
                    "coordinates": {"x": lng, "y": lat},
                    "addressComponents": parts,
                    "matchedAddress": matched,
                }
            )
        body = {
            "result": {
                "input": {
                    "address": {"address": address},
                    "benchmark": {
                        "isDefault": True,
                        "benchmarkDescription": "Public Address Ranges - Current Benchmark",
                        "id": BENCHMARKS[benchmark],
                        "benchmarkName": "Public_AR_Current",
                    },
                },
                "addressMatches": matches,
            }
        }
        return 200, "application/json", json.dumps(body)

    def start(self) -> FakeCensusGeocoder:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parsed = urlparse(self.path)
                query = parse_qs(parsed.query, keep_blank_values=True)
                fake.requests.append({"path": parsed.path, "query": query})
                status, kind, body = fake.answer(parsed.path, query)
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

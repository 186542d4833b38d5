"""The webhook secret and source tokens never reach a log line (issue 16, item 7).

The real `porchlight serve` runs in a subprocess with its log captured, exactly as an operator runs
it; each documented way of sending the secret (docs/webhooks.md) is used, and the whole log is then
searched for the secret and the token.
"""

from __future__ import annotations

import io
import logging
import sqlite3
import time

import httpx

from core import log_redaction
from tests.browser_support import live_server


def _token(db_path, key: str) -> str:
    conn = sqlite3.connect(str(db_path))
    try:
        return conn.execute("SELECT webhook_token FROM lead_sources WHERE key = ?", (key,)).fetchone()[0]
    finally:
        conn.close()


def test_the_served_log_never_holds_the_secret_or_a_source_token(tmp_path):
    lead = {"full_name": "Logan Log", "phone": "3055550150"}
    with live_server(tmp_path / "server") as server:
        secret = server.env["WEBHOOK_SECRET"]
        token = _token(server.db_path, "google")
        with httpx.Client(base_url=server.base_url, timeout=10) as http:
            answers = [
                http.post("/webhook/leads", params={"secret": secret}, json=lead),  # documented: ?secret=
                http.post("/webhook/leads", params={"source": "angi", "secret": secret}, json=lead),
                http.post("/webhook/facebook", params={"secret": secret}, json=lead),
                http.post("/webhook/leads", headers={"x-webhook-secret": secret}, json=lead),  # documented: header
                http.post(f"/webhook/s/{token}", json=lead),  # documented: the source's own URL
                http.post(f"/webhook/s/{token}?secret={secret}", data=lead),
                http.post("/webhook/leads", data={**lead, "secret": secret}),  # a form field is not a way in (401)
                http.post("/webhook/leads", params={"secret": secret + "x"}, json=lead),  # a near miss (401)
                http.get(f"/webhook/s/{token}"),  # wrong method (405)
            ]
        assert [a.status_code for a in answers] == [200, 200, 200, 200, 200, 200, 401, 401, 405]
        time.sleep(0.5)  # let the last access lines reach the file
        log = server.log_path.read_text(encoding="utf-8", errors="replace")
    assert "POST /webhook/leads?secret=[redacted]" in log  # the access log still says what happened
    assert "/webhook/s/[redacted]" in log
    assert secret not in log
    assert secret[:12] not in log
    assert token not in log


def test_an_error_report_is_redacted_too():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger = logging.getLogger("test_log_redaction.errors")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        log_redaction.install()
        try:
            raise RuntimeError("failed on /webhook/s/abc123token?secret=s3cr3tvalue&x=1")
        except RuntimeError:
            logger.exception("Exception in ASGI application for %s", "/webhook/leads?secret=s3cr3tvalue")
    finally:
        logger.removeHandler(handler)
    text = stream.getvalue()
    assert "RuntimeError" in text and "[redacted]" in text
    assert "s3cr3tvalue" not in text and "abc123token" not in text
    assert "&x=1" in text  # the rest of the line is kept


def test_redact_leaves_ordinary_lines_alone():
    line = '127.0.0.1:5000 - "GET /leads?status=fresh&page=2 HTTP/1.1" 200'
    assert log_redaction.redact(line) == line
    assert log_redaction.redact("/quickbooks/callback?code=abc&state=def&realmId=1") == (
        "/quickbooks/callback?code=[redacted]&state=[redacted]&realmId=1"
    )

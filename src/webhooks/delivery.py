"""Delivery (WHO-8, WHO-24, WHO-25, WHO-26): the fan-out of an event into one outbox row per
(event, destination), and the signed POST of each.

The events are rows the changes write in their own batches (`lead_events`, `job_events`); the
minute tick's feeds (`leads_feed`, `jobs_feed`) read them past a guarded cursor, build the
Workiz-shaped payload once, and write — in the batch that moves the cursor — one `webhook` outbox row
per enabled destination whose filters match (`fan_statements`), with a deterministic id
(`msg_wh<event>_<endpoint>`) inserted OR IGNOREd: a page handled twice adds nothing. That id is the
`webhook-id` header, so Redeliver keeps it.

`webhook` rows carry the exact body (the Timeline shows it; a redelivery resends it). At send the URL
passes the SSRF guard again (DNS resolved afresh), then one POST, 15 s, redirects not followed:
2xx delivered; 410 failed and the endpoint disabled; 429/5xx/timeouts retried on the outbox's
schedule (a `Retry-After` pushes the next attempt later); any other answer (3xx, 4xx) failed. A
failure after the last attempt is a dead letter: an audit row `webhook.dead_letter` and the red
notice on the Webhooks page (owner). Each destination is its own row: a broken fan-out never
delays the main URL.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from core import outbound, outbox, records
from core.clock import iso
from core.storage import Row, Statement, q
from core.vault import KeyRing
from webhooks import endpoints, payload

KIND = "webhook"
TIMEOUT = 15.0
MAX_RETRY_AFTER = 24 * 3600
KEPT = timedelta(days=30)  # the delivery log (WHO-23)


def message_id(event_id: str, endpoint_id: int) -> str:
    return f"msg_wh{event_id.split('_', 1)[-1]}_{endpoint_id}"


def sign(secret: str, msg_id: str, timestamp: int, body: str) -> str:
    """Standard Webhooks: `v1,` + base64 HMAC-SHA256 over `id.timestamp.body` with the secret's bytes."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    digest = hmac.new(key, f"{msg_id}.{timestamp}.{body}".encode(), hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def _still_ours(row: Row) -> Statement:
    """Stop the handler's own statements when this attempt's outcome was not recorded (another worker
    took the row after our lease ran out): counters and logs are written once per recorded outcome."""
    return records.guard(
        "(SELECT lease_owner IS NULL AND attempts = ? FROM outbox WHERE id = ?)", row["attempts"], row["id"]
    )


def _day(now: datetime) -> str:
    return iso(now)[:10]


def _count(now: datetime, event: str, endpoint_id: int, column: str) -> Statement:
    assert column in ("fired", "delivered", "failed")
    return q(
        f"INSERT INTO webhook_daily (day, event, endpoint_id, {column}) VALUES (?, ?, ?, 1)"
        f" ON CONFLICT (day, event, endpoint_id) DO UPDATE SET {column} = {column} + 1",
        _day(now),
        event,
        endpoint_id,
    )


# --- fan-out -------------------------------------------------------------------------------------


async def _enabled(bindings: Any, event: str, memo: dict[str, list[Row]] | None = None) -> list[Row]:
    """The event's enabled endpoints, read once per drain, or once per feed tick with its MEMO (a
    burst of leads reads them once)."""
    if memo is None:
        return await outbox.remembered(("webhook_endpoints", event), lambda: endpoints.for_event(bindings.db, event))
    if event not in memo:
        memo[event] = await endpoints.for_event(bindings.db, event)
    return memo[event]


async def fan_statements(
    bindings: Any,
    now: datetime,
    event: str,
    event_id: str,
    values: dict[str, str],
    facts: dict[str, Any],
    memo: dict[str, list[Row]] | None = None,
) -> list[Statement]:
    """The event's counter and one outbox row + log row per enabled destination whose filters match."""
    statements = [_count(now, event, 0, "fired")]
    for endpoint in await _enabled(bindings, event, memo):
        if endpoint["kind"] == "fanout" and not payload.matches(json.loads(endpoint["filters"]), facts):
            continue
        statements += _one(now, event, event_id, endpoint, values)
    return statements


def _one(now: datetime, event: str, event_id: str, endpoint: Row, values: dict[str, str]) -> list[Statement]:
    content_type, body, headers = payload.build(endpoint, values)
    mid = message_id(event_id, endpoint["id"])
    message = {
        "endpoint_id": endpoint["id"],
        "event": event,
        "event_id": event_id,
        "url": endpoint["url"],
        "content_type": content_type,
        "body": body,
        "headers": headers,
        "summary": f"{event} → {endpoint['url']}",
    }
    _, insert = outbox.enqueue(KIND, message, now=iso(now), message_id=mid, if_new=True)
    return [
        insert,
        q(
            "INSERT OR IGNORE INTO webhook_deliveries (id, event_id, event, endpoint_id, url, content_type, body,"
            " status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)",
            mid,
            event_id,
            event,
            endpoint["id"],
            endpoint["url"],
            content_type,
            body,
            iso(now),
            iso(now),
        ),
    ]


# --- the signed POST -----------------------------------------------------------------------------


def _retry_after(answer: httpx.Response, now: datetime) -> int | None:
    value = answer.headers.get("retry-after")
    if not value:
        return None
    try:
        seconds = int(value)
    except ValueError:
        try:
            seconds = int((parsedate_to_datetime(value) - now).total_seconds())
        except (TypeError, ValueError):
            return None
    return max(0, min(seconds, MAX_RETRY_AFTER))


def _logged(row: Row, now: datetime, status: str, http_status: int | None, error: str | None) -> list[Statement]:
    data = row["payload"]
    rows = [
        _still_ours(row),
        q(
            "UPDATE webhook_deliveries SET status = ?, http_status = ?, error = ?, updated_at = ? WHERE id = ?",
            status,
            http_status,
            (error or "")[:300] or None,
            iso(now),
            row["id"],
        ),
    ]
    if status in ("delivered", "failed", "dead"):
        rows.append(
            _count(now, data["event"], int(data["endpoint_id"]), "delivered" if status == "delivered" else "failed")
        )
    if status == "dead":
        rows.append(
            records.audit(
                now,
                records.SYSTEM,
                "webhook.dead_letter",
                f"Webhook {row['id']} ({data['event']}) to {data['url']} failed {row['attempts']} times"
                f" and was given up: {error}",
                meta={"outbox": row["id"], "endpoint": data["endpoint_id"]},
            )
        )
    return rows


async def _endpoint(bindings: Any, endpoint_id: int) -> Row | None:
    return await outbox.remembered(("webhook_endpoint", endpoint_id), lambda: endpoints.get(bindings.db, endpoint_id))


async def deliver(bindings: Any, row: Row) -> outbox.Result:
    data, now = row["payload"], bindings.clock.now()
    last = outbox.is_last_attempt(row)
    endpoint = await _endpoint(bindings, int(data["endpoint_id"]))
    if endpoint is None or not endpoint["enabled"]:
        why = "the endpoint was removed" if endpoint is None else "the endpoint is disabled"
        return outbox.failed(why, _logged(row, now, "failed", None, why))
    url = endpoint["url"]  # the endpoint's current URL (an owner may have fixed a typo since)
    try:
        outbound.check_user_url(url, production=bindings.settings.production, allow_hosts=bindings.outbound_allow)
    except outbound.BlockedDestination as exc:
        return outbox.failed(f"blocked: {exc}", _logged(row, now, "failed", None, f"blocked: {exc}"))
    ring = KeyRing.from_settings(bindings.settings)
    timestamp = int(now.timestamp())
    body = str(data["body"])
    headers = {
        "content-type": str(data["content_type"]),
        "webhook-id": row["id"],
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(endpoints.secret_of(ring, endpoint), row["id"], timestamp, body),
    }
    auth = endpoints.basic_auth_of(ring, endpoint)
    if auth:
        headers["authorization"] = "Basic " + base64.b64encode(auth.encode()).decode("ascii")
    for name, value in data.get("headers") or []:
        headers[name] = value
    try:
        async with outbox.http_client(bindings) as http:
            answer = await http.post(
                url, content=body.encode(), headers=headers, timeout=TIMEOUT, follow_redirects=False
            )
    except httpx.TimeoutException:
        return _again(row, now, last, None, f"timed out after {TIMEOUT:g} s")
    except httpx.HTTPError as exc:
        return _again(row, now, last, None, f"{type(exc).__name__}: {exc}")
    status = answer.status_code
    said = f"{status} {answer.text[:200]}".strip()
    if 200 <= status < 300:
        return outbox.delivered(str(status), _logged(row, now, "delivered", status, None))
    if status == 410:
        gone = [*_logged(row, now, "failed", status, said), *endpoints.disabled_by_gone(endpoint["id"], now, status)]
        return outbox.failed(said, gone)
    if status in (408, 429) or status >= 500:
        return _again(row, now, last, status, said, _retry_after(answer, now) if status in (429, 503) else None)
    return outbox.failed(said, _logged(row, now, "failed", status, said))  # 3xx (never followed) and other 4xx


def _again(
    row: Row, now: datetime, last: bool, status: int | None, error: str, wait: int | None = None
) -> outbox.Result:
    if last:
        return outbox.retry(error, _logged(row, now, "dead", status, error))
    rows = _logged(row, now, "retrying", status, error)
    if wait:
        rows.append(outbox.not_before(row["id"], iso(now + timedelta(seconds=wait))))
    return outbox.retry(error, rows)


def register() -> None:
    outbox.register(KIND, deliver)


register()


async def purge(bindings: Any, now: datetime) -> dict[str, int]:
    """Housekeeping: the raw delivery log older than 30 days goes (the daily counters stay, WHO-23)."""
    result = await bindings.db.run("DELETE FROM webhook_deliveries WHERE created_at < ?", iso(now - KEPT))
    return {"webhook_deliveries_purged": int(result.changes or 0)}

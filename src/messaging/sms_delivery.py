"""Delivering a queued text: the outbox's `sms` kind (X-11, SMS-13, STOP-3, STOP-9, NUM-3/4).

At send time the questions are asked again — a number may opt out, or a line turn no-reply, while
its text waits — and a refusal fails the message at once with the reason ("Recipient … has opted out
of SMS"), never retried. The provider's answer decides the rest: accepted → `sent` (the development
provider's → `delivered` at once, it has no callbacks); 5xx, 429 or a timeout → retried on the
outbox's schedule (the message stays `queued`); any other 4xx → `failed` with the provider's text.
A message no longer `queued` (sent by an earlier attempt whose answer was lost) is not sent again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from core import devmail, outbox
from core.bindings import Bindings
from core.sms_gateway import Outgoing
from core.storage import Row
from messaging import consent, lines, media, threads
from messaging.sms import KIND


@dataclass(frozen=True)
class Outcome:
    result: str  # "delivered" | "retry" | "failed"
    provider_ref: str = ""
    error: str = ""
    sent: Outgoing | None = None  # what went to the provider (for the development capture)


def _media_urls(b: Bindings, uid: str, items: list[dict]) -> tuple[str, ...]:
    base = b.sms.public_url
    if not base:
        return ()
    secret = b.settings.webhook_secret.reveal()
    return tuple(
        f"{base}/sms/media/{uid}/{i}?sig={media.signature(secret, uid, i)}"
        for i, item in enumerate(items)
        if item.get("key")
    )


async def send_queued(b: Bindings, uid: str) -> Outcome:
    now = b.clock.now()
    message = await threads.message_by_uid(b.db, uid)
    if message is None:
        return Outcome("failed", error=f"No text {uid} to send.")
    if message["status"] != "queued":
        return Outcome("delivered", message["provider_ref"] or "", "")  # already handed over
    line = await lines.by_id(b.db, message["line_id"])
    why = lines.refusal(line) or await consent.refusal(
        b.db, message["their_number"], message["origin"], now, queued_at=message["created_at"]
    )
    if why:
        await b.db.batch(threads.set_status(now, uid, "failed", error=why))
        return Outcome("failed", error=why)
    items = json.loads(message["media"] or "[]")
    callback = f"{b.sms.public_url}/webhook/sms/{b.sms.name}/status" if b.sms.public_url and b.sms.name != "dev" else ""
    outgoing = Outgoing(message["their_number"], line["number"], message["body"], _media_urls(b, uid, items), callback)
    async with outbox.http_client(b) as http:  # the drain's shared client
        answer = await b.sms.send(http, outgoing)
    if answer.outcome == "sent":
        final = "delivered" if b.sms.name == "dev" else "sent"
        await b.db.batch(threads.set_status(now, uid, final, provider_ref=answer.provider_ref))
        return Outcome("delivered", answer.provider_ref, sent=outgoing)
    if answer.outcome == "failed":
        await b.db.batch(threads.set_status(now, uid, "failed", error=answer.error))
        return Outcome("failed", error=answer.error)
    return Outcome("retry", error=answer.error)


async def deliver(bindings: Bindings, row: Row) -> outbox.Result:
    """The outbox's handler for `sms` rows (registered below, at import)."""
    uid = str(row["payload"].get("uid", ""))
    done = await send_queued(bindings, uid)
    if done.result == "delivered":
        captured = []
        if bindings.sms.name == "dev" and done.sent is not None:  # the Development mailbox shows it too
            captured.append(
                devmail.capture(
                    bindings.clock.now(),
                    str(row["id"]),
                    channel="sms",
                    office_id=row.get("office_id"),
                    sender=done.sent.from_,
                    recipient=done.sent.to,
                    body=done.sent.body,
                    headers={"media": list(done.sent.media_urls)} if done.sent.media_urls else None,
                )
            )
        return outbox.delivered(done.provider_ref or None, captured)
    if done.result == "failed":
        return outbox.failed(done.error)
    if outbox.is_last_attempt(row):  # the row goes dead: the thread shows the text failed, with why
        return outbox.retry(done.error, threads.set_status(bindings.clock.now(), uid, "failed", error=done.error))
    return outbox.retry(done.error)


outbox.register(KIND, deliver)

"""SMS test helpers: lines in the two persona offices, a Twilio fake bound as the provider, signed
webhook posts and a lead to match (issue 21)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from core import outbox
from core.bindings import Bindings
from core.records import SYSTEM
from core.sms_gateway import TwilioGateway
from leads import actions as lead_actions
from leads import sources as lead_sources
from messaging import lines, sms_delivery
from tests.fakes.sms_providers import TWILIO_SID, TWILIO_TOKEN, FakeTwilio

PUBLIC = "https://crm.example"
LINE_A = "+12125550100"  # Garage (office A), New York
LINE_B = "+13105550100"  # Sliding (office B), Los Angeles
TOLL_FREE = "+18885550100"  # office A
NO_REPLY = "+12125550199"  # office A, no-reply
NOBODYS = "+16175550100"  # no office: owner only
CUSTOMER = "+13125550123"  # Chicago
assert sms_delivery.KIND == "sms"  # the import registers the outbox handler


@dataclass
class Lines:
    a: dict
    b: dict
    toll_free: dict
    no_reply: dict
    nobodys: dict


async def make_lines(bindings: Bindings, people: Any) -> Lines:
    db, now = bindings.db, bindings.clock.now()
    await db.batch(
        [
            lines.upsert(now, n, label, "twilio", f"PN{n[2:]}")
            for n, label in (
                (LINE_A, "Main"),
                (LINE_B, "West"),
                (TOLL_FREE, "Toll-free"),
                (NO_REPLY, "Ads forwarding"),
                (NOBODYS, "Spare"),
            )
        ]
    )
    found = {r["number"]: r for r in await lines.all_lines(db)}
    for number, office, no_reply in (
        (LINE_A, people.office_a.id, False),
        (LINE_B, people.office_b.id, False),
        (TOLL_FREE, people.office_a.id, False),
        (NO_REPLY, people.office_a.id, True),
    ):
        await lines.configure(db, now, SYSTEM, found[number]["id"], office, no_reply, "")
    await lines.choose_sender(db, now, SYSTEM, people.office_a.id, found[LINE_A]["id"])
    await lines.choose_sender(db, now, SYSTEM, people.office_b.id, found[LINE_B]["id"])
    fresh = {r["number"]: r for r in await lines.all_lines(db)}
    return Lines(fresh[LINE_A], fresh[LINE_B], fresh[TOLL_FREE], fresh[NO_REPLY], fresh[NOBODYS])


def use_twilio(bindings: Bindings, fake: FakeTwilio) -> TwilioGateway:
    bindings.sms = TwilioGateway(TWILIO_SID, TWILIO_TOKEN, fake.url, PUBLIC)
    return bindings.sms


_counter = iter(range(10**6))


async def text_in(
    client: httpx.AsyncClient, frm: str, to: str, body: str, sid: str | None = None, *, signature: str | None = None
) -> httpx.Response:
    """Post an inbound text as Twilio would: a signed form."""
    form = {
        "MessageSid": sid or f"SMin{next(_counter):030d}",
        "AccountSid": TWILIO_SID,
        "From": frm,
        "To": to,
        "Body": body,
        "NumMedia": "0",
    }
    sign = signature if signature is not None else FakeTwilio.sign(f"{PUBLIC}/webhook/sms/twilio", form)
    return await client.post("/webhook/sms/twilio", data=form, headers={"X-Twilio-Signature": sign})


async def status_in(client: httpx.AsyncClient, sid: str, status: str, error_code: str = "") -> httpx.Response:
    form = {"MessageSid": sid, "MessageStatus": status, "AccountSid": TWILIO_SID}
    if error_code:
        form["ErrorCode"] = error_code
    sign = FakeTwilio.sign(f"{PUBLIC}/webhook/sms/twilio/status", form)
    return await client.post("/webhook/sms/twilio/status", data=form, headers={"X-Twilio-Signature": sign})


async def make_lead(bindings: Bindings, user: Any, office: Any, name: str, phone: str, zip_code: str = "") -> str:
    source = await lead_sources.by_key(bindings.db, "manual")
    values = {"full_name": name, "phone": phone, **({"zip": zip_code} if zip_code else {})}
    return await lead_actions.create_lead(bindings.db, bindings.clock.now(), user, values, office, source)


async def drain(bindings: Bindings) -> dict[str, int]:
    return await outbox.drain(bindings, kinds=["sms"])


async def rows(bindings: Bindings, sql: str, *params: Any) -> list[dict]:
    return await bindings.db.all(sql, *params)

"""A customer's booking through an embed: what they may send, the widget's own limits, and the hand-off
to intake (seed 002 "What happens on submit").

A booking is a lead: `intake.receive` stores it (source `online_booking`, the embed's office, the
requested window and tracking in its notes) durably and exactly once — a resent form carries the
same submission id, used as the idempotency key. Before that, per-embed and per-IP counters in the
database refuse floods that stay under intake's per-source limit. Test mode and the honeypot return
what a real booking would, and store nothing at all (not even a counter).
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field
from datetime import datetime

from accounts import offices
from booking import slots as booking_slots
from booking.embeds import Embed
from booking.slots import Window
from core import phones, throttle
from core.inputs import parse_int
from core.storage import Database
from core.text import clean_text
from leads import intake
from leads import sources as lead_sources
from leads.intake import Delivery

HONEYPOT = "website_url"
TRACKING_KEYS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "gclid", "fbclid")
PER_EMBED = throttle.Window(limit=60, seconds=3600)
PER_IP = throttle.Window(limit=8, seconds=3600)
FIELDS = {"first_name": 80, "last_name": 80, "phone": 40, "email": 254, "address": 300}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_SUBMISSION = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


@dataclass(frozen=True)
class Answer:
    status: str  # invalid | honeypot | test | created | duplicate | quarantined | rate_limited
    errors: dict[str, str] = field(default_factory=dict)
    window: Window | None = None
    lead_id: str | None = None
    retry_after: int | None = None

    @property
    def accepted(self) -> bool:
        """What the customer is told: everything but a mistake to fix or a refusal looks like success."""
        return self.status not in ("invalid", "rate_limited")


def clean(form: dict[str, object]) -> dict[str, str]:
    return {k: clean_text(form.get(k), limit) for k, limit in FIELDS.items()}


def check(embed: Embed, form: dict[str, object], now: datetime) -> tuple[dict[str, str], Window | None, str]:
    """(errors by field, the chosen window, the chosen service's name)."""
    values = clean(form)
    errors: dict[str, str] = {}
    service = ""
    if embed.services:
        choice = str(form.get("service") or "")
        number = parse_int(choice)
        if number is not None and 1 <= number <= len(embed.services):
            service = embed.services[number - 1].name
        else:
            errors["service"] = "Choose a service."
    day, hour = str(form.get("day") or "")[:10], str(form.get("hour") or "")[:2]
    window = booking_slots.find(f"{day}T{hour}", embed.zone, now, embed.open_hour, embed.close_hour)
    if window is None:
        errors["window"] = (
            "That time is no longer available. Please pick another." if day and hour else "Pick a day and a time."
        )
    if not values["first_name"]:
        errors["first_name"] = "Tell us your first name."
    phone = phones.normalize(values["phone"])
    if not values["phone"]:
        errors["phone"] = "We need a phone number to confirm your appointment."
    elif not (phone.e164 and phone.e164.startswith("+1")):
        errors["phone"] = "Enter a 10-digit US phone number, e.g. (305) 555-0142."
    if values["email"] and not _EMAIL.match(values["email"]):
        errors["email"] = "That email address doesn't look right."
    return errors, window, service


def day_label(window: Window) -> str:
    return window.day.strftime("%A, %b ") + str(window.day.day)


def notes(embed: Embed, window: Window, service: str, tracking: dict[str, str]) -> str:
    price = next((s.price for s in embed.services if s.name == service and s.price), "")
    lines = [
        f"Requested window: {day_label(window)}, {window.label} ({embed.time_zone})",
        *([f"Service: {service}" + (f" ({price})" if price else "")] if service else []),
        f"Booked online through “{embed.name}” (/book/{embed.slug})",
    ]
    tracked = [f"{k}: {v}" for k, v in tracking.items() if v]
    return "\n".join(lines) + ("\n\nTracking\n" + "\n".join(tracked) if tracked else "")


def tracking_of(form: dict[str, object]) -> dict[str, str]:
    found = {k: clean_text(form.get(k), 200) for k in TRACKING_KEYS}
    found["referrer"] = clean_text(form.get("referrer"), 500)
    return {k: v for k, v in found.items() if v}


async def _over_limit(db: Database, embed: Embed, ip: str | None, now: datetime) -> int | None:
    """Count this booking against the embed and the sender's address; seconds to wait when over."""
    statements = [throttle.hit(f"booking:embed:{embed.id}", PER_EMBED, now)]
    if ip:
        statements.append(throttle.hit(f"booking:ip:{ip}", PER_IP, now))
    results = await db.batch(statements)
    waits = [
        window.retry_after(now)
        for window, result in zip((PER_EMBED, PER_IP), results, strict=False)
        if int(result.rows[0]["count"]) > window.limit
    ]
    return max(waits) if waits else None


async def book(
    db: Database,
    now: datetime,
    embed: Embed,
    form: dict[str, object],
    *,
    raw: str,
    content_type: str,
    ip: str | None,
    test: bool,
    idempotency_key: str | None = None,
) -> Answer:
    """One submitted booking form → a lead (or the reason it is not one)."""
    if form.get(HONEYPOT):  # a bot filled the field people cannot see: look pleased, keep nothing
        return Answer("honeypot")
    errors, window, service = check(embed, form, now)
    if errors or window is None:
        return Answer("invalid", errors)
    if test:
        return Answer("test", window=window)
    wait = await _over_limit(db, embed, ip, now)
    if wait is not None:
        return Answer("rate_limited", retry_after=wait)
    source, office = await asyncio.gather(  # one D1 round trip
        lead_sources.by_key(db, "online_booking"), offices.get(db, embed.office_id)
    )
    assert source is not None and office is not None
    values = clean(form)
    submission = str(form.get("submission_id") or "")
    key = idempotency_key or (f"booking:{embed.id}:{submission}" if _SUBMISSION.match(submission) else None)
    payload = {
        "first_name": values["first_name"],
        "last_name": values["last_name"],
        "phone": values["phone"],
        "email": values["email"],
        "address": values["address"],
        "service_type": service,
        "how_soon": f"{day_label(window)}, {window.label}",
    }
    outcome = await intake.receive(
        db,
        now,
        source,
        payload,
        Delivery("online_booking", content_type, raw, key),
        fixed_office=office,
        extra_notes=notes(embed, window, service, tracking_of(form)),
    )
    return Answer(outcome.status, window=window, lead_id=outcome.lead_id, retry_after=outcome.retry_after)


def csp(embed: Embed | None, inline: bool) -> str:
    """The widget's Content-Security-Policy. Only the inline variant may be framed, by the embed's
    whitelisted domains (and their subdomains) or, with no whitelist, by any site. A redirect after
    booking is a form navigation, so its origin must be allowed as a form action."""
    ancestors = "'none'"
    if inline and embed is not None:
        hosts = []
        for domain in embed.allowed_domains:
            hosts += [f"{domain}:*"] if domain.startswith("*.") else [f"{domain}:*", f"*.{domain}:*"]
        ancestors = " ".join(hosts) or "*"
    form_action = "'self'"
    if embed is not None and embed.confirm_mode == "redirect" and embed.redirect_url:
        scheme, _, rest = embed.redirect_url.partition("://")
        form_action += f" {scheme}://{rest.split('/', 1)[0].split('?', 1)[0].split('#', 1)[0]}"
    return (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; style-src-attr 'unsafe-inline';"
        " script-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none';"
        f" form-action {form_action}; frame-ancestors {ancestors}"
    )

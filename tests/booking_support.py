"""Shared helpers for the booking tests: make an embed through the real verb, and a valid booking."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from booking import embeds as booking
from booking.embeds import Callout, Images, Service, Settings
from core.records import SYSTEM

# The frozen clock starts Sunday 2026-11-22 15:00 UTC = 10 am in New York (office Garage).
TOMORROW = "2026-11-23"


def settings(office_id: int, **overrides: Any) -> Settings:
    base = Settings(
        name="Garage site",
        slug="garage-doors",
        office_id=office_id,
        open_hour=8,
        close_hour=18,
        page_title="",
        company_name="Joe's Garage Doors",
        brand_color="#0f766e",
        services=(Service("Spring repair", "$89"), Service("New opener")),
        callouts=(Callout("clock", "On time", "We arrive inside your window."),),
        confirm_mode="message",
        thank_you_message="Thanks — see you soon!",
        redirect_url="",
        allowed_domains=(),
        live=True,
    )
    return replace(base, **overrides)


async def make_embed(bindings, office_id: int, images: Images | None = None, **overrides: Any) -> booking.Embed:
    embed_id = await booking.create_embed(
        bindings.db, bindings.files, bindings.clock.now(), SYSTEM, settings(office_id, **overrides), images or Images()
    )
    embed = await booking.by_id(bindings.db, embed_id)
    assert embed is not None
    return embed


def form(**overrides: str) -> dict[str, str]:
    return {
        "service": "1",
        "day": TOMORROW,
        "hour": "10",
        "first_name": "Pat",
        "last_name": "Lee",
        "phone": "(305) 794-2213",
        "email": "pat@example.test",
        "address": "1 Main St, Miami FL 33101",
        "submission_id": "sub-0123456789abcdef",
        "referrer": "https://joesgarage.example/contact",
        "utm_source": "fb",
        "utm_campaign": "spring",
        **overrides,
    }

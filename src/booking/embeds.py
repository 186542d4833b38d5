"""Booking embeds: the owner's public booking widgets (seed 002 "Embed builder").

Owns `booking_embeds`: the rules an embed must satisfy (unique slug, open/close hours two hours
apart, at most three services and three callouts, a thank-you message or a redirect URL, a domain
whitelist that can go straight into a CSP header) and the named verbs that change one, each with
its audit row in the same batch. Images live in the file store; their keys are in the row.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from booking.images import Image
from core import records
from core.clock import iso
from core.errors import Conflict, Invalid
from core.filestore import FileStore
from core.inputs import parse_id, parse_int
from core.records import Actor
from core.storage import Database, IntegrityError, Row, Statement, q

MAX_SERVICES = 3
MAX_CALLOUTS = 3
DEFAULT_COLOR = "#2456c9"
DEFAULT_TITLE = "Book online"
DEFAULT_THANKS = "Thanks! We've got your request and will call you shortly to confirm your appointment."
# Callout icons as SVG path data (24×24, stroked): drawn the same everywhere, no icon font or emoji.
CALLOUT_ICONS = {
    "check": "M5 12l5 5L20 7",
    "clock": "M12 3a9 9 0 1 0 0 18a9 9 0 1 0 0-18zM12 7v5l3 2",
    "shield": "M12 3l8 3v6c0 5-3.5 8-8 9c-4.5-1-8-4-8-9V6z",
    "star": "M12 3l2.7 5.6l6.1.9l-4.4 4.3l1 6.1L12 17l-5.5 2.9l1-6.1L3.2 9.5l6.1-.9z",
    "phone": "M5 4h4l2 5l-2.5 1.5a11 11 0 0 0 5 5L15 13l5 2v4a2 2 0 0 1-2 2A16 16 0 0 1 3 6a2 2 0 0 1 2-2",
    "home": "M3 11l9-7l9 7M5 10v10h14V10",
}

_SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,58}[a-z0-9])?$")
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
_HOST = re.compile(
    r"^(\*\.)?(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$"
)
_PRICE = re.compile(r"^[\w$€£.,+/ -]{0,30}$")


class EmbedNotFound(LookupError):
    pass


@dataclass(frozen=True)
class Service:
    name: str
    price: str = ""
    image_key: str | None = None
    image_type: str | None = None


@dataclass(frozen=True)
class Callout:
    icon: str
    title: str
    body: str

    @property
    def path(self) -> str:
        return CALLOUT_ICONS.get(self.icon, CALLOUT_ICONS["check"])


@dataclass(frozen=True)
class Embed:
    id: int
    slug: str
    name: str
    office_id: int
    office_name: str
    time_zone: str
    open_hour: int
    close_hour: int
    page_title: str
    company_name: str
    brand_color: str
    logo_key: str | None
    logo_type: str | None
    services: tuple[Service, ...]
    callouts: tuple[Callout, ...]
    confirm_mode: str
    thank_you_message: str
    redirect_url: str
    allowed_domains: tuple[str, ...]
    live: bool
    version: int

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @property
    def title(self) -> str:
        return self.page_title or DEFAULT_TITLE

    @property
    def thanks(self) -> str:
        return self.thank_you_message or DEFAULT_THANKS

    @property
    def brand_ink(self) -> str:
        """Text colour on the brand colour: white or near-black, whichever reads better (WCAG)."""
        r, g, b = (int(self.brand_color[i : i + 2], 16) / 255 for i in (1, 3, 5))

        def linear(c: float) -> float:
            return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

        luminance = 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b)
        on_white, on_black = 1.05 / (luminance + 0.05), (luminance + 0.05) / 0.05
        return "#ffffff" if on_white >= on_black else "#111827"

    @classmethod
    def from_row(cls, row: Row) -> Embed:
        return cls(
            id=row["id"],
            slug=row["slug"],
            name=row["name"],
            office_id=row["office_id"],
            office_name=row["office_name"],
            time_zone=row["time_zone"],
            open_hour=row["open_hour"],
            close_hour=row["close_hour"],
            page_title=row["page_title"],
            company_name=row["company_name"],
            brand_color=row["brand_color"],
            logo_key=row["logo_key"],
            logo_type=row["logo_type"],
            services=tuple(Service(**s) for s in json.loads(row["services"])),
            callouts=tuple(Callout(**c) for c in json.loads(row["callouts"])),
            confirm_mode=row["confirm_mode"],
            thank_you_message=row["thank_you_message"],
            redirect_url=row["redirect_url"],
            allowed_domains=tuple(json.loads(row["allowed_domains"])),
            live=bool(row["live"]),
            version=row["version"],
        )


_SELECT = "SELECT e.*, o.name AS office_name, o.time_zone FROM booking_embeds e JOIN offices o ON o.id = e.office_id"


async def all_embeds(db: Database) -> list[Embed]:
    return [Embed.from_row(r) for r in await db.all(f"{_SELECT} ORDER BY e.name COLLATE NOCASE, e.id")]


async def by_id(db: Database, embed_id: int) -> Embed | None:
    row = await db.first(f"{_SELECT} WHERE e.id = ?", embed_id)
    return Embed.from_row(row) if row else None


async def by_slug(db: Database, slug: str) -> Embed | None:
    if not _SLUG.match(slug.lower()):
        return None
    row = await db.first(f"{_SELECT} WHERE e.slug = ?", slug.lower())
    return Embed.from_row(row) if row else None


async def count(db: Database) -> int:
    row = await db.first("SELECT COUNT(*) AS n FROM booking_embeds")
    return int(row["n"]) if row else 0


# --- the builder's form ----------------------------------------------------------------------


@dataclass
class Draft:
    """What the builder form sent, as text, plus any new images; `check` turns it into a Settings."""

    name: str = ""
    slug: str = ""
    office_id: str = ""
    open_hour: str = "8"
    close_hour: str = "18"
    page_title: str = ""
    company_name: str = ""
    brand_color: str = DEFAULT_COLOR
    services: list[dict[str, str]] = field(default_factory=list)
    callouts: list[dict[str, str]] = field(default_factory=list)
    confirm_mode: str = "message"
    thank_you_message: str = ""
    redirect_url: str = ""
    allowed_domains: str = ""
    live: bool = True


@dataclass(frozen=True)
class Settings:
    name: str
    slug: str
    office_id: int
    open_hour: int
    close_hour: int
    page_title: str
    company_name: str
    brand_color: str
    services: tuple[Service, ...]
    callouts: tuple[Callout, ...]
    confirm_mode: str
    thank_you_message: str
    redirect_url: str
    allowed_domains: tuple[str, ...]
    live: bool


def draft_of(embed: Embed) -> Draft:
    return Draft(
        name=embed.name,
        slug=embed.slug,
        office_id=str(embed.office_id),
        open_hour=str(embed.open_hour),
        close_hour=str(embed.close_hour),
        page_title=embed.page_title,
        company_name=embed.company_name,
        brand_color=embed.brand_color,
        services=[{"name": s.name, "price": s.price} for s in embed.services],
        callouts=[{"icon": c.icon, "title": c.title, "body": c.body} for c in embed.callouts],
        confirm_mode=embed.confirm_mode,
        thank_you_message=embed.thank_you_message,
        redirect_url=embed.redirect_url,
        allowed_domains=", ".join(embed.allowed_domains),
        live=embed.live,
    )


def _text(value: str, limit: int) -> str:
    return " ".join((value or "").split())[:limit]


def domains(text: str) -> tuple[list[str], list[str]]:
    """(host names, what could not be read) from a comma- or space-separated list. A pasted URL is
    reduced to its host; only plain host names (optionally `*.` for every subdomain) are kept, so
    each can go into a CSP header as it is."""
    good: list[str] = []
    bad: list[str] = []
    for item in re.split(r"[,\s]+", text.strip().lower()):
        if not item:
            continue
        host = urlsplit(item if "//" in item else f"//{item}").hostname or ""
        host = ("*." + host) if item.startswith("*.") and not host.startswith("*.") else host
        (good if _HOST.match(host) else bad).append(host or item)
    return list(dict.fromkeys(good)), bad


def _redirect(url: str) -> str | None:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("https", "http") or not parts.hostname or not _HOST.match(parts.hostname):
        return None
    if any(ch in url for ch in " \"'<>;\\") or parts.username or parts.password:
        return None
    return url.strip()


def check(draft: Draft, office_ids: set[int]) -> Settings:
    """The embed the form describes, or Invalid with one message per field."""
    errors: dict[str, str] = {}
    name = _text(draft.name, 80)
    if not name:
        errors["name"] = "Give the embed a name (only you see it)."
    slug = draft.slug.strip().lower()
    if not _SLUG.match(slug):
        errors["slug"] = "Use 1–60 lowercase letters, digits and dashes, e.g. sliding-doors."
    office_id = parse_id(draft.office_id) or 0
    if office_id not in office_ids:
        errors["office_id"] = "Choose the office these bookings go to."
    open_hour, close_hour = _hours(draft, errors)
    color = draft.brand_color.strip()
    if not _COLOR.match(color):
        errors["brand_color"] = "Use a colour like #2456c9."
    services, callouts = _services(draft, errors), _callouts(draft, errors)
    mode, message, redirect_url = _confirmation(draft, errors)
    hosts, unreadable = domains(draft.allowed_domains)
    if unreadable:
        errors["allowed_domains"] = f"Not a domain name: {', '.join(unreadable[:3])}. Use e.g. example.com."
    elif len(hosts) > 20:
        errors["allowed_domains"] = "List at most 20 domains."
    if errors:
        raise Invalid(errors)
    return Settings(
        name=name,
        slug=slug,
        office_id=office_id,
        open_hour=open_hour,
        close_hour=close_hour,
        page_title=_text(draft.page_title, 80),
        company_name=_text(draft.company_name, 80),
        brand_color=color.lower(),
        services=tuple(services),
        callouts=tuple(callouts),
        confirm_mode=mode,
        thank_you_message=message,
        redirect_url=redirect_url,
        allowed_domains=tuple(hosts),
        live=draft.live,
    )


# The parts of `check`: each reads its fields of the draft and adds a message per bad field to `errors`.


def _hours(draft: Draft, errors: dict[str, str]) -> tuple[int, int]:
    hours = []
    for key in ("open_hour", "close_hour"):
        hour = parse_int(getattr(draft, key))
        if hour is None or not 0 <= hour <= 24:
            errors[key] = "Choose an hour."
        hours.append(hour or 0)
    if "open_hour" not in errors and "close_hour" not in errors and hours[1] - hours[0] < 2:
        errors["close_hour"] = "Close at least 2 hours after opening."
    return hours[0], hours[1]


def _services(draft: Draft, errors: dict[str, str]) -> list[Service]:
    services = []
    if len([s for s in draft.services if (s.get("name") or s.get("price") or "").strip()]) > MAX_SERVICES:
        errors["services"] = f"At most {MAX_SERVICES} services."
    for i, s in enumerate(draft.services[:MAX_SERVICES]):
        sname, price = _text(s.get("name", ""), 60), _text(s.get("price", ""), 30)
        if not sname and not price:
            continue
        if not sname:
            errors[f"service_{i}"] = "Name this service, or clear its price."
        elif not _PRICE.match(price):
            errors[f"service_{i}"] = "Write the price as text like $99 or From $150."
        services.append(Service(sname, price))
    return services


def _callouts(draft: Draft, errors: dict[str, str]) -> list[Callout]:
    callouts = []
    if len([c for c in draft.callouts if (c.get("title") or c.get("body") or "").strip()]) > MAX_CALLOUTS:
        errors["callouts"] = f"At most {MAX_CALLOUTS} callouts."
    for i, c in enumerate(draft.callouts[:MAX_CALLOUTS]):
        title, body = _text(c.get("title", ""), 60), (c.get("body") or "").strip()[:300]
        if not title and not body:
            continue
        if not title:
            errors[f"callout_{i}"] = "Give this callout a title, or clear its text."
        icon = c.get("icon", "check") if c.get("icon") in CALLOUT_ICONS else "check"
        callouts.append(Callout(icon, title, body))
    return callouts


def _confirmation(draft: Draft, errors: dict[str, str]) -> tuple[str, str, str]:
    """(mode, thank-you message, redirect URL): what the visitor sees after booking."""
    mode = draft.confirm_mode if draft.confirm_mode in ("message", "redirect") else "message"
    redirect_url = ""
    if mode == "redirect":
        redirect_url = _redirect(draft.redirect_url) or ""
        if not redirect_url:
            errors["redirect_url"] = "Enter the full address of your thank-you page, starting with https://."
    message = (draft.thank_you_message or "").strip()[:1000] if mode == "message" else ""
    return mode, message, redirect_url


# --- verbs -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Images:
    """New images from the form (None: keep what is there) and which ones to remove."""

    logo: Image | None = None
    remove_logo: bool = False
    services: dict[int, Image] = field(default_factory=dict)
    remove_services: frozenset[int] = frozenset()


async def _slug_taken(db: Database, slug: str, except_id: int | None) -> bool:
    row = await db.first("SELECT id FROM booking_embeds WHERE slug = ? AND id IS NOT ?", slug, except_id)
    return row is not None


def _columns(s: Settings, logo: tuple[str | None, str | None]) -> dict[str, Any]:
    return {
        "slug": s.slug,
        "name": s.name,
        "office_id": s.office_id,
        "open_hour": s.open_hour,
        "close_hour": s.close_hour,
        "page_title": s.page_title,
        "company_name": s.company_name,
        "brand_color": s.brand_color,
        "logo_key": logo[0],
        "logo_type": logo[1],
        "services": json.dumps([s.__dict__ for s in s.services]),
        "callouts": json.dumps([c.__dict__ for c in s.callouts]),
        "confirm_mode": s.confirm_mode,
        "thank_you_message": s.thank_you_message,
        "redirect_url": s.redirect_url,
        "allowed_domains": json.dumps(list(s.allowed_domains)),
        "live": int(s.live),
    }


async def _put(store: FileStore, image: Image) -> tuple[str, str]:
    key = f"booking/{secrets.token_hex(16)}"
    await store.put(key, image.data, image.content_type)
    return key, image.content_type


async def _place_images(
    store: FileStore, settings: Settings, old: Embed | None, images: Images
) -> tuple[Settings, tuple[str | None, str | None], list[str]]:
    """Store new images first (an orphan object is harmless; a row naming nothing is not).
    Returns the settings with image keys, the logo, and the keys the save makes obsolete."""
    obsolete: list[str] = []
    logo: tuple[str | None, str | None] = (old.logo_key, old.logo_type) if old else (None, None)
    if images.logo is not None or images.remove_logo:
        if logo[0]:
            obsolete.append(logo[0])
        logo = await _put(store, images.logo) if images.logo is not None else (None, None)
    services = []
    for i, service in enumerate(settings.services):
        before = old.services[i] if old and i < len(old.services) else None
        key, kind = (before.image_key, before.image_type) if before else (None, None)
        if i in images.services or i in images.remove_services:
            if key:
                obsolete.append(key)
            key, kind = await _put(store, images.services[i]) if i in images.services else (None, None)
        services.append(replace(service, image_key=key, image_type=kind))
    if old:  # services that were cleared take their pictures with them
        kept = {s.image_key for s in services}
        obsolete += [s.image_key for s in old.services if s.image_key and s.image_key not in kept]
    return replace(settings, services=tuple(services)), logo, list(dict.fromkeys(obsolete))


async def create_embed(
    db: Database, store: FileStore, now: datetime, actor: Actor, settings: Settings, images: Images
) -> int:
    if await _slug_taken(db, settings.slug, None):
        raise Invalid({"slug": "Another embed already uses this slug."})
    settings, logo, _ = await _place_images(store, settings, None, images)
    columns = _columns(settings, logo)
    names = ", ".join(columns)
    marks = ", ".join("?" for _ in columns)
    try:
        results = await db.batch(
            [
                Statement(
                    f"INSERT INTO booking_embeds ({names}, created_at, updated_at) VALUES ({marks}, ?, ?) RETURNING id",
                    (*columns.values(), iso(now), iso(now)),
                ),
                _audit(now, actor, "booking.created", f"Booking embed “{settings.name}” created",
                       settings.office_id, settings.slug),
            ]
        )  # fmt: skip
    except IntegrityError:
        raise Invalid({"slug": "Another embed already uses this slug."}) from None
    return int(results[0].rows[0]["id"])


def _audit(now: datetime, actor: Actor, action: str, summary: str, office_id: int, slug: str) -> Statement:
    return records.audit(now, actor, action, summary, office_id=office_id, meta={"slug": slug})


async def update_embed(
    db: Database, store: FileStore, now: datetime, actor: Actor, embed: Embed, settings: Settings, images: Images
) -> None:
    if await _slug_taken(db, settings.slug, embed.id):
        raise Invalid({"slug": "Another embed already uses this slug."})
    settings, logo, obsolete = await _place_images(store, settings, embed, images)
    columns = _columns(settings, logo)
    assignments = ", ".join(f"{name} = ?" for name in columns)
    try:
        await db.batch(
            [
                Statement(
                    f"UPDATE booking_embeds SET {assignments}, version = version + 1, updated_at = ?"
                    " WHERE id = ? AND version = ?",
                    (*columns.values(), iso(now), embed.id, embed.version),
                ),
                records.guard_changed(),
                _audit(now, actor, "booking.updated", f"Booking embed “{settings.name}” saved", settings.office_id,
                       settings.slug),
            ]
        )  # fmt: skip
    except records.LostRace:
        raise Conflict() from None
    except IntegrityError:
        raise Invalid({"slug": "Another embed already uses this slug."}) from None
    for key in obsolete:
        await store.delete(key)


async def set_live(db: Database, now: datetime, actor: Actor, embed: Embed, live: bool) -> None:
    state = "live" if live else "paused"
    await db.batch(
        [
            q("UPDATE booking_embeds SET live = ?, updated_at = ? WHERE id = ? AND live = ?",
              int(live), iso(now), embed.id, int(not live)),
            records.if_changed(_audit(now, actor, f"booking.{state}", f"Booking embed “{embed.name}” is now {state}",
                                      embed.office_id, embed.slug)),
        ]
    )  # fmt: skip


async def _free_slug(db: Database, base: str) -> str:
    stem = base[:50].rstrip("-")
    for n in range(1, 100):
        candidate = f"{stem}-copy" if n == 1 else f"{stem}-copy-{n}"
        if not await _slug_taken(db, candidate, None):
            return candidate
    return f"{stem}-{secrets.token_hex(4)}"


async def duplicate_embed(db: Database, store: FileStore, now: datetime, actor: Actor, embed: Embed) -> int:
    """A paused copy named "(copy)", with copies of its images (each row owns its own files)."""
    images = Images(
        logo=await _copy_image(store, embed.logo_key, embed.logo_type),
        services={
            i: image
            for i, s in enumerate(embed.services)
            if (image := await _copy_image(store, s.image_key, s.image_type)) is not None
        },
    )
    settings = Settings(
        name=f"{embed.name} (copy)"[:90],
        slug=await _free_slug(db, embed.slug),
        office_id=embed.office_id,
        open_hour=embed.open_hour,
        close_hour=embed.close_hour,
        page_title=embed.page_title,
        company_name=embed.company_name,
        brand_color=embed.brand_color,
        services=tuple(replace(s, image_key=None, image_type=None) for s in embed.services),
        callouts=embed.callouts,
        confirm_mode=embed.confirm_mode,
        thank_you_message=embed.thank_you_message,
        redirect_url=embed.redirect_url,
        allowed_domains=embed.allowed_domains,
        live=False,
    )
    return await create_embed(db, store, now, actor, settings, images)


async def _copy_image(store: FileStore, key: str | None, kind: str | None) -> Image | None:
    if not key or not kind:
        return None
    data = await store.get(key)
    return Image(kind, data) if data is not None else None


async def delete_embed(db: Database, store: FileStore, now: datetime, actor: Actor, embed: Embed) -> None:
    """The row first, then its images: a crash between leaves orphan objects, never a broken page."""
    await db.batch(
        [
            q("DELETE FROM booking_embeds WHERE id = ?", embed.id),
            records.if_changed(_audit(now, actor, "booking.deleted", f"Booking embed “{embed.name}” deleted",
                                      embed.office_id, embed.slug)),
        ]
    )  # fmt: skip
    for key in [embed.logo_key, *(s.image_key for s in embed.services)]:
        if key:
            await store.delete(key)


def image_key(embed: Embed, name: str) -> tuple[str, str] | None:
    """The stored image a public URL names: `logo` or `service-1` … `service-3`."""
    if name == "logo" and embed.logo_key and embed.logo_type:
        return embed.logo_key, embed.logo_type
    match = re.fullmatch(r"service-([1-3])", name)
    if match and int(match.group(1)) <= len(embed.services):
        service = embed.services[int(match.group(1)) - 1]
        if service.image_key and service.image_type:
            return service.image_key, service.image_type
    return None

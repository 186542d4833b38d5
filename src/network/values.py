"""Input rules the network's nouns share: percentages, ZIPs, labels, colours."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from core import cardcheck
from core.errors import Invalid
from core.geo import ASCII_DIGITS
from core.text import clean_text

_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


def percent_bp(value: Any, field: str) -> int | None:
    """A percentage 0–100 with at most two decimals, as basis points (12.5 → 1250); None stays None."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise Invalid(f"{field}: give a percentage from 0 to 100.", field)
    try:
        number = Decimal(str(value).strip().removesuffix("%").strip())
    except InvalidOperation:
        raise Invalid(f"{field}: give a percentage from 0 to 100.", field) from None
    if not number.is_finite() or not 0 <= number <= 100:
        raise Invalid(f"{field}: a percentage must be from 0 to 100.", field)
    bp = number * 100
    if bp != bp.to_integral_value():
        raise Invalid(f"{field}: at most two decimals.", field)
    return int(bp)


def bp_percent(bp: int | None) -> float | None:
    """Basis points as the percentage the API shows (1250 → 12.5)."""
    return None if bp is None else bp / 100


def zip5(value: Any, field: str = "zip") -> str:
    """Exactly five ASCII digits (a ZIP+4's first five are taken)."""
    text = clean_text(value, 20)
    head = text.split("-")[0].strip() if "-" in text and len(text) == 10 else text
    if len(head) != 5 or any(ch not in ASCII_DIGITS for ch in head):
        raise Invalid(f"{field}: a ZIP is 5 digits.", field)
    return head


def _no_card(text: str, field: str) -> None:
    if cardcheck.contains_card_number(text):
        raise Invalid(cardcheck.MESSAGE.format(field=field), field)


def label(value: Any, field: str = "label", limit: int = 80) -> str:
    text = " ".join(clean_text(value, 500).split())
    if not text:
        raise Invalid(f"{field}: required.", field)
    if len(text) > limit:
        raise Invalid(f"{field}: at most {limit} characters.", field)
    _no_card(text, field)
    return text


def optional_text(value: Any, field: str, limit: int = 300) -> str:
    text = clean_text(value, limit + 1)
    if len(text) > limit:
        raise Invalid(f"{field}: at most {limit} characters.", field)
    _no_card(text, field)
    return text


def color(value: Any, field: str = "color") -> str:
    text = clean_text(value, 20)
    if not _COLOR.match(text):
        raise Invalid(f"{field}: a colour looks like #1877f2.", field)
    return text.lower()

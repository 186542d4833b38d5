"""Phone numbers: E.164 for storage, the last 10 digits for matching (seed 002 matches on those)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers

DEFAULT_REGION = "US"
_PLACEHOLDERS = {"1231231234", "1234567890", "0123456789", "9876543210"}


@dataclass(frozen=True)
class Phone:
    raw: str
    e164: str | None
    last10: str | None
    flagged: bool  # not a usable number: kept as typed, for a person to review

    @property
    def masked(self) -> str:
        if not self.e164:
            return "•" * 6
        return self.e164[:5] + "•" * (len(self.e164) - 5)


def is_placeholder(digits: str) -> bool:
    ten = digits[-10:]
    return ten in _PLACEHOLDERS or len(set(ten)) <= 1 or ten[3:] == "5555555"


def normalize(raw: str, region: str = DEFAULT_REGION) -> Phone:
    """Parse what a person typed. Never raises: unusable input comes back flagged."""
    raw = (raw or "").strip()[:40]
    digits = re.sub(r"\D", "", raw)
    if not digits:
        return Phone(raw, None, None, bool(raw))
    try:
        parsed = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return Phone(raw, None, digits[-10:] if len(digits) >= 10 else None, True)
    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    national = str(parsed.national_number)
    valid = phonenumbers.is_valid_number(parsed) and not is_placeholder(national)
    last10 = national[-10:] if len(national) >= 10 else None
    return Phone(raw, e164 if valid else None, last10, not valid)


def last10(raw: str) -> str | None:
    digits = re.sub(r"\D", "", raw or "")
    return digits[-10:] if len(digits) >= 10 else None

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
    if region == "US" and (m := _PLAIN_NANP.fullmatch(raw)):
        return _nanp(raw, "".join(m.groups()))
    try:
        parsed = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return Phone(raw, None, digits[-10:] if len(digits) >= 10 else None, True)
    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    national = str(parsed.national_number)
    valid = phonenumbers.is_valid_number(parsed) and not is_placeholder(national)
    last10 = national[-10:] if len(national) >= 10 else None
    return Phone(raw, e164 if valid else None, last10, not valid)


# A US number written the usual ways — "3057942213", "(305) 794-2213", "+1 305.794.2213" — with an area
# code that cannot start with 0 or 1. Parsing one with phonenumbers only finds these same ten digits,
# and its parser is half the cost of an intake's field handling, so these skip it; the validity check
# (area code and exchange against Google's metadata) is the library's either way.
_PLAIN_NANP = re.compile(r"(?:\+?1[ .-]?)?\(?([2-9]\d{2})\)?[ .-]?(\d{3})[ .-]?(\d{4})")


def _nanp(raw: str, national: str) -> Phone:
    number = phonenumbers.PhoneNumber(country_code=1, national_number=int(national))
    # The same answer as is_valid_number alone, at half the cost for the usual US number: that one first
    # works out the region (trying the US's patterns) and then checks the number against them again.
    # Canadian and Caribbean numbers fail the first test and get the full one.
    valid = (
        phonenumbers.is_valid_number_for_region(number, "US") or phonenumbers.is_valid_number(number)
    ) and not is_placeholder(national)
    return Phone(raw, f"+1{national}" if valid else None, national, not valid)


def last10(raw: str) -> str | None:
    digits = re.sub(r"\D", "", raw or "")
    return digits[-10:] if len(digits) >= 10 else None

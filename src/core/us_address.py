"""The ZIP and state at the end of a US address typed as one line ("12 Elm St, Brooklyn NY 11201").

Partners and the booking widget send the address as one string and often no ZIP field, which left
the lead without a ZIP, so without a state, metro or calling hours. Only the tail is read: a state
(code or name) followed by a five-digit ZIP (ZIP+4 allowed), an optional country after it. A lone
ZIP is taken only after a comma, and a lone state only after a comma or a city, so a house number
("12345 Main St") or a word that spells a code is never mistaken for one. A full parser (usaddress)
needs a compiled CRF model, which the Worker cannot load; the tail is all calling hours need.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core import geo

_NAMES = {
    "alabama": "AL", "alaska": "AK", "arizona": "AZ", "arkansas": "AR", "california": "CA", "colorado": "CO",
    "connecticut": "CT", "delaware": "DE", "district of columbia": "DC", "florida": "FL", "georgia": "GA",
    "hawaii": "HI", "idaho": "ID", "illinois": "IL", "indiana": "IN", "iowa": "IA", "kansas": "KS",
    "kentucky": "KY", "louisiana": "LA", "maine": "ME", "maryland": "MD", "massachusetts": "MA",
    "michigan": "MI", "minnesota": "MN", "mississippi": "MS", "missouri": "MO", "montana": "MT",
    "nebraska": "NE", "nevada": "NV", "new hampshire": "NH", "new jersey": "NJ", "new mexico": "NM",
    "new york": "NY", "north carolina": "NC", "north dakota": "ND", "ohio": "OH", "oklahoma": "OK",
    "oregon": "OR", "pennsylvania": "PA", "puerto rico": "PR", "rhode island": "RI", "south carolina": "SC",
    "south dakota": "SD", "tennessee": "TN", "texas": "TX", "utah": "UT", "vermont": "VT", "virginia": "VA",
    "washington": "WA", "west virginia": "WV", "wisconsin": "WI", "wyoming": "WY",
}  # fmt: skip
_STATE = (
    r"(?P<state>[A-Za-z]{2}|" + "|".join(n.replace(" ", r"\s+") for n in sorted(_NAMES, key=len, reverse=True)) + ")"
)
_COUNTRY = r"(?:[\s,]+(?:USA|U\.S\.A\.|US|U\.S\.|United\s+States(?:\s+of\s+America)?))?"
_ZIP = r"(?P<zip>\d{5})(?:[-\s]?\d{4})?"
# "…, Brooklyn NY 11201", "…, Brooklyn, New York, 11201-1234, USA"
_STATE_ZIP = re.compile(rf"(?:^|[\s,]){_STATE}\.?[\s,]+{_ZIP}{_COUNTRY}[\s.]*$", re.IGNORECASE)
# "…, 11201" with no state
_COMMA_ZIP = re.compile(rf",\s*{_ZIP}{_COUNTRY}[\s.]*$", re.IGNORECASE)
# "…, Brooklyn NY" / "…, Brooklyn, NY" with no ZIP: a comma somewhere before, so the state is a tail
_STATE_ONLY = re.compile(rf",[^,]*?[\s,]{_STATE}\.?{_COUNTRY}[\s.]*$", re.IGNORECASE)


@dataclass(frozen=True)
class Tail:
    zip: str | None
    state: str | None


def _code(text: str) -> str | None:
    words = " ".join(text.split()).lower()
    code = _NAMES.get(words) or (words.upper() if len(words) == 2 else None)
    return code if code in geo.ZONES else None


def tail(address: str | None) -> Tail:
    """The ZIP and the two-letter state the address ends with; None for what it does not say. When
    both are there the ZIP decides the state (it is what calling hours and the metro read)."""
    text = (address or "").strip()
    if not text:
        return Tail(None, None)
    for pattern in (_STATE_ZIP, _COMMA_ZIP):
        found = pattern.search(text)
        if found is None:
            continue
        said = found.groupdict().get("state")
        state = _code(said) if said else None
        if said and state is None:
            continue  # "… Apt 4B 11201" or a word that is no state: not an address tail
        zip_code = found.group("zip")
        return Tail(zip_code, geo.state_for_zip(zip_code) or state)
    found = _STATE_ONLY.search(text)
    return Tail(None, _code(found.group("state")) if found else None)

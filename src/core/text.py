"""Text as people type it: cleaned for storage, and turned into a search expression.

Shared by every domain that takes free text (leads, customers, booking), so none of them imports
another's module just for a helper.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

DEFAULT_LIMIT = 300
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(value: Any, limit: int = DEFAULT_LIMIT) -> str:
    """Text as a person would mean it: NFC, no control characters, trimmed, bounded. Kept verbatim
    otherwise (HTML and SQL fragments are just text; templates escape them)."""
    if value is None or isinstance(value, dict | list):
        return ""
    text = unicodedata.normalize("NFC", str(value))
    return _CONTROL.sub("", text).strip()[:limit]


_PHONEISH = re.compile(r"^[\d\s().+-]+$")
SEARCH_MIN = 3  # the trigram index cannot find anything shorter


def search_expression(term: str) -> str | None:
    """The FTS5 query for what someone typed, or None when it is too short to search.

    Each word of three characters or more must appear somewhere (so "smith john" finds "John Smith");
    something shaped like a phone number is searched as its digits, so "(305) 794-22" finds 305794222….
    """
    term = term.strip()[:60]
    digits = re.sub(r"\D", "", term)
    if _PHONEISH.match(term) and len(digits) >= SEARCH_MIN:
        # phone_last10 has no country code: drop a typed "+1", or the 1 of an eleven-digit number.
        national = term.lstrip().startswith("+1") or (len(digits) == 11 and digits.startswith("1"))
        words = [digits[1:] if national else digits]
        if len(words[0]) < SEARCH_MIN:
            return None
    else:
        words = [w for w in term.split() if len(w) >= SEARCH_MIN] or ([term] if len(term) >= SEARCH_MIN else [])
    if not words:
        return None
    return " AND ".join('"' + w.replace('"', '""') + '"' for w in words)

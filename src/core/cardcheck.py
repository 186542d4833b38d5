"""Payment card numbers never enter Porchlight: the detector every free-text field goes through.

Card data lives with the payment processor; we keep its token, the brand and the last 4 only
(ARCHITECTURE.md "Card data"). A card number typed into a name, a note or an address would otherwise
sit in the database, backups, exports and outbound payloads, so verbs refuse it before writing.

A card number here is 13–19 digits that pass the Luhn check, written together or in groups split by
single spaces or dashes ("4111 1111 1111 1111", "4111-1111-1111-1111"). Groups inside a longer run
("call 305 555 1234 4111 1111 1111 1111") are checked too, span by span; an unbroken run of more than
19 digits is some other number and passes.

Two ways out: `refuse` for what staff type (they can fix it; the whole change is refused), and
`redact` for what must be kept whatever it holds (a partner's lead: refusing would lose it), which
replaces every card-shaped span with REDACTED. Nothing here logs, formats or returns the matched
digits: errors name the field only.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

MIN_DIGITS = 13
MAX_DIGITS = 19

# Runs of digit groups joined by one space or dash. Unicode digits count: "４１１１…" is still a card.
_RUN = re.compile(r"\d+(?:[ \-]\d+)*")

# The cheap first look: at least MIN_DIGITS digits, each followed by at most one separator. Every
# card-shaped span matches it, and most text (names, notes, a phone number and a ZIP) does not, so the
# span-by-span Luhn search below runs only where a card could be.
_CANDIDATE = re.compile(rf"(?:\d[ \-]?){{{MIN_DIGITS}}}")

REDACTED = "[card number removed]"

MESSAGE = (
    "{field} looks like a payment card number. Porchlight never stores card numbers: save the "
    "processor's token with the brand and last 4 in the billing profile instead."
)


class CardNumberFound(ValueError):
    """A field held something shaped like a card number. Carries the field's name, never its value."""

    def __init__(self, field: str):
        self.field = field
        super().__init__(MESSAGE.format(field=field))


def _luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def _card_groups(groups: list[str]) -> set[int]:
    """Indexes of the groups that belong to some card-shaped span of the run (every span, so what is
    left after redacting them holds no card number of its own)."""
    marked: set[int] = set()
    for start in range(len(groups)):
        digits = ""
        for end in range(start, len(groups)):
            digits += groups[end]
            if len(digits) > MAX_DIGITS:
                break
            if len(digits) >= MIN_DIGITS and _luhn(digits):
                marked.update(range(start, end + 1))
    return marked


def contains_card_number(text: str | None) -> bool:
    if not text or not _CANDIDATE.search(str(text)):
        return False
    return any(_card_groups(re.split(r"[ \-]", m.group())) for m in _RUN.finditer(str(text)))


def redact(text: str, replacement: str = REDACTED) -> str:
    """The text with every card-shaped span replaced, for input that must be kept rather than refused
    (a partner's lead). Neighbouring spans collapse into one replacement; everything else, phone
    numbers and ZIPs included, stays as it was."""
    if not text or not _CANDIDATE.search(text):
        return text

    def scrub(run: re.Match[str]) -> str:
        spans = [g.span() for g in re.finditer(r"\d+", run.group())]
        marked = _card_groups([run.group()[a:b] for a, b in spans])
        if not marked:
            return run.group()
        out, at, i = [], 0, 0
        while i < len(spans):
            if i not in marked:
                i += 1
                continue
            first = i
            while i + 1 < len(spans) and i + 1 in marked:
                i += 1
            out += [run.group()[at : spans[first][0]], replacement]
            at = spans[i][1]
            i += 1
        return "".join([*out, run.group()[at:]])

    return _RUN.sub(scrub, text)


def refuse(fields: Mapping[str, object]) -> None:
    """Raise CardNumberFound for the first field (by its human name) holding a card-shaped number.
    Lists and nested mappings are searched too, so a verb can pass what it was given as is."""
    for name, value in fields.items():
        if isinstance(value, Mapping):
            refuse({f"{name} {k}".replace("_", " "): v for k, v in value.items()})
        elif isinstance(value, list | tuple):
            for item in value:
                refuse({name: item})
        elif isinstance(value, str) and contains_card_number(value):
            raise CardNumberFound(name.replace("_", " ").capitalize())

"""Phone numbers: E.164 and the last ten digits, and the plain-US-number shortcut agreeing with
phonenumbers' own parser on every input it takes."""

from __future__ import annotations

import random
import re

import phonenumbers

from core import phones


def parsed_by_the_library(raw: str) -> phones.Phone:
    """`phones.normalize` without its shortcut: every input through phonenumbers.parse."""
    raw = raw.strip()[:40]
    digits = re.sub(r"\D", "", raw)
    try:
        parsed = phonenumbers.parse(raw, "US")
    except phonenumbers.NumberParseException:
        return phones.Phone(raw, None, digits[-10:] if len(digits) >= 10 else None, True)
    national = str(parsed.national_number)
    valid = phonenumbers.is_valid_number(parsed) and not phones.is_placeholder(national)
    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return phones.Phone(raw, e164 if valid else None, national[-10:] if len(national) >= 10 else None, not valid)


def test_the_us_shortcut_answers_exactly_as_the_parser_does():
    rng = random.Random(20261122)
    shortcut = 0
    for _ in range(20_000):
        d = "".join(rng.choice("0123456789") for _ in range(10))
        a, b, c = d[:3], d[3:6], d[6:]
        sep = lambda: rng.choice(["", " ", "-", ".", "  ", "/"])  # noqa: E731
        prefix = rng.choice(["", "1", "+1", "+1 ", "1-", "+ 1", "01", "+44 "])
        body = rng.choice([f"{a}{b}{c}", f"({a}) {b}-{c}", f"{a}.{b}.{c}", f"({a} {b}-{c}", f"{a}{sep()}{b}{sep()}{c}"])
        raw = prefix + body
        shortcut += bool(phones._PLAIN_NANP.fullmatch(raw))
        assert phones.normalize(raw) == parsed_by_the_library(raw), raw
    assert shortcut > 5_000  # the shortcut was exercised, valid and invalid area codes alike


def test_the_shortcut_checks_numbers_outside_the_us_in_full():
    # The shortcut tries the US's patterns first; Canada, Jamaica and Puerto Rico share +1 and must
    # still come out exactly as the library's own check says (valid ones valid, flagged ones flagged).
    for raw in ("(416) 979-1234", "604-681-2000", "876 922 1234", "787.724.1234", "(684) 633-4116", "(305) 794-2213"):
        assert phones._PLAIN_NANP.fullmatch(raw), raw
        assert phones.normalize(raw) == parsed_by_the_library(raw), raw
    assert not phones.normalize("(416) 979-1234").flagged  # a real Toronto number stays callable


def test_normalize_flags_what_cannot_be_called_and_keeps_it():
    assert phones.normalize("(305) 794-2213") == phones.Phone("(305) 794-2213", "+13057942213", "3057942213", False)
    assert phones.normalize("123-123-1234").flagged and phones.normalize("123-123-1234").e164 is None
    assert phones.normalize("555-555-5555").flagged  # a placeholder
    assert phones.normalize("+44 20 7946 0958").e164 == "+442079460958"
    assert phones.normalize("call me") == phones.Phone("call me", None, None, True)
    assert phones.normalize("") == phones.Phone("", None, None, False)

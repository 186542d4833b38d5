"""The card-number detector every free-text field goes through."""

from __future__ import annotations

import pytest

from core import cardcheck

VISA = "4111111111111111"  # the processors' test numbers: Luhn-valid
AMEX = "378282246310005"


@pytest.mark.parametrize(
    "text",
    [
        VISA,
        "4111 1111 1111 1111",
        "4111-1111-1111-1111",
        "card: 4111 1111 1111 1111 exp 04/28",
        AMEX,
        "3782 822463 10005",
        "5555555555554444",
        "4222222222222",  # 13 digits
        "6759649826438453",
        "call 305 555 1234 4111 1111 1111 1111",  # a card after a phone number in the same run
        "４１１１１１１１１１１１１１１１",  # full-width digits are still digits
    ],
)
def test_it_finds_card_shaped_numbers(text):
    assert cardcheck.contains_card_number(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "(305) 555-1234",
        "+1 305 555 1234",
        "4111111111111112",  # fails Luhn
        "12 Palm Way, Miami FL 33139",
        "2026-11-22",
        "411111111111111100000",  # 21 digits unbroken: some other number
        "PO 1234 5678 9012",  # 12 digits
        "4111  1111 1111 1111",  # two spaces split it: no run of 13+
        "pm_1OaBcD2eFgHiJkLm",
    ],
)
def test_it_lets_ordinary_text_through(text):
    assert not cardcheck.contains_card_number(text)


def test_refuse_names_the_field_and_never_the_number():
    with pytest.raises(cardcheck.CardNumberFound) as caught:
        cardcheck.refuse({"name": "Ann", "billing_notes": f"pay with {VISA}"})
    message = str(caught.value)
    assert caught.value.field == "Billing notes"
    assert message.startswith("Billing notes looks like a payment card number")
    assert VISA not in message and "1111" not in message and VISA not in repr(caught.value)


def test_refuse_looks_inside_lists_and_mappings():
    with pytest.raises(cardcheck.CardNumberFound):
        cardcheck.refuse({"tags": ["vip", "4111 1111 1111 1111"]})
    with pytest.raises(cardcheck.CardNumberFound, match="Contact phone"):
        cardcheck.refuse({"contact": {"phone": VISA}})
    cardcheck.refuse({"name": "Ann", "rating": 5, "tags": ["vip"], "contact": {"phone": "3055551234"}})


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        (f"card {VISA} exp 04/28", "card [card number removed] exp 04/28"),
        ("4111 1111 1111 1111", "[card number removed]"),
        ("4111-1111-1111-1111, 5555555555554444", "[card number removed], [card number removed]"),
        ("４１１１１１１１１１１１１１１１", "[card number removed]"),
        # not cards: phones, ZIPs, a 16-digit number failing Luhn, a 21-digit run
        ("call (305) 555-1234 or +1 786 555 0188, ZIP 33139-1234", None),
        ("ref 4111111111111112", None),
        ("411111111111111100000", None),
        ("", None),
    ],
)
def test_redact_replaces_card_shaped_spans_only(text, kept):
    assert cardcheck.redact(text) == (text if kept is None else kept)
    assert not cardcheck.contains_card_number(cardcheck.redact(text))


def test_redact_leaves_no_card_inside_a_longer_run():
    # every card-shaped span of a run goes, so no remainder can be one
    text = "305 555 1234 4111 1111 1111 1111"
    assert not cardcheck.contains_card_number(cardcheck.redact(text))
    assert "4111" not in cardcheck.redact(text)


def test_the_quick_first_look_never_hides_a_card_the_full_search_finds():
    # `_CANDIDATE` only skips work: on text made of digits (ASCII and full-width), single and doubled
    # separators and letters, the answers must be those of the span-by-span search alone.
    import random
    import re

    def full_search(text: str) -> bool:
        return any(cardcheck._card_groups(re.split(r"[ \-]", m.group())) for m in cardcheck._RUN.finditer(text))

    rng = random.Random(20261122)
    alphabet = "0123456789" * 4 + "４１ -  --a"
    found = 0
    for _ in range(20_000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        expected = full_search(text)
        found += expected
        assert cardcheck.contains_card_number(text) is expected, text
        assert (cardcheck.redact(text) != text) is expected, text
    assert found > 1_000  # the sample holds plenty of cards, so agreement means something

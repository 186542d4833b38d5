"""Opt-out, opt-in and help keywords exactly as issue 21 decided (overriding STOP-2 and STOP-4; STOP-1,
STOP-5, STOP-7)."""

from __future__ import annotations

import pytest

from messaging.optout import classify


@pytest.mark.parametrize(
    "body",
    [
        "STOP",
        "stop",
        " Stop.",
        "STOPALL",
        "Unsubscribe",
        "CANCEL",
        "cancel!",
        "END",
        "Quit",
        "OPTOUT",
        "opt out",
        "Revoke",
        "STOP texting me",
        "stop please",
        "Unsubscribe me now",
        "QUIT it",
        "revoke consent",
        "optout now",
    ],
)
def test_stop_1_whole_message_and_first_word_opt_out(body):
    assert classify(body).kind == "opt_out"


@pytest.mark.parametrize(
    "body",
    [
        "please stop texting me",
        "Can you stop messaging me",
        "remove me from your list",
        "Do not text this number",
        "Don't text me again",
        "don’t text me",
        "I want to unsubscribe",
        "how do I opt out?",
    ],
)
def test_phrases_anywhere_opt_out(body):
    assert classify(body).kind == "opt_out"


@pytest.mark.parametrize(
    "body",
    [
        "Cancel my appointment",
        "stopwatch?",
        "End of day works",
        "please stop",
        "STOPPED BY YESTERDAY?",
        "Yes, see you at 9",
        "I'll be at the end of the road",
        "nonstop service",
        "",
        "   ",
    ],
)
def test_stop_2_listed_non_opt_outs(body):
    """CANCEL and END only as the whole message; STOP only as the first word or in a listed phrase."""
    assert classify(body) is None or classify(body).kind != "opt_out"


@pytest.mark.parametrize("body", ["START", "unstop", "Subscribe", "OPTIN", "opt-in", "Start."])
def test_stop_5_opt_in_words_as_the_whole_message(body):
    assert classify(body).kind == "opt_in"


def test_stop_5_yes_is_not_an_opt_in_and_start_inside_a_sentence_is_not_either():
    assert classify("YES") is None
    assert classify("start the job at 9") is None


@pytest.mark.parametrize("body", ["HELP", "help?", "Info", "INFO."])
def test_stop_7_help_and_info(body):
    assert classify(body).kind == "help"


def test_stop_3_the_keyword_is_what_the_sender_wrote():
    assert classify("Stop texting me").keyword == "Stop"
    assert classify("STOP").keyword == "STOP"
    assert classify("please remove me").keyword == "remove me"

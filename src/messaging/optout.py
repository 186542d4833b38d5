"""Which inbound texts opt out, opt back in or ask for help (issue 21's decision, overriding STOP-2
and STOP-4; STOP-5, STOP-7).

Case-insensitive, with surrounding punctuation trimmed:
- **opt-out** when the whole message is one of `WHOLE_OPT_OUT`, or its first word is one of
  `FIRST_OPT_OUT`, or it contains one of `PHRASES`. So "Stop." and "STOP texting me" opt out, but
  "Cancel my appointment", "stopwatch?" and "End of day works" do not (CANCEL and END count only as the
  whole message).
- **opt-in** when the whole message is one of `OPT_IN`.
- **help** when the whole message is HELP or INFO.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

WHOLE_OPT_OUT = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT", "OPT OUT", "REVOKE"})
FIRST_OPT_OUT = frozenset({"STOP", "UNSUBSCRIBE", "OPTOUT", "QUIT", "REVOKE"})
PHRASES = ("stop texting", "stop messaging", "remove me", "do not text", "don't text", "unsubscribe", "opt out")
OPT_IN = frozenset({"START", "UNSTOP", "SUBSCRIBE", "OPTIN", "OPT-IN"})
HELP = frozenset({"HELP", "INFO"})

_EDGE = re.compile(r"^[\W_]+|[\W_]+$")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class Consent:
    kind: str  # "opt_out" | "opt_in" | "help"
    keyword: str  # what the sender wrote that decided it, as written (trimmed)


def _trim(text: str) -> str:
    return _SPACES.sub(" ", _EDGE.sub("", text.strip()))


def classify(body: str) -> Consent | None:
    text = _trim(body or "")
    if not text:
        return None
    upper = text.upper().replace("’", "'")
    if upper in WHOLE_OPT_OUT:
        return Consent("opt_out", text)
    if upper in OPT_IN:
        return Consent("opt_in", text)
    if upper in HELP:
        return Consent("help", text)
    first = _trim(upper.split(" ", 1)[0])
    if first in FIRST_OPT_OUT:
        return Consent("opt_out", text.split(" ", 1)[0].strip(".,!?;:"))
    lower = upper.lower()
    for phrase in PHRASES:
        if re.search(rf"(?<![a-z]){re.escape(phrase)}(?![a-z])", lower):
            return Consent("opt_out", phrase)
    return None

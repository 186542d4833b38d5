"""Timeline lines as a person reads them (issue 17: "timeline lines that repeat the author").

Each timeline line already shows its author ("— Dana"), and many stored bodies name the same person
again ("Archived by Dana", "Dana uploaded “roof.jpg” to C-1042"). The rows keep their words (the
customer and lead JSON answer them as stored); the pages drop the repeat when it is the line's own
author: a trailing or mid-sentence "by <author>" and a leading "<author> ".
"""

from __future__ import annotations

import re


def without_author(body: str | None, author: str | None) -> str:
    text = body or ""
    name = (author or "").strip()
    if not name or name not in text:
        return text
    who = re.escape(name)
    # ", by Dana" / " by Dana" before the end or a clause break (":", ";", ",", "."); a name that is
    # only the start of a longer word or name ("by Dana Smith" for "Dana") is left alone.
    text = re.sub(rf",? by {who}(?=$|[:;,.]|\s[(—-])", "", text)
    if text.startswith(name + " "):
        rest = text[len(name) + 1 :]
        text = rest[:1].upper() + rest[1:]
    return text

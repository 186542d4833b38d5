"""Secrets kept out of log lines: the webhook secret, per-source tokens and OAuth codes in URLs.

Partners may send the shared secret as `?secret=` and every source's token is part of its URL
(`/webhook/s/<token>`), so an access log line written as received would hold both in clear. A
`RedactSecrets` filter on every handler rewrites each record before it is formatted: its message,
its arguments (uvicorn's access line passes the path with its query as one) and its traceback.
"""

from __future__ import annotations

import logging
import re
from typing import Any

REDACTED = "[redacted]"

# Query parameters that carry a secret: ours (`secret`) and the OAuth callback's one-time `code`/`state`.
_QUERY_SECRET = re.compile(
    r"((?:[?&]|%3[fF]|%26)(?:secret|token|code|state|access_token|refresh_token|password)(?:=|%3[dD]))[^&\s\"'#]*",
    re.IGNORECASE,
)
_PATH_TOKEN = re.compile(r"(/webhook/s/)[^/?\s\"'#]+")


def redact(text: str) -> str:
    """TEXT with every secret-bearing query value and source token replaced by [redacted]."""
    if "/webhook/s/" in text:
        text = _PATH_TOKEN.sub(rf"\g<1>{REDACTED}", text)
    if "=" in text or "%3" in text:
        text = _QUERY_SECRET.sub(rf"\g<1>{REDACTED}", text)
    return text


def _redact_arg(value: Any) -> Any:
    if isinstance(value, int | float):  # numbers stay numbers, for %d
        return value
    text = str(value)
    cleaned = redact(text)
    return cleaned if cleaned != text else value


class RedactSecrets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_redact_arg(a) for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: _redact_arg(v) for k, v in record.args.items()}
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


def install() -> None:
    """Put the filter on every handler configured so far (call it after logging is set up: for
    `porchlight serve`, after uvicorn's Config has configured its loggers)."""
    loggers = [
        logging.getLogger(),
        *(v for v in logging.Logger.manager.loggerDict.values() if isinstance(v, logging.Logger)),
    ]
    for logger in loggers:
        for handler in logger.handlers:
            if not any(isinstance(f, RedactSecrets) for f in handler.filters):
                handler.addFilter(RedactSecrets())

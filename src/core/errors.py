"""The four refusals a domain verb raises, and the one place that says how each is answered.

A verb that will not do what was asked raises one of these; routes let it through, and the handler
`pages.refusal` (registered app-wide in app.py) answers 404/409/422/403: `{"detail": message}` for
the API and webhooks, the error page with the message for a browser. The message is written for the
person who sees it and tells them what to do instead.
"""

from __future__ import annotations

from collections.abc import Mapping


class Refused(Exception):
    """Base of the four; catch this only where one answer fits all of them (a form page, a CLI)."""

    status = 400
    default = "That can't be done."

    def __init__(self, message: str | None = None):
        self.message = message or self.default
        self.fields: dict[str, str] = getattr(self, "fields", {})  # an Invalid sets its fields first
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message

    @property
    def errors(self) -> dict[str, str]:
        """Messages by field, for a form that shows each next to its input (empty: none named)."""
        return self.fields


class NotFound(Refused):
    """Missing, or another office's record: the same answer either way."""

    status = 404
    default = "Not found."


class Forbidden(Refused):
    """The caller's role, office or authorship does not allow this."""

    status = 403
    default = "You don't have access to this page."


class Conflict(Refused):
    """Someone else changed the record first, or the record's state no longer allows the change."""

    status = 409
    default = "Someone else changed this a moment ago. Reload it and try again."


class Invalid(Refused, ValueError):
    """The input breaks a rule. `fields` maps a form field to its message (may name several);
    `message` is the one line shown when nothing sits next to a field.

    A ValueError too, so a parser that has always said "bad value" by raising ValueError still does."""

    status = 422
    default = "Please check your input."

    def __init__(self, message: str | Mapping[str, str] | None = None, field: str | None = None):
        if isinstance(message, Mapping):
            self.fields = dict(message)
            text = "; ".join(self.fields.values()) or None
        else:
            self.fields = {field: message or self.default} if field else {}
            text = message
        super().__init__(text)

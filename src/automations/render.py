"""Templates (AUT-16…AUT-20): `{{ path.name }}` substitution and nothing else.

A placeholder is letters, digits and dots inside double braces, whitespace tolerated. Anything else
between braces (`{{7*7}}`, `{{ job.id | upper }}`) is not a variable: it renders empty, never
evaluated. Unknown and missing variables render empty and are listed by `unknown` for the editor.
Email bodies are HTML-escaped by `render_html`."""

from __future__ import annotations

import html
import re
from typing import Any

PLACEHOLDER = re.compile(r"\{\{(.*?)\}\}", re.S)
NAME = re.compile(r"^\s*([A-Za-z][A-Za-z0-9]*(?:\.[A-Za-z][A-Za-z0-9]*)+)\s*$")

JOB_VARS = (
    "id displayId address city state postalCode dateStart timeStart dateEnd timeEnd jobType jobSource"
    " company status notes"
).split()
LEAD_VARS = (
    "id fullName firstName lastName phone email zip serviceType callTiming urgency source status notes campaign adName"
).split()
CLIENT_VARS = "firstName lastName fullName phone email address".split()
CONTRACTOR_VARS = "name phone email".split()
KNOWN = {
    *(f"job.{v}" for v in JOB_VARS),
    *(f"lead.{v}" for v in LEAD_VARS),
    *(f"client.{v}" for v in CLIENT_VARS),
    *(f"contractor.{v}" for v in CONTRACTOR_VARS),
    "office.name",
}


def _lookup(context: dict[str, dict[str, Any]], name: str) -> str:
    group, _, key = name.partition(".")
    value = (context.get(group) or {}).get(key)
    return "" if value is None else str(value)


def render(template: str, context: dict[str, dict[str, Any]], escape: bool = False) -> str:
    def one(match: re.Match[str]) -> str:
        found = NAME.match(match.group(1))
        if not found or found.group(1) not in KNOWN:
            return ""
        value = _lookup(context, found.group(1))
        return html.escape(value) if escape else value

    return PLACEHOLDER.sub(one, template)


def unknown(template: str) -> list[str]:
    """Placeholders that are not variables (shown by the editor's preview), in order, once each."""
    seen: list[str] = []
    for match in PLACEHOLDER.finditer(template):
        found = NAME.match(match.group(1))
        label = "{{" + match.group(1).strip() + "}}"
        if (not found or found.group(1) not in KNOWN) and label not in seen:
            seen.append(label)
    return seen

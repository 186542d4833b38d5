"""The assistant's answers as HTML (AIA-6): a small Markdown subset — paragraphs, headings, bullet and
numbered lists, tables, code blocks, **bold**, *italic* and `code` — over text that is HTML-escaped
first, so nothing the model writes (or quotes from a record) can become markup, a link or a script."""

from __future__ import annotations

import html
import re

_BOLD = re.compile(r"\*\*(.+?)\*\*")
_ITALIC = re.compile(r"(?<![*\w])\*(?!\s)(.+?)(?<!\s)\*(?![*\w])")
_CODE = re.compile(r"`([^`]+)`")
_TABLE_RULE = re.compile(r"^\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?$")
_NUMBERED = re.compile(r"^\d{1,3}[.)]\s+")


def _inline(text: str) -> str:
    out = html.escape(text, quote=True)
    out = _CODE.sub(r"<code>\1</code>", out)
    out = _BOLD.sub(r"<strong>\1</strong>", out)
    return _ITALIC.sub(r"<em>\1</em>", out)


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def render(text: str) -> str:
    lines = text.replace("\r\n", "\n").split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if stripped.startswith("```"):
            block = []
            i += 1
            while i < len(lines) and not lines[i].strip().startswith("```"):
                block.append(lines[i])
                i += 1
            out.append(f"<pre><code>{html.escape(chr(10).join(block))}</code></pre>")
            i += 1
            continue
        if stripped.startswith("|") and i + 1 < len(lines) and _TABLE_RULE.match(lines[i + 1].strip()):
            head = "".join(f"<th>{_inline(c)}</th>" for c in _cells(stripped))
            rows = []
            i += 2
            while i < len(lines) and lines[i].strip().startswith("|"):
                rows.append("<tr>" + "".join(f"<td>{_inline(c)}</td>" for c in _cells(lines[i])) + "</tr>")
                i += 1
            out.append(f'<table class="md-table"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>')
            continue
        if m := re.match(r"^(#{1,4})\s+(.*)$", stripped):
            out.append(f"<h4>{_inline(m.group(2))}</h4>")
            i += 1
            continue
        if stripped.startswith(("- ", "* ")) or _NUMBERED.match(stripped):
            numbered = bool(_NUMBERED.match(stripped))
            items = []
            while i < len(lines):
                s = lines[i].strip()
                if numbered and _NUMBERED.match(s):
                    items.append(_NUMBERED.sub("", s, count=1))
                elif not numbered and s.startswith(("- ", "* ")):
                    items.append(s[2:])
                else:
                    break
                i += 1
            tag = "ol" if numbered else "ul"
            out.append(f"<{tag}>" + "".join(f"<li>{_inline(x)}</li>" for x in items) + f"</{tag}>")
            continue
        if not stripped:
            i += 1
            continue
        para = [stripped]
        i += 1
        while i < len(lines) and lines[i].strip() and not _starts_block(lines, i):
            para.append(lines[i].strip())
            i += 1
        out.append("<p>" + "<br>".join(_inline(p) for p in para) + "</p>")
    return "\n".join(out)


def _starts_block(lines: list[str], i: int) -> bool:
    s = lines[i].strip()
    return (
        s.startswith(("```", "#", "- ", "* "))
        or bool(_NUMBERED.match(s))
        or (s.startswith("|") and i + 1 < len(lines) and bool(_TABLE_RULE.match(lines[i + 1].strip())))
    )

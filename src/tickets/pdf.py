"""A small PDF writer for the ticket summary: pure Python, no dependencies, so it runs in the Worker.

fpdf2 was the first choice, but it needs fontTools (36 MB installed) and the Worker bundle would grow
past its 64 MiB limit (tests/app/test_bundle.py: 88.9 MiB with it). The summary is headings and wrapped
paragraphs, which the PDF standard fonts Helvetica and Helvetica-Bold draw without embedding anything.
Their encoding (WinAnsi, Windows-1252) covers English and Western European text, curly quotes, dashes
and the euro sign. Any other character is the fallback: it is drawn as "?" and the document ends with
a note saying which characters could not be shown, so nothing is silently lost (docs/tickets.md).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field

PAGE_W, PAGE_H = 612.0, 792.0  # US Letter, points
MARGIN = 54.0
LINE = 1.35

# Helvetica and Helvetica-Bold glyph widths (1/1000 em) by Windows-1252 byte: the standard AFM metrics.
_REGULAR = (
    278,
    278,
    278,
    278,
    278,
    278,
    278,
    278,
    278,
    278,
    278,
    278,
    278,
    278,
    278,
    278,
    278,
    278,
    278,
    278,
    278,
    278,
    278,
    278,
    278,
    278,
    278,
    278,
    278,
    278,
    278,
    278,
    278,
    278,
    355,
    556,
    556,
    889,
    667,
    191,
    333,
    333,
    389,
    584,
    278,
    333,
    278,
    278,
    556,
    556,
    556,
    556,
    556,
    556,
    556,
    556,
    556,
    556,
    278,
    278,
    584,
    584,
    584,
    556,
    1015,
    667,
    667,
    722,
    722,
    667,
    611,
    778,
    722,
    278,
    500,
    667,
    556,
    833,
    722,
    778,
    667,
    778,
    722,
    667,
    611,
    722,
    667,
    944,
    667,
    667,
    611,
    278,
    278,
    278,
    469,
    556,
    333,
    556,
    556,
    500,
    556,
    556,
    278,
    556,
    556,
    222,
    222,
    500,
    222,
    833,
    556,
    556,
    556,
    556,
    333,
    500,
    278,
    556,
    500,
    722,
    500,
    500,
    500,
    334,
    260,
    334,
    584,
    350,
    556,
    350,
    222,
    556,
    333,
    1000,
    556,
    556,
    333,
    1000,
    667,
    333,
    1000,
    350,
    611,
    350,
    350,
    222,
    222,
    333,
    333,
    350,
    556,
    1000,
    333,
    1000,
    500,
    333,
    944,
    350,
    500,
    667,
    278,
    333,
    556,
    556,
    556,
    556,
    260,
    556,
    333,
    737,
    370,
    556,
    584,
    333,
    737,
    333,
    400,
    584,
    333,
    333,
    333,
    556,
    537,
    278,
    333,
    333,
    365,
    556,
    834,
    834,
    834,
    611,
    667,
    667,
    667,
    667,
    667,
    667,
    1000,
    722,
    667,
    667,
    667,
    667,
    278,
    278,
    278,
    278,
    722,
    722,
    778,
    778,
    778,
    778,
    778,
    584,
    778,
    722,
    722,
    722,
    722,
    667,
    667,
    611,
    556,
    556,
    556,
    556,
    556,
    556,
    889,
    500,
    556,
    556,
    556,
    556,
    278,
    278,
    278,
    278,
    556,
    556,
    556,
    556,
    556,
    556,
    556,
    584,
    611,
    556,
    556,
    556,
    556,
    500,
    556,
    500,
)
_BOLD = (
    278,
    278,
    278,
    278,
    278,
    278,
    278,
    278,
    278,
    278,
    278,
    278,
    278,
    278,
    278,
    278,
    278,
    278,
    278,
    278,
    278,
    278,
    278,
    278,
    278,
    278,
    278,
    278,
    278,
    278,
    278,
    278,
    278,
    333,
    474,
    556,
    556,
    889,
    722,
    238,
    333,
    333,
    389,
    584,
    278,
    333,
    278,
    278,
    556,
    556,
    556,
    556,
    556,
    556,
    556,
    556,
    556,
    556,
    333,
    333,
    584,
    584,
    584,
    611,
    975,
    722,
    722,
    722,
    722,
    667,
    611,
    778,
    722,
    278,
    556,
    722,
    611,
    833,
    722,
    778,
    667,
    778,
    722,
    667,
    611,
    722,
    667,
    944,
    667,
    667,
    611,
    333,
    278,
    333,
    584,
    556,
    333,
    556,
    611,
    556,
    611,
    556,
    333,
    611,
    611,
    278,
    278,
    556,
    278,
    889,
    611,
    611,
    611,
    611,
    389,
    556,
    333,
    611,
    556,
    778,
    556,
    556,
    500,
    389,
    280,
    389,
    584,
    350,
    556,
    350,
    278,
    556,
    500,
    1000,
    556,
    556,
    333,
    1000,
    667,
    333,
    1000,
    350,
    611,
    350,
    350,
    278,
    278,
    500,
    500,
    350,
    556,
    1000,
    333,
    1000,
    556,
    333,
    944,
    350,
    500,
    667,
    278,
    333,
    556,
    556,
    556,
    556,
    280,
    556,
    333,
    737,
    370,
    556,
    584,
    333,
    737,
    333,
    400,
    584,
    333,
    333,
    333,
    611,
    556,
    278,
    333,
    333,
    365,
    556,
    834,
    834,
    834,
    611,
    722,
    722,
    722,
    722,
    722,
    722,
    1000,
    722,
    667,
    667,
    667,
    667,
    278,
    278,
    278,
    278,
    722,
    722,
    778,
    778,
    778,
    778,
    778,
    584,
    778,
    722,
    722,
    722,
    722,
    667,
    667,
    611,
    556,
    556,
    556,
    556,
    556,
    556,
    889,
    556,
    556,
    556,
    556,
    556,
    278,
    278,
    278,
    278,
    611,
    611,
    611,
    611,
    611,
    611,
    611,
    584,
    611,
    611,
    611,
    611,
    611,
    556,
    611,
    556,
)


def _encode(text: str, missing: set[str]) -> bytes:
    out = bytearray()
    for ch in text:
        try:
            out += ch.encode("cp1252")
        except UnicodeEncodeError:
            missing.add(ch)
            out += b"?"
    return bytes(out)


def _width(data: bytes, size: float, bold: bool) -> float:
    table = _BOLD if bold else _REGULAR
    return sum(table[b] for b in data) * size / 1000.0


def _escape(data: bytes) -> bytes:
    return data.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


@dataclass
class Document:
    """Add headings and paragraphs; `output()` answers the PDF bytes."""

    title: str = ""
    pages: list[list[bytes]] = field(default_factory=list)
    missing: set[str] = field(default_factory=set)
    y: float = 0.0

    def _line(self, data: bytes, size: float, bold: bool, color: str = "0 0 0") -> None:
        if not self.pages or self.y - size * LINE < MARGIN:
            self.pages.append([])
            self.y = PAGE_H - MARGIN
        self.y -= size * LINE
        font = b"/F2" if bold else b"/F1"
        self.pages[-1].append(
            b"BT "
            + color.encode()
            + b" rg "
            + font
            + b" %.1f Tf %.2f %.2f Td (" % (size, MARGIN, self.y)
            + _escape(data)
            + b") Tj ET"
        )

    def space(self, points: float) -> None:
        self.y -= points

    def text(self, text: str, *, size: float = 11, bold: bool = False, color: str = "0 0 0") -> None:
        """A paragraph, wrapped at the margins (blank lines kept as space)."""
        usable = PAGE_W - 2 * MARGIN
        for raw in text.replace("\r\n", "\n").split("\n"):
            if not raw.strip():
                self.space(size * 0.6)
                continue
            line = b""
            for word in _encode(raw, self.missing).split(b" "):
                candidate = word if not line else line + b" " + word
                if _width(candidate, size, bold) <= usable:
                    line = candidate
                    continue
                if line:
                    self._line(line, size, bold, color)
                while _width(word, size, bold) > usable:  # a word longer than the line: break it
                    cut = len(word)
                    while cut > 1 and _width(word[:cut], size, bold) > usable:
                        cut -= 1
                    self._line(word[:cut], size, bold, color)
                    word = word[cut:]
                line = word
            if line:
                self._line(line, size, bold, color)

    def heading(self, text: str, size: float = 14) -> None:
        self.space(size * 0.5)
        self.text(text, size=size, bold=True)

    def output(self) -> bytes:
        if self.missing:
            shown = " ".join(f"U+{ord(c):04X}" for c in sorted(self.missing)[:12])
            more = " and more" if len(self.missing) > 12 else ""
            self.space(12)
            note = (
                f"Note: {len(self.missing)} kind(s) of character could not be shown in this PDF's font"
                f" and appear as ?: {shown}{more}."
            )
            self.text(note, size=8, color="0.4 0.4 0.4")
        if not self.pages:
            self.pages.append([])
        return _assemble(self.pages, self.title)


def _assemble(pages: list[list[bytes]], title: str) -> bytes:
    n = len(pages)
    # objects: 1 catalog, 2 pages, 3 font regular, 4 font bold, 5 info, then (page, content) pairs
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [" + b" ".join(b"%d 0 R" % (6 + 2 * i) for i in range(n)) + b"] /Count %d >>" % n,
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>",
        b"<< /Title (" + _escape(_encode(title, set())) + b") /Producer (Porchlight) >>",
    ]
    for i, ops in enumerate(pages):
        stream = zlib.compress(b"\n".join(ops), 6)
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] /Resources << /Font << /F1 3 0 R /F2 4 0 R >> >>"
            b" /Contents %d 0 R >>" % (int(PAGE_W), int(PAGE_H), 7 + 2 * i)
        )
        objects.append(b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream")
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info 5 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)

"""A tiny pure-Python PNG writer for the emailed report's chart fallback (mail clients that block SVG).

Only what a bar or column chart needs: a white canvas, filled rectangles, zlib + the three PNG chunks
(stdlib only, so it runs in the Worker's Pyodide as it does locally). No text: the email's table
beside each chart carries the labels and numbers."""

from __future__ import annotations

import base64
import struct
import zlib

RGB = tuple[int, int, int]


class Canvas:
    def __init__(self, width: int, height: int, background: RGB = (255, 255, 255)):
        self.width, self.height = width, height
        self.rows = [bytearray(bytes(background) * width) for _ in range(height)]

    def rect(self, x: float, y: float, w: float, h: float, color: RGB) -> None:
        x0, y0 = max(0, int(x)), max(0, int(y))
        x1, y1 = min(self.width, round(x + w)), min(self.height, round(y + h))
        if x1 <= x0 or y1 <= y0:
            return
        run = bytes(color) * (x1 - x0)
        for row in self.rows[y0:y1]:
            row[x0 * 3 : x1 * 3] = run

    def png(self) -> bytes:
        raw = b"".join(b"\x00" + bytes(r) for r in self.rows)

        def chunk(kind: bytes, data: bytes) -> bytes:
            return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

        header = struct.pack(">IIBBBBB", self.width, self.height, 8, 2, 0, 0, 0)
        return (
            b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")
        )

    def data_uri(self) -> str:
        return "data:image/png;base64," + base64.b64encode(self.png()).decode()

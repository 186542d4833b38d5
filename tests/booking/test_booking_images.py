"""Logo and service images: PNG/JPEG by their bytes, SVG rebuilt from an allow-list."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from booking.images import MAX_BYTES, ImageRefused, check, sanitize_svg

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
NASTY = b"""<?xml version="1.0"?>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"
     viewBox="0 0 10 10" onload="alert(1)">
  <script>alert(2)</script>
  <defs><linearGradient id="g"><stop offset="0" stop-color="#f00"/></linearGradient></defs>
  <rect width="10" height="10" fill="url(#g)" onclick="steal()" style="fill: url(https://evil.example/x)"/>
  <circle r="3" fill="url(https://evil.example/track.svg#a)"/>
  <a href="javascript:alert(3)"><text x="1" y="5">Joe's</text></a>
  <use href="#g"/><use xlink:href="https://evil.example/sprite.svg#icon"/>
  <image href="https://evil.example/pixel.png"/>
  <foreignObject><div xmlns="http://www.w3.org/1999/xhtml">hi</div></foreignObject>
  <style>@import url(https://evil.example/x.css);</style>
  <path d="M0 0L10 10" stroke="#000" stroke-width="2"/>
</svg>"""


def test_it_keeps_the_drawing_and_drops_everything_that_could_run_or_reach_out():
    clean = sanitize_svg(NASTY).decode()
    for gone in ("script", "alert", "onload", "onclick", "evil.example", "foreignObject", "<style", "<image", "<a "):
        assert gone not in clean, gone
    root = ET.fromstring(clean)  # noqa: S314 (our own output)
    names = [el.tag.split("}")[-1] for el in root.iter()]
    assert names[0] == "svg" and "path" in names and "rect" in names and "linearGradient" in names
    assert root.get("viewBox") == "0 0 10 10"
    rect = next(el for el in root.iter() if el.tag.endswith("rect"))
    assert rect.get("fill") == "url(#g)" and rect.get("style") is None
    assert 'href="#g"' in clean  # a reference inside the image stays


@pytest.mark.parametrize(
    "body",
    [
        b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaa">]><svg xmlns="http://www.w3.org/2000/svg">&a;</svg>',
        b'<!DOCTYPE svg SYSTEM "http://evil.example/x.dtd"><svg xmlns="http://www.w3.org/2000/svg"/>',
        b"<svg xmlns='http://www.w3.org/2000/svg'><unclosed></svg>",
        b"<html><body>not svg</body></html>",
        b"\xff\xfe<\x00s\x00",
    ],
)
def test_it_refuses_what_it_cannot_read_safely(body):
    with pytest.raises(ImageRefused):
        sanitize_svg(body)


def test_check_accepts_png_jpeg_and_sanitised_svg_only():
    assert check("logo.png", PNG).content_type == "image/png"
    assert check("logo.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 32).content_type == "image/jpeg"
    svg = check("logo.svg", NASTY)
    assert svg.content_type == "image/svg+xml" and b"script" not in svg.data
    with pytest.raises(ImageRefused, match="PNG, JPG or SVG"):
        check("logo.gif", b"GIF89a" + b"\x00" * 16)
    with pytest.raises(ImageRefused, match="PNG, JPG or SVG"):
        check("logo.png", b"<html><script>alert(1)</script></html>")  # a renamed page
    with pytest.raises(ImageRefused, match="200 KB"):
        check("logo.png", PNG + b"\x00" * MAX_BYTES)
    with pytest.raises(ImageRefused, match="empty"):
        check("logo.png", b"")

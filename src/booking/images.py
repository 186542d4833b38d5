"""Images a booking embed shows to the public: the logo and the service pictures.

PNG and JPEG are accepted by their bytes (the same sniffer as customer files). SVG is text that a
browser would run as a document, so it is rebuilt from an allow-list rather than filtered: the XML
is parsed with the standard library (no DOCTYPE or entity declarations at all, so no entity
expansion and no external entities), and only known drawing elements and presentation attributes
are copied into a fresh document. Scripts, event handlers, foreign objects, styles sheets and any
reference that is not to a fragment of the same image (`#id`) are dropped.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from core import attachments

MAX_BYTES = 200 * 1024
SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"

ELEMENTS = frozenset(
    {
        "svg", "g", "path", "rect", "circle", "ellipse", "line", "polyline", "polygon", "text", "tspan",
        "defs", "linearGradient", "radialGradient", "stop", "clipPath", "mask", "symbol", "use", "title", "desc",
    }
)  # fmt: skip
ATTRIBUTES = frozenset(
    {
        "id", "class", "viewBox", "width", "height", "x", "y", "x1", "y1", "x2", "y2", "cx", "cy", "r", "rx", "ry",
        "d", "points", "transform", "fill", "fill-opacity", "fill-rule", "stroke", "stroke-width",
        "stroke-linecap", "stroke-linejoin", "stroke-miterlimit", "stroke-dasharray", "stroke-dashoffset",
        "stroke-opacity", "opacity", "clip-path", "clip-rule", "mask", "offset", "stop-color", "stop-opacity",
        "gradientUnits", "gradientTransform", "spreadMethod", "fx", "fy", "fr", "preserveAspectRatio",
        "font-family", "font-size", "font-weight", "font-style", "text-anchor", "dominant-baseline",
        "letter-spacing", "dx", "dy", "visibility", "display", "style", "href", "version", "role", "aria-label",
        "aria-hidden", "clipPathUnits", "maskUnits", "maskContentUnits", "vector-effect", "paint-order",
    }
)  # fmt: skip
# Values that point somewhere: only a fragment of this very image may be named.
_URL = re.compile(r"url\(\s*(['\"]?)(.*?)\1\s*\)", re.IGNORECASE)
_STYLE_OK = re.compile(r"^[\w\s#%.,:;()'\"-]*$")
_DECLARATIONS = re.compile(r"<!(DOCTYPE|ENTITY|ELEMENT|ATTLIST)", re.IGNORECASE)


class ImageRefused(ValueError):
    """The message names what is wrong in words a business owner understands."""


@dataclass(frozen=True)
class Image:
    content_type: str
    data: bytes


def _local_name(tag: str) -> tuple[str | None, str]:
    if tag.startswith("{"):
        ns, _, name = tag[1:].partition("}")
        return ns, name
    return None, tag


def _safe_value(name: str, value: str) -> bool:
    if "javascript:" in value.lower().replace(" ", "") or "expression(" in value.lower():
        return False
    if name == "href":
        return value.startswith("#")
    if name == "style" and not _STYLE_OK.match(value):
        return False
    return all(target.startswith("#") for _, target in _URL.findall(value))


def _copy(source: ET.Element, parent: ET.Element | None) -> ET.Element | None:
    ns, name = _local_name(source.tag)
    if ns not in (SVG_NS, None) or name not in ELEMENTS:
        return None
    element = ET.Element(name) if parent is None else ET.SubElement(parent, name)
    for raw_name, value in source.attrib.items():
        attr_ns, attr = _local_name(raw_name)
        if attr_ns not in (None, XLINK_NS) or attr.lower().startswith("on") or attr not in ATTRIBUTES:
            continue
        if _safe_value(attr, value):
            element.set(attr, value)
    element.text = source.text if name in ("text", "tspan", "title", "desc") else None
    for child in source:
        kept = _copy(child, element)
        if kept is not None:
            kept.tail = child.tail if name in ("text", "tspan") else None
    return element


def sanitize_svg(data: bytes) -> bytes:
    """A clean copy of an SVG image, or ImageRefused when it is not one we can read."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImageRefused("That SVG is not UTF-8 text.") from None
    if _DECLARATIONS.search(text):
        raise ImageRefused("SVG files with a DOCTYPE or entity declarations are not accepted.")
    try:
        # Safe here: declarations were refused above, so expat sees no DTD, entities or external refs.
        root = ET.fromstring(text)  # noqa: S314
    except ET.ParseError:
        raise ImageRefused("That SVG could not be read; export it again from your design tool.") from None
    if _local_name(root.tag)[1] != "svg":
        raise ImageRefused("That file is not an SVG image.")
    clean = _copy(root, None)
    assert clean is not None
    clean.set("xmlns", SVG_NS)
    return ET.tostring(clean, encoding="unicode").encode("utf-8")


def _looks_like_svg(data: bytes, filename: str) -> bool:
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return filename.lower().endswith(".svg") or head.startswith((b"<svg", b"<?xml"))


def check(filename: str, data: bytes, *, allow_svg: bool = True) -> Image:
    """A PNG, JPEG or (sanitised) SVG of at most 200 KB, or ImageRefused."""
    if not data:
        raise ImageRefused("That file is empty.")
    if len(data) > MAX_BYTES:
        raise ImageRefused(f"Images may be at most {MAX_BYTES // 1024} KB.")
    kind = attachments.sniff(data, filename)
    if kind in ("image/png", "image/jpeg"):
        return Image(kind, data)
    if allow_svg and _looks_like_svg(data, filename):
        return Image("image/svg+xml", sanitize_svg(data))
    raise ImageRefused("Use a PNG, JPG or SVG image." if allow_svg else "Use a PNG or JPG image.")

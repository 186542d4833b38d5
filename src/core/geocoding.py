"""Where an address or a US ZIP is: the geocoder interface (`Bindings.geocoder`) and its providers.

`OfflineGeocoder` (the default, on both runtimes) answers a ZIP from the bundled USPS table in
`core/zipdata.py` (city, state, centroid, IANA zone) and an address by the ZIP at its end.
`CensusGeocoder` asks the US Census Bureau's public geocoder (no key) for street addresses, through
`outbound`, and answers ZIPs offline. A place that cannot be found is None; callers turn it into a
422 on their field (`core.errors.Invalid`), never a 5xx: a provider that fails or answers nonsense
is treated as "not found" and logged.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from core import outbound, us_address

log = logging.getLogger(__name__)

EARTH_RADIUS_MILES = 3958.7613


@dataclass(frozen=True, slots=True)
class Place:
    zip: str
    city: str
    state: str
    lat: float
    lng: float
    time_zone: str
    matched_address: str = ""  # what the provider matched, for an address lookup


class Geocoder(Protocol):
    async def zip(self, zip_code: str) -> Place | None: ...

    async def address(self, text: str) -> Place | None: ...


def miles_between(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance (haversine) in statute miles."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_MILES * math.asin(min(1.0, math.sqrt(h)))


_TABLE: dict[str, tuple[str, str, float, float, str]] | None = None


def _table() -> dict[str, tuple[str, str, float, float, str]]:
    """The bundled ZIP table, parsed on first use (about 40,000 lines) and kept."""
    global _TABLE
    if _TABLE is None:
        from core import zipdata

        zones = zipdata.ZONES
        table = {}
        for line in zipdata.DATA.splitlines():
            code, city, state, lat, lng, zone = line.split("|")
            table[code] = (city, state, float(lat), float(lng), zones[int(zone)])
        _TABLE = table
    return _TABLE


def zip_place(zip_code: str) -> Place | None:
    """The bundled table's answer for a five-digit ZIP, or None."""
    if len(zip_code) != 5 or not zip_code.isascii() or not zip_code.isdigit():
        return None
    found = _table().get(zip_code)
    if found is None:
        return None
    city, state, lat, lng, zone = found
    return Place(zip_code, city, state, lat, lng, zone)


class OfflineGeocoder:
    """ZIPs from the bundled table; an address by its ZIP (the centroid stands in for the street)."""

    async def zip(self, zip_code: str) -> Place | None:
        return zip_place(zip_code)

    async def address(self, text: str) -> Place | None:
        code = us_address.tail(text).zip
        return zip_place(code) if code else None


CENSUS_URL = "https://geocoding.geo.census.gov"
CENSUS_PATH = "/geocoder/locations/onelineaddress"
CENSUS_BENCHMARK = "Public_AR_Current"


class CensusGeocoder(OfflineGeocoder):
    """Street addresses from the Census Bureau's `onelineaddress` endpoint (JSON); ZIPs offline."""

    def __init__(self, base_url: str = CENSUS_URL, http: Callable[..., httpx.AsyncClient] = outbound.client):
        self.base_url = base_url.rstrip("/")
        self.http = http

    async def address(self, text: str) -> Place | None:
        params = {"address": text[:300], "benchmark": CENSUS_BENCHMARK, "format": "json"}
        try:
            async with self.http() as client:
                response = await client.get(self.base_url + CENSUS_PATH, params=params)
            if response.status_code != 200:
                log.warning("census geocoder answered %s", response.status_code)
                return None
            return _census_place(response.json())
        except (httpx.HTTPError, ValueError, KeyError, TypeError) as error:
            log.warning("census geocoder failed: %s", type(error).__name__)
            return None


def _census_place(body: Any) -> Place | None:
    matches = body["result"]["addressMatches"]
    if not matches:
        return None
    best = matches[0]
    parts = best.get("addressComponents") or {}
    lng, lat = float(best["coordinates"]["x"]), float(best["coordinates"]["y"])
    code = str(parts.get("zip") or "")
    by_zip = zip_place(code)
    if not (-90 <= lat <= 90 and -180 <= lng <= 180) or by_zip is None:
        return None
    city = str(parts.get("city") or by_zip.city).title()
    state = str(parts.get("state") or by_zip.state).upper()
    return Place(code, city, state, lat, lng, by_zip.time_zone, str(best.get("matchedAddress") or ""))


def from_setting(name: str, url: str = "") -> Geocoder:
    """`offline` (default) or `census` (PORCHLIGHT_GEOCODER; PORCHLIGHT_GEOCODER_URL overrides the host)."""
    if name == "census":
        return CensusGeocoder(url or CENSUS_URL)
    return OfflineGeocoder()

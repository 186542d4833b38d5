"""Travel between two points: the routing interface the day planner asks (TECH-4).

`Bindings.routing` holds one provider. The offline default, `GreatCircle`, needs no network: the
great-circle distance times a road factor, driven at an average speed. It is an estimate and says so
(`Route.estimate`, `Route.basis`); a provider that asks a real router (called through `outbound`, with a
fake server in tests/fakes/) returns `estimate=False` and its own basis.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol

from core.geocoding import miles_between


@dataclass(frozen=True)
class Point:
    lat: float
    lng: float


@dataclass(frozen=True)
class Route:
    miles: float
    minutes: int
    estimate: bool
    basis: str


class Routing(Protocol):
    async def route(self, origin: Point, destination: Point) -> Route: ...


@dataclass(frozen=True)
class GreatCircle:
    """The offline default: straight-line miles × ROAD_FACTOR, at AVERAGE_MPH."""

    road_factor: float = 1.3
    average_mph: float = 30.0

    @property
    def basis(self) -> str:
        return f"estimate: great-circle distance × {self.road_factor:g} road factor at {self.average_mph:g} mph"

    async def route(self, origin: Point, destination: Point) -> Route:
        miles = miles_between(origin.lat, origin.lng, destination.lat, destination.lng) * self.road_factor
        minutes = math.ceil(miles / self.average_mph * 60) if miles > 0 else 0
        return Route(miles=round(miles, 1), minutes=minutes, estimate=True, basis=self.basis)

"""A route in the local frame: waypoints tagged with the kind of leg that reaches them."""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from enum import Enum

Point2 = tuple[float, float]


class LegKind(Enum):
    """What the leg arriving at a waypoint is for (drawn differently in previews)."""

    DEPART = "depart"
    LANE = "lane"
    TRANSIT = "transit"
    PERIMETER = "perimeter"
    HOTSPOT = "hotspot"
    RETURN = "return"


@dataclass(frozen=True, slots=True)
class Waypoint:
    """A waypoint east/north of home in metres; `loiter_s` > 0 hovers there."""

    east_m: float
    north_m: float
    kind: LegKind
    loiter_s: float = 0.0

    @property
    def xy(self) -> Point2:
        return (self.east_m, self.north_m)


def path_length_m(points: list[Point2]) -> float:
    return sum(math.dist(p, q) for p, q in itertools.pairwise(points))


def append_path(route: list[Waypoint], path: list[Point2], kind: LegKind) -> None:
    """Add a path's points after the first (the first is where the route already is)."""
    for east_m, north_m in path[1:]:
        if route and (east_m, north_m) == route[-1].xy:
            continue
        route.append(Waypoint(east_m, north_m, kind))

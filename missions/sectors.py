"""Splitting a patrol between several vehicles: one sector each.

Areas are cut into strips of equal area across their long axis, so each sector is compact and
its sweep lanes stay long. A perimeter loop is cut into arcs of equal length. Hot-spots go to
the sector they lie in. Each vehicle flies its own altitude (see `PatrolSpec.alt_step_m`).
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import shapely
from shapely import affinity
from shapely.geometry import box
from shapely.geometry.base import BaseGeometry

from missions.route import LegKind, Point2, Waypoint

_BISECTIONS = 50


def long_axis_deg(area: BaseGeometry) -> float:
    """The bearing of the long side of the area's minimum rotated rectangle (maths angle)."""
    rect = shapely.get_coordinates(shapely.oriented_envelope(area))
    sides = np.diff(rect[:3], axis=0)
    longest = sides[int(np.argmax(np.hypot(sides[:, 0], sides[:, 1])))]
    return math.degrees(math.atan2(longest[1], longest[0]))


def split_area(area: BaseGeometry, count: int) -> list[BaseGeometry]:
    """`count` strips of equal area across the long axis, in order along it."""
    if count == 1:
        return [area]
    angle = long_axis_deg(area)
    turned = affinity.rotate(area, -angle, origin=(0.0, 0.0))
    x0, y0, x1, y1 = turned.bounds
    total = turned.area

    def left_of(x: float) -> BaseGeometry:
        return turned.intersection(box(x0 - 1.0, y0 - 1.0, x, y1 + 1.0))

    cuts = [x0]
    for k in range(1, count):
        lo, hi = cuts[-1], x1
        for _ in range(_BISECTIONS):
            mid = (lo + hi) / 2
            if left_of(mid).area < total * k / count:
                lo = mid
            else:
                hi = mid
        cuts.append((lo + hi) / 2)
    cuts.append(x1 + 1.0)
    strips = [
        turned.intersection(box(a, y0 - 1.0, b, y1 + 1.0)) for a, b in itertools.pairwise(cuts)
    ]
    return [affinity.rotate(s, angle, origin=(0.0, 0.0)) for s in strips]


def sector_of(point: Point2, sectors: list[BaseGeometry]) -> int:
    """The sector holding `point` (the nearest, for one on a cut)."""
    p = shapely.points(point)
    return min(range(len(sectors)), key=lambda k: sectors[k].distance(p))


def split_route(route: list[Waypoint], count: int) -> list[list[Waypoint]]:
    """A route cut into `count` pieces of equal length, each starting with a transit to it."""
    if count == 1:
        return [route]
    xy = np.array([w.xy for w in route], dtype=float)
    cumulative = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(xy, axis=0).T))])
    pieces: list[list[Waypoint]] = []
    for k in range(count):
        a, b = cumulative[-1] * k / count, cumulative[-1] * (k + 1) / count
        start, end = _point_at(route, cumulative, a), _point_at(route, cumulative, b)
        inside = [w for w, s in zip(route, cumulative, strict=True) if a < s < b]
        piece = [Waypoint(start[0], start[1], LegKind.TRANSIT), *inside]
        kind = route[min(int(np.searchsorted(cumulative, b)), len(route) - 1)].kind
        piece.append(Waypoint(end[0], end[1], kind))
        pieces.append(piece)
    return pieces


def _point_at(route: list[Waypoint], cumulative: np.ndarray, s: float) -> Point2:
    k = int(np.clip(np.searchsorted(cumulative, s) - 1, 0, len(route) - 2))
    span = cumulative[k + 1] - cumulative[k]
    t = 0.0 if span == 0 else (s - cumulative[k]) / span
    a, b = route[k].xy, route[k + 1].xy
    return (a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1]))

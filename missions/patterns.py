"""Route patterns over the free space: coverage sweep, perimeter loop, hot-spot visits.

Each returns the working part of a patrol (no take-off or return) as local waypoints, every leg
inside the free space: transits between lanes or hot-spots go through the `Router`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry
from shapely.geometry.polygon import orient

from geofence.build import polygons_of
from missions.lanes import FloatArray, Lanes, best_angle, cut_lanes
from missions.ordering import order_points, order_segments
from missions.route import LegKind, Point2, Waypoint, append_path
from missions.routing import Router


@dataclass(frozen=True, slots=True)
class Sweep:
    """A sweep's waypoints and the lanes they fly (for coverage and previews)."""

    waypoints: tuple[Waypoint, ...]
    lanes: Lanes


def sweep(
    free: BaseGeometry,
    router: Router,
    start: Point2,
    *,
    spacing_m: float,
    turn_cost_m: float,
    angle_deg: float | None,
) -> Sweep:
    """Boustrophedon-style coverage: lanes at the best angle, ordered greedily, transits routed."""
    angle = best_angle(free, spacing_m, turn_cost_m) if angle_deg is None else angle_deg % 180
    lanes = cut_lanes(free, angle, spacing_m)
    ordered = order_segments(lanes.segments, start)
    route: list[Waypoint] = []
    here = start
    for seg in ordered:
        a = (float(seg[0, 0]), float(seg[0, 1]))
        b = (float(seg[1, 0]), float(seg[1, 1]))
        if route:
            append_path(route, router.route(here, a), LegKind.TRANSIT)
        else:
            route.append(Waypoint(a[0], a[1], LegKind.TRANSIT))
        route.append(Waypoint(b[0], b[1], LegKind.LANE))
        here = b
    return Sweep(tuple(route), Lanes(ordered, angle, spacing_m))


def work_legs(route: list[Waypoint]) -> FloatArray:
    """The legs between consecutive work waypoints as an (N, 2, 2) array."""
    xy = np.asarray([w.xy for w in route], dtype=float).reshape(-1, 2)
    return np.stack([xy[:-1], xy[1:]], axis=1) if len(xy) > 1 else np.zeros((0, 2, 2))


def perimeter(
    free: BaseGeometry, router: Router, start: Point2, *, clockwise: bool
) -> list[Waypoint]:
    """A loop along each free-space outline (the zone boundary offset by the margin)."""
    route: list[Waypoint] = []
    here = start
    for poly in sorted(polygons_of(free), key=lambda p: p.distance(shapely.points(start))):
        ring = np.asarray(orient(poly, -1.0 if clockwise else 1.0).exterior.coords)[:-1]
        k = int(np.argmin(np.hypot(ring[:, 0] - here[0], ring[:, 1] - here[1])))
        loop = [(float(x), float(y)) for x, y in np.vstack([ring[k:], ring[:k], ring[k : k + 1]])]
        if route:
            append_path(route, router.route(here, loop[0]), LegKind.TRANSIT)
        else:
            route.append(Waypoint(loop[0][0], loop[0][1], LegKind.TRANSIT))
        append_path(route, loop, LegKind.PERIMETER)
        here = loop[-1]
    return route


def points(
    router: Router, start: Point2, spots: list[Point2], *, loiter_s: float
) -> list[Waypoint]:
    """Visit every hot-spot in a short order, loitering at each."""
    order = order_points(spots, start, router.path_length_m)
    route: list[Waypoint] = []
    here = start
    for k in order:
        path = router.route(here, spots[k])
        append_path(route, path[:-1], LegKind.TRANSIT)
        route.append(Waypoint(spots[k][0], spots[k][1], LegKind.HOTSPOT, loiter_s))
        here = spots[k]
    return route


def coverage_pct(free: BaseGeometry, legs: FloatArray, across_m: float, along_m: float) -> float:
    """Share of the free area inside the union of camera footprints swept along `legs`.

    `legs` is an (N, 2, 2) array of [start, end]; the camera faces along each leg (a multicopter
    yaws to its next waypoint) and records throughout, so turns between lanes count too.
    """
    if free.area == 0 or len(legs) == 0:
        return 0.0
    rects = []
    for seg in legs:
        d = seg[1] - seg[0]
        length = float(np.hypot(*d))
        if length == 0:
            continue
        u = d / length
        v = np.array([-u[1], u[0]])
        a = seg[0] - u * along_m / 2
        b = seg[1] + u * along_m / 2
        w = v * across_m / 2
        rects.append(Polygon([a - w, b - w, b + w, a + w]))
    seen = shapely.union_all(rects)
    return float(seen.intersection(free).area / free.area * 100.0)

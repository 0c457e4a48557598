"""Route patterns over the free space: coverage sweep, perimeter loop, hot-spot visits.

Each returns the working part of a patrol (no take-off or return) as local waypoints, every leg
inside the free space: transits between lanes or hot-spots go through the `Router`.
"""

from __future__ import annotations

import itertools
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

#: Uncovered pieces smaller than this share of one camera footprint are left unrepaired (pockets
#: beside round obstacles, slivers at curved edges): a lane for each would cost more than it sees.
MIN_GAP_FOOTPRINTS = 0.5


@dataclass(frozen=True, slots=True)
class Sweep:
    """A sweep's waypoints, the lanes they fly, and the share of the free area the lanes see."""

    waypoints: tuple[Waypoint, ...]
    lanes: Lanes
    coverage_pct: float


def sweep(
    free: BaseGeometry,
    router: Router,
    start: Point2,
    *,
    spacing_m: float,
    turn_cost_m: float,
    angle_deg: float | None,
    across_m: float,
    along_m: float,
) -> Sweep:
    """Boustrophedon-style coverage: lanes at the best angle, gaps repaired, ordered greedily,
    transits routed."""
    angle = best_angle(free, spacing_m, turn_cost_m) if angle_deg is None else angle_deg % 180
    lanes, coverage = _repaired(free, cut_lanes(free, angle, spacing_m), across_m, along_m)
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
    return Sweep(tuple(route), Lanes(ordered, angle, spacing_m), coverage)


def _repaired(
    free: BaseGeometry, lanes: Lanes, across_m: float, along_m: float
) -> tuple[Lanes, float]:
    """Lanes plus one through each uncovered strip, and the coverage they give (percent).

    Lanes are placed at one spacing across the whole area, so an edge parallel to them inside
    the area (the inner corner of an L) can fall just beyond a footprint: a strip along it goes
    unseen. A lane down the middle of each such strip closes it.
    """
    if free.area == 0 or len(lanes.segments) == 0:
        return lanes, 0.0
    seen = footprints(lanes.segments, across_m, along_m)
    extra = [
        cut_lanes(piece, lanes.angle_deg, lanes.spacing_m).segments
        for piece in polygons_of(free.difference(seen))
        if piece.area >= MIN_GAP_FOOTPRINTS * across_m * along_m
    ]
    extra = [e for e in extra if len(e)]
    if extra:
        added = np.vstack(extra)
        seen = seen.union(footprints(added, across_m, along_m))
        lanes = Lanes(np.vstack([lanes.segments, added]), lanes.angle_deg, lanes.spacing_m)
    return lanes, float(seen.intersection(free).area / free.area * 100.0)


def flown_lanes(route: list[Waypoint], lanes: Lanes) -> Lanes:
    """`lanes` as `route` flies them: each lane leg from where it starts to where it ends."""
    legs = [(a.xy, b.xy) for a, b in itertools.pairwise(route) if b.kind is LegKind.LANE]
    segments = np.asarray(legs, dtype=float).reshape(-1, 2, 2)
    return Lanes(segments, lanes.angle_deg, lanes.spacing_m)


def coverage_pct(lanes: Lanes, region: BaseGeometry, across_m: float, along_m: float) -> float:
    """The share of `region` (percent) the camera sees flying `lanes`."""
    if region.area == 0 or len(lanes.segments) == 0:
        return 0.0
    seen = footprints(lanes.segments, across_m, along_m)
    return float(seen.intersection(region).area / region.area * 100.0)


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


def footprints(legs: FloatArray, across_m: float, along_m: float) -> BaseGeometry:
    """The ground the camera sees flying `legs` ((N, 2, 2) [start, end]), facing along each leg
    (a multicopter yaws to its next waypoint): a rectangle per leg, one footprint longer."""
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
    return shapely.union_all(rects)

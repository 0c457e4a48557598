"""A patrol for scoring detection in the simulator: loiter stations beside targets inside the
zone, and targets just outside it and across the river where the camera still sees them."""

from __future__ import annotations

import math
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry
from shapely.ops import nearest_points

from geofence.build import polygons_of
from geofence.frames import LatLon
from missions import plan_file
from missions.mission import Mission, return_item, speed_item, takeoff_item, waypoint_item
from missions.planner import Plan
from missions.route import LegKind, Waypoint
from sim.scenario import TargetSpec
from sim.targets import TargetClass

EXAMPLES = Path(__file__).resolve().parents[1] / "missions" / "examples" / "mukdahan"

ALT_M = 60.0
LOITER_S = 15.0


@dataclass(frozen=True)
class Truth:
    name: str
    label: str
    east_m: float
    north_m: float
    inside: bool


Point2 = tuple[float, float]


def _beyond(station: Point2, boundary: BaseGeometry, metres: float) -> Point2:
    """A point `metres` past the nearest point of `boundary` from `station`."""
    _a, b = nearest_points(Point(station), boundary)
    d = math.dist(station, (b.x, b.y))
    return (b.x + (b.x - station[0]) / d * metres, b.y + (b.y - station[1]) / d * metres)


def layout() -> tuple[Plan, list[tuple[float, float]], list[Truth]]:
    plan = plan_file(EXAMPLES / "hotspots.toml")
    fence = plan.local_fence
    free = fence.free_space()
    river = max(polygons_of(fence.exclusion), key=lambda g: g.area)
    a, _b = nearest_points(free, river)
    station_a = (a.x - 1.0, a.y)
    b, _ = nearest_points(free, Point(0.0, -150.0))
    station_b = (b.x, b.y + 1.0)
    station_c = (213.5, 44.3)
    truths = [
        Truth("a-person", "person", station_a[0] - 8, station_a[1] + 5, True),
        Truth("a-car", "car", station_a[0] - 6, station_a[1] - 7, True),
        Truth("b-person", "person", station_b[0] + 6, station_b[1] + 4, True),
        Truth("c-person", "person", station_c[0] + 5, station_c[1] - 6, True),
        Truth("c-car", "car", station_c[0] - 7, station_c[1] + 3, True),
    ]
    across = _beyond(station_a, river.boundary, 4.0)
    outside = _beyond(station_b, fence.inclusion.boundary, 3.0)
    truths += [
        Truth("across-the-river", "person", across[0], across[1], False),
        Truth("outside-the-zone", "person", outside[0], outside[1], False),
    ]
    return plan, [station_b, station_c, station_a], truths


def mission(plan: Plan, stations: list[Point2]) -> Mission:
    frame, home = plan.frame, plan.missions[0].home
    items = [takeoff_item(home, ALT_M), speed_item(8.0)]
    for e, n in stations:
        here = frame.enu2geodetic(e, n)
        wp = Waypoint(e, n, LegKind.HOTSPOT, LOITER_S)
        items.append(waypoint_item(wp, here.lat_deg, here.lon_deg, ALT_M))
    items.append(return_item())
    return Mission("vision-scoring", home, tuple(items), plan.fence, plan.missions[0].rally)


def targets(plan: Plan, truths: list[Truth]) -> tuple[TargetSpec, ...]:
    out = []
    for t in truths:
        where = plan.frame.enu2geodetic(t.east_m, t.north_m)
        kind = TargetClass(t.label)
        heat = 0.6 if kind is TargetClass.CAR else 0.9
        out.append(TargetSpec(t.name, kind, (LatLon(where.lat_deg, where.lon_deg),), 0.0, heat))
    return tuple(out)


@dataclass(frozen=True)
class Score:
    recall: float
    precision: float
    duplicates: float  # extra hits per matched target
    median_error_m: float
    p95_error_m: float
    hits_outside: int


def score(plan: Plan, truths: list[Truth], log: Path, match_m: float = 4.0) -> Score:
    db = sqlite3.connect(log)
    rows = db.execute("SELECT label, lat_deg, lon_deg FROM hits").fetchall()
    db.close()
    hits = [(label, *plan.frame.geodetic2enu(lat, lon)) for label, lat, lon in rows]
    inside = [t for t in truths if t.inside]
    matched: dict[str, list[float]] = {}
    true_hits = 0
    outside_hits = 0
    for label, e, n in hits:
        nearest = min(truths, key=lambda t: math.dist((e, n), (t.east_m, t.north_m)))
        if not plan.local_fence.contains(e, n) or (
            not nearest.inside and math.dist((e, n), (nearest.east_m, nearest.north_m)) < 10.0
        ):
            outside_hits += 1  # beyond the line, or someone beyond it placed just inside
            continue
        near = [(math.dist((e, n), (t.east_m, t.north_m)), t) for t in truths if t.label == label]
        d, t = min(near, key=lambda x: x[0]) if near else (math.inf, None)
        if t is not None and d <= match_m:
            if not t.inside:
                outside_hits += 1
                continue
            true_hits += 1
            matched.setdefault(t.name, []).append(d)
    errors = sorted(min(ds) for ds in matched.values())
    extra = sum(len(ds) - 1 for ds in matched.values())
    return Score(
        recall=len(matched) / len(inside),
        precision=true_hits / len(hits) if hits else 0.0,
        duplicates=extra / max(len(matched), 1),
        median_error_m=errors[len(errors) // 2] if errors else math.inf,
        p95_error_m=errors[min(len(errors) - 1, int(0.95 * len(errors)))] if errors else math.inf,
        hits_outside=outside_hits,
    )

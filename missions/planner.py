"""The planner: a patrol spec and its area in, one mission per sortie and the figures out.

Order of work: home and fence first (nothing is planned around a fence that would not let the
vehicle arm), then the free space (fence less the margin), the pattern, loops, sorties, and last the
checks a pilot reads: coverage and the smallest clearance to the fence of any leg.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry
from shapely.ops import nearest_points

from geofence.areas import Area, Role
from geofence.build import fence_from_area, polygons_of, select_zones, shape_in_frame
from geofence.edges import EDGE_TOLERANCE_M, EdgeModel
from geofence.errors import AreaError
from geofence.fence import Fence, LocalFence, check_home_inside
from geofence.frames import GeoPoint, LocalFrame
from geofence.loaders import load_area
from geofence.simplify import FittedFence, fit_fence
from geofence.words import plural
from missions import patterns, returns, sectors, turns
from missions.camera import Footprint
from missions.errors import PlanningError
from missions.lanes import Lanes
from missions.mission import Mission, sortie_items
from missions.route import LegKind, Point2, Waypoint, append_path
from missions.routing import Router
from missions.sorties import Sortie, SortiePlanner
from missions.spec import Direction, PatrolSpec, Pattern, load_spec
from missions.targets import return_targets, uploaded_rally

#: Coverage lost to lane ends pulled in for the run-on (`missions.turns`) beyond this many
#: percentage points is warned of.
COVERAGE_COST_WARN_PCT = 0.5
#: How far inside the free space a departure from a home in the margin band aims.
_ENTRY_INSET_M = 0.05


@dataclass(frozen=True)
class Plan:
    """Everything planned for one spec: sorties, their missions, and the figures to check."""

    spec: PatrolSpec
    area: Area
    frame: LocalFrame
    fence: Fence
    local_fence: LocalFence
    free: BaseGeometry
    sorties: tuple[Sortie, ...]
    missions: tuple[Mission, ...]
    rally: tuple[returns.Target, ...]  # every rally point, the area's first, then those added
    lanes: Lanes | None
    footprint: Footprint
    coverage_pct: float | None
    min_clearance_m: float  # the worse of both edge models, at every point of every route
    warnings: tuple[str, ...]
    fitted: FittedFence  # the fence drawn and as uploaded (simplified to fit the autopilot)
    #: the smallest clearance of any route with the fence's edges straight in the local plane,
    #: and straight in latitude/longitude as the autopilot tests them (`geofence.edges`)
    clearance_by_edges_m: dict[EdgeModel, float]

    @property
    def home(self) -> GeoPoint:
        return self.missions[0].home

    @property
    def length_m(self) -> float:
        return sum(s.length_m for s in self.sorties)

    @property
    def duration_s(self) -> float:
        return sum(s.cost.duration_s for s in self.sorties)

    @property
    def energy_wh(self) -> float:
        return sum(s.cost.energy_wh for s in self.sorties)

    @property
    def battery_pct(self) -> float:
        """Energy of the whole patrol as a share of one battery (over 100 means several)."""
        return self.energy_wh / self.spec.vehicle.battery_wh * 100.0

    @property
    def waypoint_count(self) -> int:
        return sum(len(m.nav_items()) for m in self.missions)

    def summary(self) -> dict[str, object]:
        """The figures `patrol plan --json` prints."""
        return {
            "name": self.spec.name,
            "pattern": self.spec.pattern.value,
            "zones": list(self.spec.zones or self.area.zone_names()),
            "waypoints": self.waypoint_count,
            "length_m": round(self.length_m, 1),
            "duration_s": round(self.duration_s, 1),
            "battery_pct": round(self.battery_pct, 1),
            "sorties": len(self.sorties),
            "sortie_battery_pct": [
                round(s.cost.energy_wh / self.spec.vehicle.battery_wh * 100, 1)
                for s in self.sorties
            ],
            "coverage_pct": None if self.coverage_pct is None else round(self.coverage_pct, 2),
            "min_clearance_m": round(self.min_clearance_m, 2),
            "min_clearance_local_m": round(self.clearance_by_edges_m[EdgeModel.LOCAL], 2),
            "min_clearance_latlon_m": round(self.clearance_by_edges_m[EdgeModel.LATLON], 2),
            "fence_items": self.fitted.items,
            "fence_items_drawn": self.fitted.items_drawn,
            "fence_capacity": self.spec.fence_capacity.max_items,
            "margin_m": self.spec.margin_m,
            "lane_spacing_m": None if self.lanes is None else round(self.lanes.spacing_m, 2),
            "lane_angle_deg": None if self.lanes is None else round(self.lanes.angle_deg, 1),
            "free_area_m2": round(float(self.free.area), 1),
            "rally_points": len(self.rally),
            "rally_points_added": sum(t.label.endswith("(added)") for t in self.rally),
            "warnings": list(self.warnings),
        }


def plan_file(spec_path: Path) -> Plan:
    """Load a spec and its area file and plan it."""
    spec = load_spec(spec_path)
    return plan(spec, load_area(spec.area_path))


def plan(spec: PatrolSpec, area: Area, *, sector: int = 0, of: int = 1) -> Plan:
    """Plan `spec` over `area`; raises a `PatrolError` naming what to fix when it cannot.

    With `of` > 1 the patrol is shared by that many vehicles and this plans vehicle `sector`'s
    part (see `missions.sectors`), `sector` x `alt_step_m` above the spec's altitude.
    """
    if of > 1:
        spec = _sector_spec(spec, sector, of)
    if area.home is None:
        raise AreaError(
            "has no home point; add a Point feature with role 'home' (the station)",
            path=area.source,
        )
    home = area.home
    zones = select_zones(area, spec.zones)
    frame = LocalFrame(home.latlon)
    drawn = fence_from_area(
        area, zones, frame, ceiling_rel_m=spec.ceiling_rel_m, margin_m=spec.margin_m
    )
    _check_zones_not_excluded(area, zones, frame)
    drawn_local = drawn.in_frame(frame)
    check_home_inside(drawn_local, home)
    fitted = fit_fence(drawn, spec.fence_capacity, protect=[home.latlon])
    fence = fitted.fence
    local = fence.in_frame(frame) if fitted.simplified else drawn_local
    check_home_inside(local, home)
    warnings: list[str] = list(area.notes)
    free_all = local.free_space()
    if fitted.simplified:
        warnings.append(_simplified(drawn_local, fitted, spec, free_all))
    if free_all.is_empty:
        names = ", ".join(repr(z.name) for z in zones)
        raise PlanningError(
            f"zone {names} is narrower than twice the margin (2 x {spec.margin_m:g}"
            " m): no room for lanes; reduce [patrol] margin_m"
        )
    entry = _entry(free_all, (0.0, 0.0), warnings, spec.margin_m)
    free = _reachable(free_all, entry, warnings)
    router = Router(free, allowed=local.allowed, margin_m=spec.margin_m)
    footprint = spec.camera.footprint(spec.alt_rel_m)
    lanes: Lanes | None = None
    coverage: float | None = None
    if spec.pattern is Pattern.SWEEP:
        spacing_m = footprint.across_m * (1 - spec.side_overlap)
        turn_cost_m = spacing_m + spec.speed_mps**2 / spec.vehicle.accel_mps2
        region = sectors.split_area(free, of)[sector]
        swept = patterns.sweep(
            region,
            router,
            entry,
            spacing_m=spacing_m,
            turn_cost_m=turn_cost_m,
            angle_deg=spec.lane_angle_deg,
            across_m=footprint.across_m,
            along_m=footprint.along_m,
        )
        work = list(swept.waypoints)
        lanes = swept.lanes
        coverage = swept.coverage_pct * free.area / free_all.area
    elif spec.pattern is Pattern.PERIMETER:
        loop = patterns.perimeter(
            free, router, entry, clockwise=spec.direction is Direction.CLOCKWISE
        )
        work = sectors.split_route(loop, of)[sector]
    else:
        spots = _hotspots(spec, area, local, free, frame)
        if of > 1:
            parts = sectors.split_area(free, of)
            spots = [s for s in spots if sectors.sector_of(s, parts) == sector]
            if not spots:
                raise PlanningError(
                    f"vehicle {sector + 1} of {of} has no hot-spot in its sector; "
                    "fly fewer vehicles or add hot-spots"
                )
        work = patterns.points(router, entry, spots, loiter_s=spec.loiter_s)
    one_pass = len(work)
    work = _loops(work, spec, router)
    work = turns.pulled_in(work, router, entry, turns.overshoot_m(spec.speed_mps))
    if lanes is not None and coverage is not None:  # the lanes of one pass as flown, turns in
        lanes = patterns.flown_lanes(work[:one_pass], lanes)
        seen_pct = patterns.coverage_pct(lanes, region, footprint.across_m, footprint.along_m)
        drawn_pct, coverage = coverage, seen_pct * free.area / free_all.area
        if drawn_pct - coverage > COVERAGE_COST_WARN_PCT:
            warnings.append(
                f"lane ends kept {turns.overshoot_m(spec.speed_mps):.0f} m in from the margin for "
                f"the run-on at {spec.speed_mps:g} m/s leave {drawn_pct - coverage:.1f} % of "
                "the area unseen; lower [patrol] speed_mps or fly higher"
            )
    planner = SortiePlanner(
        router, (0.0, 0.0), entry, spec.vehicle, alt_rel_m=spec.alt_rel_m, speed_mps=spec.speed_mps
    )
    sorties = tuple(planner.split(work))
    if len(sorties) > 1:
        warnings.append(
            f"longer than one battery: {plural(len(sorties), 'sortie')}, land and swap between"
        )
    targets = return_targets(spec, area, local, router, sorties)
    rally = uploaded_rally(spec, area, local, targets)
    missions = tuple(
        Mission(
            name=spec.name if len(sorties) == 1 else f"{spec.name}-{k}",
            home=home,
            items=sortie_items(
                frame,
                home,
                s.waypoints,
                alt_rel_m=spec.alt_rel_m,
                speed_mps=spec.speed_mps,
                keep_last=not _ends_home(s.waypoints, targets),
            ),
            fence=fence,
            rally=rally,
            cruise_speed_mps=spec.speed_mps,
            autopilot=spec.autopilot,
        )
        for k, s in enumerate(sorties, start=1)
    )
    routes = [[(0.0, 0.0), *(w.xy for w in s.waypoints)] for s in sorties]
    clearance = min(local.line_clearance_m(r) for r in routes)
    by_edges = _clearance_by_edges(local, routes, clearance)
    return Plan(
        spec,
        area,
        frame,
        fence,
        local,
        free_all,
        sorties,
        missions,
        tuple(targets[1:]),
        lanes,
        footprint,
        coverage,
        clearance,
        tuple(warnings),
        fitted,
        by_edges,
    )


def _clearance_by_edges(
    local: LocalFence, routes: list[list[Point2]], worse_m: float
) -> dict[EdgeModel, float]:
    """The routes' smallest clearance with the fence's edges straight in the local plane and
    straight in degrees; where no edge bows beyond the tolerance, both are the worse's."""
    if local.bow_m <= EDGE_TOLERANCE_M:
        return dict.fromkeys((EdgeModel.LOCAL, EdgeModel.LATLON), worse_m)
    return {
        edges: min(local.fence.in_frame(local.frame, edges).line_clearance_m(r) for r in routes)
        for edges in (EdgeModel.LOCAL, EdgeModel.LATLON)
    }


def _simplified(
    drawn: LocalFence, fitted: FittedFence, spec: PatrolSpec, free: BaseGeometry
) -> str:
    """What fitting the fence into the autopilot's store took, as a pilot reads it."""
    drawn_m2 = float(drawn.free_space().area)
    lost_pct = (drawn_m2 - float(free.area)) / drawn_m2 * 100 if drawn_m2 > 0 else 0.0
    capacity = spec.fence_capacity
    both = " (no [patrol] autopilot is named, so both)" if capacity.parts else ""
    return (
        f"fence simplified from {fitted.items_drawn:,} to {fitted.items:,} items to fit "
        f"{capacity.describe()}{both}; the patrolled area shrinks by {lost_pct:.1f} %"
    )


def _ends_home(waypoints: tuple[Waypoint, ...], targets: list[returns.Target]) -> bool:
    """Whether the final RTL, flown from the last waypoint before home, heads home (not for a
    rally point that is as near): else home is kept as a waypoint, so the sortie ends there."""
    if len(waypoints) < 2:
        return True
    last = np.asarray([waypoints[-2].xy])
    index, _d = returns.nearest(last, np.asarray([t.xy for t in targets]))
    return int(index[0]) == 0


def _sector_spec(spec: PatrolSpec, sector: int, of: int) -> PatrolSpec:
    """The spec as vehicle `sector` flies it: its own altitude, its own name."""
    if not 0 <= sector < of:
        raise ValueError(f"sector {sector} of {of}")
    alt_rel_m = spec.alt_rel_m + sector * spec.alt_step_m
    if alt_rel_m > spec.ceiling_rel_m:
        raise PlanningError(
            f"vehicle {sector + 1} of {of} would fly at {alt_rel_m:g} m, above the "
            f"{spec.ceiling_rel_m:g} m ceiling; reduce [patrol] alt_step_m or fly fewer vehicles"
        )
    return replace(spec, alt_rel_m=alt_rel_m, name=f"{spec.name}-v{sector + 1}")


def _check_zones_not_excluded(area: Area, zones: tuple[object, ...], frame: LocalFrame) -> None:
    exclusions = [(e.name, shape_in_frame(e, frame)) for e in area.exclusions]
    for zone in area.zones:
        if zone not in zones:
            continue
        geometry = shape_in_frame(zone, frame)
        for name, shape in exclusions:
            if shape.covers(geometry):
                raise PlanningError(
                    f"exclusion {name!r} covers the whole of zone {zone.name!r}; "
                    "drop the zone from [patrol] zones or fix the exclusion outline"
                )
        rest = geometry.difference(shapely.union_all([s for _n, s in exclusions]))
        if exclusions and rest.area < 1e-6 * geometry.area:
            raise PlanningError(
                f"exclusions together cover the whole of zone {zone.name!r}; drop "
                "the zone from [patrol] zones or fix the exclusion outlines"
            )


def _entry(free: BaseGeometry, home: Point2, warnings: list[str], margin_m: float) -> Point2:
    """Where the route starts: home itself, or the nearest free point when home is in the margin."""
    if free.covers(Point(home)):
        return home
    inner = free.buffer(-_ENTRY_INSET_M)
    target = inner if not inner.is_empty else free
    point = nearest_points(target, Point(home))[0]
    distance = Point(home).distance(point)
    warnings.append(
        f"home is within the {margin_m:g} m margin of the fence: take-off and landing "
        f"legs ({distance:.0f} m) pass closer to the fence than the margin"
    )
    return (float(point.x), float(point.y))


def _reachable(free: BaseGeometry, entry: Point2, warnings: list[str]) -> BaseGeometry:
    """The part of the free space the vehicle can reach from the entry without leaving it."""
    parts = polygons_of(free)
    if len(parts) == 1:
        return parts[0]
    at = Point(entry)
    reach = min(parts, key=lambda p: p.distance(at))
    lost_m2 = sum(p.area for p in parts if p is not reach)
    warnings.append(
        f"{plural(len(parts) - 1, 'part')} of the free space ({lost_m2:,.0f} m2, "
        f"{lost_m2 / free.area * 100:.1f} %) cannot be reached from home without "
        "crossing the margin or an exclusion: not patrolled"
    )
    return reach


def _hotspots(
    spec: PatrolSpec, area: Area, local: LocalFence, free: BaseGeometry, frame: LocalFrame
) -> list[Point2]:
    known = {p.name: p for p in area.hotspots}
    if spec.hotspots:
        for name in spec.hotspots:
            if name not in known:
                listing = ", ".join(repr(k) for k in known) or "none"
                raise AreaError(
                    f"has no hotspot named {name!r}; its hotspots are: {listing}", path=area.source
                )
        chosen = [known[n] for n in spec.hotspots]
    else:
        chosen = [p for p in area.hotspots if local.contains_geo(p.position)]
    if not chosen:
        raise PlanningError(
            "pattern 'points' needs hot-spots inside the fence; add Point features "
            f"with role '{Role.HOTSPOT.value}' to {area.source}"
        )
    spots: list[Point2] = []
    for spot in chosen:
        xy = frame.geodetic2enu(spot.position.lat_deg, spot.position.lon_deg)
        clearance = local.clearance_m(*xy)
        if clearance < 0:
            raise AreaError(
                "hotspot is outside the fence; move it into a patrolled zone",
                path=area.source,
                feature=spot.name,
            )
        if not free.covers(Point(xy)):
            raise PlanningError(
                f"hotspot {spot.name!r} is {clearance:.1f} m from the fence, inside "
                f"the {spec.margin_m:g} m margin (or cut off from home); move it or "
                "reduce [patrol] margin_m"
            )
        spots.append(xy)
    return spots


def _loops(work: list[Waypoint], spec: PatrolSpec, router: Router) -> list[Waypoint]:
    """The work repeated `loops` times; sweeps fly every other pass backwards (no long transit)."""
    out = list(work)
    for k in range(1, spec.loops):
        again = _reversed(work) if spec.pattern is Pattern.SWEEP and k % 2 else list(work)
        if not again:
            break
        append_path(out, router.route(out[-1].xy, again[0].xy)[:-1], LegKind.TRANSIT)
        first = again[0]
        if first.xy != out[-1].xy or first.loiter_s > 0:
            kind = LegKind.HOTSPOT if first.loiter_s > 0 else LegKind.TRANSIT
            out.append(Waypoint(first.east_m, first.north_m, kind, first.loiter_s))
        out.extend(again[1:])
    return out


def _reversed(work: list[Waypoint]) -> list[Waypoint]:
    """The route flown backwards: each leg keeps its kind, now arriving at its other end."""
    back = work[::-1]
    return [
        Waypoint(wp.east_m, wp.north_m, back[k - 1].kind if k else LegKind.TRANSIT, wp.loiter_s)
        for k, wp in enumerate(back)
    ]

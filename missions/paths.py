"""Where each mission item may take the vehicle: the region to hold against the fence.

In metres east/north of home. The vehicle's whereabouts between items is a shape, not a point: a
loiter leaves it somewhere on its circle, a take-off somewhere between where it rose and the
take-off point (ArduCopter climbs where it stands; PX4 may fly to the point). An item's leg is the
convex hull of that shape and where the item goes, which holds every straight path between them.

- Loiters (17, 18, 19, 31) circle |radius| around their point (param3; param2 for LOITER_TO_ALT),
  or what the autopilot does with radius 0 (`missions.commands.loiter_radius`).
- A spline leg (82) is ArduPilot's Hermite curve (AP_Math SplineCurve) between the two points,
  with end velocities built from the neighbouring legs and capped together at 4 times the leg's
  length (SPLINE_FACTOR). The curve minus the straight leg is t(1-t)[(1-t)v0 - t v1], at most
  4/27 of that cap: the leg widened by 16/27 of its length holds the curve, and it rises above
  the higher end by at most 8/27 of the mission's altitude span (the velocities are differences
  of item positions) or that width, whichever is less.
- Latitude and longitude 0, 0 mean "where the vehicle is" for LOITER_TO_ALT (MAVLink) and for
  every navigation command on ArduPilot (ArduCopter's loc_from_cmd); on PX4 they are the point
  0, 0, which the fence then refuses. A DO_LAND_START marker at 0, 0 has no position.
- A return (20) flies straight to the nearest of home and the rally points.

Returns the autopilot may fly on its own are checked from `route`: the item points and each
loiter's circle (drawn around, so returns from every point of it are checked), up to the first
return or landing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import shapely
from shapely.geometry import GeometryCollection, Point
from shapely.geometry.base import BaseGeometry

from geofence.fence import circle_polygon, dilate
from geofence.frames import LocalFrame
from geofence.mavlink import MavCmd, MavItem
from missions.commands import ACCEPTED, Command, Kind, LoiterRadius, loiter_radius, refusal
from missions.errors import PlanningError
from missions.mission import Mission
from missions.returns import Point2, nearest
from missions.spec import Autopilot

#: The most ArduPilot's spline bows out from its straight leg, as a share of the leg's length.
SPLINE_BOW = 16.0 / 27.0
#: The most it rises above its higher end, as a share of the mission's altitude span.
SPLINE_RISE = 8.0 / 27.0


@dataclass(frozen=True, slots=True)
class Step:
    """One item with a place: what it sweeps, where it goes, how high it may fly."""

    index: int  # 1-based, as QGroundControl numbers items
    command: Command
    region: BaseGeometry  # everything the vehicle may sweep flying this item
    target: BaseGeometry | None  # where the item takes it (a point, or a loiter's disc)
    max_alt_rel_m: float | None  # the highest it may fly on this item; None for no altitude
    radius: LoiterRadius | None = None  # a loiter's circle and where its radius comes from
    bow_m: float = 0.0  # how far a spline leg may bow out from the straight leg
    heads_for: str = ""  # a return's target
    point: Point2 | None = None  # the item's own point, east/north; None for "where it is"
    at_null_island: bool = False  # the item's latitude and longitude were 0, 0


@dataclass(frozen=True, slots=True)
class Walk:
    """A mission's steps, and the route a failsafe return may start from."""

    steps: tuple[Step, ...]
    route: tuple[tuple[int, Point2], ...]  # (mission item, east/north); home (item 0) first


def walk(mission: Mission, frame: LocalFrame, targets: Sequence[tuple[str, Point2]]) -> Walk:
    """The steps of `mission`; `targets` are where a return heads (home first)."""
    span_m = _altitude_span_m(mission)
    here: BaseGeometry = Point(0.0, 0.0)
    here_alt_m = 0.0
    steps: list[Step] = []
    route: list[tuple[int, Point2]] = [(0, (0.0, 0.0))]
    routing = True  # returns may start until the first return or landing
    for k, item in enumerate(mission.items, start=1):
        command = ACCEPTED.get(item.command)
        if command is None:  # a .plan's are refused on import; this is any other mission's
            name = mission.source or mission.name
            raise PlanningError(f"{name}: mission item {k}: {refusal(item.command)}")
        if command.kind is Kind.SETTING:
            continue
        if command.kind is Kind.RETURN:
            start = np.asarray([_xy(here.centroid)])
            index, _d = nearest(start, np.asarray([xy for _label, xy in targets]))
            label, xy = targets[int(index[0])]
            region = _hull(here, Point(xy))
            steps.append(Step(k, command, region, Point(xy), None, heads_for=label, point=xy))
            here, routing = Point(xy), False
            continue
        at = _position(item, command, mission.autopilot, frame)
        zero = (item.x_lat_deg, item.y_lon_deg) == (0.0, 0.0)
        if command.kind is Kind.LAND_START:
            if at is not None:
                steps.append(Step(k, command, Point(at), Point(at), None, point=at))
            continue
        goal: BaseGeometry = here if at is None else Point(at)
        step = _step(k, item, command, mission.autopilot, here, goal, here_alt_m, span_m)
        step = replace(step, point=at, at_null_island=zero)
        steps.append(step)
        if routing:
            route += [(k, xy) for xy in _route_points(step, goal)]
        routing = routing and command.kind is not Kind.LAND
        after = step.target if step.target is not None else goal
        here = step.region if command.kind is Kind.TAKEOFF else after
        here_alt_m = item.z_alt_m if command.flies_at_altitude else here_alt_m
    return Walk(tuple(steps), tuple(route))


def _step(
    k: int,
    item: MavItem,
    command: Command,
    autopilot: Autopilot,
    here: BaseGeometry,
    goal: BaseGeometry,
    here_alt_m: float,
    span_m: float,
) -> Step:
    alt_m = item.z_alt_m if command.flies_at_altitude else None
    if command.kind is Kind.LOITER:
        given = item.params[command.radius_param - 1] if command.radius_param else None
        radius = loiter_radius(command, given, autopilot)
        disc = _disc(goal, radius.radius_m)
        return Step(k, command, _hull(here, disc), disc, alt_m, radius=radius)
    if command.kind is Kind.SPLINE:
        reach_m = max(float(shapely.hausdorff_distance(here, goal)), 0.0)
        length_m = float(np.hypot(reach_m, item.z_alt_m - here_alt_m))
        bow_m = SPLINE_BOW * length_m
        rise_m = min(bow_m, SPLINE_RISE * span_m)
        region = dilate(_hull(here, goal), bow_m)
        top_m = max(item.z_alt_m, here_alt_m) + rise_m
        return Step(k, command, region, goal, top_m, bow_m=bow_m)
    return Step(k, command, _hull(here, goal), goal, alt_m)


def _position(
    item: MavItem, command: Command, autopilot: Autopilot, frame: LocalFrame
) -> Point2 | None:
    """The item's point east/north of home, or None for "where the vehicle is" (0, 0)."""
    if (item.x_lat_deg, item.y_lon_deg) == (0.0, 0.0):
        here_on = (
            command.number == MavCmd.NAV_LOITER_TO_ALT
            or command.kind is Kind.LAND_START
            or (autopilot is Autopilot.ARDUPILOT and command.kind is not Kind.REPOSITION)
        )
        if here_on:
            return None
    return frame.geodetic2enu(item.x_lat_deg, item.y_lon_deg)


def _route_points(step: Step, goal: BaseGeometry) -> list[Point2]:
    """Points a return may start from on this item, in flying order."""
    if step.radius is not None and step.radius.radius_m > _HOLD_M and isinstance(goal, Point):
        ring = circle_polygon(goal.x, goal.y, step.radius.radius_m, outer=True).exterior
        centre = (goal.x, goal.y)
        return [centre, *((float(x), float(y)) for x, y in ring.coords), centre]
    if isinstance(goal, Point):
        return [(goal.x, goal.y)]
    return []


#: A loiter radius below this is a hold at the point (a polygonised circle would vanish).
_HOLD_M = 1e-3


def _disc(centre: BaseGeometry, radius_m: float) -> BaseGeometry:
    if radius_m <= _HOLD_M:
        return centre
    if isinstance(centre, Point):
        return circle_polygon(centre.x, centre.y, radius_m, outer=True)
    return dilate(centre, radius_m)


def _hull(a: BaseGeometry, b: BaseGeometry) -> BaseGeometry:
    return GeometryCollection([a, b]).convex_hull


def _xy(point: Point) -> Point2:
    return (float(point.x), float(point.y))


def _altitude_span_m(mission: Mission) -> float:
    """The spread of the altitudes the mission flies at: every position a spline's end velocity
    is drawn from (items, and the vehicle stopped at one of their altitudes) lies within it."""
    alts = [i.z_alt_m for i in mission.nav_items() if ACCEPTED[i.command].flies_at_altitude]
    return max(alts, default=0.0) - min(alts, default=0.0)

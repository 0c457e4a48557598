"""Checks a mission as it will be flown against its own fence, before anything is uploaded.

A .plan drawn by hand can put a waypoint outside the fence, a leg across an exclusion, or home
outside the inclusion (the autopilot then refuses to arm, often without saying why). The
autopilot's own return, from anywhere on the route straight to the nearest of home and the rally
points, can cross an exclusion too, and a rally altitude read the autopilot's way can put the return
above the ceiling. Each finding names the mission item and, for a return, where it heads.
"""

from __future__ import annotations

from dataclasses import dataclass

from shapely.geometry import Point

from geofence.fence import LocalFence, check_home_inside
from geofence.frames import LocalFrame
from missions import paths, returns
from missions.commands import Kind, is_positional
from missions.errors import PlanningError
from missions.mission import Mission
from missions.returns import Point2, Target
from missions.targets import rally_outside


@dataclass(frozen=True, slots=True)
class LintReport:
    """What the check found: the smallest clearance of any leg, and the nav item count."""

    min_clearance_m: float
    nav_items: int
    max_alt_rel_m: float


def check_mission(mission: Mission) -> LintReport:
    """Raise `PlanningError` naming the first item that breaks the fence; else the figures.

    Every item with a place is held to the fence by the region it may sweep (`missions.paths`):
    its leg, a loiter's circle, a spline's bow; a marker by its point.
    """
    frame = LocalFrame(mission.home.latlon)
    name = mission.source or mission.name
    if not mission.fence.has_inclusion:
        raise PlanningError(
            f"{name}: the plan has no inclusion fence; draw the patrol "
            "area as an inclusion polygon in QGroundControl's GeoFence tab"
        )
    local = mission.fence.in_frame(frame)
    check_home_inside(local, mission.home)
    _check_rally_inside(mission, local)
    to = returns.targets(
        local,
        [
            ("home", (0.0, 0.0)),
            *(
                (f"rally point {k}", frame.geodetic2enu(r.lat_deg, r.lon_deg))
                for k, r in enumerate(mission.rally, start=1)
            ),
        ],
        mission.fence.margin_m,
    )
    walked = paths.walk(mission, frame, [(t.label, t.xy) for t in to])
    clearance = float("inf")
    max_alt = 0.0
    for step in walked.steps:
        if step.max_alt_rel_m is not None:
            max_alt = max(max_alt, step.max_alt_rel_m)
            _check_ceiling(mission, name, step)
        leg = local.shape_clearance_m(step.region)
        if leg < 0:
            raise PlanningError(f"{name}: {_outside(local, step, -leg)}")
        clearance = min(clearance, leg)
    count = sum(1 for item in mission.items if is_positional(item.command))
    _check_returns(mission, local, list(walked.route), to)
    _check_return_altitudes(mission)
    return LintReport(clearance, count, max_alt)


def _check_ceiling(mission: Mission, name: str, step: paths.Step) -> None:
    alt_m = step.max_alt_rel_m
    ceiling_m = mission.fence.ceiling_rel_m
    if alt_m is None or alt_m <= ceiling_m:
        return
    how = (
        f"may climb to {alt_m:.1f} m on its curve (ArduPilot's spline rises above its ends)"
        if step.command.kind is Kind.SPLINE
        else f"flies at {alt_m:g} m"
    )
    raise_it = "raise --ceiling" if mission.source else "raise the ceiling"
    raise PlanningError(
        f"{name}: mission item {step.index}: {step.command.label} {how}, above the fence "
        f"ceiling of {ceiling_m:g} m; lower it, or {raise_it} if the airspace allows"
    )


def _outside(local: LocalFence, step: paths.Step, out_m: float) -> str:
    """One line for an item whose region leaves the fence by `out_m`."""
    item = f"mission item {step.index}: {step.command.label}"
    kind = step.command.kind
    point = step.point
    at_m = local.shape_clearance_m(Point(point)) if point is not None else 0.0
    radius_m = step.radius.radius_m if step.radius is not None else 0.0
    if step.radius is not None and point is not None and 0.0 <= at_m < radius_m:  # the circle
        return (
            f"{item} circles {radius_m:g} m around its point ({step.radius.why}), reaching "
            f"{radius_m - at_m:.1f} m beyond the fence; move it inward or shrink the radius"
        )
    at_out = at_m < 0
    if at_out:
        out_m = -at_m
    if kind is Kind.SPLINE and not at_out:
        return (
            f"{item} may bow up to {step.bow_m:.1f} m from the straight leg (ArduPilot's spline),"
            f" reaching {out_m:.1f} m beyond the fence; make it a plain waypoint or move it "
            "away from the fence"
        )
    if kind is Kind.RETURN:
        return (
            f"{item} flies straight to {step.heads_for} and leaves the fence ({out_m:.1f} m "
            "out); add a rally point in sight of it or move the item before it"
        )
    if kind is Kind.LAND_START:
        return (
            f"{item} marks a landing sequence {out_m:.1f} m outside the fence; move the marker "
            "or set its position to 0, 0"
        )
    if at_out:
        verb = "lands" if kind is Kind.LAND else "lies"
        zero = (
            " (latitude and longitude 0, 0: PX4 flies to that point; ArduPilot takes it as where"
            " the vehicle is)"
            if step.at_null_island
            else ""
        )
        return (
            f"{item} {verb} outside the fence ({out_m:.1f} m out){zero}; move it inside the fence"
        )
    return (
        f"{item} reaches it across the fence ({out_m:.1f} m out); move the waypoint or add one "
        "to go around"
    )


def _check_returns(
    mission: Mission, local: LocalFence, route: list[tuple[int, Point2]], to: list[Target]
) -> None:
    """The autopilot's straight return from every point of the route must be clear."""
    found = returns.blocked_returns(local, [xy for _k, xy in route], to, first_only=True)
    if not found:
        return
    b = found[0]
    frame = local.frame
    at = frame.enu2geodetic(b.east_m, b.north_m)
    item, start = route[b.leg + 1][0], route[b.leg][1]
    where = (
        f"mission item {route[b.leg][0]}"
        if (b.east_m, b.north_m) == start
        else f"the leg to mission item {item}"
    )
    target = to[b.target]
    goal = frame.enu2geodetic(*target.xy)
    how = (
        f"crosses the fence ({-b.clearance_m:.1f} m in)"
        if b.clearance_m < 0
        else f"passes {b.clearance_m:.1f} m from the fence, inside the {target.min_clearance_m:g}"
        " m margin"
    )
    raise PlanningError(
        f"{mission.source or mission.name}: a return from {where} at {at.lat_deg:.6f}, "
        f"{at.lon_deg:.6f} flies straight to {target.label} ({goal.lat_deg:.6f}, "
        f"{goal.lon_deg:.6f}) and {how}; add a rally point in sight of it or move the waypoint"
    )


def _check_rally_inside(mission: Mission, local: LocalFence) -> None:
    """A rally point outside the fence draws every return near it across the fence."""
    for k, rally in enumerate(mission.rally, start=1):
        problem = rally_outside(local, rally.lat_deg, rally.lon_deg)
        if problem is not None:
            raise PlanningError(
                f"{mission.source or mission.name}: rally point {k} ({rally.lat_deg:.6f}, "
                f"{rally.lon_deg:.6f}) {problem}; move it inside in QGroundControl's Rally tab "
                "or remove it"
            )


def _check_return_altitudes(mission: Mission) -> None:
    """Each rally altitude, read the autopilot's way, must keep the return under the ceiling."""
    for k, rally in enumerate(mission.rally, start=1):
        problem = returns.rally_alt_problem(
            mission.autopilot,
            rally.alt_rel_m,
            mission.cruise_alt_rel_m,
            mission.fence.ceiling_rel_m,
        )
        if problem is not None:
            raise PlanningError(f"{mission.source or mission.name}: rally point {k} {problem}")

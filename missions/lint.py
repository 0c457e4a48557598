"""Checks a mission as it will be flown against its own fence, before anything is uploaded.

A .plan drawn by hand can put a waypoint outside the fence, a leg across an exclusion, or home
outside the inclusion (the autopilot then refuses to arm, often without saying why). The
autopilot's own return, from anywhere on the route straight to the nearest of home and the rally
points, can cross an exclusion too, and a rally altitude read the autopilot's way can put the return
above the ceiling. Each finding names the mission item and, for a return, where it heads.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from geofence.fence import LocalFence, check_home_inside
from geofence.frames import LocalFrame
from geofence.mavlink import MavCmd
from missions import returns
from missions.commands import is_positional
from missions.errors import PlanningError
from missions.mission import Mission
from missions.returns import Point2, Target
from missions.spec import Autopilot


@dataclass(frozen=True, slots=True)
class LintReport:
    """What the check found: the smallest clearance of any leg, and the nav item count."""

    min_clearance_m: float
    nav_items: int
    max_alt_rel_m: float


def check_mission(mission: Mission) -> LintReport:
    """Raise `PlanningError` naming the first item that breaks the fence; else the figures."""
    frame = LocalFrame(mission.home.latlon)
    if not mission.fence.has_inclusion:
        raise PlanningError(
            f"{mission.name}: the plan has no inclusion fence; draw the patrol "
            "area as an inclusion polygon in QGroundControl's GeoFence tab"
        )
    local = mission.fence.in_frame(frame)
    check_home_inside(local, mission.home)
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
    here = (0.0, 0.0)
    route: list[tuple[int, Point2]] = [(0, here)]  # (mission item, east/north); 0 is home
    clearance = float("inf")
    max_alt = 0.0
    count = 0
    returned = False
    for k, item in enumerate(mission.items, start=1):
        if item.command == MavCmd.NAV_RETURN_TO_LAUNCH:
            index, _d = returns.nearest(np.asarray([here]), np.asarray([t.xy for t in to]))
            target = to[int(index[0])].xy
        elif is_positional(item.command):
            target = frame.geodetic2enu(item.x_lat_deg, item.y_lon_deg)
            count += 1
            max_alt = max(max_alt, item.z_alt_m)
            if item.z_alt_m > mission.fence.ceiling_rel_m:
                raise PlanningError(
                    f"{mission.name}: mission item {k} flies at {item.z_alt_m:g} m,"
                    f" above the fence ceiling of {mission.fence.ceiling_rel_m:g} m"
                )
        else:
            continue
        leg = local.line_clearance_m([here, target])
        if leg < 0:
            what = "lies outside" if local.clearance_m(*target) < 0 else "reaches it across"
            raise PlanningError(
                f"{mission.name}: mission item {k} {what} the fence "
                f"({-leg:.1f} m out); move the waypoint or add one to go around"
            )
        clearance = min(clearance, leg)
        returned = returned or item.command == MavCmd.NAV_RETURN_TO_LAUNCH
        here = target
        if not returned:  # the route up to the first return: where a return may start
            route.append((k, here))
    _check_returns(mission, local, route, to)
    _check_return_altitudes(mission)
    return LintReport(clearance, count, max_alt)


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
        f"{mission.name}: a return from {where} at {at.lat_deg:.6f}, {at.lon_deg:.6f} flies "
        f"straight to {target.label} ({goal.lat_deg:.6f}, {goal.lon_deg:.6f}) and {how}; add a "
        "rally point in sight of it or move the waypoint"
    )


def _check_return_altitudes(mission: Mission) -> None:
    """Each rally altitude, read the autopilot's way, must keep the return under the ceiling."""
    cruise_m = mission.cruise_alt_rel_m
    ceiling_m = mission.fence.ceiling_rel_m
    for k, rally in enumerate(mission.rally, start=1):
        alt_m = returns.return_alt_rel_m(mission.autopilot, rally.alt_rel_m, cruise_m)
        if alt_m <= ceiling_m:
            continue
        if mission.autopilot is Autopilot.PX4:
            why = (
                f"PX4 reads its {rally.alt_rel_m:g} m as the ground there and returns "
                f"{cruise_m:g} m (RTL_RETURN_ALT) above it; set it to the ground's height above "
                "home (0 m on level ground)"
            )
        else:
            why = f"ArduPilot returns at its altitude; lower it to at most {ceiling_m:g} m"
        raise PlanningError(
            f"{mission.name}: rally point {k} makes the return fly at {alt_m:g} m, above the "
            f"fence ceiling of {ceiling_m:g} m: {why}"
        )

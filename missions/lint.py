"""Checks a mission as it will be flown against its own fence, before anything is uploaded.

A .plan drawn by hand can put a waypoint outside the fence, a leg across an exclusion, or home
outside
the inclusion (the autopilot then refuses to arm, often without saying why). Each finding names the
mission item.
"""

from __future__ import annotations

from dataclasses import dataclass

from geofence.fence import check_home_inside
from geofence.frames import LocalFrame
from geofence.mavlink import MavCmd
from missions.errors import PlanningError
from missions.mission import NAV_COMMANDS, Mission


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
    here = (0.0, 0.0)
    clearance = float("inf")
    max_alt = 0.0
    count = 0
    for k, item in enumerate(mission.items, start=1):
        if item.command == MavCmd.NAV_RETURN_TO_LAUNCH:
            target = (0.0, 0.0)
        elif item.command in NAV_COMMANDS:
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
        here = target
    return LintReport(clearance, count, max_alt)

"""The controller's own monitors, independent of the autopilot's: pure decisions on `Live`.

- fence: the point where the vehicle would stop if it braked now (speed^2 / 2a ahead) lies
  outside the fence, or it is already deeper into the margin than the tolerance allows;
- energy: the battery left is less than getting home needs (distance at cruise, landing)
  plus the reserve;
- progress: the current mission item has taken far longer than its leg and hold should.
Each returns a `Decision` naming why, or None; the flight loop acts on it and logs it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum

from geofence.fence import LocalFence
from geofence.frames import LatLon, LocalFrame
from geofence.mavlink import MavCmd, MavItem
from missions import energy
from missions.energy import VehicleModel
from patrol.vehicle import FlightMode, Live

#: Deceleration assumed when predicting where the vehicle would stop (gentler than the
#: autopilot's, so approaching a lane end at the margin does not look like a breach).
BRAKING_MPS2 = 5.0
#: How far into the margin the vehicle may stray (GPS noise, wind) before the monitor acts.
MARGIN_TOLERANCE_M = 3.0


class Action(Enum):
    RETURN = "return"
    HOLD = "hold"


@dataclass(frozen=True, slots=True)
class Decision:
    action: Action
    monitor: str
    reason: str


def fence_decision(fence: LocalFence, live: Live, margin_m: float) -> Decision | None:
    if not live.has_position or not live.in_air:
        return None
    e, n = fence.frame.geodetic2enu(live.lat_deg, live.lon_deg)
    clearance = fence.clearance_m(e, n)
    if clearance < margin_m - MARGIN_TOLERANCE_M:
        where = "outside the fence" if clearance < 0 else "from the fence"
        return Decision(
            Action.RETURN,
            "fence",
            f"{abs(clearance):.1f} m {where}, inside the {margin_m:g} m margin: returning",
        )
    speed = live.ground_speed_mps
    if speed > 0.5:
        stop_m = speed * speed / (2 * BRAKING_MPS2)
        pe = e + live.vel_e_mps / speed * stop_m
        pn = n + live.vel_n_mps / speed * stop_m
        if fence.clearance_m(pe, pn) < 0:
            return Decision(
                Action.RETURN,
                "fence",
                f"heading out of the fence at {speed:.1f} m/s "
                f"({clearance:.1f} m left, {stop_m:.1f} m to stop): returning",
            )
    return None


def energy_decision(
    live: Live, home_distance_m: float, model: VehicleModel, speed_mps: float
) -> Decision | None:
    if not live.in_air or not math.isfinite(live.battery_pct):
        return None
    cost = energy.cruise(model, home_distance_m, speed_mps) + energy.descend(
        model, max(live.alt_rel_m, 0.0)
    )
    needed_pct = cost.energy_wh / model.battery_wh * 100 + model.reserve_pct
    if live.battery_pct < needed_pct:
        return Decision(
            Action.RETURN,
            "energy",
            f"{live.battery_pct:.0f} % left, getting home "
            f"({home_distance_m:.0f} m) and the reserve need {needed_pct:.0f} %: "
            "returning",
        )
    return None


POSITIONED = frozenset(
    {MavCmd.NAV_WAYPOINT, MavCmd.NAV_LOITER_TIME, MavCmd.NAV_TAKEOFF, MavCmd.NAV_LAND}
)
#: A stuck mission item may take this long plus twice its expected time before the vehicle holds.
STALL_SLACK_S = 60.0


def item_allowances_s(items: tuple[MavItem, ...], cruise_mps: float) -> tuple[float, ...]:
    """How long each mission item may take before it counts as stuck: the leg from the previous
    positioned item at cruise speed plus its hold or loiter time, doubled, plus a minute."""
    out = []
    here: tuple[float, float] | None = None
    frame: LocalFrame | None = None
    for item in items:
        expected = 0.0
        if item.command in POSITIONED:
            if frame is None:
                frame = LocalFrame(LatLon(item.x_lat_deg, item.y_lon_deg))
            there = frame.geodetic2enu(item.x_lat_deg, item.y_lon_deg)
            if here is not None:
                expected += math.dist(here, there) / max(cruise_mps, 0.5)
            expected += abs(item.z_alt_m) / 1.0  # climbs and descents at about 1 m/s
            here = there
        if item.command in (MavCmd.NAV_WAYPOINT, MavCmd.NAV_LOITER_TIME):
            expected += item.param1 or 0.0
        out.append(2 * expected + STALL_SLACK_S)
    return tuple(out)


def progress_decision(
    live: Live, item_since_s: float, now_s: float, allowances_s: tuple[float, ...]
) -> Decision | None:
    """Hold (and alert) when the current mission item has taken far longer than it should."""
    if not live.in_air or live.mode is not FlightMode.MISSION or not allowances_s:
        return None
    index = min(max(live.mission_current, 0), len(allowances_s) - 1)
    stuck_s = now_s - item_since_s
    if stuck_s > allowances_s[index]:
        return Decision(
            Action.HOLD,
            "progress",
            f"no mission progress for {stuck_s:.0f} s at item "
            f"{live.mission_current} (allowed {allowances_s[index]:.0f} s): holding "
            "for the pilot",
        )
    return None

"""The controller's own monitors, independent of the autopilot's: pure decisions on `Live`.

- fence: the point where the vehicle would stop if it braked now (speed^2 / 2a ahead) lies
  outside the fence, or it is already deeper into the margin than the tolerance allows;
- energy: the battery left is less than getting home needs (distance at cruise, landing)
  plus the reserve.
Each returns a `Decision` naming why, or None; the flight loop acts on it and logs it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum

from geofence.fence import LocalFence
from missions import energy
from missions.energy import VehicleModel
from patrol.vehicle import Live

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

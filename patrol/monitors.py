"""The controller's own monitors, independent of the autopilot's: pure rules on plain numbers.

- fence: the filtered position (`patrol.estimate`), or the point where the vehicle would stop if
  it braked at the loop's next look, is deeper into the margin than the tolerance allows.
  The tolerance is `MARGIN_TOLERANCE_M` plus a few sigmas of the estimate's error, so a route
  flown exactly at the margin with a noisy GPS does not trip it, while a steady drift outward
  (which the velocity shows at once) does, a few metres into the margin. A raw fix deeper still
  trips it whatever the filter believes;
- energy: the battery left is less than getting to the nearest landing place (home or a rally
  point) at cruise, descending, and the reserve need;
- progress: the current mission item has taken far longer than its leg and hold should.
Each returns a `Decision` naming why, or None; `patrol.supervisor` weighs them every tick.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum

from geofence.fence import LocalFence
from geofence.frames import LatLon, LocalFrame
from geofence.mavlink import MavCmd, MavItem
from missions import energy
from missions.commands import is_positional
from missions.energy import VehicleModel
from patrol.estimate import Estimate

#: Deceleration assumed when predicting where the vehicle would stop (gentler than the
#: autopilot's, so approaching a lane end at the margin does not look like a breach).
BRAKING_MPS2 = 5.0
#: Time from a decision to the vehicle braking, flown straight on. Zero: autopilots slow down
#: toward a turn, and a straight projection past a corner of a route flown at the margin
#: would cry wolf at every corner (the filtered position already follows a drift at once).
REACTION_S = 0.0
#: Within this distance of the waypoint it flies to or the one it left, a mission turns.
CORNER_M = 15.0
#: Flying within this angle (its cosine) of the mission item it is flying to counts as heading
#: for that item.
TOWARD_COS = math.cos(math.radians(30.0))
#: How far into the margin the vehicle may stray by tracking alone (corners cut inside the
#: acceptance radius, gusts): the simulator's noise-free flights of the samples reach 2.9 m.
MARGIN_TOLERANCE_M = 3.0
#: On top of that, this many sigmas of the filtered position's error.
TOLERANCE_SIGMAS = 4.0
#: A raw fix trips the monitor once it is deeper than the tracking tolerance plus this many
#: sigmas of its own error (the backstop for a filter that is wrong).
RAW_SIGMAS = 5.0


#: Autopilots report the battery in whole per cent: a reading may be this much below the truth.
BATTERY_STEP_PCT = 1.0


class Action(Enum):
    LAND = "land"
    RETURN = "return"
    HOLD = "hold"


@dataclass(frozen=True, slots=True)
class Decision:
    action: Action
    monitor: str
    reason: str


@dataclass(frozen=True, slots=True)
class FenceView:
    """How the vehicle stands against the fence, as the fence rule sees it."""

    clearance_m: float  # of the filtered position: positive inside, negative outside
    stop_clearance_m: float  # of where it would stop if it braked after `REACTION_S`
    closing_mps: float  # how fast the clearance shrinks; negative when moving away
    tolerance_m: float  # how far into the margin the filtered position may stray
    raw_clearance_m: float  # of the last fix itself
    raw_tolerance_m: float
    at_corner: bool = False  # flying its mission within a few metres of a waypoint

    @property
    def worst_m(self) -> float:
        return min(self.clearance_m, self.stop_clearance_m)


def fence_view(
    fence: LocalFence,
    est: Estimate,
    raw_east_m: float,
    raw_north_m: float,
    target: tuple[float, float] | None = None,
    corner: tuple[float, float] | None = None,
) -> FenceView:
    """`target` is the mission item the autopilot is flying to, when it is: heading for it,
    the vehicle stops or turns there (a lane end planned at the margin), so the prediction
    reaches no further than the item (the real PX4 brakes into a lane end at the margin)."""
    clearance = fence.clearance_m(est.east_m, est.north_m)
    speed = est.speed_mps
    stop_clearance = clearance
    closing = 0.0
    if speed > 0.5:
        ahead_m = est.next_look_m + speed * REACTION_S + speed * speed / (2 * BRAKING_MPS2)
        if target is not None:
            to_e, to_n = target[0] - est.east_m, target[1] - est.north_m
            to_m = math.hypot(to_e, to_n)
            heading_for_it = (to_e * est.vel_e_mps + to_n * est.vel_n_mps) > (
                TOWARD_COS * to_m * speed
            )
            if heading_for_it:
                ahead_m = min(ahead_m, to_m)
        stop_clearance = fence.clearance_m(
            est.east_m + est.vel_e_mps / speed * ahead_m,
            est.north_m + est.vel_n_mps / speed * ahead_m,
        )
        closing = clearance - fence.clearance_m(
            est.east_m + est.vel_e_mps, est.north_m + est.vel_n_mps
        )  # over one second
    at_corner = any(
        p is not None and math.hypot(p[0] - est.east_m, p[1] - est.north_m) < CORNER_M
        for p in (target, corner)
    )
    return FenceView(
        clearance,
        stop_clearance,
        closing,
        MARGIN_TOLERANCE_M + TOLERANCE_SIGMAS * est.sigma_m,
        fence.clearance_m(raw_east_m, raw_north_m),
        MARGIN_TOLERANCE_M + RAW_SIGMAS * est.fix_sigma_m,
        at_corner,
    )


def fence_decision(view: FenceView, margin_m: float) -> Decision | None:
    """Return when the vehicle is, or would stop, deeper into the margin than the tolerance."""
    if view.raw_clearance_m < margin_m - view.raw_tolerance_m:
        where = "outside the fence" if view.raw_clearance_m < 0 else "from the fence"
        return Decision(
            Action.RETURN,
            "fence",
            f"fix {abs(view.raw_clearance_m):.1f} m {where}, inside the {margin_m:g} m margin "
            f"by more than its error allows ({view.raw_tolerance_m:.1f} m): returning",
        )
    limit_m = margin_m - view.tolerance_m
    if view.clearance_m < limit_m:
        where = "outside the fence" if view.clearance_m < 0 else "from the fence"
        return Decision(
            Action.RETURN,
            "fence",
            f"{abs(view.clearance_m):.1f} m {where}, inside the {margin_m:g} m margin "
            f"(tolerance {view.tolerance_m:.1f} m): returning",
        )
    # at a corner of its mission (a lane end planned at the margin) the autopilot turns: there
    # where it would stop is held to the fence line less the position's error, as a straight
    # projection says more than the turn flies (the real PX4 overshoots a metre or two)
    stop_limit_m = min(limit_m, view.tolerance_m) if view.at_corner else limit_m
    if view.stop_clearance_m < stop_limit_m:
        return Decision(
            Action.RETURN,
            "fence",
            f"heading out of the fence at {view.closing_mps:.1f} m/s: it would stop "
            f"{view.stop_clearance_m:.1f} m from the fence ({view.clearance_m:.1f} m now, "
            f"{margin_m:g} m margin, tolerance {view.tolerance_m:.1f} m): returning",
        )
    return None


def energy_needed_pct(
    model: VehicleModel, distance_m: float, alt_rel_m: float, speed_mps: float
) -> float:
    """Battery share that getting `distance_m` away at cruise, landing, and the reserve need."""
    cost = energy.cruise(model, distance_m, speed_mps) + energy.descend(model, max(alt_rel_m, 0.0))
    return cost.energy_wh / model.battery_wh * 100 + model.reserve_pct


def energy_decision(
    battery_pct: float,
    alt_rel_m: float,
    distance_m: float,
    model: VehicleModel,
    speed_mps: float,
    where: str = "home",
) -> Decision | None:
    """Return when the battery left is less than getting to `where` and the reserve need."""
    if not math.isfinite(battery_pct) or not math.isfinite(distance_m):
        return None
    needed_pct = energy_needed_pct(model, distance_m, alt_rel_m, speed_mps)
    if battery_pct + BATTERY_STEP_PCT <= needed_pct:
        return Decision(
            Action.RETURN,
            "energy",
            f"{battery_pct:.0f} % left, getting to {where} ({distance_m:.0f} m) and the "
            f"reserve need {needed_pct:.0f} %: returning",
        )
    return None


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
        if is_positional(item.command) and item.command != MavCmd.DO_LAND_START:
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
    item: int, stuck_s: float, allowances_s: tuple[float, ...]
) -> Decision | None:
    """Hold (and alert) when mission item `item` has been flown far longer than it should
    (`stuck_s`: time spent on it in mission mode)."""
    if not allowances_s:
        return None
    index = min(max(item, 0), len(allowances_s) - 1)
    if stuck_s > allowances_s[index]:
        return Decision(
            Action.HOLD,
            "progress",
            f"no mission progress for {stuck_s:.0f} s at item {item} "
            f"(allowed {allowances_s[index]:.0f} s): holding for the pilot",
        )
    return None

"""A multicopter as a point mass with limits: the simulator's ground truth, stepped in sim time.

Pure: `step` advances a `Body` toward a position setpoint under acceleration, speed and yaw-rate
limits, with wind pushing it and a drift that the controller does not see (a fly-away fault).
Positions are metres east/north/up of home in the simulator's local frame.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

GRAVITY_MPS2 = 9.80665
#: Position loop near the target (1/s), velocity loop (1/s), and air drag on the body (1/s).
POSITION_GAIN_PER_S = 1.0
VELOCITY_GAIN_PER_S = 3.0
DRAG_PER_S = 0.1


@dataclass(frozen=True, slots=True)
class Limits:
    """Performance limits (PX4 MPC_* equivalents)."""

    speed_mps: float = 12.0
    accel_mps2: float = 3.0
    climb_mps: float = 3.0
    descent_mps: float = 1.5
    yaw_rate_dps: float = 45.0


@dataclass
class Body:
    """The vehicle's true state (mutable: the simulator owns and steps it)."""

    east_m: float = 0.0
    north_m: float = 0.0
    up_m: float = 0.0
    vel_e_mps: float = 0.0
    vel_n_mps: float = 0.0
    vel_u_mps: float = 0.0
    yaw_rad: float = 0.0
    roll_rad: float = 0.0
    pitch_rad: float = 0.0
    drift_e_mps: float = 0.0
    drift_n_mps: float = 0.0
    nav_error_e_m: float = 0.0
    nav_error_n_m: float = 0.0
    on_ground: bool = True

    @property
    def ground_speed_mps(self) -> float:
        return math.hypot(self.vel_e_mps, self.vel_n_mps)


@dataclass(frozen=True, slots=True)
class Setpoint:
    """Where the controller wants the vehicle: a position, a speed cap, and whether to land."""

    east_m: float
    north_m: float
    up_m: float
    speed_mps: float
    vertical_mps: float | None = None  # descend/climb at this rate regardless of distance


def _approach(error_m: float, speed_cap: float, accel: float) -> float:
    """Speed toward a target that still allows stopping on it: min(cap, sqrt(2 a d))."""
    return min(speed_cap, math.sqrt(2 * accel * max(error_m, 0.0)) * 0.9)


def step(
    body: Body,
    target: Setpoint,
    dt_s: float,
    limits: Limits,
    wind_e_mps: float = 0.0,
    wind_n_mps: float = 0.0,
) -> None:
    """Advance `body` by dt toward `target` (in place).

    The controller steers on its own estimate of position, which is off by `nav_error_*` (a
    fly-away fault grows it at `drift_*` m/s): it holds its estimate on target while the true
    position, which GPS and so telemetry show, wanders off.
    """
    body.nav_error_e_m += body.drift_e_mps * dt_s
    body.nav_error_n_m += body.drift_n_mps * dt_s
    de = target.east_m - (body.east_m - body.nav_error_e_m)
    dn = target.north_m - (body.north_m - body.nav_error_n_m)
    dist = math.hypot(de, dn)
    speed_cap = min(target.speed_mps, limits.speed_mps)
    want = min(_approach(dist, speed_cap, limits.accel_mps2), POSITION_GAIN_PER_S * dist)
    want_e = want * de / dist if dist > 1e-6 else 0.0
    want_n = want * dn / dist if dist > 1e-6 else 0.0
    # the velocity loop commands an acceleration (tilt) within its limit; the wind drags the
    # body toward the air's velocity, so a steady wind leaves a small offset and a gust pushes
    acc_e = VELOCITY_GAIN_PER_S * (want_e - body.vel_e_mps)
    acc_n = VELOCITY_GAIN_PER_S * (want_n - body.vel_n_mps)
    acc = math.hypot(acc_e, acc_n)
    if acc > limits.accel_mps2:
        acc_e, acc_n = acc_e * limits.accel_mps2 / acc, acc_n * limits.accel_mps2 / acc
    drag_e = DRAG_PER_S * (wind_e_mps - body.vel_e_mps)
    drag_n = DRAG_PER_S * (wind_n_mps - body.vel_n_mps)
    body.vel_e_mps += (acc_e + drag_e) * dt_s
    body.vel_n_mps += (acc_n + drag_n) * dt_s
    _vertical(body, target, dt_s, limits)
    body.east_m += body.vel_e_mps * dt_s
    body.north_m += body.vel_n_mps * dt_s
    body.up_m = max(0.0, body.up_m + body.vel_u_mps * dt_s)
    _attitude(body, acc_e, acc_n, de, dn, dt_s, limits)


def _vertical(body: Body, target: Setpoint, dt_s: float, limits: Limits) -> None:
    if target.vertical_mps is not None:
        want_u = target.vertical_mps
    else:
        du = target.up_m - body.up_m
        cap = limits.climb_mps if du > 0 else limits.descent_mps
        want_u = math.copysign(_approach(abs(du), cap, limits.accel_mps2), du)
    change = max(-limits.accel_mps2 * dt_s, min(limits.accel_mps2 * dt_s, want_u - body.vel_u_mps))
    body.vel_u_mps += change
    if body.up_m <= 0.0 and body.vel_u_mps < 0:
        body.vel_u_mps = 0.0


def _attitude(
    body: Body, acc_e: float, acc_n: float, de: float, dn: float, dt_s: float, limits: Limits
) -> None:
    """Yaw turns toward the direction of travel at the yaw-rate limit; tilt follows acceleration."""
    if math.hypot(de, dn) > 1.0 and body.ground_speed_mps > 0.5:
        heading = math.atan2(body.vel_e_mps, body.vel_n_mps)  # yaw: 0 north, clockwise
        err = (heading - body.yaw_rad + math.pi) % (2 * math.pi) - math.pi
        max_turn = math.radians(limits.yaw_rate_dps) * dt_s
        body.yaw_rad = (body.yaw_rad + max(-max_turn, min(max_turn, err))) % (2 * math.pi)
    c, s = math.cos(body.yaw_rad), math.sin(body.yaw_rad)
    forward = acc_n * c + acc_e * s
    right = acc_e * c - acc_n * s
    body.pitch_rad = -math.atan2(forward, GRAVITY_MPS2)
    body.roll_rad = math.atan2(right, GRAVITY_MPS2)
